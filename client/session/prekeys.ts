// Signed prekeys (with rotation), one-time prekeys and the prekey bundle of the key directory
// (docs/PROTOCOL-sessions.md §4; Signal X3DH §3.2 "Publishing keys").
import { abytes, Reader, Writer } from '../crypto/_bytes.ts';
import { decodeBase64UrlField, encodeBase64Url, isU32, parseOrThrow } from './_session-codec.ts';
import {
  defaultRandomBytes,
  generateX25519KeyPair,
  SIGNED_PREKEY_LABEL,
  type RandomBytes,
  wipe,
  type X25519KeyPair,
  x25519PublicKey,
} from './_session-kdf.ts';
import { ed25519VerifyCall, runSync, type Steps } from './_session-steps.ts';
import { type IdentityKeyPair, type PublicIdentity, signWithIdentity, verifyWithIdentity } from './identity.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { SessionError } from './session-errors.ts';

// ---- Bundle as the server stores and serves it (JSON, base64url without padding). ----
export interface SignedPreKeyJson {
  readonly id: number;
  /** base64url(32-byte X25519 public key) */
  readonly publicKey: string;
  /** base64url(64-byte Ed25519 signature over signedPreKeySignatureInput(id, publicKey)) */
  readonly signature: string;
}
export interface OneTimePreKeyJson {
  readonly id: number;
  readonly publicKey: string;
}
/** What a device uploads: its identity, current signed prekey and a batch of one-time prekeys. */
export interface PreKeyBundle {
  readonly identitySigningKey: string;
  readonly identityDhKey: string;
  readonly signedPreKey: SignedPreKeyJson;
  readonly oneTimePreKeys: OneTimePreKeyJson[];
}
/** What the directory hands to an initiator: at most one one-time prekey, removed from the directory on fetch. */
export interface FetchedPreKeyBundle {
  readonly identitySigningKey: string;
  readonly identityDhKey: string;
  readonly signedPreKey: SignedPreKeyJson;
  // `| undefined`: the HTTP client's FetchedBundleJson (zod output) fits under exactOptionalPropertyTypes too.
  readonly oneTimePreKey?: OneTimePreKeyJson | undefined;
}
/** A fetched bundle decoded to bytes, with its signed prekey signature already verified. */
export interface VerifiedPreKeyBundle {
  readonly identity: PublicIdentity;
  readonly signedPreKey: { readonly id: number; readonly publicKey: Uint8Array; readonly signature: Uint8Array };
  readonly oneTimePreKey?: { readonly id: number; readonly publicKey: Uint8Array };
}

/** Rotate the signed prekey once it is this old (Signal X3DH §3.2 suggests weekly or monthly). */
export const SIGNED_PREKEY_ROTATION_MS = 7 * 24 * 3600 * 1000;
/** A replaced signed prekey is kept this long for initial messages still in flight, then deleted (forward secrecy). */
export const SIGNED_PREKEY_RETENTION_MS = 28 * 24 * 3600 * 1000;
/** Upper bound on private one-time prekeys held at once. */
export const MAX_ONE_TIME_PREKEYS = 10_000;
export const PREKEY_STORE_VERSION = 1;

/** Contract with the server: utf8("franking-chat/v1/signed-prekey") || 0x00 || u32be(id) || publicKey (32 bytes). */
export function signedPreKeySignatureInput(id: number, publicKey: Uint8Array): Uint8Array {
  if (!isU32(id)) throw new RangeError(`signedPreKeyId: expected u32, got ${String(id)}`);
  abytes(publicKey, 32, 'signedPreKeyPublic');
  return new Writer(SIGNED_PREKEY_LABEL.length + 36).raw(SIGNED_PREKEY_LABEL).u32(id).raw(publicKey).finish();
}

function decodeSignedPreKey(value: unknown): VerifiedPreKeyBundle['signedPreKey'] {
  if (typeof value !== 'object' || value === null) throw new SessionError('malformed', 'signedPreKey: expected object');
  const v = value as Record<string, unknown>;
  if (!isU32(v.id)) throw new SessionError('malformed', 'signedPreKey.id: expected u32');
  return {
    id: v.id,
    publicKey: decodeBase64UrlField(v.publicKey, 32, 'signedPreKey.publicKey'),
    signature: decodeBase64UrlField(v.signature, 64, 'signedPreKey.signature'),
  };
}

