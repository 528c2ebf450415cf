// The ratchet header (docs/PROTOCOL-sessions.md §S6.3, §S17.4, §S18.4), the ratchet's bounds (§S2, §S8) and the derivation of
// skipped message keys: the parts of the Double Ratchet (./ratchet.ts) that hold no state.
import { abytes, readU32 } from '../crypto/_bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { toHex } from './_session-codec.ts';
import { AEAD_TAG_LENGTH, isSessionCipherVersion, kdfChain, nonceLength, type SessionCipherVersion, wipe } from './_session-kdf.ts';
import { SessionError } from './session-errors.ts';

/** Most message keys one incoming message may make us skip in one chain (Double Ratchet §3.2 MAX_SKIP). */
export const MAX_SKIP = 1000;
/** Most skipped message keys held at once; beyond it the oldest-stored keys are evicted first (FIFO). */
export const MAX_SKIPPED_KEYS = 2000;
/** How many superseded remote ratchet keys are remembered, to classify late duplicates as 'replay'. */
export const MAX_PREVIOUS_RATCHET_KEYS = 8;
/** Largest message number a chain may use: n is u32 and n + 1 must fit too. */
export const MAX_MESSAGE_NUMBER = 0xffff_fffe;

/** Header version of cipher v1 (§S6.3); a header's version byte is its session's cipher version (§S17, §S18). */
export const RATCHET_HEADER_VERSION = 1;
/** u8 version (the session cipher, 1, 2 or 3) || ratchet public key (32) || u32 pn || u32 n. */
export const RATCHET_HEADER_LENGTH = 1 + 32 + 4 + 4;
/** Length of the session AD the ratchet appends to the caller's AD (X3DH AD: both identities). */
export const SESSION_AD_LENGTH = 128;

/** Double Ratchet §3.1 HEADER(dh_pair, pn, n). */
export interface RatchetHeader {
  /** The session's cipher version (§S17, §S18), the header's first byte; 1 when absent (encodeRatchetHeader). */
  readonly version?: SessionCipherVersion;
  /** The sender's current ratchet public key. */
  readonly ratchetKey: Uint8Array;
  /** PN: number of messages in the sender's previous sending chain. */
  readonly previousChainLength: number;
  /** N: message number in the current sending chain. */
  readonly messageNumber: number;
}

function writeU32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = (n >>> 16) & 0xff;
  out[at + 2] = (n >>> 8) & 0xff;
  out[at + 3] = n & 0xff;
}

export function writeRatchetHeader(out: Uint8Array, version: SessionCipherVersion, ratchetKey: Uint8Array, previousChainLength: number, messageNumber: number): void {
  out[0] = version;
  out.set(ratchetKey, 1);
  writeU32(out, 33, previousChainLength);
  writeU32(out, 37, messageNumber);
}

export function encodeRatchetHeader(header: RatchetHeader): Uint8Array {
  abytes(header.ratchetKey, 32, 'ratchetKey');
  for (const [name, v] of [['previousChainLength', header.previousChainLength], ['messageNumber', header.messageNumber]] as const)
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`${name}: expected u32, got ${v}`);
  const version = header.version ?? RATCHET_HEADER_VERSION;
  if (!isSessionCipherVersion(version)) throw new RangeError(`version: expected 1, 2 or 3, got ${String(version)}`);
  const out = new Uint8Array(RATCHET_HEADER_LENGTH);
  writeRatchetHeader(out, version, header.ratchetKey, header.previousChainLength, header.messageNumber);
  return out;
}

export function decodeRatchetHeader(bytes: Uint8Array): RatchetHeader & { readonly version: SessionCipherVersion } {
  abytes(bytes, undefined, 'header');
  if (bytes.length !== RATCHET_HEADER_LENGTH)
    throw new SessionError('malformed', `ratchet header: expected ${RATCHET_HEADER_LENGTH} bytes, got ${bytes.length}`);
  const version = bytes[0];
  if (!isSessionCipherVersion(version)) throw new SessionError('unsupported_version', `ratchet header: version ${String(version)} is not supported`);
  const messageNumber = readU32(bytes, 37);
  const previousChainLength = readU32(bytes, 33);
  if (messageNumber > MAX_MESSAGE_NUMBER || previousChainLength > MAX_MESSAGE_NUMBER + 1)
    throw new SessionError('counter_overflow', 'ratchet header: message number out of range');
  return { version, ratchetKey: bytes.subarray(1, 33), previousChainLength, messageNumber };
}

/**
 * The cipher version a ratchet message (header || nonce || ciphertext || tag) names in its header's first byte
 * (§S17.4, §S18.4): 'unsupported_version' for any other byte, 'malformed' if it is shorter than that version's fixed parts.
 */
export function ratchetMessageVersion(body: Uint8Array): SessionCipherVersion {
  const version = body[0];
  if (!isSessionCipherVersion(version))
    throw new SessionError(version === undefined ? 'malformed' : 'unsupported_version', `ratchet header: version ${String(version)} is not supported`);
  if (body.length < RATCHET_HEADER_LENGTH + nonceLength(version) + AEAD_TAG_LENGTH)
    throw new SessionError('malformed', `ratchet message: ${body.length} bytes is shorter than header, nonce and tag`);
  return version;
}

export interface SkippedKey {
  readonly ratchetKey: Uint8Array;
  readonly messageNumber: number;
  readonly messageKey: Uint8Array;
}

export const skippedId = (ratchetKey: Uint8Array, n: number): string => `${toHex(ratchetKey)}:${n}`;

export function checkSkip(from: number, until: number): void {
  // Double Ratchet §3.5 SkipMessageKeys: "if state.Nr + MAX_SKIP < until: raise Error". Checked before any
  // key derivation, so a hostile header costs at most MAX_SKIP HMACs and never more memory than the bound.
  if (until - from > MAX_SKIP)
    throw new SessionError('max_skip_exceeded', `message would skip ${until - from} message keys; MAX_SKIP is ${MAX_SKIP}`);
}

/** Derives the keys of messages [from, until) of a chain into `staged`; returns the chain key at `until`. */
export function stageSkipped(
  chainKey: Uint8Array,
  from: number,
  until: number,
  ratchetKey: Uint8Array,
  staged: SkippedKey[],
  crypto: CryptoProvider,
  version: SessionCipherVersion,
): Uint8Array {
  let ck = chainKey;
  for (let n = from; n < until; n++) {
    const step = kdfChain(ck, crypto, version);
    if (ck !== chainKey) wipe(ck);
    ck = step.chainKey;
    staged.push({ ratchetKey, messageNumber: n, messageKey: step.messageKey });
  }
  return ck;
}
