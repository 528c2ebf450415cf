// Byte-level helpers shared by every encoder in the protocol (docs/PROTOCOL.md §2 "Encoding primitives").
// Internal module: the public surface re-exports only what an integrator needs (base64url, equalBytes).
import { base64urlnopad } from '@scure/base';
import { EncodingError } from './errors.ts';

/** Asserts `value` is a Uint8Array (TypeError otherwise) of `length` bytes when given (RangeError otherwise). */
export function abytes(value: unknown, length?: number, name = 'value'): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array, got ${typeof value}`);
  if (length !== undefined && value.length !== length)
    throw new RangeError(`${name}: expected Uint8Array of length ${length}, got length=${value.length}`);
  return value;
}

/** Constant-time equality for secrets and MACs: the running time depends only on the lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
export const utf8 = (s: string): Uint8Array => encoder.encode(s);
/** Decodes UTF-8, rejecting ill-formed input (no silent U+FFFD substitution). */
export function fromUtf8(b: Uint8Array): string {
  try {
    return strictDecoder.decode(b);
  } catch {
    throw new EncodingError('invalid UTF-8');
  }
}

/** base64url without padding (RFC 4648 §5); decoding is strict: no padding, no stray bits, no other alphabet. */
export const toBase64Url = (b: Uint8Array): string => base64urlnopad.encode(b);
/** Strict base64url decoding (see toBase64Url); throws EncodingError naming `name` on bad input. */
export function fromBase64Url(s: string, name = 'value'): Uint8Array {
  if (typeof s !== 'string') throw new EncodingError(`${name}: expected base64url string`);
  try {
    return base64urlnopad.decode(s);
  } catch {
    throw new EncodingError(`${name}: invalid base64url`);
  }
}

export const MAX_U32 = 0xffff_ffff;

// Big-endian u32 without a DataView (one less allocation per Writer/Reader on the per-message path).
function writeU32(b: Uint8Array, at: number, n: number): void {
  b[at] = n >>> 24;
  b[at + 1] = (n >>> 16) & 0xff;
  b[at + 2] = (n >>> 8) & 0xff;
  b[at + 3] = n & 0xff;
}
export function readU32(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) >>> 0) + (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number));
}

/** Append-only big-endian writer with a growable buffer. */
export class Writer {
  private buf: Uint8Array;
  private len = 0;
  /** Set by Writer.over: the buffer is the caller's and must be filled exactly, never replaced. */
  private readonly fixedTarget: boolean;

  /** A growable writer (initialCapacity bytes to start), or with a Uint8Array, a writer into that exact buffer. */
  constructor(initialCapacity: number | Uint8Array = 256) {
    this.fixedTarget = initialCapacity instanceof Uint8Array;
    this.buf = initialCapacity instanceof Uint8Array ? initialCapacity : new Uint8Array(initialCapacity);
  }

  /** A writer into `target` (often a subarray of a larger buffer): no allocation; it must end exactly full. */
  static over(target: Uint8Array): Writer {
    return new Writer(abytes(target, undefined, 'target'));
  }

  /** Grows the buffer if needed and returns the write offset. It may replace buf: callers take the offset
   *  before touching it (`this.buf.set(b, this.reserve(n))` would write to the old buffer). */
  private reserve(n: number): number {
    const need = this.len + n;
    if (need > this.buf.length && this.fixedTarget) throw new RangeError(`Writer: target of ${this.buf.length} bytes is too small`);
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    const at = this.len;
    this.len = need;
    return at;
  }

  u8(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError(`expected u8, got ${n}`);
    const at = this.reserve(1);
    this.buf[at] = n;
    return this;
  }
  u16(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`expected u16, got ${n}`);
    const at = this.reserve(2);
    this.buf[at] = n >>> 8;
    this.buf[at + 1] = n & 0xff;
    return this;
  }
  u32(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > MAX_U32) throw new RangeError(`expected u32, got ${n}`);
    const at = this.reserve(4);
    writeU32(this.buf, at, n);
    return this;
  }
  /** u64 big-endian; JavaScript numbers carry it exactly up to 2^53 − 1, which the protocol never exceeds. */
  u64(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected non-negative safe integer, got ${n}`);
    const at = this.reserve(8);
    writeU32(this.buf, at, Math.floor(n / 2 ** 32));
    writeU32(this.buf, at + 4, n >>> 0);
    return this;
  }
  /** Fixed-length field: exactly `length` bytes, no prefix. */
  fixed(b: Uint8Array, length: number, name = 'field'): this {
    abytes(b, length, name);
    return this.raw(b);
  }
  raw(b: Uint8Array): this {
    const at = this.reserve(b.length); // reserve may replace this.buf: take the offset first
    this.buf.set(b, at);
    return this;
  }
  vec8(b: Uint8Array): this {
    if (b.length > 0xff) throw new RangeError(`expected at most 255 bytes, got length=${b.length}`);
    return this.u8(b.length).raw(b);
  }
  /** vec8 of an ASCII string (ids, media types — validated by the caller): no TextEncoder round trip. */
  ascii8(s: string): this {
    if (s.length > 0xff) throw new RangeError(`expected at most 255 bytes, got length=${s.length}`);
    const at = this.reserve(1 + s.length);
    this.buf[at] = s.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) throw new EncodingError('expected ASCII');
      this.buf[at + 1 + i] = c;
    }
    return this;
  }
  vec16(b: Uint8Array): this {
    if (b.length > 0xffff) throw new RangeError(`expected at most 65535 bytes, got length=${b.length}`);
    return this.u16(b.length).raw(b);
  }
  vec32(b: Uint8Array): this {
    if (b.length > MAX_U32) throw new RangeError(`expected at most 2^32-1 bytes, got length=${b.length}`);
    return this.u32(b.length).raw(b);
  }
  /** The written bytes; no copy when the initial capacity was exact (the payload path sizes it exactly). */
  finish(): Uint8Array {
    if (this.fixedTarget && this.len !== this.buf.length) throw new RangeError(`Writer: wrote ${this.len} of the target's ${this.buf.length} bytes`);
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}