function decodeOneTimePreKey(value: unknown, name: string): { id: number; publicKey: Uint8Array } {
  if (typeof value !== 'object' || value === null) throw new SessionError('malformed', `${name}: expected object`);
  const v = value as Record<string, unknown>;
  if (!isU32(v.id)) throw new SessionError('malformed', `${name}.id: expected u32`);
  return { id: v.id, publicKey: decodeBase64UrlField(v.publicKey, 32, `${name}.publicKey`) };
}

function decodeIdentityFields(v: Record<string, unknown>): PublicIdentity {
  return {
    signingKey: decodeBase64UrlField(v.identitySigningKey, 32, 'identitySigningKey'),
    dhKey: decodeBase64UrlField(v.identityDhKey, 32, 'identityDhKey'),
  };
}

/**
 * True iff the bundle's signed prekey signature verifies under its identity signing key (strict Ed25519).
 * Accepts an uploaded or a fetched bundle; anything malformed is simply `false` (never throws).
 */
export function verifySignedPreKey(bundle: PreKeyBundle | FetchedPreKeyBundle, crypto: CryptoProvider = defaultCryptoProvider()): boolean {
  try {
    if (typeof bundle !== 'object' || bundle === null) return false;
    const v = bundle as unknown as Record<string, unknown>;
    const identity = decodeIdentityFields(v);
    const spk = decodeSignedPreKey(v.signedPreKey);
    return verifyWithIdentity(identity.signingKey, signedPreKeySignatureInput(spk.id, spk.publicKey), spk.signature, crypto);
  } catch {
    return false;
  }
}

/**
 * Decodes a fetched bundle and verifies its signed prekey (X3DH §3.3: "Alice verifies the prekey signature and
 * aborts the protocol if verification fails"). Throws SessionError 'malformed' or 'bad_signature'.
 */
export function decodeFetchedPreKeyBundle(bundle: unknown, crypto: CryptoProvider = defaultCryptoProvider()): VerifiedPreKeyBundle {
  return runSync(decodeFetchedPreKeyBundleSteps(bundle), crypto);
}

/** decodeFetchedPreKeyBundle as a step (./_session-steps.ts): the signature check is the one primitive it yields. */
export function* decodeFetchedPreKeyBundleSteps(bundle: unknown): Steps<VerifiedPreKeyBundle> {
  if (typeof bundle !== 'object' || bundle === null) throw new SessionError('malformed', 'bundle: expected object');
  const v = bundle as Record<string, unknown>;
  const identity = decodeIdentityFields(v);
  const signedPreKey = decodeSignedPreKey(v.signedPreKey);
  if ('oneTimePreKeys' in v) throw new SessionError('malformed', 'bundle: a fetched bundle carries at most one oneTimePreKey');
  const oneTimePreKey = v.oneTimePreKey === undefined ? undefined : decodeOneTimePreKey(v.oneTimePreKey, 'oneTimePreKey');
  const input = signedPreKeySignatureInput(signedPreKey.id, signedPreKey.publicKey);
  if (!(yield* ed25519VerifyCall(identity.signingKey, input, signedPreKey.signature)))
    throw new SessionError('bad_signature', 'signed prekey signature does not verify under the identity signing key');
  return oneTimePreKey ? { identity, signedPreKey, oneTimePreKey } : { identity, signedPreKey };
}

// ---- The device's private prekeys. ----
export interface SignedPreKeyRecord {
  readonly id: number;
  readonly keyPair: X25519KeyPair;
  readonly signature: Uint8Array;
  /** ms since the Unix epoch */
  readonly createdAt: number;
  /** when a newer signed prekey replaced this one (ms), or null for the current one */
  replacedAt: number | null;
}
export interface OneTimePreKeyRecord {
  readonly id: number;
  readonly keyPair: X25519KeyPair;
}

const nextId = (id: number): number => (id >= 0xffff_ffff ? 1 : id + 1);

/** A device's private prekeys: signed prekeys (current + recently replaced) and unused one-time prekeys. */
export class PreKeyStore {
  private readonly signed = new Map<number, SignedPreKeyRecord>();
  private readonly oneTime = new Map<number, OneTimePreKeyRecord>();

  private constructor(
    private currentSignedId: number,
    private nextSignedId: number,
    private nextOneTimeId: number,
    private readonly randomBytes: RandomBytes,
    private readonly crypto: CryptoProvider = defaultCryptoProvider(),
  ) {}

