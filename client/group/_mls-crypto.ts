// The one place that chooses the MLS cipher suite and the crypto provider behind it (docs/PROTOCOL.md §12.1).
//
// Suite: MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 (RFC 9420 §17.1, id 0x0003).
// - X25519 and Ed25519: the curves of the account identity and of the 1:1 sessions (one curve family to audit);
// - ChaCha20-Poly1305 rather than AES-128-GCM: constant-time in pure JavaScript on every CPU (AES in JS is
//   table-based unless the platform's AES-NI path is used), the same AEAD family as the 1:1 Double Ratchet
//   (XChaCha20-Poly1305), and as fast as GCM without hardware AES;
// - SHA-256 everywhere, like the franking commitment and stamps.
// Implementation: ts-mls' CiphersuiteImpl built here for this suite only, on the SDK's own crypto providers
// (client/crypto): hash, HMAC, HKDF, X25519, Ed25519 and ChaCha20-Poly1305 are the provider's primitives; HPKE
// (RFC 9180) is ./_hpke.ts on the same primitives. No other suite's curves reach a bundle (size budget), and
// groups run native wherever the provider does:
// - the provider set with setDefaultCryptoProvider (e.g. nodeCryptoProvider on a Node server), as every other
//   part of the SDK uses it;
// - else, where WebCrypto has them (browsers, Node ≥ 20), WebCrypto X25519 and Ed25519 through
//   webCryptoProvider, and noble for the hash, HMAC and AEAD (WebCrypto HMAC costs a key import per call, and the
//   secret tree runs several per message; WebCrypto has no ChaCha20-Poly1305);
// - else noble.
// The bytes are the same under every provider (test/client/group-mls-interop.test.ts runs them against ts-mls'
// own noble provider).
import { equalBytes } from '../crypto/_bytes.ts';
import { configuredCryptoProvider } from '../crypto/default.ts';
import { nobleCryptoProvider } from '../crypto/noble.ts';
import { type AsyncCryptoProvider, type CryptoProvider, asAsyncProvider } from '../crypto/provider.ts';
import { webCryptoProvider } from '../crypto/webcrypto.ts';
import {
  HPKE_KEY_LENGTH,
  HPKE_NONCE_LENGTH,
  X25519_KEY_LENGTH,
  deriveKeyPair,
  generateKeyPair,
  hkdfExpand,
  hkdfExtract,
  setupBaseRecipient,
  setupBaseSender,
} from './_hpke.ts';
import { type CiphersuiteImpl, type CiphersuiteName, CryptoError, type Hash, type Hpke, type Kdf, type PrivateKey, type PublicKey, type Signature } from './_ts-mls.ts';

export const GROUP_CIPHERSUITE: CiphersuiteName = 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519';
/** RFC 9420 §17.1 cipher suite id of GROUP_CIPHERSUITE. */
export const GROUP_CIPHERSUITE_ID = 0x0003;

/** The group cipher suite on `crypto` (every primitive of the suite from that one provider). */
export function ciphersuiteFromProvider(crypto: AsyncCryptoProvider): CiphersuiteImpl {
  return { name: GROUP_CIPHERSUITE, hash: hashOf(crypto), kdf: kdfOf(crypto), hpke: hpkeOf(crypto), signature: signatureOf(crypto), rng: { randomBytes: (n) => crypto.randomBytes(n) } };
}

/** The provider groups use when the application configured none: WebCrypto's curves where native, noble otherwise. */
async function unconfiguredProvider(): Promise<AsyncCryptoProvider> {
  if (!globalThis.crypto?.subtle) return asAsyncProvider(nobleCryptoProvider);
  return webCryptoProvider({ only: ['x25519', 'ed25519'] });
}

let cached: { configured: CryptoProvider | undefined; suite: Promise<CiphersuiteImpl> } | undefined;

/** The cipher suite implementation every group of this client uses (built once per default provider). */
export function groupCiphersuite(): Promise<CiphersuiteImpl> {
  const configured = configuredCryptoProvider();
  if (!cached || cached.configured !== configured)
    cached = { configured, suite: (configured ? Promise.resolve(asAsyncProvider(configured)) : unconfiguredProvider()).then(ciphersuiteFromProvider) };
  return cached.suite;
}

/** The provider behind groupCiphersuite() (benchmarks and tests name it). */
export async function groupCryptoProviderName(): Promise<string> {
  const configured = configuredCryptoProvider();
  if (configured) return configured.name;
  const p = await unconfiguredProvider();
  const native = Object.entries(p.native).filter(([, v]) => v).map(([k]) => k);
  return native.length ? `${p.name} (${native.join(', ')})` : 'noble';
}

// ---- RFC 9420 §5.1: Hash, KDF (suite 0x0003: SHA-256, HKDF-SHA256) ----

function hashOf(crypto: AsyncCryptoProvider): Hash {
  return {
    digest: (data) => crypto.sha256(data),
    mac: (key, data) => crypto.hmacSha256(key, data),
    // RFC 9420 §6.1 (membership tag), §8.2 (confirmation tag): compared in constant time.
    verifyMac: async (key, mac, data) => equalBytes(await crypto.hmacSha256(key, data), mac),
  };
}

function kdfOf(crypto: AsyncCryptoProvider): Kdf {
  return { extract: (salt, ikm) => hkdfExtract(crypto, salt, ikm), expand: (prk, info, len) => hkdfExpand(crypto, prk, info, len), size: 32 };
}

// ---- RFC 9420 §5.1.3: HPKE (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305) ----

