// A pairwise end-to-end encrypted session: X3DH to start, the Double Ratchet to run, franking on top
// (docs/PROTOCOL-sessions.md §7, §9, §10). The session is the unit a client stores per (peer device).
import { abytes, equalBytes, Reader, Writer } from '../crypto/_bytes.ts';
import { parseOrThrow } from './_session-codec.ts';
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, defaultRandomBytes, type RandomBytes } from './_session-kdf.ts';
import { FrankingError, type FrankingErrorCode, FRANKING_ERROR_CODES } from '../franking/errors.ts';
import { type Expectation, type FrankedMessage, type OpenedMessage, COMMITMENT_LENGTH, frankingAssociatedData, openOwnedFrankedPayload } from '../franking/franking.ts';
import { type IdentityKeyPair, type PublicIdentity, publicIdentity } from './identity.ts';
import type { FetchedPreKeyBundle, PreKeyStore } from './prekeys.ts';
import { DoubleRatchet, RATCHET_HEADER_LENGTH } from './ratchet.ts';
import { SessionError } from './session-errors.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { AsyncCryptoProvider, CryptoProvider } from '../crypto/provider.ts';
import {
  decodePreKeyPrefix,
  encodePreKeyPrefix,
  PREKEY_PREFIX_LENGTH,
  type PreKeyPrefix,
  x3dhAssociatedData,
  type X3dhInitiation,
  x3dhInitiate,
  x3dhInitiateAsync,
  type X3dhResponse,
  x3dhRespond,
  x3dhRespondAsync,
} from './x3dh.ts';

/** Session message types (first byte of every session message, §7). */
export const MESSAGE_TYPE_RATCHET = 0x01;
export const MESSAGE_TYPE_PREKEY = 0x02;
export const SESSION_STATE_VERSION = 1;
export const FRANKED_ENVELOPE_VERSION = 1;
/** Most franking failures a session remembers; older entries are dropped first. */
export const MAX_FRANKING_FAILURES = 64;

const EMPTY = new Uint8Array(0);

/** A parsed session message. */
export interface SessionMessage {
  readonly type: typeof MESSAGE_TYPE_RATCHET | typeof MESSAGE_TYPE_PREKEY;
  /** Present iff type is MESSAGE_TYPE_PREKEY. */
  readonly preKey: PreKeyPrefix | null;
  /** The ratchet message: header (41) || nonce (24) || ciphertext || tag (16). */
  readonly body: Uint8Array;
}

/**
 * type 0x01: u8 0x01 || header (41) || nonce (24) || ciphertext || tag (16)
 * type 0x02: u8 0x02 || X3DH prefix (105) || header (41) || nonce (24) || ciphertext || tag (16)
 */
export function decodeSessionMessage(bytes: Uint8Array): SessionMessage {
  abytes(bytes, undefined, 'message');
  const type = bytes[0];
  const prefixLength = type === MESSAGE_TYPE_PREKEY ? PREKEY_PREFIX_LENGTH : 0;
  if (type !== MESSAGE_TYPE_RATCHET && type !== MESSAGE_TYPE_PREKEY)
    throw new SessionError(type === undefined ? 'malformed' : 'unsupported_version', `session message: unknown type ${String(type)}`);
  const headerAt = 1 + prefixLength;
  if (bytes.length < headerAt + RATCHET_HEADER_LENGTH + AEAD_NONCE_LENGTH + AEAD_TAG_LENGTH)
    throw new SessionError('malformed', `session message: ${bytes.length} bytes is too short for type ${type}`);
  return {
    type,
    preKey: type === MESSAGE_TYPE_PREKEY ? decodePreKeyPrefix(bytes.subarray(1, headerAt)) : null,
    body: bytes.subarray(headerAt),
  };
}

