// Spec-only encoders for the vector tests (docs/PROTOCOL.md §2–§7, docs/PROTOCOL-devices.md D10.1), written from the
// text and deliberately sharing no code with client/: a vector re-derived with these checks the spec, not the SDK.
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** HMAC-SHA256 by WebCrypto (an engine independent of the SDK's providers), as hex. */
export async function webHmac(key: Uint8Array, data: Uint8Array): Promise<string> {
  const k = await crypto.subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return bytesToHex(new Uint8Array(await crypto.subtle.sign('HMAC', k, data as BufferSource)));
}

/** Big-endian unsigned integer of `bytes` bytes. */
export const u = (n: number, bytes: number): Uint8Array => {
  const out = new Uint8Array(bytes);
  for (let i = bytes - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
};
export const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
/** One length byte, then the bytes. */
export const v8 = (b: Uint8Array): Uint8Array => cat(u(b.length, 1), b);
export const str8 = (s: string): Uint8Array => v8(utf8ToBytes(s));
/** A label: its ASCII bytes and a 0x00. */
export const label = (s: string): Uint8Array => cat(utf8ToBytes(s), new Uint8Array([0]));
