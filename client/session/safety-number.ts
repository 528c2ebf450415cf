// Safety numbers (docs/PROTOCOL-sessions.md §12): a 60-digit fingerprint of both parties' identities that
// two users compare out of band. Modelled on Signal's NumericFingerprintGenerator (iterated SHA-512, 5 digits
// per 5 bytes), over both identity keys of each device and the user id.
import { sha512 } from '@noble/hashes/sha2.js';
import { abytes, utf8, Writer } from '../crypto/_bytes.ts';
import { SAFETY_NUMBER_LABEL } from './_session-kdf.ts';
import { encodePublicIdentity, type PublicIdentity } from './identity.ts';

/** SHA-512 iterations (Signal's value): slows a search for a colliding identity by ~2^12.3. */
export const SAFETY_NUMBER_ITERATIONS = 5200;

export interface SafetyNumberParty {
  /** The user's stable id (e.g. the server user id), UTF-8 encoded into the hash. */
  readonly userId: string;
  readonly identity: PublicIdentity;
}

/**
 * 30-digit fingerprint of one party: h0 = SHA-512(label || u16 len(userId) || userId || keys), then
 * h_{i+1} = SHA-512(h_i || keys) for 5200 rounds, keys = signingKey || dhKey. The first 30 bytes of h_5200 give
 * six 5-byte big-endian integers, each printed as (value mod 100000) with 5 digits.
 */
export function fingerprintDigits(party: SafetyNumberParty): string {
  if (typeof party.userId !== 'string') throw new TypeError('userId: expected string');
  const keys = encodePublicIdentity(party.identity);
  const id = utf8(party.userId);
  let h = sha512(new Writer(SAFETY_NUMBER_LABEL.length + 2 + id.length + 64).raw(SAFETY_NUMBER_LABEL).vec16(id).raw(keys).finish());
  const buf = new Uint8Array(64 + 64);
  buf.set(keys, 64);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    buf.set(h, 0);
    h = sha512(buf);
  }
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + (h[chunk * 5 + j] as number);
    digits += String(value % 100000).padStart(5, '0');
  }
  return digits;
}

/**
 * The safety number both users see: the two 30-digit fingerprints, the numerically smaller first, so it is the
 * same string on both devices. 60 digits; display with formatSafetyNumber.
 */
export function safetyNumber(a: SafetyNumberParty, b: SafetyNumberParty): string {
  abytes(a.identity.signingKey, 32, 'a.identity.signingKey');
  abytes(b.identity.signingKey, 32, 'b.identity.signingKey');
  const fa = fingerprintDigits(a);
  const fb = fingerprintDigits(b);
  return fa <= fb ? fa + fb : fb + fa;
}

/** Groups of five digits, four groups per line (12 groups): how the number is shown to users. */
export function formatSafetyNumber(digits: string): string {
  if (!/^\d{60}$/.test(digits)) throw new RangeError(`expected 60 digits, got length=${digits.length}`);
  const groups = digits.match(/\d{5}/g) as string[];
  return [0, 4, 8].map((i) => groups.slice(i, i + 4).join(' ')).join('\n');
}
