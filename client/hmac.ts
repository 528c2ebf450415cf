// HMAC-SHA256 (RFC 2104) over a list of chunks, so callers never concatenate large bodies just to MAC them.
// The server injects node:crypto's implementation for speed; the bytes are identical (test/vectors prove it).
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

export type HmacSha256 = (key: Uint8Array, ...chunks: Uint8Array[]) => Uint8Array;

export const nobleHmacSha256: HmacSha256 = (key, ...chunks) => {
  const h = hmac.create(sha256, key);
  for (const c of chunks) h.update(c);
  return h.digest();
};
