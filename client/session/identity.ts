// Device identity (docs/PROTOCOL-sessions.md §1): two independent long-term keys per device, an Ed25519 key
// that signs prekeys and an X25519 key that takes part in X3DH. Not XEdDSA: see the spec for why.
import { abytes, Reader, Writer } from '../crypto/_bytes.ts';
import { defaultRandomBytes, generateX25519KeyPair, type RandomBytes, x25519PublicKey } from './_session-kdf.ts';
import { parseOrThrow } from './_session-codec.ts';
import { SessionError } from './session-errors.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';

/** The public half of a device identity, as published in the key directory and compared in safety numbers. */
export interface PublicIdentity {
  /** Ed25519 public key (RFC 8032), 32 bytes: verifies signed prekeys. */
  readonly signingKey: Uint8Array;
  /** X25519 public key (RFC 7748), 32 bytes: IK in X3DH. */
  readonly dhKey: Uint8Array;
}

/** A device's long-term key pairs. The private keys never leave the device. */
export interface IdentityKeyPair {
  /** Ed25519 secret key (the 32-byte seed of RFC 8032 §5.1.5). */
  readonly signingPrivateKey: Uint8Array;
  readonly signingPublicKey: Uint8Array;
  /** X25519 private key (32 bytes, clamped on use per RFC 7748 §5). */
  readonly dhPrivateKey: Uint8Array;
  readonly dhPublicKey: Uint8Array;
}

export const IDENTITY_STATE_VERSION = 1;

/** New identity: draws 32 bytes for the Ed25519 seed, then 32 bytes for the X25519 private key (in that order). */
export function generateIdentity(randomBytes: RandomBytes = defaultRandomBytes, crypto: CryptoProvider = defaultCryptoProvider()): IdentityKeyPair {
  const signingPrivateKey = abytes(randomBytes(32), 32, 'randomBytes(32)');
  const agreement = generateX25519KeyPair(randomBytes, crypto);
  return {
    signingPrivateKey,
    signingPublicKey: crypto.ed25519PublicKey(signingPrivateKey),
    dhPrivateKey: agreement.privateKey,
    dhPublicKey: agreement.publicKey,
  };
}

/** The public half of an identity, as peers and the key directory see it. */
export function publicIdentity(identity: IdentityKeyPair): PublicIdentity {
  return { signingKey: identity.signingPublicKey, dhKey: identity.dhPublicKey };
}

/** Encoding used in X3DH AD and the safety number: signingKey (32) || dhKey (32). */
export function encodePublicIdentity(identity: PublicIdentity): Uint8Array {
  return new Writer(64).fixed(identity.signingKey, 32, 'signingKey').fixed(identity.dhKey, 32, 'dhKey').finish();
}

/** Ed25519 signature (RFC 8032, pure Ed25519) by the identity signing key. */
export function signWithIdentity(identity: IdentityKeyPair, message: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  abytes(message, undefined, 'message');
  return crypto.ed25519Sign(identity.signingPrivateKey, message);
}

/**
 * Verifies an Ed25519 signature with the strict RFC 8032 rules (zip215: false: canonical encodings only,
 * so a signature has one accepted form). Returns false for anything that does not verify.
 */
export function verifyWithIdentity(signingKey: Uint8Array, message: Uint8Array, signature: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): boolean {
  return crypto.ed25519Verify(signingKey, message, signature);
}

/** Serialized identity (private!): u8 version = 1 || Ed25519 seed (32) || X25519 private key (32). */
export function serializeIdentity(identity: IdentityKeyPair): Uint8Array {
  return new Writer(65)
    .u8(IDENTITY_STATE_VERSION)
    .fixed(identity.signingPrivateKey, 32, 'signingPrivateKey')
    .fixed(identity.dhPrivateKey, 32, 'dhPrivateKey')
    .finish();
}

/** Inverse of serializeIdentity; public keys are recomputed, never trusted from storage. */
export function deserializeIdentity(bytes: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): IdentityKeyPair {
  abytes(bytes, undefined, 'bytes');
  return parseOrThrow('identity', () => {
    const r = new Reader(bytes);
    const version = r.u8('version');
    if (version !== IDENTITY_STATE_VERSION) throw new SessionError('unsupported_version', `identity: version ${version} is not supported`);
    const signingPrivateKey = r.fixed(32, 'signingPrivateKey').slice();
    const dhPrivateKey = r.fixed(32, 'dhPrivateKey').slice();
    r.end('identity');
    return {
      signingPrivateKey,
      signingPublicKey: crypto.ed25519PublicKey(signingPrivateKey),
      dhPrivateKey,
      dhPublicKey: x25519PublicKey(dhPrivateKey, crypto),
    };
  });
}