  /** Fresh store with signed prekey id 1 and `oneTimePreKeys` one-time prekeys (ids 1..n). Draw order: SPK, then OPKs. */
  static create(
    identity: IdentityKeyPair,
    opts: { now?: number; randomBytes?: RandomBytes; oneTimePreKeys?: number; crypto?: CryptoProvider } = {},
  ): PreKeyStore {
    const store = new PreKeyStore(0, 1, 1, opts.randomBytes ?? defaultRandomBytes, opts.crypto);
    store.rotateSignedPreKey(identity, opts.now ?? Date.now());
    store.generateOneTimePreKeys(opts.oneTimePreKeys ?? 100);
    return store;
  }

  get currentSignedPreKey(): SignedPreKeyRecord {
    const spk = this.signed.get(this.currentSignedId);
    if (!spk) throw new SessionError('bad_state', 'prekey store has no current signed prekey');
    return spk;
  }

  signedPreKey(id: number): SignedPreKeyRecord | undefined {
    return this.signed.get(id);
  }

  oneTimePreKey(id: number): OneTimePreKeyRecord | undefined {
    return this.oneTime.get(id);
  }

  get signedPreKeyIds(): number[] {
    return [...this.signed.keys()];
  }

  get oneTimePreKeyCount(): number {
    return this.oneTime.size;
  }

  needsRotation(now: number): boolean {
    return now - this.currentSignedPreKey.createdAt >= SIGNED_PREKEY_ROTATION_MS;
  }

  /** Makes a new current signed prekey; the old one stays for SIGNED_PREKEY_RETENTION_MS, then prune deletes it. */
  rotateSignedPreKey(identity: IdentityKeyPair, now: number): SignedPreKeyRecord {
    if (!Number.isSafeInteger(now) || now < 0) throw new RangeError(`now: expected ms since epoch, got ${String(now)}`);
    const keyPair = generateX25519KeyPair(this.randomBytes, this.crypto);
    const id = this.nextSignedId;
    const signature = signWithIdentity(identity, signedPreKeySignatureInput(id, keyPair.publicKey), this.crypto);
    const previous = this.signed.get(this.currentSignedId);
    if (previous) previous.replacedAt = now;
    const record: SignedPreKeyRecord = { id, keyPair, signature, createdAt: now, replacedAt: null };
    this.signed.set(id, record);
    this.currentSignedId = id;
    this.nextSignedId = nextId(id);
    this.pruneSignedPreKeys(now);
    return record;
  }