/** Big-endian reader; every failure is a EncodingError naming the field. */
export class Reader {
  private offset = 0;

  constructor(private readonly buf: Uint8Array) {}

  private take(n: number, name: string): number {
    if (this.offset + n > this.buf.length)
      throw new EncodingError(`${name}: truncated (need ${n} bytes at offset ${this.offset}, have ${this.buf.length - this.offset})`);
    const at = this.offset;
    this.offset += n;
    return at;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }
  u8(name: string): number {
    return this.buf[this.take(1, name)] as number;
  }
  u16(name: string): number {
    const at = this.take(2, name);
    return ((this.buf[at] as number) << 8) | (this.buf[at + 1] as number);
  }
  u32(name: string): number {
    return readU32(this.buf, this.take(4, name));
  }
  u64(name: string): number {
    const at = this.take(8, name);
    const hi = readU32(this.buf, at);
    const lo = readU32(this.buf, at + 4);
    if (hi > 0x1f_ffff) throw new EncodingError(`${name}: exceeds 2^53-1`);
    return hi * 2 ** 32 + lo;
  }
  fixed(n: number, name: string): Uint8Array {
    const at = this.take(n, name);
    return this.buf.subarray(at, at + n);
  }
  vec8(name: string): Uint8Array {
    return this.fixed(this.u8(name), name);
  }
  vec16(name: string): Uint8Array {
    return this.fixed(this.u16(name), name);
  }
  /** vec8 holding ASCII; a byte ≥ 0x80 is malformed (ids and media types are ASCII by definition). */
  ascii8(name: string): string {
    const b = this.vec8(name);
    let high = 0;
    for (let i = 0; i < b.length; i++) high |= b[i] as number;
    if (high > 0x7f) throw new EncodingError(`${name}: expected ASCII`);
    // One flat string from the ≤ 255 checked bytes (a character at a time would build a rope the caller's
    // pattern checks must flatten first).
    return String.fromCharCode.apply(null, b as unknown as number[]);
  }
  vec32(name: string): Uint8Array {
    return this.fixed(this.u32(name), name);
  }
  rest(): Uint8Array {
    const at = this.take(this.remaining, 'rest');
    return this.buf.subarray(at);
  }
  /** Canonical encodings have no trailing bytes. */
  end(name: string): void {
    if (this.remaining !== 0) throw new EncodingError(`${name}: ${this.remaining} trailing byte(s)`);
  }
}
