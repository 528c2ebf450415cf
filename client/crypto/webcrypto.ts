// The native provider for browsers (docs/PROTOCOL.md §14.1): WebCrypto (globalThis.crypto.subtle) for each
// primitive the platform has, found by feature detection once, and nobleCryptoProvider for the rest
// (ChaCha20-Poly1305 and XChaCha20-Poly1305 are in no WebCrypto). WebCrypto only answers with Promises, so this
// provider is asynchronous; its bytes are those of every other provider (test/client/providers.test.ts).
// Works in Node ≥ 20 too (globalThis.crypto.subtle), where nodeCryptoProvider is the faster choice.
import { equalBytes, toBase64Url } from './_bytes.ts';
import { ed25519StrictPrecheck } from './_ed25519.ts';
import { DecryptError } from './errors.ts';
import { checkAesKey, nobleCryptoProvider as noble } from './noble.ts';
import { type AsyncCryptoProvider, LowOrderError, type PrimitiveName } from './provider.ts';

type Buf = Uint8Array<ArrayBuffer>;
/** WebCrypto's BufferSource typing wants ArrayBuffer-backed views; views on other buffers are copied. */
const buf = (u: Uint8Array): Buf => (u.buffer instanceof ArrayBuffer ? (u as Buf) : new Uint8Array(u));
const hex = (s: string) => Uint8Array.from(s.match(/../g) as string[], (h) => parseInt(h, 16));
// RFC 8410 PKCS #8 prefixes of raw 32-byte private keys (X25519, Ed25519).
const PKCS8_X25519 = hex('302e020100300506032b656e04220420');
const PKCS8_ED25519 = hex('302e020100300506032b657004220420');
/** The X25519 base point u = 9: X25519(k, 9) is k's public key, so one deriveBits computes it. */
const BASE_POINT = (() => {
  const b = new Uint8Array(32);
  b[0] = 9;
  return b;
})();

function pkcs8(prefix: Uint8Array, raw: Uint8Array): Buf {
  const out = new Uint8Array(prefix.length + 32);
  out.set(prefix, 0);
  out.set(raw, prefix.length);
  return out;
}