  /** Deletes (and wipes) signed prekeys replaced more than SIGNED_PREKEY_RETENTION_MS ago; returns how many. */
  pruneSignedPreKeys(now: number): number {
    let removed = 0;
    for (const [id, spk] of this.signed) {
      if (spk.replacedAt !== null && now - spk.replacedAt >= SIGNED_PREKEY_RETENTION_MS) {
        wipe(spk.keyPair.privateKey);
        this.signed.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Generates `count` one-time prekeys with consecutive ids; upload their public halves. */
  generateOneTimePreKeys(count: number): OneTimePreKeyRecord[] {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count: expected non-negative integer, got ${String(count)}`);
    if (this.oneTime.size + count > MAX_ONE_TIME_PREKEYS)
      throw new RangeError(`count: at most ${MAX_ONE_TIME_PREKEYS} one-time prekeys may be held, have ${this.oneTime.size}`);
    const out: OneTimePreKeyRecord[] = [];
    for (let i = 0; i < count; i++) {
      const record = { id: this.nextOneTimeId, keyPair: generateX25519KeyPair(this.randomBytes, this.crypto) };
      this.oneTime.set(record.id, record);
      this.nextOneTimeId = nextId(this.nextOneTimeId);
      out.push(record);
    }
    return out;
  }

  /** X3DH §3.4: Bob deletes the one-time prekey once the initial message decrypted. Wipes the private key. */
  consumeOneTimePreKey(id: number): boolean {
    const record = this.oneTime.get(id);
    if (!record) return false;
    wipe(record.keyPair.privateKey);
    return this.oneTime.delete(id);
  }

  /** The bundle to upload: identity, current signed prekey and every unused one-time prekey. */
  bundle(identity: IdentityKeyPair): PreKeyBundle {
    const spk = this.currentSignedPreKey;
    return {
      identitySigningKey: encodeBase64Url(identity.signingPublicKey),
      identityDhKey: encodeBase64Url(identity.dhPublicKey),
      signedPreKey: { id: spk.id, publicKey: encodeBase64Url(spk.keyPair.publicKey), signature: encodeBase64Url(spk.signature) },
      oneTimePreKeys: [...this.oneTime.values()].map((o) => ({ id: o.id, publicKey: encodeBase64Url(o.keyPair.publicKey) })),
    };
  }

  /**
   * u8 version = 1 || u32 currentSignedId || u32 nextSignedId || u32 nextOneTimeId
   * || u16 nSigned || nSigned × (u32 id || priv 32 || signature 64 || u64 createdAt || u8 hasReplaced || u64 replacedAt)
   * || u32 nOneTime || nOneTime × (u32 id || priv 32). Public keys are recomputed on load.
   */
  serialize(): Uint8Array {
    const w = new Writer(64 + this.signed.size * 120 + this.oneTime.size * 36);
    w.u8(PREKEY_STORE_VERSION).u32(this.currentSignedId).u32(this.nextSignedId).u32(this.nextOneTimeId);
    w.u16(this.signed.size);
    for (const spk of this.signed.values()) {
      w.u32(spk.id).fixed(spk.keyPair.privateKey, 32).fixed(spk.signature, 64).u64(spk.createdAt);
      w.u8(spk.replacedAt === null ? 0 : 1).u64(spk.replacedAt ?? 0);
    }
    w.u32(this.oneTime.size);
    for (const o of this.oneTime.values()) w.u32(o.id).fixed(o.keyPair.privateKey, 32);
    return w.finish();
  }

  static deserialize(bytes: Uint8Array, opts: { randomBytes?: RandomBytes; crypto?: CryptoProvider } = {}): PreKeyStore {
    abytes(bytes, undefined, 'bytes');
    return parseOrThrow('prekey store', () => {
      const r = new Reader(bytes);
      const version = r.u8('version');
      if (version !== PREKEY_STORE_VERSION) throw new SessionError('unsupported_version', `prekey store: version ${version} is not supported`);
      const store = new PreKeyStore(r.u32('currentSignedId'), r.u32('nextSignedId'), r.u32('nextOneTimeId'), opts.randomBytes ?? defaultRandomBytes, opts.crypto);
      const nSigned = r.u16('nSigned');
      for (let i = 0; i < nSigned; i++) {
        const id = r.u32('signedPreKey.id');
        const privateKey = r.fixed(32, 'signedPreKey.privateKey').slice();
        const signature = r.fixed(64, 'signedPreKey.signature').slice();
        const createdAt = r.u64('signedPreKey.createdAt');
        const hasReplaced = r.u8('signedPreKey.hasReplaced');
        const replacedAt = r.u64('signedPreKey.replacedAt');
        if (hasReplaced > 1 || (hasReplaced === 0 && replacedAt !== 0)) throw new SessionError('malformed', 'prekey store: non-canonical replacedAt');
        if (store.signed.has(id)) throw new SessionError('malformed', `prekey store: duplicate signed prekey id ${id}`);
        const keyPair = { privateKey, publicKey: x25519PublicKey(privateKey, opts.crypto) };
        store.signed.set(id, { id, keyPair, signature, createdAt, replacedAt: hasReplaced ? replacedAt : null });
      }
      const nOneTime = r.u32('nOneTime');
      if (nOneTime > MAX_ONE_TIME_PREKEYS) throw new SessionError('malformed', `prekey store: ${nOneTime} one-time prekeys exceed the bound`);
      for (let i = 0; i < nOneTime; i++) {
        const id = r.u32('oneTimePreKey.id');
        const privateKey = r.fixed(32, 'oneTimePreKey.privateKey').slice();
        if (store.oneTime.has(id)) throw new SessionError('malformed', `prekey store: duplicate one-time prekey id ${id}`);
        store.oneTime.set(id, { id, keyPair: { privateKey, publicKey: x25519PublicKey(privateKey, opts.crypto) } });
      }
      r.end('prekey store');
      if (!store.signed.has(store.currentSignedId)) throw new SessionError('malformed', 'prekey store: current signed prekey missing');
      return store;
    });
  }
}
