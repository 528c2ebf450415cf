// The link channel's handshake and sealing (docs/PROTOCOL-linking.md L2, L4–L6): the commitment to E's ephemeral key,
// the transcript hash, the per-direction keys, the short code, and the sealed frames with their sequence numbers.
import { abytes, concatBytes, equalBytes, utf8, Writer } from '../crypto/_bytes.ts';
import { DecryptError } from '../crypto/errors.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { LinkError } from './errors.ts';
import { encodeLinkCode, type LinkCode } from './link-code.ts';

// L2 labels: ASCII followed by one 0x00 byte (PROTOCOL.md §3).
export const LINK_COMMIT_LABEL = utf8('franking-chat/v1/link-commit\0');
export const LINK_TRANSCRIPT_LABEL = utf8('franking-chat/v1/link-transcript\0');
export const LINK_KEYS_LABEL = utf8('franking-chat/v1/link-keys\0');
export const LINK_SAS_LABEL = utf8('franking-chat/v1/link-sas\0');
export const LINK_AD_LABEL = utf8('franking-chat/v1/link-ad\0');
export const LINK_DEVICE_LABEL = utf8('franking-chat/v1/link-device\0');

// L2 constants.
export const LINK_TTL_MS = 600_000;
export const LINK_MAX_PLAINTEXT = 65_536;
export const LINK_MAX_FRAME = 1 + LINK_MAX_PLAINTEXT + 16;
export const LINK_MAX_FRAMES = 512;
export const LINK_MAX_CHANNEL_BYTES = 16 * 1024 * 1024;

/** L4 frame types. */
export const LINK_FRAME_TYPES = { commit: 0x01, nonce: 0x02, reveal: 0x03, sealed: 0x04 } as const;
export type LinkFrameType = keyof typeof LINK_FRAME_TYPES;
/** L6 `dir`. */
export const LINK_DIRECTIONS = { toExisting: 0x01, toNew: 0x02 } as const;
export type LinkDirection = keyof typeof LINK_DIRECTIONS;

/** L4: commitment = SHA-256(LINK_COMMIT_LABEL ‖ EE). */
export function linkCommitment(existingKey: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  return crypto.sha256(LINK_COMMIT_LABEL, abytes(existingKey, 32, 'EE'));
}

/** L4: th = SHA-256(LINK_TRANSCRIPT_LABEL ‖ LinkCode ‖ commitment ‖ nonceN ‖ EE). */
export function linkTranscript(code: LinkCode, commitment: Uint8Array, nonce: Uint8Array, existingKey: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  return crypto.sha256(LINK_TRANSCRIPT_LABEL, encodeLinkCode(code), abytes(commitment, 32, 'commitment'), abytes(nonce, 32, 'nonceN'), abytes(existingKey, 32, 'EE'));
}

/** What L4 derives, on both sides. */
export interface LinkKeys {
  readonly transcript: Uint8Array;
  /** kNE: seals N → E. */
  readonly toExisting: Uint8Array;
  /** kEN: seals E → N. */
  readonly toNew: Uint8Array;
  /** L5: six digits with leading zeros. */
  readonly shortCode: string;
}

/**
 * L4–L5: keys and short code from the shared secret `ss = X25519(own ephemeral, peer ephemeral)` (all zero: `bad_key`),
 * the link secret and the transcript hash.
 */
export function deriveLinkKeys(privateKey: Uint8Array, peerKey: Uint8Array, code: LinkCode, transcript: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): LinkKeys {
  let ss: Uint8Array;
  try {
    ss = crypto.x25519(privateKey, peerKey);
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw e;
    throw new LinkError('bad_key', 'X25519 with the peer\'s ephemeral key gives all zeros (a low-order key)');
  }
  if (ss.every((b) => b === 0)) throw new LinkError('bad_key', 'X25519 with the peer\'s ephemeral key gives all zeros (a low-order key)');
  const ikm = concatBytes(ss, code.linkSecret);
  const okm = crypto.hkdfSha256(ikm, transcript, LINK_KEYS_LABEL, 64);
  const sas = crypto.hkdfSha256(ikm, transcript, LINK_SAS_LABEL, 4);
  const keys: LinkKeys = { transcript: transcript.slice(), toExisting: okm.slice(0, 32), toNew: okm.slice(32, 64), shortCode: shortCodeOf(sas) };
  ss.fill(0);
  ikm.fill(0);
  okm.fill(0);
  return keys;
}

