// Byte helpers of the transparency encodings (docs/TRANSPARENCY.md §2): big-endian integers, bounded reads.
// Internal: every decoder fails with TransparencyError('malformed') and an exact expectation, never a crash.
import { malformed } from './errors.ts';

/** Largest tree size / timestamp this implementation handles: JavaScript's exact integers (2^53 - 1). */
export const MAX_U53 = Number.MAX_SAFE_INTEGER;

export function u64be(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected integer in [0, 2^53-1], got ${n}`);
  const out = new Uint8Array(8);
  const hi = Math.floor(n / 0x1_0000_0000);
  const lo = n >>> 0;
  out[0] = hi >>> 24; out[1] = (hi >>> 16) & 0xff; out[2] = (hi >>> 8) & 0xff; out[3] = hi & 0xff;
  out[4] = lo >>> 24; out[5] = (lo >>> 16) & 0xff; out[6] = (lo >>> 8) & 0xff; out[7] = lo & 0xff;
  return out;
}

export class Reader {
  private at = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly what: string,
  ) {}
  private need(n: number, field: string): void {
    if (this.at + n > this.b.length) throw malformed(`${this.what}: truncated at ${field} (need ${n} bytes at offset ${this.at}, have ${this.b.length - this.at})`);
  }
  u8(field: string): number {
    this.need(1, field);
    return this.b[this.at++] as number;
  }
  u16(field: string): number {
    this.need(2, field);
    const v = ((this.b[this.at] as number) << 8) | (this.b[this.at + 1] as number);
    this.at += 2;
    return v;
  }
  u64(field: string): number {
    this.need(8, field);
    const b = this.b;
    const i = this.at;
    const hi = (((b[i] as number) << 24) >>> 0) + ((b[i + 1] as number) << 16) + ((b[i + 2] as number) << 8) + (b[i + 3] as number);
    const lo = (((b[i + 4] as number) << 24) >>> 0) + ((b[i + 5] as number) << 16) + ((b[i + 6] as number) << 8) + (b[i + 7] as number);
    if (hi > 0x1f_ffff) throw malformed(`${this.what}: ${field} exceeds 2^53-1`);
    this.at += 8;
    return hi * 0x1_0000_0000 + lo;
  }
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.b.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  end(): void {
    if (this.at !== this.b.length) throw malformed(`${this.what}: ${this.b.length - this.at} trailing bytes`);
  }
}
