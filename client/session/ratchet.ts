// The Double Ratchet (Signal, "The Double Ratchet Algorithm", rev. 1, §3 and §7.1) with header in the clear, the
// session's message cipher (v1: XChaCha20-Poly1305, v2: ChaCha20-Poly1305 under a one-HMAC KDF_CK, v3: the same AEAD
// under an HChaCha20 KDF_CK) and a bounded skipped-key store (docs/PROTOCOL-sessions.md §6–§8, §S17, §S18).
// Every state change is staged and committed only after the AEAD accepted the message (§3.5: "if an exception
// is raised ... the state is discarded"), so a forged or replayed message never alters the session.
import { abytes, equalBytes, type Reader, type Writer } from '../crypto/_bytes.ts';
import { parseOrThrow } from './_session-codec.ts';
import {
  checkSkip,
  decodeRatchetHeader,
  MAX_MESSAGE_NUMBER,
  MAX_PREVIOUS_RATCHET_KEYS,
  MAX_SKIP,
  MAX_SKIPPED_KEYS,
  RATCHET_HEADER_LENGTH,
  type RatchetHeader,
  ratchetMessageVersion,
  SESSION_AD_LENGTH,
  type SkippedKey,
  skippedId,
  stageSkipped,
  writeRatchetHeader,
} from './_ratchet-parts.ts';
import { type PrecomputedStep, precomputeStep } from './_ratchet-async.ts';
import {
  AEAD_TAG_LENGTH,
  CURRENT_SESSION_CIPHER,
  defaultRandomBytes,
  dh,
  dhSteps,
  dhWithHandle,
  generateRatchetKeyPair,
  generateX25519KeyPairSteps,
  isSessionCipherVersion,
  kdfChain,
  kdfRoot,
  kdfRootSteps,
  nonceLength,
  openWithMessageKey,
  type RandomBytes,
  sealWithMessageKey,
  type SessionCipherVersion,
  wipe,
  type X25519KeyPair,
  x25519PublicKey,
} from './_session-kdf.ts';
import { SessionError } from './session-errors.ts';
import { runAsync, runSync, type Steps } from './_session-steps.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { AsyncCryptoProvider, CryptoProvider, X25519KeyHandle } from '../crypto/provider.ts';

export {
  decodeRatchetHeader,
  encodeRatchetHeader,
  MAX_MESSAGE_NUMBER,
  MAX_PREVIOUS_RATCHET_KEYS,
  MAX_SKIP,
  MAX_SKIPPED_KEYS,
  RATCHET_HEADER_LENGTH,
  RATCHET_HEADER_VERSION,
  type RatchetHeader,
  ratchetMessageVersion,
  SESSION_AD_LENGTH,
} from './_ratchet-parts.ts';

/** Double Ratchet state (§3.2): DHs, DHr, RK, CKs, CKr, Ns, Nr, PN, MKSKIPPED, plus the session AD. */
export class DoubleRatchet {
  private readonly skipped = new Map<string, SkippedKey>();
  private readonly previousRemoteKeys: Uint8Array[] = [];
  /** Reusable AEAD AD buffer of the sending path (see associatedData): one allocation per ratchet, not per message. */
  private adScratch = new Uint8Array(0);
  /**
   * DHs's private key as the provider imported it (CryptoProvider.x25519Import), or null: the DH of the next ratchet
   * step then needs no import. Held exactly as long as sendingKeyPair, dropped when its private key is wiped.
   */
  private sendingKeyHandle: X25519KeyHandle | null = null;

  private constructor(
    private rootKey: Uint8Array,
    private sendingKeyPair: X25519KeyPair,
    private remoteRatchetKey: Uint8Array | null,
    private sendingChainKey: Uint8Array | null,
    private receivingChainKey: Uint8Array | null,
    private sendCount: number,
    private receiveCount: number,
    private previousSendCount: number,
    /** AD of the session (X3DH AD, 128 bytes), appended after the caller's AD. */
    readonly sessionAssociatedData: Uint8Array,
    private readonly randomBytes: RandomBytes,
    private readonly crypto: CryptoProvider,
    /** The session's message cipher (§S17, §S18): fixed for the ratchet's life, the version byte of every header. */
    readonly version: SessionCipherVersion,
  ) {}

