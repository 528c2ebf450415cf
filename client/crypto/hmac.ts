// HMAC-SHA256 (RFC 2104) over a list of chunks, so callers never concatenate large bodies just to MAC them.
// Any CryptoProvider's hmacSha256 has this type (./provider.ts); the bytes are identical (test/vectors prove it).
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from './_bytes.ts';
import { configuredCryptoProvider } from './default.ts';

export type HmacSha256 = (key: Uint8Array, ...chunks: Uint8Array[]) => Uint8Array;

/** noble's HMAC-SHA256 (what nobleCryptoProvider.hmacSha256 computes), importable without the other primitives. */
export const nobleHmacSha256: HmacSha256 = (key, ...chunks) => {
  const h = hmac.create(sha256, key);
  for (const c of chunks) h.update(c);
  return h.digest();
};

/** The default provider's HMAC (setDefaultCryptoProvider), else noble's: the franking core's default. */
export const defaultHmacSha256 = (): HmacSha256 => configuredCryptoProvider()?.hmacSha256 ?? nobleHmacSha256;

/**
 * HMAC-SHA256 through WebCrypto (browsers and Node ≥ 20): native speed (≈ 1.2 GB/s here) but a fixed cost of
 * ≈ 100–150 µs per call and a Promise, so it pays off only for large inputs (docs/BENCHMARKS.md, client).
 * The bytes are those of any other HMAC-SHA256; the vector suite checks it.
 */
export async function webCryptoHmacSha256(key: Uint8Array, ...chunks: Uint8Array[]): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const data = concatBytes(...chunks); // one buffer: subtle.sign takes no chunk list
  const k = await subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, data as BufferSource));
}
