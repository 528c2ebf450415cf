// X3DH key agreement (Signal, "The X3DH Key Agreement Protocol", rev. 1) with the deviations listed in
// docs/PROTOCOL-sessions.md §5: two identity keys (Ed25519 + X25519, no XEdDSA), AD carries both of each party.
import { abytes, concatBytes, Reader, Writer } from '../crypto/_bytes.ts';
import { parseOrThrow } from './_session-codec.ts';
import { defaultRandomBytes, dhSteps, generateX25519KeyPairSteps, type RandomBytes, wipe, type X25519KeyPair, x3dhKdfSteps } from './_session-kdf.ts';
import { runAsync, runSync, type Steps } from './_session-steps.ts';
import { encodePublicIdentity, type IdentityKeyPair, type PublicIdentity, publicIdentity } from './identity.ts';
import { decodeFetchedPreKeyBundleSteps, type FetchedPreKeyBundle, type PreKeyStore } from './prekeys.ts';
import { SessionError } from './session-errors.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { AsyncCryptoProvider, CryptoProvider } from '../crypto/provider.ts';

/** Length of the encoded X3DH prefix of a prekey message. */
export const PREKEY_PREFIX_LENGTH = 32 + 32 + 32 + 4 + 1 + 4;

/** What the initiator puts in front of its first ratchet messages (X3DH §3.3 "initial message"). */
export interface PreKeyPrefix {
  /** The initiator's identity (IK_A: both keys). */
  readonly identity: PublicIdentity;
  /** EK_A, the initiator's ephemeral X25519 public key. */
  readonly ephemeralKey: Uint8Array;
  readonly signedPreKeyId: number;
  /** The one-time prekey used, or null if the bundle had none. */
  readonly oneTimePreKeyId: number | null;
}

export interface X3dhInitiation {
  /** SK: the initial root key of the Double Ratchet. */
  readonly sharedSecret: Uint8Array;
  /** AD = Encode(IK_A) || Encode(IK_B), 128 bytes. */
  readonly associatedData: Uint8Array;
  readonly prefix: PreKeyPrefix;
  /** SPK_B, the responder's first ratchet public key (Double Ratchet §7.1). */
  readonly signedPreKey: Uint8Array;
  readonly remoteIdentity: PublicIdentity;
}

export interface X3dhResponse {
  readonly sharedSecret: Uint8Array;
  readonly associatedData: Uint8Array;
  /** The signed prekey pair: the responder's first ratchet key pair. */
  readonly signedPreKey: X25519KeyPair;
  readonly remoteIdentity: PublicIdentity;
}

/** AD = Encode(IK_A) || Encode(IK_B) where Encode(IK) = signingKey || dhKey (X3DH §3.3, both keys here). */
export function x3dhAssociatedData(initiator: PublicIdentity, responder: PublicIdentity): Uint8Array {
  return concatBytes(encodePublicIdentity(initiator), encodePublicIdentity(responder));
}

/**
 * Initiator side (X3DH §3.3): verifies the bundle's signed prekey, draws EK_A (32 random bytes) and computes
 * DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B) if present.
 */
export function x3dhInitiate(
  identity: IdentityKeyPair,
  bundle: FetchedPreKeyBundle,
  randomBytes: RandomBytes = defaultRandomBytes,
  crypto: CryptoProvider = defaultCryptoProvider(),
): X3dhInitiation {
  return runSync(x3dhInitiateSteps(identity, bundle, randomBytes), crypto);
}

/** x3dhInitiate with every public-key and KDF primitive computed by an async provider (WebCrypto); same bytes. */
export function x3dhInitiateAsync(identity: IdentityKeyPair, bundle: FetchedPreKeyBundle, randomBytes: RandomBytes, crypto: AsyncCryptoProvider): Promise<X3dhInitiation> {
  return runAsync(x3dhInitiateSteps(identity, bundle, randomBytes), crypto);
}

/** The initiator's X3DH, once, for both runners (./_session-steps.ts). */
export function* x3dhInitiateSteps(identity: IdentityKeyPair, bundle: FetchedPreKeyBundle, randomBytes: RandomBytes): Steps<X3dhInitiation> {
  const remote = yield* decodeFetchedPreKeyBundleSteps(bundle); // throws 'bad_signature' before any secret is computed
  const ephemeral = yield* generateX25519KeyPairSteps(randomBytes);
  const outputs: Uint8Array[] = [];
  try {
    outputs.push(yield* dhSteps(identity.dhPrivateKey, remote.signedPreKey.publicKey));
    outputs.push(yield* dhSteps(ephemeral.privateKey, remote.identity.dhKey));
    outputs.push(yield* dhSteps(ephemeral.privateKey, remote.signedPreKey.publicKey));
    if (remote.oneTimePreKey) outputs.push(yield* dhSteps(ephemeral.privateKey, remote.oneTimePreKey.publicKey));
    const sharedSecret = yield* x3dhKdfSteps(outputs);
    return {
      sharedSecret,
      associatedData: x3dhAssociatedData(publicIdentity(identity), remote.identity),
      prefix: {
        identity: publicIdentity(identity),
        ephemeralKey: ephemeral.publicKey,
        signedPreKeyId: remote.signedPreKey.id,
        oneTimePreKeyId: remote.oneTimePreKey?.id ?? null,
      },
      signedPreKey: remote.signedPreKey.publicKey,
      remoteIdentity: remote.identity,
    };
  } finally {
    // X3DH §3.3: "Alice deletes her ephemeral private key and the DH outputs."
    wipe(ephemeral.privateKey, ...outputs);
  }
}