  /** §3.3 RatchetInitAlice(SK, bob_dh_public_key): draws DHs, then RK, CKs = KDF_RK(SK, DH(DHs, DHr)). */
  static initAlice(
    sharedSecret: Uint8Array,
    remoteRatchetKey: Uint8Array,
    sessionAd: Uint8Array,
    randomBytes: RandomBytes = defaultRandomBytes,
    crypto: CryptoProvider = defaultCryptoProvider(),
    version: SessionCipherVersion = CURRENT_SESSION_CIPHER,
  ): DoubleRatchet {
    return runSync(DoubleRatchet.initAliceSteps(sharedSecret, remoteRatchetKey, sessionAd, randomBytes, crypto, version), crypto);
  }

  /**
   * initAlice with the key generation, the DH and KDF_RK computed by `asyncCrypto` (WebCrypto); the ratchet then runs
   * its symmetric steps with `crypto`. Same bytes, same draws as initAlice.
   */
  static initAliceAsync(
    sharedSecret: Uint8Array,
    remoteRatchetKey: Uint8Array,
    sessionAd: Uint8Array,
    randomBytes: RandomBytes,
    crypto: CryptoProvider,
    asyncCrypto: AsyncCryptoProvider,
    version: SessionCipherVersion = CURRENT_SESSION_CIPHER,
  ): Promise<DoubleRatchet> {
    return runAsync(DoubleRatchet.initAliceSteps(sharedSecret, remoteRatchetKey, sessionAd, randomBytes, crypto, version), asyncCrypto);
  }

  /** RatchetInitAlice, once, for both runners (./_session-steps.ts). */
  private static *initAliceSteps(
    sharedSecret: Uint8Array,
    remoteRatchetKey: Uint8Array,
    sessionAd: Uint8Array,
    randomBytes: RandomBytes,
    crypto: CryptoProvider,
    version: SessionCipherVersion,
  ): Steps<DoubleRatchet> {
    abytes(sharedSecret, 32, 'sharedSecret');
    abytes(remoteRatchetKey, 32, 'remoteRatchetKey');
    abytes(sessionAd, SESSION_AD_LENGTH, 'sessionAd');
    const sendingKeyPair = yield* generateX25519KeyPairSteps(randomBytes);
    const shared = yield* dhSteps(sendingKeyPair.privateKey, remoteRatchetKey);
    const { rootKey, chainKey } = yield* kdfRootSteps(sharedSecret, shared);
    wipe(shared);
    return new DoubleRatchet(rootKey, sendingKeyPair, remoteRatchetKey.slice(), chainKey, null, 0, 0, 0, sessionAd.slice(), randomBytes, crypto, version);
  }

  /** §3.3 RatchetInitBob(SK, bob_dh_key_pair): DHs = the signed prekey pair, RK = SK, no chains yet. */
  static initBob(
    sharedSecret: Uint8Array,
    keyPair: X25519KeyPair,
    sessionAd: Uint8Array,
    randomBytes: RandomBytes = defaultRandomBytes,
    crypto: CryptoProvider = defaultCryptoProvider(),
    version: SessionCipherVersion = CURRENT_SESSION_CIPHER,
  ): DoubleRatchet {
    abytes(sharedSecret, 32, 'sharedSecret');
    abytes(keyPair.privateKey, 32, 'keyPair.privateKey');
    abytes(keyPair.publicKey, 32, 'keyPair.publicKey');
    abytes(sessionAd, SESSION_AD_LENGTH, 'sessionAd');
    const pair = { privateKey: keyPair.privateKey.slice(), publicKey: keyPair.publicKey.slice() };
    return new DoubleRatchet(sharedSecret.slice(), pair, null, null, null, 0, 0, 0, sessionAd.slice(), randomBytes, crypto, version);
  }

  /** Number of skipped message keys currently held (≤ MAX_SKIPPED_KEYS). */
  get skippedKeyCount(): number {
    return this.skipped.size;
  }

  /** True once a sending chain exists (the responder has none until the first message arrives). */
  get canEncrypt(): boolean {
    return this.sendingChainKey !== null;
  }

  /** Our current ratchet public key. */
  get ratchetPublicKey(): Uint8Array {
    return this.sendingKeyPair.publicKey;
  }

