// Moderator password hashing: argon2id (RFC 9106) from @noble/hashes, stored as a PHC string so the cost can
// be raised later without invalidating existing hashes (old hashes verify with the parameters they carry).
// Parameters and measurements: docs/MODERATION.md "Passwords".
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../../client/transport/contract/moderation/vocabulary.ts';

export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH };

export interface ArgonParams {
  /** memory in KiB */
  m: number;
  /** passes */
  t: number;
  /** lanes */
  p: number;
}

export const SALT_LENGTH = 16;
export const HASH_LENGTH = 32;
/** Refuse to verify hashes that would cost more than this (a tampered row must not become a DoS). */
const MAX_MEMORY_KIB = 262_144;
const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64').replace(/=+$/, '');

async function derive(password: string, salt: Uint8Array, p: ArgonParams): Promise<Uint8Array> {
  // asyncTick: yield to the event loop every few ms so a login never stalls the relay for the whole hash.
  return argon2idAsync(password.normalize('NFKC'), salt, { m: p.m, t: p.t, p: p.p, dkLen: HASH_LENGTH, asyncTick: 10 });
}

export async function hashPassword(password: string, params: ArgonParams): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('password: expected string');
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH)
    throw new RangeError(`password: expected ${MIN_PASSWORD_LENGTH}-${MAX_PASSWORD_LENGTH} characters, got length=${password.length}`);
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, params);
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/** Constant-time comparison of the derived hash; false (never throws) for malformed stored strings. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = PHC.exec(stored);
  if (!m || password.length > MAX_PASSWORD_LENGTH) return false;
  const params = { m: Number(m[1]), t: Number(m[2]), p: Number(m[3]) };
  if (params.m > MAX_MEMORY_KIB || params.t > 16 || params.p !== 1) return false;
  const expected = Buffer.from(m[5] as string, 'base64');
  const got = await derive(password, Buffer.from(m[4] as string, 'base64'), params);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** A real hash of a random password: verified against when the login name is unknown, so timing does not tell. */
export async function dummyHash(params: ArgonParams): Promise<string> {
  return hashPassword(randomBytes(24).toString('base64url'), params);
}

export function needsRehash(stored: string, params: ArgonParams): boolean {
  const m = PHC.exec(stored);
  return !m || Number(m[1]) < params.m || Number(m[2]) < params.t;
}