/** Bound of the per-provider cache of imported public keys (group members' keys; peers' X25519 keys). */
const PUBLIC_KEY_CACHE_MAX = 4096;
type PrivateEntry = { digest: Uint8Array; key: Promise<CryptoKey> };
function checkLength(u: Uint8Array, n: number, name: string): void {
  if (!(u instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array, got ${typeof u}`);
  if (u.length !== n) throw new RangeError(`${name}: expected Uint8Array of length ${n}, got length=${u.length}`);
}

function concat(chunks: Uint8Array[]): Buf {
  if (chunks.length === 1) return buf(chunks[0] as Uint8Array);
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Which primitives this platform's WebCrypto runs (probed with real operations, not by name). */
export async function detectWebCrypto(): Promise<Readonly<Record<PrimitiveName, boolean>>> {
  const subtle = globalThis.crypto?.subtle;
  const none = { sha256: false, hmacSha256: false, hkdfSha256: false, x25519: false, ed25519: false, chacha20poly1305: false, xchacha20poly1305: false, aesGcm: false };
  if (!subtle) return none;
  const probe = async (f: () => Promise<unknown>) => f().then(() => true, () => false);
  const key = new Uint8Array(32).fill(7);
  const [sha256, hmacSha256, hkdfSha256, x25519, ed25519, aesGcm] = await Promise.all([
    probe(() => subtle.digest('SHA-256', key)),
    probe(() => subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])),
    probe(async () => subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: key, info: key }, await subtle.importKey('raw', key, 'HKDF', false, ['deriveBits']), 256)),
    probe(async () => subtle.deriveBits({ name: 'X25519', public: await subtle.importKey('raw', BASE_POINT, { name: 'X25519' }, false, []) } as never,
      await subtle.importKey('pkcs8', pkcs8(PKCS8_X25519, key), { name: 'X25519' }, false, ['deriveBits']), 256)),
    probe(async () => subtle.sign('Ed25519', await subtle.importKey('pkcs8', pkcs8(PKCS8_ED25519, key), { name: 'Ed25519' }, false, ['sign']), key)),
    probe(async () => subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']), key)),
  ]);
  return { ...none, sha256, hmacSha256, hkdfSha256, x25519, ed25519, aesGcm };
}

/**
 * The WebCrypto provider: each primitive native where `detectWebCrypto` found it, noble otherwise.
 * `only` restricts the native set (benchmarks, tests of the fallback).
 */
export async function webCryptoProvider(opts: { only?: readonly PrimitiveName[] } = {}): Promise<AsyncCryptoProvider> {
  const found = await detectWebCrypto();
  const native = Object.fromEntries(
    Object.entries(found).map(([k, v]) => [k, v && (opts.only === undefined || opts.only.includes(k as PrimitiveName))]),
  ) as Record<PrimitiveName, boolean>;
  const subtle = globalThis.crypto?.subtle as SubtleCrypto;

  // Importing a key costs more than using it (a PKCS #8 import is ~5× an X25519 in Node 20), and MLS uses the same
  // keys again and again (a member's signature key per message, its own signing key per send, tree keys per commit).
  // Public keys: a bounded cache by value. Private keys: remembered per Uint8Array object (WeakMap: nothing outlives
  // the caller's own array) with the SHA-256 of its bytes (no copy of the secret), so an array changed or wiped in
  // place is imported again.
  const publicKeys = new Map<string, Promise<CryptoKey>>();
  const importPublic = (alg: 'X25519' | 'Ed25519', pub: Uint8Array): Promise<CryptoKey> => {
    const id = alg + toBase64Url(pub);
    let k = publicKeys.get(id);
    if (!k) {
      if (publicKeys.size >= PUBLIC_KEY_CACHE_MAX) publicKeys.delete(publicKeys.keys().next().value as string);
      k = subtle.importKey('raw', buf(pub), { name: alg }, false, alg === 'Ed25519' ? ['verify'] : []);
      publicKeys.set(id, k);
      k.catch(() => publicKeys.delete(id));
    }
    return k;
  };
  const privateKeys = { X25519: new WeakMap<Uint8Array, PrivateEntry>(), Ed25519: new WeakMap<Uint8Array, PrivateEntry>() };
  const importPrivate = (alg: 'X25519' | 'Ed25519', raw: Uint8Array): Promise<CryptoKey> => {
    const digest = noble.sha256(raw);
    const hit = privateKeys[alg].get(raw);
    if (hit && equalBytes(hit.digest, digest)) return hit.key;
    const d = pkcs8(alg === 'X25519' ? PKCS8_X25519 : PKCS8_ED25519, raw);
    const key = subtle.importKey('pkcs8', d, { name: alg }, false, [alg === 'X25519' ? 'deriveBits' : 'sign']).finally(() => d.fill(0));
    privateKeys[alg].set(raw, { digest, key });
    key.catch(() => privateKeys[alg].delete(raw));
    return key;
  };
  // The base point is public and constant: import it once (a public-key derivation then costs one import, not two).
  let basePoint: Promise<CryptoKey> | undefined;
  async function x25519Bits(priv: Uint8Array, pub: Uint8Array | 'base'): Promise<Uint8Array> {
    const k = await importPrivate('X25519', priv);
    const p = pub === 'base' ? await (basePoint ??= subtle.importKey('raw', BASE_POINT, { name: 'X25519' }, false, [])) : await importPublic('X25519', pub);
    return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: p } as never, k, 256));
  }
  async function aesGcm(op: 'encrypt' | 'decrypt', key: Uint8Array, nonce: Uint8Array, data: Uint8Array, ad: Uint8Array): Promise<Uint8Array> {
    const k = await subtle.importKey('raw', buf(key), 'AES-GCM', false, [op]);
    return new Uint8Array(await subtle[op]({ name: 'AES-GCM', iv: buf(nonce), additionalData: buf(ad), tagLength: 128 }, k, buf(data)));
  }

  return Object.freeze({
    name: 'webcrypto',
    native: Object.freeze(native),
    randomBytes: noble.randomBytes,
    async sha256(...chunks: Uint8Array[]) {
      if (!native.sha256) return noble.sha256(...chunks);
      return new Uint8Array(await subtle.digest('SHA-256', concat(chunks)));
    },
    async hmacSha256(key: Uint8Array, ...chunks: Uint8Array[]) {
      // WebCrypto refuses a zero-length HMAC key; RFC 2104 allows it (noble computes it, same bytes).
      if (!native.hmacSha256 || key.length === 0) return noble.hmacSha256(key, ...chunks);
      const k = await subtle.importKey('raw', buf(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      return new Uint8Array(await subtle.sign('HMAC', k, concat(chunks)));
    },
    async hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) {
      if (!native.hkdfSha256 || ikm.length === 0 || length === 0 || length > 255 * 32) return noble.hkdfSha256(ikm, salt, info, length);
      const k = await subtle.importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
      return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: buf(info) }, k, length * 8));
    },
    async x25519PublicKey(priv: Uint8Array) {
      if (!native.x25519) return noble.x25519PublicKey(priv);
      checkLength(priv, 32, 'privateKey');
      return x25519Bits(priv, 'base');
    },
    async x25519(priv: Uint8Array, pub: Uint8Array) {
      if (!native.x25519) return noble.x25519(priv, pub);
      checkLength(priv, 32, 'privateKey');
      checkLength(pub, 32, 'publicKey');
      let out: Uint8Array;
      try {
        out = await x25519Bits(priv, pub);
      } catch {
        throw new LowOrderError('X25519 output is all zero: the peer public key has low order'); // WebCrypto refuses it
      }
      if (out.every((b) => b === 0)) throw new LowOrderError('X25519 output is all zero: the peer public key has low order');
      return out;
    },
    async ed25519PublicKey(seed: Uint8Array) {
      if (!native.ed25519) return noble.ed25519PublicKey(seed);
      checkLength(seed, 32, 'seed');
      const d = pkcs8(PKCS8_ED25519, seed);
      try {
        const k = await subtle.importKey('pkcs8', d, { name: 'Ed25519' }, true, ['sign']);
        const jwk = await subtle.exportKey('jwk', k);
        return Uint8Array.from(atob((jwk.x as string).replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      } finally {
        d.fill(0);
      }
    },
    async ed25519Sign(seed: Uint8Array, message: Uint8Array) {
      if (!native.ed25519) return noble.ed25519Sign(seed, message);
      checkLength(seed, 32, 'seed');
      const k = await importPrivate('Ed25519', seed);
      return new Uint8Array(await subtle.sign('Ed25519', k, buf(message)));
    },
    async ed25519Verify(pub: Uint8Array, message: Uint8Array, signature: Uint8Array) {
      if (!native.ed25519) return noble.ed25519Verify(pub, message, signature);
      if (!(pub instanceof Uint8Array) || pub.length !== 32 || !(signature instanceof Uint8Array) || signature.length !== 64) return false;
      if (!(message instanceof Uint8Array) || !ed25519StrictPrecheck(pub, signature)) return false;
      let ok = false;
      try {
        const k = await importPublic('Ed25519', pub);
        ok = await subtle.verify('Ed25519', k, buf(signature), buf(message));
      } catch {
        ok = false;
      }
      // As in ./node.ts: a native "false" is confirmed by noble, so the answer is noble's for every input.
      return ok || noble.ed25519Verify(pub, message, signature);
    },
    chacha20poly1305Seal: async (k: Uint8Array, n: Uint8Array, pt: Uint8Array, ad: Uint8Array, out?: Uint8Array) => noble.chacha20poly1305Seal(k, n, pt, ad, out),
    chacha20poly1305Open: async (k: Uint8Array, n: Uint8Array, s: Uint8Array, ad: Uint8Array) => noble.chacha20poly1305Open(k, n, s, ad),
    xchacha20poly1305Seal: async (k: Uint8Array, n: Uint8Array, pt: Uint8Array, ad: Uint8Array, out?: Uint8Array) => noble.xchacha20poly1305Seal(k, n, pt, ad, out),
    xchacha20poly1305Open: async (k: Uint8Array, n: Uint8Array, s: Uint8Array, ad: Uint8Array) => noble.xchacha20poly1305Open(k, n, s, ad),
    async aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array) {
      if (!native.aesGcm) return noble.aesGcmSeal(key, nonce, plaintext, ad);
      checkAesKey(key);
      checkLength(nonce, 12, 'nonce');
      return aesGcm('encrypt', key, nonce, plaintext, ad);
    },
    async aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array) {
      if (!native.aesGcm) return noble.aesGcmOpen(key, nonce, sealed, ad);
      checkAesKey(key);
      checkLength(nonce, 12, 'nonce');
      if (sealed.length < 16) throw new DecryptError('ciphertext shorter than the tag');
      try {
        return await aesGcm('decrypt', key, nonce, sealed, ad);
      } catch {
        throw new DecryptError('AEAD authentication failed');
      }
    },
  });
}