  /**
   * AEAD AD = caller AD || session AD (128) || encoded header (41); the last two have fixed lengths (§6). With
   * `scratch` it is built in this ratchet's reusable AD buffer (public bytes only), which the caller must consume
   * before anything else runs on this ratchet: encrypt and decrypt, which seal or open synchronously right after.
   */
  private associatedData(callerAd: Uint8Array, header: Uint8Array, scratch = false): Uint8Array {
    const n = callerAd.length + SESSION_AD_LENGTH + RATCHET_HEADER_LENGTH;
    if (scratch && this.adScratch.length < n) this.adScratch = new Uint8Array(Math.max(n, 256));
    const ad = scratch ? this.adScratch.subarray(0, n) : new Uint8Array(n);
    ad.set(callerAd, 0);
    ad.set(this.sessionAssociatedData, callerAd.length);
    ad.set(header, callerAd.length + SESSION_AD_LENGTH);
    return ad;
  }

  /**
   * §3.4 RatchetEncrypt: symmetric step of the sending chain; mk is wiped as soon as the message is sealed.
   * Returns `reserve` zero bytes (room for the session's type byte and X3DH prefix) || header (41) || nonce (24 in
   * cipher v1, 12 in v2 and v3) || ciphertext || tag (16), so the whole session message is built in one buffer without
   * copying the body. Draws the nonce's random bytes.
   */
  encrypt(plaintext: Uint8Array, callerAd: Uint8Array = new Uint8Array(0), reserve = 0): Uint8Array {
    abytes(plaintext, undefined, 'plaintext');
    abytes(callerAd, undefined, 'associatedData');
    const chainKey = this.sendingChainKey;
    if (chainKey === null) throw new SessionError('bad_state', 'no sending chain yet: the responder must receive a message first');
    if (this.sendCount > MAX_MESSAGE_NUMBER) throw new SessionError('counter_overflow', 'sending chain exhausted');
    const v = this.version;
    const nl = nonceLength(v);
    const nonce = abytes(this.randomBytes(nl), nl, `randomBytes(${nl})`);
    const step = kdfChain(chainKey, this.crypto, v);
    wipe(chainKey);
    this.sendingChainKey = step.chainKey;
    const out = new Uint8Array(reserve + RATCHET_HEADER_LENGTH + nl + plaintext.length + AEAD_TAG_LENGTH);
    const header = out.subarray(reserve, reserve + RATCHET_HEADER_LENGTH);
    writeRatchetHeader(header, v, this.sendingKeyPair.publicKey, this.previousSendCount, this.sendCount);
    this.sendCount++;
    sealWithMessageKey(step.messageKey, nonce, plaintext, this.associatedData(callerAd, header, true), out.subarray(reserve + RATCHET_HEADER_LENGTH), this.crypto, v);
    wipe(step.messageKey);
    return out;
  }

  /** §3.5 RatchetDecrypt, transactional. Errors: 'tampered', 'replay', 'max_skip_exceeded', 'malformed', 'bad_key'. */
  decrypt(body: Uint8Array, callerAd: Uint8Array = new Uint8Array(0), pre?: PrecomputedStep): Uint8Array {
    abytes(body, undefined, 'message');
    abytes(callerAd, undefined, 'associatedData');
    this.checkVersion(body);
    const headerBytes = body.subarray(0, RATCHET_HEADER_LENGTH);
    const ciphertext = body.subarray(RATCHET_HEADER_LENGTH);
    const header = decodeRatchetHeader(headerBytes);
    const ad = this.associatedData(callerAd, headerBytes, true);
    const n = header.messageNumber;

    // TrySkippedMessageKeys: a key is removed (and wiped) only once it authenticated its message.
    const id = this.skipped.size > 0 ? skippedId(header.ratchetKey, n) : '';
    const skipped = this.skipped.size > 0 ? this.skipped.get(id) : undefined;
    if (skipped) {
      const plaintext = openWithMessageKey(skipped.messageKey, ciphertext, ad, this.crypto, this.version);
      this.skipped.delete(id);
      wipe(skipped.messageKey);
      return plaintext;
    }

    const staged: SkippedKey[] = [];
    try {
      if (this.remoteRatchetKey !== null && equalBytes(header.ratchetKey, this.remoteRatchetKey)) {
        return this.decryptInCurrentChain(n, ciphertext, ad, staged);
      }
      if (this.previousRemoteKeys.some((k) => equalBytes(k, header.ratchetKey)))
        throw new SessionError('replay', 'message of an earlier chain whose key was already used or evicted');
      return this.decryptWithRatchetStep(header, ciphertext, ad, staged, pre);
    } catch (e) {
      for (const s of staged) wipe(s.messageKey);
      throw e;
    }
  }

