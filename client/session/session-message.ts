// Session messages and franked envelopes: their byte forms and the options and results of the session API
// (docs/PROTOCOL-sessions.md §7, §10, §S17.3, §S18.3). The session itself is ./session.ts.
import { abytes } from '../crypto/_bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { FrankingErrorCode } from '../franking/errors.ts';
import { type Expectation, type OpenedMessage, COMMITMENT_LENGTH } from '../franking/franking.ts';
import { AEAD_TAG_LENGTH, nonceLength, type RandomBytes, type SessionCipherVersion } from './_session-kdf.ts';
import { RATCHET_HEADER_LENGTH } from './ratchet.ts';
import { SessionError } from './session-errors.ts';
import { decodePreKeyPrefix, PREKEY_PREFIX_LENGTH, type PreKeyPrefix } from './x3dh.ts';

/** Session message types (first byte of every session message, §7). */
export const MESSAGE_TYPE_RATCHET = 0x01;
export const MESSAGE_TYPE_PREKEY = 0x02;
export const FRANKED_ENVELOPE_VERSION = 1;

const MIN_NONCE_LENGTH = nonceLength(2);

/** A parsed session message. */
export interface SessionMessage {
  readonly type: typeof MESSAGE_TYPE_RATCHET | typeof MESSAGE_TYPE_PREKEY;
  /** Present iff type is MESSAGE_TYPE_PREKEY. */
  readonly preKey: PreKeyPrefix | null;
  /** The ratchet message: header (41) || nonce (24 in cipher v1, 12 in v2 and v3) || ciphertext || tag (16). */
  readonly body: Uint8Array;
}

/**
 * type 0x01: u8 0x01 || header (41) || nonce || ciphertext || tag (16)
 * type 0x02: u8 0x02 || X3DH prefix (105) || header (41) || nonce || ciphertext || tag (16)
 * The nonce is 24 bytes in cipher v1, 12 in v2 and v3: the header's first byte names the version (§S7, §S17.3, §S18.3).
 */
export function decodeSessionMessage(bytes: Uint8Array): SessionMessage {
  abytes(bytes, undefined, 'message');
  const type = bytes[0];
  const prefixLength = type === MESSAGE_TYPE_PREKEY ? PREKEY_PREFIX_LENGTH : 0;
  if (type !== MESSAGE_TYPE_RATCHET && type !== MESSAGE_TYPE_PREKEY)
    throw new SessionError(type === undefined ? 'malformed' : 'unsupported_version', `session message: unknown type ${String(type)}`);
  const headerAt = 1 + prefixLength;
  // The shortest ratchet message (cipher v2's and v3's 12-byte nonce); the ratchet checks the length its version needs.
  if (bytes.length < headerAt + RATCHET_HEADER_LENGTH + MIN_NONCE_LENGTH + AEAD_TAG_LENGTH)
    throw new SessionError('malformed', `session message: ${bytes.length} bytes is too short for type ${type}`);
  return {
    type,
    preKey: type === MESSAGE_TYPE_PREKEY ? decodePreKeyPrefix(bytes.subarray(1, headerAt)) : null,
    body: bytes.subarray(headerAt),
  };
}

/** The X3DH prefix and ratchet body of a message that must start a session (SessionError 'bad_state' otherwise). */
export function parsePreKeyMessage(message: Uint8Array): { prefix: PreKeyPrefix; body: Uint8Array } {
  const parsed = decodeSessionMessage(message);
  if (parsed.preKey === null) throw new SessionError('bad_state', 'not a prekey message: no session exists to decrypt it');
  return { prefix: parsed.preKey, body: parsed.body };
}

/** Whether a session message starts a session (carries the X3DH prefix): answer it with Session.respond / respondFranked. */
export function isPreKeyMessage(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes[0] === MESSAGE_TYPE_PREKEY;
}

/** What travels for one franked message: the commitment in the clear beside the session message (§10). */
export interface FrankedEnvelope {
  readonly commitment: Uint8Array;
  readonly message: Uint8Array;
}

/** Length of the franked envelope's prefix (docs/PROTOCOL-sessions.md §S10): u8 version || c (32). */
export const ENVELOPE_PREFIX_LENGTH = 1 + COMMITMENT_LENGTH;