/** L5: u32(sas) mod 10^6 as six digits with leading zeros. */
export function shortCodeOf(sas: Uint8Array): string {
  abytes(sas, 4, 'sas');
  const n = (((sas[0] as number) << 24) >>> 0) + ((sas[1] as number) << 16) + ((sas[2] as number) << 8) + (sas[3] as number);
  return String(n % 1_000_000).padStart(6, '0');
}

/** L5 display: "048 913". */
export const formatShortCode = (code: string): string => `${code.slice(0, 3)} ${code.slice(3)}`;

/** L6: nonce(seq) = 0x00000000 ‖ u64 seq. */
export const linkNonce = (seq: number): Uint8Array => new Writer(12).u32(0).u64(seq).finish();
/** L6: ad(dir, seq) = LINK_AD_LABEL ‖ th ‖ u8 dir ‖ u64 seq. */
export const linkAd = (transcript: Uint8Array, dir: LinkDirection, seq: number): Uint8Array =>
  new Writer(LINK_AD_LABEL.length + 32 + 9).raw(LINK_AD_LABEL).fixed(transcript, 32, 'th').u8(LINK_DIRECTIONS[dir]).u64(seq).finish();

/** L6: a sealed frame `0x04 ‖ ChaCha20-Poly1305(k_dir, nonce(seq), message, ad(dir, seq))`. */
export function sealLinkFrame(keys: LinkKeys, dir: LinkDirection, seq: number, message: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  if (message.length > LINK_MAX_PLAINTEXT) throw new LinkError('too_large', `a sealed message holds at most ${LINK_MAX_PLAINTEXT} bytes, got ${message.length}`);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`seq: expected a positive integer, got ${seq}`);
  const key = dir === 'toExisting' ? keys.toExisting : keys.toNew;
  return concatBytes(Uint8Array.of(LINK_FRAME_TYPES.sealed), crypto.chacha20poly1305Seal(key, linkNonce(seq), message, linkAd(keys.transcript, dir, seq)));
}

/** L6: opens a sealed frame (`malformed` if it is not one, `tampered` if it does not authenticate). */
export function openLinkFrame(keys: LinkKeys, dir: LinkDirection, seq: number, frame: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  if (frame.length < 17 || frame[0] !== LINK_FRAME_TYPES.sealed) throw new LinkError(frame[0] === LINK_FRAME_TYPES.sealed ? 'malformed' : 'unexpected_message', 'expected a sealed frame');
  if (frame.length > LINK_MAX_FRAME) throw new LinkError('too_large', `a frame holds at most ${LINK_MAX_FRAME} bytes`);
  const key = dir === 'toExisting' ? keys.toExisting : keys.toNew;
  try {
    // RFC 8439 §2.8: the tag is checked before any plaintext is returned.
    return crypto.chacha20poly1305Open(key, linkNonce(seq), frame.subarray(1), linkAd(keys.transcript, dir, seq));
  } catch (e) {
    if (e instanceof DecryptError) throw new LinkError('tampered', `sealed frame ${seq} does not authenticate`);
    throw e;
  }
}

/** L4 plaintext handshake frames: `type ‖ fixed<32>`. */
export function handshakeFrame(type: 'commit' | 'nonce' | 'reveal', value: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(LINK_FRAME_TYPES[type]), abytes(value, 32, type));
}

/** L4: the 32-byte value of a plaintext handshake frame of the expected type (`unexpected_message`, `malformed`). */
export function readHandshakeFrame(type: 'commit' | 'nonce' | 'reveal', frame: Uint8Array): Uint8Array {
  if (frame[0] !== LINK_FRAME_TYPES[type]) throw new LinkError('unexpected_message', `expected a ${type} frame, got type ${frame[0] ?? 'none'}`);
  if (frame.length !== 33) throw new LinkError('malformed', `a ${type} frame is 33 bytes, got ${frame.length}`);
  return frame.slice(1);
}

/** L4: N's check of the revealed key against the commitment (constant-time compare). */
export function checkLinkCommitment(commitment: Uint8Array, existingKey: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): void {
  if (!equalBytes(linkCommitment(existingKey, crypto), commitment)) throw new LinkError('bad_commitment', 'the revealed key does not open the commitment');
}
