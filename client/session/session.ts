// A pairwise end-to-end encrypted session: X3DH to start, the Double Ratchet to run, franking on top
// (docs/PROTOCOL-sessions.md §7, §9, §10). The session is the unit a client stores per (peer device).
import { abytes, equalBytes, Reader, Writer } from '../crypto/_bytes.ts';
import { parseOrThrow } from './_session-codec.ts';
import { CURRENT_SESSION_CIPHER, defaultRandomBytes, isSessionCipherVersion, type SessionCipherVersion } from './_session-kdf.ts';
import { FrankingError, type FrankingErrorCode, FRANKING_ERROR_CODES } from '../franking/errors.ts';
import { type FrankedMessage, COMMITMENT_LENGTH, frankingAssociatedData, openOwnedFrankedPayload } from '../franking/franking.ts';
import { type IdentityKeyPair, type PublicIdentity, publicIdentity } from './identity.ts';
import type { FetchedPreKeyBundle, PreKeyStore } from './prekeys.ts';
import { DoubleRatchet, ratchetMessageVersion } from './ratchet.ts';
import {
  decodeSessionMessage,
  ENVELOPE_PREFIX_LENGTH,
  type FrankedEnvelope,
  type FrankedReceipt,
  FRANKED_ENVELOPE_VERSION,
  type FrankingFailure,
  MESSAGE_TYPE_PREKEY,
  MESSAGE_TYPE_RATCHET,
  parsePreKeyMessage,
  type ReceiveFrankedOptions,
  SentFrankedEnvelope,
  type SessionOptions,
} from './session-message.ts';
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

export {
  decodeFrankedEnvelope,
  decodeSessionMessage,
  encodeFrankedEnvelope,
  type FrankedEnvelope,
  type FrankedReceipt,
  FRANKED_ENVELOPE_VERSION,
  type FrankingFailure,
  isPreKeyMessage,
  MESSAGE_TYPE_PREKEY,
  MESSAGE_TYPE_RATCHET,
  type ReceiveFrankedOptions,
  type SessionMessage,
  type SessionOptions,
} from './session-message.ts';

/**
 * Session state versions (§S9.1): the state's first byte is its session's cipher version (§S17.4, §S18.3). Version 1
 * states are byte for byte those of before version 2.
 */
export const SESSION_STATE_VERSION = 1;
/** Most franking failures a session remembers; older entries are dropped first. */
export const MAX_FRANKING_FAILURES = 64;

const EMPTY = new Uint8Array(0);

/** SessionOptions.cipherVersion, checked (RangeError otherwise); CURRENT_SESSION_CIPHER when absent. */
function cipherVersionOf(opts: SessionOptions): SessionCipherVersion {
  const v = opts.cipherVersion ?? CURRENT_SESSION_CIPHER;
  if (!isSessionCipherVersion(v)) throw new RangeError(`cipherVersion: expected 1, 2 or 3, got ${String(v)}`);
  return v;
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
    const version = cipherVersionOf(opts);
    const x3dh = x3dhInitiate(identity, bundle, random, crypto);
    try {
      return Session.initiated(identity, x3dh, DoubleRatchet.initAlice(x3dh.sharedSecret, x3dh.signedPreKey, x3dh.associatedData, random, crypto, version), crypto);
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
    const version = cipherVersionOf(opts);
    const x3dh = await x3dhInitiateAsync(identity, bundle, random, asyncCrypto);
    try {
      const ratchet = await DoubleRatchet.initAliceAsync(x3dh.sharedSecret, x3dh.signedPreKey, x3dh.associatedData, random, crypto, asyncCrypto, version);
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
    const version = ratchetMessageVersion(body); // §S17.4, §S18.4: before any X3DH work
    const ratchet = Session.responderRatchet(x3dhRespond(identity, preKeys, prefix, crypto), opts, crypto, version);
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
    const version = ratchetMessageVersion(body);
    const ratchet = Session.responderRatchet(await x3dhRespondAsync(identity, preKeys, prefix, asyncCrypto), opts, crypto, version);
    const plaintext = await ratchet.ratchet.decryptAsync(body, opts.associatedData ?? EMPTY, asyncCrypto);
    return Session.responded(identity, preKeys, prefix, ratchet, plaintext, crypto);
  }

  /**
   * §3.3 RatchetInitBob from the X3DH result, with the cipher version of the initiator's message (§S18.4); the X3DH
   * secrets are wiped once the ratchet holds its copies.
   */
  private static responderRatchet(
    x3dh: X3dhResponse,
    opts: SessionOptions,
    crypto: CryptoProvider,
    version: SessionCipherVersion,
  ): { ratchet: DoubleRatchet; remoteIdentity: PublicIdentity } {
    const ratchet = DoubleRatchet.initBob(x3dh.sharedSecret, x3dh.signedPreKey, x3dh.associatedData, opts.randomBytes ?? defaultRandomBytes, crypto, version);
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

  /** The session's message cipher (§S17, §S18): fixed at its creation, the version byte of every ratchet header. */
  get cipherVersion(): SessionCipherVersion {
    return this.ratchet.version;
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
   * Session state (PROTOCOL-sessions.md §9.1): u8 version (= the cipher version, §S17.4, §S18.3) || u8 role (0 initiator, 1 responder)
   * || local identity (64) || remote identity (64) || u8 flags (bit0 pending prefix, bit1 initial prefix)
   * || [pending X3DH prefix 105] || [initial X3DH prefix 105] || ratchet state (§9.2) || u8 nFailures
   * || nFailures × (u64 at || vec8 code || c 32).
   */
  serialize(): Uint8Array {
    const w = new Writer(1024 + this.ratchet.skippedKeyCount * 68);
    w.u8(this.ratchet.version).u8(this.role === 'initiator' ? 0 : 1);
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
      if (!isSessionCipherVersion(version)) throw new SessionError('unsupported_version', `session state: version ${version} is not supported`);
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
      const ratchet = DoubleRatchet.readFrom(r, ad, opts.randomBytes ?? defaultRandomBytes, crypto, version);
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