  /**
   * decrypt with the X25519 work of a DH ratchet step (two DHs and the new key pair) done by an async provider
   * (WebCrypto X25519 in browsers); everything else, and every output byte, as decrypt. The random draw happens
   * in the same place of the draw order. The caller must not run two decrypts of one ratchet at once (the session
   * layer never does); if the state moved on during the await, the precomputed values are not used.
   */
  async decryptAsync(body: Uint8Array, callerAd: Uint8Array, crypto: AsyncCryptoProvider): Promise<Uint8Array> {
    abytes(body, undefined, 'message');
    this.checkVersion(body);
    let pre: PrecomputedStep | undefined;
    const header = decodeRatchetHeader(body.subarray(0, RATCHET_HEADER_LENGTH));
    if (this.needsRatchetStep(header)) pre = await precomputeStep(this.sendingKeyPair.privateKey, header.ratchetKey.slice(), this.randomBytes, crypto);
    try {
      return this.decrypt(body, callerAd, pre);
    } finally {
      if (pre && pre.newKeyPair.privateKey !== this.sendingKeyPair.privateKey) wipe(pre.newKeyPair.privateKey, pre.dhReceive, pre.dhSend);
    }
  }

  /**
   * §S17.4, §S18.4: a message of another cipher version than the session's is refused before anything is derived or
   * drawn ('unsupported_version': no downgrade or mix inside a session).
   */
  private checkVersion(body: Uint8Array): void {
    const version = body[0];
    if (isSessionCipherVersion(version) && version !== this.version)
      throw new SessionError('unsupported_version', `ratchet header: version ${version} in a session of cipher version ${this.version}`);
    ratchetMessageVersion(body);
  }

  /** True iff decrypting a message with this header would take a DH ratchet step that passes the skip bounds. */
  private needsRatchetStep(header: RatchetHeader): boolean {
    if (this.remoteRatchetKey !== null && equalBytes(header.ratchetKey, this.remoteRatchetKey)) return false;
    if (this.skipped.size > 0 && this.skipped.has(skippedId(header.ratchetKey, header.messageNumber))) return false;
    if (this.previousRemoteKeys.some((k) => equalBytes(k, header.ratchetKey))) return false;
    if (this.receivingChainKey !== null && header.previousChainLength - this.receiveCount > MAX_SKIP) return false;
    return header.messageNumber <= MAX_SKIP;
  }

  private decryptInCurrentChain(n: number, ciphertext: Uint8Array, ad: Uint8Array, staged: SkippedKey[]): Uint8Array {
    const chainKey = this.receivingChainKey;
    const remoteKey = this.remoteRatchetKey as Uint8Array;
    if (chainKey === null) throw new SessionError('tampered', 'no receiving chain for this ratchet key');
    if (n < this.receiveCount) throw new SessionError('replay', `message ${n} of this chain was already received (or its key evicted)`);
    checkSkip(this.receiveCount, n);
    const atN = stageSkipped(chainKey, this.receiveCount, n, remoteKey, staged, this.crypto, this.version);
    const step = kdfChain(atN, this.crypto, this.version);
    if (atN !== chainKey) wipe(atN);
    let plaintext: Uint8Array;
    try {
      plaintext = openWithMessageKey(step.messageKey, ciphertext, ad, this.crypto, this.version);
    } catch (e) {
      wipe(step.chainKey);
      throw e;
    } finally {
      wipe(step.messageKey);
    }
    // Commit.
    wipe(chainKey);
    this.receivingChainKey = step.chainKey;
    this.receiveCount = n + 1;
    this.storeSkipped(staged);
    return plaintext;
  }