/** The X3DH prefix and ratchet body of a message that must start a session (SessionError 'bad_state' otherwise). */
function parsePreKeyMessage(message: Uint8Array): { prefix: PreKeyPrefix; body: Uint8Array } {
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
const ENVELOPE_PREFIX_LENGTH = 1 + COMMITMENT_LENGTH;

/**
 * An envelope as sendFranked makes it: the session wrote version || c || session message into one buffer (`wire`) and
 * the fields are views of it, so encoding it needs no copy of the message (a class, not a weak set of envelopes:
 * nothing for the garbage collector to track per message).
 */
class SentFrankedEnvelope implements FrankedEnvelope {
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
}

export interface ReceiveFrankedOptions {
  /** Transport metadata the franked header must agree with. */
  expect?: Expectation;
  /** Extra AD passed to frankingAssociatedData (must equal the sender's). */
  extraAd?: Uint8Array;
  /** Clock for the failure log (ms since the Unix epoch). */
  now?: number;
}

/** Which side of X3DH created the session (exported as SessionRole). */
export type Role = 'initiator' | 'responder';

/** A pairwise session with one peer device: X3DH to start, the Double Ratchet to run, franked messages on top. Persist it with serialize. */
export class Session {
  private readonly failures: FrankingFailure[] = [];

  private constructor(
    readonly role: Role,
    readonly localIdentity: PublicIdentity,
    readonly remoteIdentity: PublicIdentity,
    private readonly ratchet: DoubleRatchet,
    /** Initiator: the X3DH prefix sent in front of every message until the responder's first reply arrives. */
    private pendingPreKey: PreKeyPrefix | null,
    /** Responder: the encoded X3DH prefix that created this session; only exact repeats of it are accepted. */
    private initialPrefix: Uint8Array | null,
    private readonly crypto: CryptoProvider,
  ) {}

  /** X3DH initiator (Alice): verifies the bundle, then starts the ratchet. Draw order: EK_A, then DHs. */
  static initiate(identity: IdentityKeyPair, bundle: FetchedPreKeyBundle, opts: SessionOptions = {}): Session {
    const random = opts.randomBytes ?? defaultRandomBytes;
    const crypto = opts.crypto ?? defaultCryptoProvider();
    const x3dh = x3dhInitiate(identity, bundle, random, crypto);
    try {
      return Session.initiated(identity, x3dh, DoubleRatchet.initAlice(x3dh.sharedSecret, x3dh.signedPreKey, x3dh.associatedData, random, crypto), crypto);
    } finally {
      x3dh.sharedSecret.fill(0);
    }
  }

  /**
   * initiate with the bundle signature check, every X25519 and HKDF of X3DH and of the first ratchet key done by
   * `asyncCrypto` (e.g. webCryptoProvider(): WebCrypto in browsers); the session then runs with `opts.crypto` (its
   * decryptAsync / receiveFrankedAsync take the async provider again for DH ratchet steps). Same bytes and draws.
   */
  static async initiateAsync(identity: IdentityKeyPair, bundle: FetchedPreKeyBundle, asyncCrypto: AsyncCryptoProvider, opts: SessionOptions = {}): Promise<Session> {
    const random = opts.randomBytes ?? defaultRandomBytes;
    const crypto = opts.crypto ?? defaultCryptoProvider();
    const x3dh = await x3dhInitiateAsync(identity, bundle, random, asyncCrypto);
    try {
      const ratchet = await DoubleRatchet.initAliceAsync(x3dh.sharedSecret, x3dh.signedPreKey, x3dh.associatedData, random, crypto, asyncCrypto);
      return Session.initiated(identity, x3dh, ratchet, crypto);
    } finally {
      x3dh.sharedSecret.fill(0);
    }
  }

  private static initiated(identity: IdentityKeyPair, x3dh: X3dhInitiation, ratchet: DoubleRatchet, crypto: CryptoProvider): Session {
    return new Session('initiator', publicIdentity(identity), x3dh.remoteIdentity, ratchet, x3dh.prefix, null, crypto);
  }

  /**
   * X3DH responder (Bob): builds the session from a prekey message and decrypts it with `associatedData`.
   * The one-time prekey is deleted from `preKeys` only after the message authenticated (X3DH §3.4).
   */
  static respond(
    identity: IdentityKeyPair,
    preKeys: PreKeyStore,
    message: Uint8Array,
    opts: SessionOptions & { associatedData?: Uint8Array } = {},
  ): { session: Session; plaintext: Uint8Array } {
    const { prefix, body } = parsePreKeyMessage(message);
    const crypto = opts.crypto ?? defaultCryptoProvider();
    const ratchet = Session.responderRatchet(x3dhRespond(identity, preKeys, prefix, crypto), opts, crypto);
    const plaintext = ratchet.ratchet.decrypt(body, opts.associatedData ?? EMPTY);
    return Session.responded(identity, preKeys, prefix, ratchet, plaintext, crypto);
  }

  /**
   * respond with X3DH's DHs and HKDF and the first DH ratchet step's X25519 done by `asyncCrypto` (WebCrypto); the
   * session then runs with `opts.crypto`. Same bytes, same draws, same one-time-prekey handling as respond.
   */
  static async respondAsync(
    identity: IdentityKeyPair,
    preKeys: PreKeyStore,
    message: Uint8Array,
    asyncCrypto: AsyncCryptoProvider,
    opts: SessionOptions & { associatedData?: Uint8Array } = {},
  ): Promise<{ session: Session; plaintext: Uint8Array }> {
    const { prefix, body } = parsePreKeyMessage(message);
    const crypto = opts.crypto ?? defaultCryptoProvider();
    const ratchet = Session.responderRatchet(await x3dhRespondAsync(identity, preKeys, prefix, asyncCrypto), opts, crypto);
    const plaintext = await ratchet.ratchet.decryptAsync(body, opts.associatedData ?? EMPTY, asyncCrypto);
    return Session.responded(identity, preKeys, prefix, ratchet, plaintext, crypto);
  }

  /** §3.3 RatchetInitBob from the X3DH result; the X3DH secrets are wiped once the ratchet holds its copies. */
  private static responderRatchet(x3dh: X3dhResponse, opts: SessionOptions, crypto: CryptoProvider): { ratchet: DoubleRatchet; remoteIdentity: PublicIdentity } {
    const ratchet = DoubleRatchet.initBob(x3dh.sharedSecret, x3dh.signedPreKey, x3dh.associatedData, opts.randomBytes ?? defaultRandomBytes, crypto);
    x3dh.sharedSecret.fill(0);
    x3dh.signedPreKey.privateKey.fill(0);
    return { ratchet, remoteIdentity: x3dh.remoteIdentity };
  }

  /** After the first message authenticated: delete the one-time prekey (X3DH §3.4) and create the session. */
  private static responded(
    identity: IdentityKeyPair,
    preKeys: PreKeyStore,
    prefix: PreKeyPrefix,
    responder: { ratchet: DoubleRatchet; remoteIdentity: PublicIdentity },
    plaintext: Uint8Array,
    crypto: CryptoProvider,
  ): { session: Session; plaintext: Uint8Array } {
    if (prefix.oneTimePreKeyId !== null) preKeys.consumeOneTimePreKey(prefix.oneTimePreKeyId);
    const session = new Session('responder', publicIdentity(identity), responder.remoteIdentity, responder.ratchet, null, encodePreKeyPrefix(prefix), crypto);
    return { session, plaintext };
  }

  /** False for a responder that has not yet received anything it could answer (never happens after respond). */
  get canEncrypt(): boolean {
    return this.ratchet.canEncrypt;
  }

  /** Number of skipped message keys held (bounded by MAX_SKIPPED_KEYS). */
  get skippedKeyCount(): number {
    return this.ratchet.skippedKeyCount;
  }

  /** The bounded local log of franked messages dropped because their commitment did not open. */
  get frankingFailures(): readonly FrankingFailure[] {
    return this.failures;
  }

  /** Encrypts with AEAD AD = associatedData || session AD || ratchet header; returns the session message. */
  encrypt(plaintext: Uint8Array, associatedData: Uint8Array = EMPTY): Uint8Array {
    return this.encryptAfter(plaintext, associatedData, 0);
  }

  /** encrypt into a buffer with `reserve` bytes in front of the session message (left zero for the caller). */
  private encryptAfter(plaintext: Uint8Array, associatedData: Uint8Array, reserve: number): Uint8Array {
    const prefix = this.pendingPreKey === null ? null : encodePreKeyPrefix(this.pendingPreKey);
    const out = this.ratchet.encrypt(plaintext, associatedData, reserve + 1 + (prefix === null ? 0 : PREKEY_PREFIX_LENGTH));
    out[reserve] = prefix === null ? MESSAGE_TYPE_RATCHET : MESSAGE_TYPE_PREKEY;
    if (prefix !== null) out.set(prefix, reserve + 1);
    return out;
  }

  /**
   * Decrypts a session message. Errors (SessionError): 'tampered', 'replay', 'max_skip_exceeded', 'malformed',
   * 'identity_mismatch' (a prekey message of another X3DH run), 'bad_key'. The state changes only on success.
   */
  decrypt(message: Uint8Array, associatedData: Uint8Array = EMPTY): Uint8Array {
    return this.decryptParsed(message, associatedData, (body, ad) => this.ratchet.decrypt(body, ad));
  }

  /**
   * decrypt with the X25519 work of a DH ratchet step done by `crypto` (e.g. webCryptoProvider(): WebCrypto X25519
   * in browsers). Same bytes, same errors, same state changes as decrypt. Do not run two receives of one session
   * at once.
   */
  async decryptAsync(message: Uint8Array, associatedData: Uint8Array, crypto: AsyncCryptoProvider): Promise<Uint8Array> {
    let body: Uint8Array | null = null;
    this.decryptParsed(message, associatedData, (b) => {
      body = b;
      return EMPTY;
    }, true);
    const plaintext = await this.ratchet.decryptAsync(body as unknown as Uint8Array, associatedData, crypto);
    if (this.role === 'initiator') this.pendingPreKey = null;
    return plaintext;
  }

  private decryptParsed(message: Uint8Array, associatedData: Uint8Array, run: (body: Uint8Array, ad: Uint8Array) => Uint8Array, checkOnly = false): Uint8Array {
    const parsed = decodeSessionMessage(message);
    if (parsed.preKey !== null) {
      // A repeat of the initial message's X3DH prefix (the initiator sends it until it hears back). The prefix is
      // not covered by the ratchet AEAD once the session exists, so it must equal the original byte for byte:
      // otherwise a modified spk/opk id would be accepted (found by the property test).
      const sameRun = this.initialPrefix !== null && equalBytes(message.subarray(1, 1 + PREKEY_PREFIX_LENGTH), this.initialPrefix);
      if (!sameRun) throw new SessionError('identity_mismatch', 'prekey message of a different X3DH run: start a new session with Session.respond');
    }
    const plaintext = run(parsed.body, associatedData);
    // The peer has our ratchet state: the initiator stops sending the X3DH prefix (X3DH §3.3).
    if (this.role === 'initiator' && !checkOnly) this.pendingPreKey = null;
    return plaintext;
  }

  /** Encrypts an already franked message: AD = frankingAssociatedData(c, extraAd); c travels in the clear. */
  sendFranked(franked: FrankedMessage, extraAd?: Uint8Array): FrankedEnvelope {
    abytes(franked.commitment, COMMITMENT_LENGTH, 'commitment');
    // The whole envelope in one buffer: version || c || session message; the fields are views of it.
    const wire = this.encryptAfter(franked.payload, frankingAssociatedData(franked.commitment, extraAd), ENVELOPE_PREFIX_LENGTH);
    wire[0] = FRANKED_ENVELOPE_VERSION;
    wire.set(franked.commitment, 1);
    return new SentFrankedEnvelope(wire);
  }

  /**
   * Receives a franked message: session-decrypt with c in the AD (a wrong c fails the AEAD: SessionError
   * 'tampered'), then open the commitment. A payload that authenticates but does not open c is dropped and
   * recorded in frankingFailures (PROTOCOL.md §6 sender binding); the message key is spent either way.
   */
  receiveFranked(envelope: FrankedEnvelope, opts: ReceiveFrankedOptions = {}): FrankedReceipt {
    abytes(envelope.commitment, COMMITMENT_LENGTH, 'commitment');
    const payload = this.decrypt(envelope.message, frankingAssociatedData(envelope.commitment, opts.extraAd));
    return this.openPayload(payload, envelope.commitment, opts);
  }

  /** receiveFranked with the DH ratchet step's X25519 done by `opts.crypto`; the commitment opens as in receiveFranked. */
  async receiveFrankedAsync(envelope: FrankedEnvelope, opts: ReceiveFrankedOptions & { crypto: AsyncCryptoProvider }): Promise<FrankedReceipt> {
    abytes(envelope.commitment, COMMITMENT_LENGTH, 'commitment');
    const payload = await this.decryptAsync(envelope.message, frankingAssociatedData(envelope.commitment, opts.extraAd), opts.crypto);
    return this.openPayload(payload, envelope.commitment, opts);
  }

  /** Session.respond for a franked initial message. */
  static respondFranked(
    identity: IdentityKeyPair,
    preKeys: PreKeyStore,
    envelope: FrankedEnvelope,
    opts: SessionOptions & ReceiveFrankedOptions = {},
  ): { session: Session; receipt: FrankedReceipt } {
    abytes(envelope.commitment, COMMITMENT_LENGTH, 'commitment');
    const { session, plaintext } = Session.respond(identity, preKeys, envelope.message, {
      ...opts,
      associatedData: frankingAssociatedData(envelope.commitment, opts.extraAd),
    });
    return { session, receipt: session.openPayload(plaintext, envelope.commitment, opts) };
  }

  /** Session.respondAsync for a franked initial message (the commitment opens as in respondFranked). */
  static async respondFrankedAsync(
    identity: IdentityKeyPair,
    preKeys: PreKeyStore,
    envelope: FrankedEnvelope,
    asyncCrypto: AsyncCryptoProvider,
    opts: SessionOptions & ReceiveFrankedOptions = {},
  ): Promise<{ session: Session; receipt: FrankedReceipt }> {
    abytes(envelope.commitment, COMMITMENT_LENGTH, 'commitment');
    const { session, plaintext } = await Session.respondAsync(identity, preKeys, envelope.message, asyncCrypto, {
      ...opts,
      associatedData: frankingAssociatedData(envelope.commitment, opts.extraAd),
    });
    return { session, receipt: session.openPayload(plaintext, envelope.commitment, opts) };
  }

  /**
   * The decrypted payload is this session's own (every provider's AEAD output is a fresh array the caller owns: the
   * conventions of client/crypto/provider.ts). An accepted message takes its header, fk and body as views of it, with
   * no copies (docs/PROTOCOL.md §6: the recipient keeps them to report); a dropped one is wiped here.
   */
  private openPayload(payload: Uint8Array, commitment: Uint8Array, opts: ReceiveFrankedOptions): FrankedReceipt {
    try {
      return { status: 'accepted', message: openOwnedFrankedPayload(payload, commitment, opts.expect, this.crypto) };
    } catch (e) {
      payload.fill(0);
      if (!FrankingError.is(e)) throw e;
      const failure: FrankingFailure = { at: opts.now ?? Date.now(), code: e.code, commitment: commitment.slice() };
      this.failures.push(failure);
      if (this.failures.length > MAX_FRANKING_FAILURES) this.failures.shift();
      return { status: 'dropped', failure };
    }
  }

  /**
   * Session state (PROTOCOL-sessions.md §9.1): u8 version = 1 || u8 role (0 initiator, 1 responder)
   * || local identity (64) || remote identity (64) || u8 flags (bit0 pending prefix, bit1 initial prefix)
   * || [pending X3DH prefix 105] || [initial X3DH prefix 105] || ratchet state (§9.2) || u8 nFailures
   * || nFailures × (u64 at || vec8 code || c 32).
   */
  serialize(): Uint8Array {
    const w = new Writer(1024 + this.ratchet.skippedKeyCount * 68);
    w.u8(SESSION_STATE_VERSION).u8(this.role === 'initiator' ? 0 : 1);
    w.fixed(this.localIdentity.signingKey, 32).fixed(this.localIdentity.dhKey, 32);
    w.fixed(this.remoteIdentity.signingKey, 32).fixed(this.remoteIdentity.dhKey, 32);
    w.u8((this.pendingPreKey ? 1 : 0) | (this.initialPrefix ? 2 : 0));
    if (this.pendingPreKey) w.raw(encodePreKeyPrefix(this.pendingPreKey));
    if (this.initialPrefix) w.fixed(this.initialPrefix, PREKEY_PREFIX_LENGTH);
    this.ratchet.writeTo(w);
    w.u8(this.failures.length);
    for (const f of this.failures) w.u64(f.at).vec8(new TextEncoder().encode(f.code)).fixed(f.commitment, 32);
    return w.finish();
  }

  static deserialize(bytes: Uint8Array, opts: SessionOptions = {}): Session {
    abytes(bytes, undefined, 'bytes');
    return parseOrThrow('session state', () => {
      const r = new Reader(bytes);
      const version = r.u8('version');
      if (version !== SESSION_STATE_VERSION) throw new SessionError('unsupported_version', `session state: version ${version} is not supported`);
      const roleByte = r.u8('role');
      if (roleByte > 1) throw new SessionError('malformed', 'session state: unknown role');
      const role: Role = roleByte === 0 ? 'initiator' : 'responder';
      const local = { signingKey: r.fixed(32, 'localIdentity.signingKey').slice(), dhKey: r.fixed(32, 'localIdentity.dhKey').slice() };
      const remote = { signingKey: r.fixed(32, 'remoteIdentity.signingKey').slice(), dhKey: r.fixed(32, 'remoteIdentity.dhKey').slice() };
      const flags = r.u8('flags');
      if (flags > 3 || (flags & 1 && role !== 'initiator') || (flags & 2 && role !== 'responder'))
        throw new SessionError('malformed', `session state: flags 0x${flags.toString(16)} invalid for ${role}`);
      const pending = flags & 1 ? decodePreKeyPrefix(r.fixed(PREKEY_PREFIX_LENGTH, 'preKeyPrefix')) : null;
      const initialPrefix = flags & 2 ? encodePreKeyPrefix(decodePreKeyPrefix(r.fixed(PREKEY_PREFIX_LENGTH, 'initialPrefix'))) : null;
      const ad = role === 'initiator' ? x3dhAssociatedData(local, remote) : x3dhAssociatedData(remote, local);
      const crypto = opts.crypto ?? defaultCryptoProvider();
      const ratchet = DoubleRatchet.readFrom(r, ad, opts.randomBytes ?? defaultRandomBytes, crypto);
      const session = new Session(role, local, remote, ratchet, pending, initialPrefix, crypto);
      const nFailures = r.u8('nFailures');
      if (nFailures > MAX_FRANKING_FAILURES) throw new SessionError('malformed', 'session state: too many franking failures');
      for (let i = 0; i < nFailures; i++) {
        const at = r.u64('failure.at');
        const code = new TextDecoder().decode(r.vec8('failure.code'));
        if (!(FRANKING_ERROR_CODES as readonly string[]).includes(code)) throw new SessionError('malformed', `session state: unknown failure code`);
        session.failures.push({ at, code: code as FrankingErrorCode, commitment: r.fixed(32, 'failure.commitment').slice() });
      }
      r.end('session state');
      return session;
    });
  }
}
