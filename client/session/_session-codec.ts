// Small codec helpers of the session layer on top of ./_bytes.ts, whose Reader reports FrankingError:
// here every parse failure becomes SessionError('malformed') naming the structure.
import { base64urlnopad } from '@scure/base';
import { FrankingError } from '../franking/errors.ts';
import { EncodingError } from '../crypto/errors.ts';
import { SessionError } from './session-errors.ts';

/** Runs a parser; truncation/trailing-byte errors of the shared Reader surface as SessionError('malformed'). */
export function parseOrThrow<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (SessionError.is(e) || e instanceof TypeError || e instanceof RangeError) throw e;
    if (FrankingError.is(e) || EncodingError.is(e)) throw new SessionError('malformed', `${what}: ${e.message}`);
    throw e;
  }
}

/** Strict base64url without padding; the decoded length must be `length`. */
export function decodeBase64UrlField(value: unknown, length: number, name: string): Uint8Array {
  if (typeof value !== 'string') throw new SessionError('malformed', `${name}: expected base64url string`);
  let bytes: Uint8Array;
  try {
    bytes = base64urlnopad.decode(value);
  } catch {
    throw new SessionError('malformed', `${name}: invalid base64url`);
  }
  if (bytes.length !== length) throw new SessionError('malformed', `${name}: expected ${length} bytes, got ${bytes.length}`);
  return bytes;
}

export const encodeBase64Url = (bytes: Uint8Array): string => base64urlnopad.encode(bytes);

export function isU32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}

export function u32be(n: number): Uint8Array {
  if (!isU32(n)) throw new RangeError(`expected u32, got ${String(n)}`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] as number];
  return s;
}