  private decryptWithRatchetStep(header: RatchetHeader, ciphertext: Uint8Array, ad: Uint8Array, staged: SkippedKey[], pre?: PrecomputedStep): Uint8Array {
    const n = header.messageNumber;
    // Bounds first (no derivation yet): old chain up to PN, new chain up to N.
    if (this.receivingChainKey !== null) checkSkip(this.receiveCount, header.previousChainLength);
    checkSkip(0, n);
    if (this.receivingChainKey !== null && this.remoteRatchetKey !== null) {
      const end = stageSkipped(this.receivingChainKey, this.receiveCount, header.previousChainLength, this.remoteRatchetKey, staged, this.crypto, this.version);
      if (end !== this.receivingChainKey) wipe(end);
    }
    // §3.5 DHRatchet: RK, CKr = KDF_RK(RK, DH(DHs, DHr)); DHs = GENERATE_DH(); RK, CKs = KDF_RK(RK, DH(DHs, DHr)).
    // §S6.6: the 32-byte draw for the new DHs happens here, before the AEAD check; a message that then fails
    // authentication leaves the state untouched but the draw is spent (the next step draws fresh bytes).
    const remoteKey = header.ratchetKey.slice();
    const usable = pre !== undefined && pre.sendingPrivateKey === this.sendingKeyPair.privateKey && equalBytes(pre.remoteKey, remoteKey);
    const own = this.sendingKeyHandle;
    const dhReceive = usable ? pre.dhReceive : own !== null ? dhWithHandle(own, remoteKey) : dh(this.sendingKeyPair.privateKey, remoteKey, this.crypto);
    const receiving = kdfRoot(this.rootKey, dhReceive, this.crypto);
    wipe(dhReceive);
    const { pair: newKeyPair, handle: newHandle } = usable ? { pair: pre.newKeyPair, handle: null } : generateRatchetKeyPair(this.randomBytes, this.crypto);
    const secrets: Uint8Array[] = [receiving.rootKey, receiving.chainKey, newKeyPair.privateKey];
    try {
      const dhSend = usable ? pre.dhSend : newHandle !== null ? dhWithHandle(newHandle, remoteKey) : dh(newKeyPair.privateKey, remoteKey, this.crypto);
      const sending = kdfRoot(receiving.rootKey, dhSend, this.crypto);
      wipe(dhSend);
      secrets.push(sending.rootKey, sending.chainKey);
      const atN = stageSkipped(receiving.chainKey, 0, n, remoteKey, staged, this.crypto, this.version);
      const step = kdfChain(atN, this.crypto, this.version);
      if (atN !== receiving.chainKey) wipe(atN);
      secrets.push(step.chainKey);
      let plaintext: Uint8Array;
      try {
        plaintext = openWithMessageKey(step.messageKey, ciphertext, ad, this.crypto, this.version);
      } finally {
        wipe(step.messageKey);
      }
      // Commit: the old root key, sending chain, receiving chain and ratchet private key are all superseded.
      wipe(this.rootKey, this.sendingChainKey, this.receivingChainKey, this.sendingKeyPair.privateKey, receiving.rootKey, receiving.chainKey);
      if (this.remoteRatchetKey !== null) {
        this.previousRemoteKeys.push(this.remoteRatchetKey);
        if (this.previousRemoteKeys.length > MAX_PREVIOUS_RATCHET_KEYS) this.previousRemoteKeys.shift();
      }
      this.previousSendCount = this.sendCount;
      this.sendCount = 0;
      this.remoteRatchetKey = remoteKey;
      this.rootKey = sending.rootKey;
      this.sendingKeyPair = newKeyPair;
      this.sendingKeyHandle = newHandle;
      this.sendingChainKey = sending.chainKey;
      this.receivingChainKey = step.chainKey;
      this.receiveCount = n + 1;
      this.storeSkipped(staged);
      return plaintext;
    } catch (e) {
      wipe(...secrets);
      throw e;
    }
  }

  /** Adds skipped keys; evicts (and wipes) the oldest-stored ones beyond MAX_SKIPPED_KEYS (§8). */
  private storeSkipped(staged: SkippedKey[]): void {
    for (const s of staged) this.skipped.set(skippedId(s.ratchetKey, s.messageNumber), s);
    if (this.skipped.size <= MAX_SKIPPED_KEYS) return;
    for (const [id, s] of this.skipped) {
      if (this.skipped.size <= MAX_SKIPPED_KEYS) break;
      wipe(s.messageKey);
      this.skipped.delete(id);
    }
  }

