// The one place that chooses the MLS cipher suite and the crypto provider behind it (docs/PROTOCOL.md §12.1).
//
// Suite: MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 (RFC 9420 §17.1, id 0x0003).
// - X25519 and Ed25519: the curves of the account identity and of the 1:1 sessions (one curve family to audit);
// - ChaCha20-Poly1305 rather than AES-128-GCM: constant-time in pure JavaScript on every CPU (AES in JS is
//   table-based unless the platform's AES-NI path is used, and ts-mls' noble AEAD is pure JS), the same AEAD
//   family as the 1:1 Double Ratchet (XChaCha20-Poly1305), and as fast as GCM without hardware AES;
// - SHA-256 everywhere, like the franking commitment and stamps.
// Provider: ts-mls' noble provider (@noble/hashes, @noble/ciphers, @hpke/core with @hpke/chacha20poly1305),
// with two parts replaced after measuring them (docs/BENCHMARKS.md "Groups on MLS"):
// - the KDF: ts-mls routes HKDF through @hpke/core, i.e. WebCrypto HMAC with a key import per call (tens of
//   µs fixed cost, and the secret tree runs several per message); @noble/hashes' HKDF is the same function
//   (RFC 5869) at a few µs;
// - Ed25519: WebCrypto where the platform has it (Node ≥ 20, Chromium) — native speed — with the imported
//   CryptoKey cached per key instead of imported on every call; @noble/curves where it has not.
// When client/crypto exports a provider interface, build the CiphersuiteImpl from it here.
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { ed25519 } from '@noble/curves/ed25519.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type CiphersuiteImpl, type CiphersuiteName, type Kdf, type Signature, getCiphersuiteFromName, getCiphersuiteImpl, nobleCryptoProvider } from 'ts-mls';

export const GROUP_CIPHERSUITE: CiphersuiteName = 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519';
/** RFC 9420 §17.1 cipher suite id of GROUP_CIPHERSUITE. */
export const GROUP_CIPHERSUITE_ID = 0x0003;

/**
 * ts-mls loads the suite's HPKE AEAD lazily (`import('@hpke/chacha20poly1305')`); importing it here makes the
 * dependency visible to bundlers and package managers, and checks it is the RFC 9180 AEAD id 0x0003.
 */
const HPKE_CHACHA20POLY1305_ID = 0x0003;
function checkAeadAvailable(): void {
  if (new Chacha20Poly1305().id !== HPKE_CHACHA20POLY1305_ID) throw new Error('@hpke/chacha20poly1305: unexpected AEAD id');
}

let cached: Promise<CiphersuiteImpl> | undefined;

/** The cipher suite implementation every group of this client uses (created once). */
export function groupCiphersuite(): Promise<CiphersuiteImpl> {
  checkAeadAvailable();
  cached ??= getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHERSUITE), nobleCryptoProvider).then((cs) => ({ ...cs, kdf: nobleHkdf, signature: ed25519Signature() }));
  return cached;
}

/** RFC 5869 HKDF-SHA256 (RFC 9420 §5.1 KDF of suite 0x0003). */
const nobleHkdf: Kdf = {
  extract: async (salt, ikm) => extract(sha256, ikm, salt),
  expand: async (prk, info, len) => expand(sha256, prk, info, len),
  size: 32,
};

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
/** Bounded cache of imported keys (group members' public keys; this client's own signing key). */
const KEY_CACHE_MAX = 4096;
function cacheGet<T>(m: Map<string, T>, k: string, make: () => T): T {
  let v = m.get(k);
  if (v === undefined) {
    if (m.size >= KEY_CACHE_MAX) m.delete(m.keys().next().value as string);
    m.set(k, (v = make()));
  }
  return v;
}

/** PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410 §7), for WebCrypto's importKey. */
function pkcs8(seed: Uint8Array): Uint8Array {
  const out = new Uint8Array(48);
  out.set([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
  out.set(seed, 16);
  return out;
}

function ed25519Signature(): Signature {
  const subtle = globalThis.crypto?.subtle;
  const noble: Signature = {
    sign: async (signKey, message) => ed25519.sign(message, signKey.length === 32 ? signKey : signKey.slice(-32)),
    verify: async (publicKey, message, signature) => {
      try {
        return ed25519.verify(signature, message, publicKey, { zip215: false });
      } catch {
        return false;
      }
    },
    keygen: async () => {
      const signKey = ed25519.utils.randomSecretKey();
      return { signKey, publicKey: ed25519.getPublicKey(signKey) };
    },
  };
  if (!subtle) return noble;
  const signers = new Map<string, Promise<CryptoKey>>();
  const verifiers = new Map<string, Promise<CryptoKey>>();
  return {
    async sign(signKey, message) {
      const der = signKey.length === 32 ? pkcs8(signKey) : signKey;
      const key = await cacheGet(signers, hex(der), () => subtle.importKey('pkcs8', der as Uint8Array<ArrayBuffer>, 'Ed25519', false, ['sign']));
      return new Uint8Array(await subtle.sign('Ed25519', key, message as Uint8Array<ArrayBuffer>));
    },
    async verify(publicKey, message, signature) {
      try {
        const key = await cacheGet(verifiers, hex(publicKey), () => subtle.importKey('raw', publicKey as Uint8Array<ArrayBuffer>, 'Ed25519', false, ['verify']));
        return await subtle.verify('Ed25519', key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
      } catch {
        return false;
      }
    },
    keygen: noble.keygen,
  };
}