/**
 * An envelope as sendFranked makes it: the session wrote version || c || session message into one buffer (`wire`) and
 * the fields are views of it, so encoding it needs no copy of the message (a class, not a weak set of envelopes:
 * nothing for the garbage collector to track per message).
 */
export class SentFrankedEnvelope implements FrankedEnvelope {
  readonly #wire: Uint8Array;
  readonly commitment: Uint8Array;
  readonly message: Uint8Array;

  constructor(wire: Uint8Array) {
    this.#wire = wire;
    this.commitment = wire.subarray(1, ENVELOPE_PREFIX_LENGTH);
    this.message = wire.subarray(ENVELOPE_PREFIX_LENGTH);
  }

  /** The wire bytes, if both fields are still the views the constructor set (readonly is not enforced at run time). */
  wireIfIntact(): Uint8Array | null {
    const w = this.#wire;
    const { commitment: c, message: m } = this;
    const intact =
      c.buffer === w.buffer && c.byteOffset === w.byteOffset + 1 && c.length === COMMITMENT_LENGTH &&
      m.buffer === w.buffer && m.byteOffset === w.byteOffset + ENVELOPE_PREFIX_LENGTH && m.length === w.length - ENVELOPE_PREFIX_LENGTH;
    return intact ? w : null;
  }
}

/**
 * u8 version = 1 || c (32) || session message. For an envelope Session.sendFranked returned, the result is the one
 * buffer the session wrote it in (the same bytes, no copy of the message); otherwise a fresh array.
 */
export function encodeFrankedEnvelope(envelope: FrankedEnvelope): Uint8Array {
  abytes(envelope.commitment, COMMITMENT_LENGTH, 'commitment');
  abytes(envelope.message, undefined, 'message');
  const wire = envelope instanceof SentFrankedEnvelope ? envelope.wireIfIntact() : null;
  if (wire !== null) return wire;
  const out = new Uint8Array(1 + COMMITMENT_LENGTH + envelope.message.length);
  out[0] = FRANKED_ENVELOPE_VERSION;
  out.set(envelope.commitment, 1);
  out.set(envelope.message, 1 + COMMITMENT_LENGTH);
  return out;
}

/** Inverse of encodeFrankedEnvelope; throws SessionError('malformed' | 'unsupported_version'). */
export function decodeFrankedEnvelope(bytes: Uint8Array): FrankedEnvelope {
  abytes(bytes, undefined, 'envelope');
  if (bytes.length < 1 + COMMITMENT_LENGTH + 1) throw new SessionError('malformed', 'franked envelope: truncated');
  if (bytes[0] !== FRANKED_ENVELOPE_VERSION) throw new SessionError('unsupported_version', `franked envelope: version ${String(bytes[0])}`);
  return { commitment: bytes.subarray(1, 1 + COMMITMENT_LENGTH), message: bytes.subarray(1 + COMMITMENT_LENGTH) };
}

/** A franked message that authenticated in the session but did not open its commitment (or disagreed with the transport). */
export interface FrankingFailure {
  /** Local time of the failure, ms since the Unix epoch. */
  readonly at: number;
  readonly code: FrankingErrorCode;
  /** The commitment the envelope claimed. */
  readonly commitment: Uint8Array;
}

/** Outcome of receiving a franked message that the session authenticated. */
export type FrankedReceipt =
  | { readonly status: 'accepted'; readonly message: OpenedMessage }
  | { readonly status: 'dropped'; readonly failure: FrankingFailure };

export interface SessionOptions {
  /** Source of every random draw (ephemeral and ratchet keys). Defaults to the platform CSPRNG. */
  randomBytes?: RandomBytes;
  /** Primitives of the session (default: defaultCryptoProvider()). Any provider gives the same bytes. */
  crypto?: CryptoProvider;
  /**
   * The message cipher of a session this call creates as the initiator (docs/PROTOCOL-sessions.md §S17.4, §S18.4):
   * 3 (the default), or 2 or 1 for a peer whose SDK predates version 3 or 2. A responder takes the version of the
   * message it answers; a stored session keeps the one it was created with.
   */
  cipherVersion?: SessionCipherVersion;
}

export interface ReceiveFrankedOptions {
  /** Transport metadata the franked header must agree with. */
  expect?: Expectation;
  /** Extra AD passed to frankingAssociatedData (must equal the sender's). */
  extraAd?: Uint8Array;
  /** Clock for the failure log (ms since the Unix epoch). */
  now?: number;
}