  /**
   * Ratchet state encoding (PROTOCOL-sessions.md §9.2): RK (32) || DHs.priv (32) || DHs.pub (32) || u8 flags
   * (bit0 DHr, bit1 CKs, bit2 CKr) || [DHr 32] || [CKs 32] || [CKr 32] || u32 Ns || u32 Nr || u32 PN
   * || u8 nPrev || nPrev × 32 || u16 nSkipped || nSkipped × (ratchet key 32 || u32 n || mk 32), oldest first.
   */
  writeTo(w: Writer): void {
    w.fixed(this.rootKey, 32).fixed(this.sendingKeyPair.privateKey, 32).fixed(this.sendingKeyPair.publicKey, 32);
    const flags = (this.remoteRatchetKey ? 1 : 0) | (this.sendingChainKey ? 2 : 0) | (this.receivingChainKey ? 4 : 0);
    w.u8(flags);
    if (this.remoteRatchetKey) w.fixed(this.remoteRatchetKey, 32);
    if (this.sendingChainKey) w.fixed(this.sendingChainKey, 32);
    if (this.receivingChainKey) w.fixed(this.receivingChainKey, 32);
    w.u32(this.sendCount).u32(this.receiveCount).u32(this.previousSendCount);
    w.u8(this.previousRemoteKeys.length);
    for (const k of this.previousRemoteKeys) w.fixed(k, 32);
    w.u16(this.skipped.size);
    for (const s of this.skipped.values()) w.fixed(s.ratchetKey, 32).u32(s.messageNumber).fixed(s.messageKey, 32);
  }

  static readFrom(
    r: Reader,
    sessionAd: Uint8Array,
    randomBytes: RandomBytes = defaultRandomBytes,
    crypto: CryptoProvider = defaultCryptoProvider(),
    version: SessionCipherVersion = 1,
  ): DoubleRatchet {
    abytes(sessionAd, SESSION_AD_LENGTH, 'sessionAd');
    return parseOrThrow('ratchet state', () => {
      const rootKey = r.fixed(32, 'rootKey').slice();
      const privateKey = r.fixed(32, 'sendingPrivateKey').slice();
      const publicKey = r.fixed(32, 'sendingPublicKey').slice();
      // One import of DHs (x25519Import where the provider has it) both checks the pair and serves the next step's DH.
      const handle = crypto.x25519Import?.(privateKey) ?? null;
      if (!equalBytes(handle !== null ? handle.publicKey : x25519PublicKey(privateKey, crypto), publicKey))
        throw new SessionError('malformed', 'ratchet state: sending key pair mismatch');
      const flags = r.u8('flags');
      if (flags > 7) throw new SessionError('malformed', `ratchet state: unknown flags 0x${flags.toString(16)}`);
      const remote = flags & 1 ? r.fixed(32, 'remoteRatchetKey').slice() : null;
      const cks = flags & 2 ? r.fixed(32, 'sendingChainKey').slice() : null;
      const ckr = flags & 4 ? r.fixed(32, 'receivingChainKey').slice() : null;
      if (ckr !== null && remote === null) throw new SessionError('malformed', 'ratchet state: receiving chain without ratchet key');
      const ratchet = new DoubleRatchet(rootKey, { privateKey, publicKey }, remote, cks, ckr, r.u32('Ns'), r.u32('Nr'), r.u32('PN'), sessionAd.slice(), randomBytes, crypto, version);
      ratchet.sendingKeyHandle = handle;
      const nPrev = r.u8('nPreviousRatchetKeys');
      if (nPrev > MAX_PREVIOUS_RATCHET_KEYS) throw new SessionError('malformed', 'ratchet state: too many previous ratchet keys');
      for (let i = 0; i < nPrev; i++) ratchet.previousRemoteKeys.push(r.fixed(32, 'previousRatchetKey').slice());
      const nSkipped = r.u16('nSkipped');
      if (nSkipped > MAX_SKIPPED_KEYS) throw new SessionError('malformed', `ratchet state: ${nSkipped} skipped keys exceed MAX_SKIPPED_KEYS`);
      for (let i = 0; i < nSkipped; i++) {
        const entry = { ratchetKey: r.fixed(32, 'skipped.ratchetKey').slice(), messageNumber: r.u32('skipped.n'), messageKey: r.fixed(32, 'skipped.mk').slice() };
        const id = skippedId(entry.ratchetKey, entry.messageNumber);
        if (ratchet.skipped.has(id)) throw new SessionError('malformed', 'ratchet state: duplicate skipped key');
        ratchet.skipped.set(id, entry);
      }
      return ratchet;
    });
  }
}

