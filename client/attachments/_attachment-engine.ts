// The two implementations of attachment scheme 1's primitives (docs/PROTOCOL.md §11): AES-256-GCM per
// chunk and SHA-256 per chunk. "webcrypto" uses globalThis.crypto.subtle (browsers, Node ≥ 20; native,
// ~1.5 GB/s here), "noble" is pure JS (@noble/ciphers, @noble/hashes; slow, but runs anywhere and is an
// independent implementation). Both compute the same function, so the bytes on the wire never depend on
// which one ran: test/vectors/attachments.json is checked with both.
import { gcm } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { CryptoProvider } from '../crypto/provider.ts';

/** 'webcrypto', 'noble', or any synchronous CryptoProvider (e.g. nodeCryptoProvider: OpenSSL's AES-GCM). */
export type AttachmentEngineName = 'webcrypto' | 'noble' | CryptoProvider;

/** AES-256-GCM under one key with 12-byte nonces and empty AD, plus SHA-256. Output of seal = ciphertext ‖ tag(16). */
export interface ChunkCipher {
  seal(nonce: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Rejects (any error) if the tag does not verify; no plaintext is released then (SP 800-38D §7.2). */
  open(nonce: Uint8Array, sealed: Uint8Array): Promise<Uint8Array>;
  sha256(data: Uint8Array): Promise<Uint8Array>;
}

type Buf = Uint8Array<ArrayBuffer>;
/** WebCrypto's BufferSource typing wants ArrayBuffer-backed views; views on other buffers are copied. */
const buf = (u: Uint8Array): Buf => (u.buffer instanceof ArrayBuffer ? (u as Buf) : new Uint8Array(u));

export function hasWebCrypto(): boolean {
  return typeof globalThis.crypto?.subtle?.encrypt === 'function';
}

export function defaultEngine(): AttachmentEngineName {
  return hasWebCrypto() ? 'webcrypto' : 'noble';
}

async function webCryptoCipher(key: Uint8Array): Promise<ChunkCipher> {
  const subtle = globalThis.crypto.subtle;
  // Non-extractable: the derived chunk key never leaves the crypto implementation again.
  const k = await subtle.importKey('raw', buf(key), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return {
    async seal(nonce, plaintext) {
      return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: buf(nonce), tagLength: 128 }, k, buf(plaintext)));
    },
    async open(nonce, sealed) {
      return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: buf(nonce), tagLength: 128 }, k, buf(sealed)));
    },
    async sha256(data) {
      return new Uint8Array(await subtle.digest('SHA-256', buf(data)));
    },
  };
}

function nobleCipher(key: Uint8Array): ChunkCipher {
  const k = key.slice();
  return {
    seal: async (nonce, plaintext) => gcm(k, nonce).encrypt(plaintext),
    open: async (nonce, sealed) => gcm(k, nonce).decrypt(sealed),
    sha256: async (data) => sha256(data),
  };
}

/** A provider's AES-256-GCM and SHA-256 (synchronous providers; the promise only fits the ChunkCipher shape). */
function providerCipher(provider: CryptoProvider, key: Uint8Array): ChunkCipher {
  const k = key.slice();
  const none = new Uint8Array(0);
  return {
    seal: async (nonce, plaintext) => provider.aesGcmSeal(k, nonce, plaintext, none),
    open: async (nonce, sealed) => provider.aesGcmOpen(k, nonce, sealed, none),
    sha256: async (data) => provider.sha256(data),
  };
}

export async function chunkCipher(engine: AttachmentEngineName, key: Uint8Array): Promise<ChunkCipher> {
  if (typeof engine === 'object' && engine !== null && typeof engine.aesGcmSeal === 'function') return providerCipher(engine, key);
  if (engine === 'webcrypto') {
    if (!hasWebCrypto()) throw new TypeError('engine: "webcrypto" needs globalThis.crypto.subtle');
    return webCryptoCipher(key);
  }
  if (engine === 'noble') return nobleCipher(key);
  throw new TypeError(`engine: expected "webcrypto" or "noble", got ${String(engine)}`);
}