/**
 * Responder side (X3DH §3.4): looks up the named prekeys and repeats the DH computations. Does NOT delete the
 * one-time prekey: the caller does that only after the initial ciphertext authenticated.
 */
export function x3dhRespond(identity: IdentityKeyPair, preKeys: PreKeyStore, prefix: PreKeyPrefix, crypto: CryptoProvider = defaultCryptoProvider()): X3dhResponse {
  return runSync(x3dhRespondSteps(identity, preKeys, prefix), crypto);
}

/** x3dhRespond with every DH and the KDF computed by an async provider (WebCrypto); same bytes. */
export function x3dhRespondAsync(identity: IdentityKeyPair, preKeys: PreKeyStore, prefix: PreKeyPrefix, crypto: AsyncCryptoProvider): Promise<X3dhResponse> {
  return runAsync(x3dhRespondSteps(identity, preKeys, prefix), crypto);
}

/** The responder's X3DH, once, for both runners (./_session-steps.ts). */
export function* x3dhRespondSteps(identity: IdentityKeyPair, preKeys: PreKeyStore, prefix: PreKeyPrefix): Steps<X3dhResponse> {
  const spk = preKeys.signedPreKey(prefix.signedPreKeyId);
  if (!spk) throw new SessionError('unknown_prekey', `no signed prekey with id ${prefix.signedPreKeyId}`);
  let opkPrivate: Uint8Array | null = null;
  if (prefix.oneTimePreKeyId !== null) {
    const opk = preKeys.oneTimePreKey(prefix.oneTimePreKeyId);
    if (!opk) throw new SessionError('unknown_prekey', `no one-time prekey with id ${prefix.oneTimePreKeyId} (already used?)`);
    opkPrivate = opk.keyPair.privateKey;
  }
  const outputs: Uint8Array[] = [];
  try {
    outputs.push(yield* dhSteps(spk.keyPair.privateKey, prefix.identity.dhKey));
    outputs.push(yield* dhSteps(identity.dhPrivateKey, prefix.ephemeralKey));
    outputs.push(yield* dhSteps(spk.keyPair.privateKey, prefix.ephemeralKey));
    if (opkPrivate) outputs.push(yield* dhSteps(opkPrivate, prefix.ephemeralKey));
    const sharedSecret = yield* x3dhKdfSteps(outputs);
    return {
      sharedSecret,
      associatedData: x3dhAssociatedData(prefix.identity, publicIdentity(identity)),
      signedPreKey: { privateKey: spk.keyPair.privateKey.slice(), publicKey: spk.keyPair.publicKey },
      remoteIdentity: prefix.identity,
    };
  } finally {
    wipe(...outputs);
  }
}

/** IK_A.signingKey (32) || IK_A.dhKey (32) || EK_A (32) || u32 spkId || u8 hasOpk (0|1) || u32 opkId (0 if none). */
export function encodePreKeyPrefix(prefix: PreKeyPrefix): Uint8Array {
  return new Writer(PREKEY_PREFIX_LENGTH)
    .fixed(prefix.identity.signingKey, 32, 'identity.signingKey')
    .fixed(prefix.identity.dhKey, 32, 'identity.dhKey')
    .fixed(prefix.ephemeralKey, 32, 'ephemeralKey')
    .u32(prefix.signedPreKeyId)
    .u8(prefix.oneTimePreKeyId === null ? 0 : 1)
    .u32(prefix.oneTimePreKeyId ?? 0)
    .finish();
}

export function decodePreKeyPrefix(bytes: Uint8Array): PreKeyPrefix {
  abytes(bytes, PREKEY_PREFIX_LENGTH, 'prekey prefix');
  return parseOrThrow('prekey prefix', () => {
    const r = new Reader(bytes);
    const identity = { signingKey: r.fixed(32, 'identity.signingKey').slice(), dhKey: r.fixed(32, 'identity.dhKey').slice() };
    const ephemeralKey = r.fixed(32, 'ephemeralKey').slice();
    const signedPreKeyId = r.u32('signedPreKeyId');
    const hasOneTime = r.u8('hasOneTimePreKey');
    const oneTimeId = r.u32('oneTimePreKeyId');
    if (hasOneTime > 1 || (hasOneTime === 0 && oneTimeId !== 0)) throw new SessionError('malformed', 'prekey prefix: non-canonical one-time prekey field');
    return { identity, ephemeralKey, signedPreKeyId, oneTimePreKeyId: hasOneTime ? oneTimeId : null };
  });
}