/**
 * ts-mls types HPKE keys as WebCrypto CryptoKeys but only passes them back to this object: here they are the raw
 * RFC 7748 bytes (the bytes ts-mls' own provider exports for this KEM), wrapped so that a key of one kind cannot
 * be taken for the other.
 */
class RawKey {
  constructor(
    readonly type: 'public' | 'private',
    readonly bytes: Uint8Array,
    /** The public half of a private key, once known (spares a base-point multiplication per decryption). */
    public publicKey?: Uint8Array,
  ) {}
}
const privateKeyOf = (bytes: Uint8Array, publicKey?: Uint8Array) => new RawKey('private', bytes, publicKey) as unknown as PrivateKey;
const publicKeyOf = (bytes: Uint8Array) => new RawKey('public', bytes) as unknown as PublicKey;
function raw(k: PublicKey | PrivateKey, type: 'public' | 'private'): RawKey {
  const r = k as unknown;
  if (!(r instanceof RawKey) || r.type !== type) throw new CryptoError(`expected an HPKE ${type} key of this cipher suite`);
  return r;
}
function checkRawKey(k: Uint8Array, name: string): Uint8Array {
  if (!(k instanceof Uint8Array) || k.length !== X25519_KEY_LENGTH) throw new CryptoError(`${name}: expected ${X25519_KEY_LENGTH} bytes, got ${k instanceof Uint8Array ? k.length : typeof k}`);
  return k.slice();
}
/** Failures of bytes from the outside world surface as ts-mls' CryptoError, as with ts-mls' own providers. */
async function asCryptoError<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw e instanceof CryptoError ? e : new CryptoError(`${(e as Error).message}`);
  }
}
const EMPTY = new Uint8Array(0);

function hpkeOf(crypto: AsyncCryptoProvider): Hpke {
  const recipient = (sk: PrivateKey, enc: Uint8Array, info: Uint8Array) => {
    const k = raw(sk, 'private');
    return setupBaseRecipient(crypto, enc, k.bytes, info, k.publicKey);
  };
  return {
    // A low-order recipient key (RFC 9180 §7.1.4) is refused on this side too.
    seal: (publicKey, plaintext, info, aad) =>
      asCryptoError(async () => {
        const { enc, context } = await setupBaseSender(crypto, raw(publicKey, 'public').bytes, info);
        return { ct: await context.seal(aad ?? EMPTY, plaintext), enc };
      }),
    open: (privateKey, kemOutput, ciphertext, info, aad) => asCryptoError(async () => (await recipient(privateKey, kemOutput, info)).open(aad ?? EMPTY, ciphertext)),
    exportSecret: (publicKey, exporterContext, length, info) =>
      asCryptoError(async () => {
        const { enc, context } = await setupBaseSender(crypto, raw(publicKey, 'public').bytes, info);
        return { enc, secret: await context.export(exporterContext, length) };
      }),
    importSecret: (privateKey, exporterContext, kemOutput, length, info) => asCryptoError(async () => (await recipient(privateKey, kemOutput, info)).export(exporterContext, length)),
    importPrivateKey: async (k) => privateKeyOf(checkRawKey(k, 'HPKE private key')),
    importPublicKey: async (k) => publicKeyOf(checkRawKey(k, 'HPKE public key')),
    exportPublicKey: async (k) => raw(k, 'public').bytes.slice(),
    exportPrivateKey: async (k) => raw(k, 'private').bytes.slice(),
    encryptAead: (key, nonce, aad, plaintext) => crypto.chacha20poly1305Seal(key, nonce, plaintext, aad ?? EMPTY),
    decryptAead: (key, nonce, aad, ciphertext) => asCryptoError(() => crypto.chacha20poly1305Open(key, nonce, ciphertext, aad ?? EMPTY)),
    async deriveKeyPair(ikm) {
      const kp = await deriveKeyPair(crypto, ikm);
      return { privateKey: privateKeyOf(kp.privateKey, kp.publicKey), publicKey: publicKeyOf(kp.publicKey) };
    },
    async generateKeyPair() {
      const kp = await generateKeyPair(crypto);
      return { privateKey: privateKeyOf(kp.privateKey, kp.publicKey), publicKey: publicKeyOf(kp.publicKey) };
    },
    keyLength: HPKE_KEY_LENGTH,
    nonceLength: HPKE_NONCE_LENGTH,
  };
}

// ---- RFC 9420 §5.1.2: signatures (Ed25519, RFC 8032, strict verification of the provider) ----

/** RFC 8410 PKCS #8 prefix of an Ed25519 private key: ts-mls' WebCrypto keygen exports signing keys so. */
const PKCS8_ED25519 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** The 32-byte RFC 8032 seed of a signing key: raw, or wrapped in PKCS #8 (RFC 8410 §7). */
function seedOf(signKey: Uint8Array): Uint8Array {
  if (signKey.length === 32) return signKey;
  if (signKey.length === 48 && equalBytes(signKey.subarray(0, 16), PKCS8_ED25519)) return signKey.subarray(16);
  throw new CryptoError(`Ed25519 signing key: expected 32 bytes (or RFC 8410 PKCS #8 of 48), got ${signKey.length}`);
}

function signatureOf(crypto: AsyncCryptoProvider): Signature {
  return {
    sign: async (signKey, message) => crypto.ed25519Sign(seedOf(signKey), message),
    // The provider's ed25519Verify: RFC 8032 §5.1.7 strict (canonical A, R, S), false for anything invalid.
    verify: (publicKey, message, signature) => crypto.ed25519Verify(publicKey, message, signature),
    async keygen() {
      const signKey = crypto.randomBytes(32);
      return { signKey, publicKey: await crypto.ed25519PublicKey(signKey) };
    },
  };
}
