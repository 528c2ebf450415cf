// The native provider for Node (docs/PROTOCOL.md §14.1): node:crypto (OpenSSL) for every primitive it has,
// byte-identical to nobleCryptoProvider (test/client/providers.test.ts and every vector file prove it).
// XChaCha20-Poly1305: HChaCha20 in JS (@noble/ciphers' hchacha) derives the subkey, then OpenSSL's
// ChaCha20-Poly1305 runs with nonce 0^4 ‖ nonce[16..24] (draft-irtf-cfrg-xchacha-03 §2.3).
//
// This is the ONLY file of client/ that imports a Node built-in (eslint.config.js names it). Nothing else in the
// SDK imports it: load it explicitly, `import { nodeCryptoProvider } from '@franking-chat/sdk/crypto/node'`, so that
// browser bundles never see node:crypto.
/**
 * The node:crypto provider (package export "./crypto/node", Node only): every primitive of CryptoProvider computed by
 * OpenSSL, byte-identical to nobleCryptoProvider (docs/PROTOCOL.md §14).
 *
 * @packageDocumentation
 * @module \@franking-chat/sdk/crypto/node
 */
/// <reference types="node" />
import { Buffer } from 'node:buffer';
import * as nodeCrypto from 'node:crypto';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type CipherGCM,
  type DecipherGCM,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import { abytes } from './_bytes.ts';
import { ed25519StrictPrecheck } from './_ed25519.ts';
import { pooledRandomBytes } from './_random.ts';
import { DecryptError } from './errors.ts';
import { checkAesKey, nobleCryptoProvider } from './noble.ts';
import { type CryptoProvider, LowOrderError, type X25519KeyHandle } from './provider.ts';

const TAG = 16;
/** A plain Uint8Array view of node's Buffer (same memory): callers compare with toEqual and slice freely. */
const u8 = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

// RFC 8410 DER wrappers of raw 32-byte keys: the fixed prefixes of PKCS #8 and SPKI for OIDs 1.3.101.110/112.
const hex = (s: string) => Uint8Array.from(s.match(/../g) as string[], (h) => parseInt(h, 16));
/** Whether raw keys enter OpenSSL through the fast JWK path (self-tested at load) or the DER path. */
export const nodeKeyImport = (): 'jwk' | 'der' => (jwkWorks ? 'jwk' : 'der');
const PKCS8_X25519 = hex('302e020100300506032b656e04220420');
const SPKI_X25519 = hex('302a300506032b656e032100');
const PKCS8_ED25519 = hex('302e020100300506032b657004220420');
const SPKI_ED25519 = hex('302a300506032b6570032100');

function der(prefix: Uint8Array, raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + 32);
  out.set(prefix, 0);
  out.set(raw, prefix.length);
  return out;
}
// Raw keys enter OpenSSL as JWK (EVP_PKEY_new_raw_*_key: ~10× cheaper here than OpenSSL 3's DER decoder chain).
// Node insists on an "x" beside "d" but builds the key from "d" alone (OpenSSL derives the public half); a self-test
// with the RFC 7748 / RFC 8032 vectors at load proves that, and falls back to the (slow, always exact) DER import.
// Buffer's base64url codec (native): a view of the caller's bytes in, a fresh 32-byte copy out (Buffer.from(string)
// may slice node's shared pool, which the caller must not see through .buffer).
const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
const fromB64u = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));
const PLACEHOLDER_X = b64u(new Uint8Array(32));
type Curve = 'X25519' | 'Ed25519';
const curveOf = (prefix: Uint8Array): Curve => (prefix === PKCS8_X25519 || prefix === SPKI_X25519 ? 'X25519' : 'Ed25519');
function derPrivateKey(prefix: Uint8Array, raw: Uint8Array): KeyObject {
  const d = der(prefix, raw);
  try {
    return createPrivateKey({ key: d as never, format: 'der', type: 'pkcs8' });
  } finally {
    d.fill(0);
  }
}
const jwkPrivateKey = (prefix: Uint8Array, raw: Uint8Array): KeyObject =>
  createPrivateKey({ key: { kty: 'OKP', crv: curveOf(prefix), d: b64u(raw), x: PLACEHOLDER_X }, format: 'jwk' });
const jwkWorks = (() => {
  try {
    // RFC 7748 §6.1 (Alice) and RFC 8032 §7.1 TEST 1: private key → public key through the JWK path.
    const x = jwkPrivateKey(PKCS8_X25519, hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    const e = jwkPrivateKey(PKCS8_ED25519, hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
    const xPub = createPublicKey(x).export({ format: 'jwk' }).x;
    const ePub = createPublicKey(e).export({ format: 'jwk' }).x;
    return xPub === b64u(hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')) && ePub === b64u(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'));
  } catch {
    return false;
  }
})();
const privateKey = (prefix: Uint8Array, raw: Uint8Array): KeyObject => (jwkWorks ? jwkPrivateKey(prefix, raw) : derPrivateKey(prefix, raw));
const publicKey = (prefix: Uint8Array, raw: Uint8Array): KeyObject =>
  jwkWorks
    ? createPublicKey({ key: { kty: 'OKP', crv: curveOf(prefix), x: b64u(raw) }, format: 'jwk' })
    : createPublicKey({ key: der(prefix, raw) as never, format: 'der', type: 'spki' });
const rawPublic = (k: KeyObject): Uint8Array => fromB64u(createPublicKey(k).export({ format: 'jwk' }).x as string);

// ---- XChaCha20 subkey (HChaCha20) ----
const SIGMA = new Uint32Array(new TextEncoder().encode('expand 32-byte k').buffer);
// Scratch words, reused (synchronous code, no re-entrancy) and wiped after each use: no allocation per message.
const K32 = new Uint32Array(8);
const K8 = new Uint8Array(K32.buffer);
const N32 = new Uint32Array(4);
const N8 = new Uint8Array(N32.buffer);
const SUB32 = new Uint32Array(8);
const SUBKEY = new Uint8Array(SUB32.buffer);
const NONCE12 = new Uint8Array(12);
/** HChaCha20(key, nonce[0..16]) into SUBKEY, nonce' = 0^4 ‖ nonce[16..24] into NONCE12; the caller wipes SUBKEY. */
function xchachaSubkey(key: Uint8Array, nonce: Uint8Array): void {
  // Aligned copies, read as host-order words (noble's hchacha normalises byte order on big-endian hosts). Byte loops,
  // not subarray + set: no view objects per message.
  K8.set(key);
  for (let i = 0; i < 16; i++) N8[i] = nonce[i] as number;
  hchacha(SIGMA, K32, N32, SUB32);
  K32.fill(0);
  for (let i = 0; i < 8; i++) NONCE12[4 + i] = nonce[16 + i] as number;
}

// ---- HMAC-SHA256 (RFC 2104) over node:crypto's one-shot SHA-256 ----
// createHmac builds a stream object per call (≈ 1.1 µs before any data here, and a native handle the GC must
// finalise); the session's KDF_CK alone makes two HMACs per message. For inputs that fit a scratch block, RFC 2104
// §2 spelled out over crypto.hash (one native call per SHA-256, no object) gives the same 32 bytes with neither:
// H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ text)), K zero-padded to the 64-byte block. Longer keys (RFC 2104 §3: hashed
// first) and longer inputs (a copy would cost more than the object) keep createHmac. Node < 20.12 has no
// crypto.hash: createHmac throughout.
// The inner digest comes back as a latin1 string, not a Buffer: a Buffer is an ArrayBuffer with its own backing store
// (≈ 0.7 µs of the ≈ 1.2 µs a 65-byte hash costs here), a 32-character string is a plain heap object. That string
// cannot be wiped, so it must hold nothing secret: H((K ⊕ ipad) ‖ text) gives neither K (SHA-256 preimage resistance)
// nor the MAC (which also needs K ⊕ opad). The MAC itself, a key in KDF_CK and HKDF, comes back as bytes the
// caller can wipe.
const oneShotSha256 = (nodeCrypto as unknown as { hash?: { (alg: string, data: Uint8Array, enc: 'buffer'): Uint8Array; (alg: string, data: Uint8Array, enc: 'latin1'): string } }).hash;
const BLOCK = 64;
/** Largest HMAC input taken through the scratch block (bigger ones stream through createHmac). */
const ONE_SHOT_MAX = 8192;
// Scratch: pad ‖ text for the inner hash, pad ‖ inner digest for the outer one. Synchronous use only (no re-entrancy);
// every byte written is zeroed again before the call returns (it held key pads and the text).
const HMAC_SCRATCH = new Uint8Array(BLOCK + ONE_SHOT_MAX);

/** The scratch's outer-hash input, (K ⊕ opad) ‖ inner digest: one view for every call. */
const OUTER_INPUT = HMAC_SCRATCH.subarray(0, BLOCK + 32);
/** The view of the scratch's inner-hash input last used, kept while calls have the same input length (KDF_CK: 65). */
let innerInput = HMAC_SCRATCH.subarray(0, BLOCK);

function hmacSha256(key: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  abytes(key, undefined, 'key');
  let n = 0;
  for (const c of chunks) n += abytes(c, undefined, 'chunk').length;
  if (oneShotSha256 === undefined || key.length > BLOCK || n > ONE_SHOT_MAX) {
    const h = createHmac('sha256', key);
    for (const c of chunks) h.update(c);
    return u8(h.digest());
  }
  const s = HMAC_SCRATCH;
  const k = key.length;
  const end = BLOCK + n;
  if (innerInput.length !== end) innerInput = s.subarray(0, end);
  try {
    for (let i = 0; i < k; i++) s[i] = (key[i] as number) ^ 0x36;
    s.fill(0x36, k, BLOCK);
    let at = BLOCK;
    for (const c of chunks) {
      // Byte loop for the short chunks (KDF_CK's one-byte constants, labels): TypedArray#set costs more than it.
      if (c.length <= 16) for (let i = 0; i < c.length; i++) s[at + i] = c[i] as number;
      else s.set(c, at);
      at += c.length;
    }
    const inner = oneShotSha256('sha256', innerInput, 'latin1');
    for (let i = 0; i < k; i++) s[i] = (key[i] as number) ^ 0x5c;
    s.fill(0x5c, k, BLOCK);
    for (let i = 0; i < 32; i++) s[BLOCK + i] = inner.charCodeAt(i);
    return u8(oneShotSha256('sha256', OUTER_INPUT, 'buffer'));
  } finally {
    s.fill(0, 0, end > BLOCK + 32 ? end : BLOCK + 32);
  }
}

// ---- HMAC-SHA512 (RFC 2104 over SHA-512: 128-byte block) for KDF_CK of session cipher v2 ----
// The same construction as hmacSha256 above over crypto.hash('sha512'): ≈ 2.4 µs here against ≈ 2.8 µs for
// createHmac('sha512') (one object and native handle per call). Short keys and inputs only; others stream.
const BLOCK512 = 128;
const ONE_SHOT_MAX_512 = 256;
const HMAC512_SCRATCH = new Uint8Array(BLOCK512 + ONE_SHOT_MAX_512);
const OUTER_INPUT_512 = HMAC512_SCRATCH.subarray(0, BLOCK512 + 64);
let innerInput512 = HMAC512_SCRATCH.subarray(0, BLOCK512);

function hmacSha512(key: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  abytes(key, undefined, 'key');
  let n = 0;
  for (const c of chunks) n += abytes(c, undefined, 'chunk').length;
  if (oneShotSha256 === undefined || key.length > BLOCK512 || n > ONE_SHOT_MAX_512) {
    const h = createHmac('sha512', key);
    for (const c of chunks) h.update(c);
    return u8(h.digest());
  }
  const s = HMAC512_SCRATCH;
  const k = key.length;
  const end = BLOCK512 + n;
  if (innerInput512.length !== end) innerInput512 = s.subarray(0, end);
  try {
    for (let i = 0; i < k; i++) s[i] = (key[i] as number) ^ 0x36;
    s.fill(0x36, k, BLOCK512);
    let at = BLOCK512;
    for (const c of chunks) {
      if (c.length <= 16) for (let i = 0; i < c.length; i++) s[at + i] = c[i] as number;
      else s.set(c, at);
      at += c.length;
    }
    // The inner digest as a string, as in hmacSha256: it gives neither the key nor the MAC.
    const inner = oneShotSha256('sha512', innerInput512, 'latin1');
    for (let i = 0; i < k; i++) s[i] = (key[i] as number) ^ 0x5c;
    s.fill(0x5c, k, BLOCK512);
    for (let i = 0; i < 64; i++) s[BLOCK512 + i] = inner.charCodeAt(i);
    return u8(oneShotSha256('sha512', OUTER_INPUT_512, 'buffer'));
  } finally {
    s.fill(0, 0, end > BLOCK512 + 64 ? end : BLOCK512 + 64);
  }
}

type AeadName = 'chacha20-poly1305' | 'aes-128-gcm' | 'aes-256-gcm';

const TAG_OPTIONS = { authTagLength: TAG } as const;

function seal(alg: AeadName, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out?: Uint8Array): Uint8Array {
  abytes(ad, undefined, 'ad');
  const c = createCipheriv(alg as 'chacha20-poly1305', key, nonce, TAG_OPTIONS);
  // No AAD call for an empty AD: RFC 8439 §2.8 / SP 800-38D §7.1 MAC an empty AAD exactly as a zero-length one.
  // plaintextLength matters for CCM only, which is not used here.
  if (ad.length > 0) (c as CipherGCM).setAAD(ad);
  const body = c.update(plaintext);
  const fin = c.final();
  const tag = c.getAuthTag();
  const result = out ?? new Uint8Array(plaintext.length + TAG);
  result.set(body, 0);
  if (fin.length) result.set(fin, body.length);
  result.set(tag, plaintext.length);
  return result;
}

function open(alg: AeadName, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
  if (sealed.length < TAG) throw new DecryptError('ciphertext shorter than the tag');
  const n = sealed.length - TAG;
  abytes(ad, undefined, 'ad');
  const d = createDecipheriv(alg as 'chacha20-poly1305', key, nonce, TAG_OPTIONS);
  d.setAuthTag(sealed.subarray(n));
  if (ad.length > 0) (d as DecipherGCM).setAAD(ad);
  const body = d.update(sealed.subarray(0, n));
  try {
    d.final(); // RFC 8439 §2.8 / SP 800-38D §7.2: nothing is returned unless the tag verified
  } catch {
    body.fill(0);
    throw new DecryptError('AEAD authentication failed');
  }
  // update's Buffer has an ArrayBuffer of its own (node allocates it per call, exactly n bytes): handed out as it is,
  // a plain Uint8Array view, with no second allocation and copy of the plaintext. Were it ever a slice of a shared
  // pool, the caller would see other bytes through .buffer: then it is copied out and wiped, as before.
  if (body.byteOffset === 0 && body.buffer.byteLength === n) return u8(body);
  const out = new Uint8Array(body); // a copy (Buffer's own slice would be a view)
  body.fill(0);
  return out;
}

function ed25519Verify(pub: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(message instanceof Uint8Array)) return false;
  if (!ed25519StrictPrecheck(pub, signature)) return false;
  let ok: boolean;
  try {
    ok = nodeVerify(null, message, publicKey(SPKI_ED25519, pub), signature);
  } catch {
    return false; // A does not decode to a curve point
  }
  // OpenSSL checks the cofactorless equation [S]B = R + [k]A, which implies noble's cofactored one. The two differ
  // only for a signature whose R or A has a torsion component, which no honest signer makes: confirm a "false"
  // with noble so that both providers give the same answer for every input (invalid signatures are the slow path).
  return ok || nobleCryptoProvider.ed25519Verify(pub, message, signature);
}

// The peer key last imported by a handle's x25519 (public bytes, copied): both DHs of a Double Ratchet step
// (docs/PROTOCOL-sessions.md §6) take the same peer key, with two different private keys.
let lastPeer: { readonly raw: Uint8Array; readonly key: KeyObject } | null = null;
function peerPublicKey(pub: Uint8Array): KeyObject {
  const last = lastPeer;
  if (last !== null) {
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= (last.raw[i] as number) ^ (pub[i] as number);
    if (diff === 0) return last.key;
  }
  const key = publicKey(SPKI_X25519, pub);
  lastPeer = { raw: pub.slice(), key };
  return key;
}

/**
 * X25519 with an imported private key (RFC 7748 §5); LowOrderError for an all-zero output (§6.1). `reusePeer`: the
 * peer key through peerPublicKey (handles), else imported for this call alone (x25519).
 */
function x25519With(key: KeyObject, pub: Uint8Array, reusePeer = false): Uint8Array {
  abytes(pub, 32, 'publicKey');
  let out: Uint8Array;
  try {
    out = u8(diffieHellman({ privateKey: key, publicKey: reusePeer ? peerPublicKey(pub) : publicKey(SPKI_X25519, pub) }));
  } catch {
    throw new LowOrderError('X25519 output is all zero: the peer public key has low order'); // OpenSSL refuses it
  }
  let acc = 0;
  for (let i = 0; i < 32; i++) acc |= out[i] as number;
  if (acc === 0) throw new LowOrderError('X25519 output is all zero: the peer public key has low order');
  return out;
}

/** Largest HKDF output, 255 × HashLen (RFC 5869 §2.3). */
const HKDF_MAX = 255 * 32;
const EMPTY = new Uint8Array(0);
/**
 * HKDF-SHA256 (RFC 5869 §2.2–§2.3) written over the one-shot HMAC above: PRK = HMAC(salt, IKM), T(i) = HMAC(PRK,
 * T(i−1) ‖ info ‖ i). hkdfSync costs ≈ 15 µs here whatever the size (a secret KeyObject and an OpenSSL KDF context
 * per call), three small HMACs a fraction of that; KDF_RK runs two per DH ratchet step. An empty salt is the same
 * HMAC key as RFC 5869's HashLen zero bytes (both are zero-padded to the block). Lengths outside 0..8160 go to
 * hkdfSync, which refuses them.
 */
function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  abytes(ikm, undefined, 'ikm');
  abytes(salt, undefined, 'salt');
  abytes(info, undefined, 'info');
  if (oneShotSha256 === undefined || !Number.isInteger(length) || length < 0 || length > HKDF_MAX)
    return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
  const prk = hmacSha256(salt, ikm);
  const out = new Uint8Array(length);
  const counter = new Uint8Array(1);
  let t: Uint8Array = EMPTY;
  try {
    for (let at = 0, i = 1; at < length; at += 32, i++) {
      counter[0] = i;
      const next = hmacSha256(prk, t, info, counter);
      t.fill(0);
      t = next;
      out.set(length - at < 32 ? t.subarray(0, length - at) : t, at);
    }
  } finally {
    prk.fill(0);
    t.fill(0);
  }
  return out;
}

export type { CryptoProvider } from './provider.ts';

/** The native provider for Node: node:crypto (OpenSSL) for every primitive, the same bytes as nobleCryptoProvider. */
export const nodeCryptoProvider: CryptoProvider = Object.freeze({
  name: 'node',
  randomBytes: pooledRandomBytes,
  sha256(...chunks: Uint8Array[]): Uint8Array {
    const h = createHash('sha256');
    for (const c of chunks) h.update(c);
    return u8(h.digest());
  },
  hmacSha256,
  hmacSha512,
  hkdfSha256,
  x25519PublicKey(priv: Uint8Array): Uint8Array {
    abytes(priv, 32, 'privateKey');
    return rawPublic(privateKey(PKCS8_X25519, priv));
  },
  x25519(priv: Uint8Array, pub: Uint8Array): Uint8Array {
    abytes(priv, 32, 'privateKey');
    return x25519With(privateKey(PKCS8_X25519, priv), pub);
  },
  x25519Import(priv: Uint8Array): X25519KeyHandle {
    abytes(priv, 32, 'privateKey');
    const key = privateKey(PKCS8_X25519, priv);
    return { publicKey: rawPublic(key), x25519: (pub: Uint8Array) => x25519With(key, pub, true) };
  },
  ed25519PublicKey(seed: Uint8Array): Uint8Array {
    abytes(seed, 32, 'seed');
    return rawPublic(privateKey(PKCS8_ED25519, seed));
  },
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
    abytes(seed, 32, 'seed');
    abytes(message, undefined, 'message');
    return u8(nodeSign(null, message, privateKey(PKCS8_ED25519, seed)));
  },
  ed25519Verify,
  chacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out?: Uint8Array): Uint8Array {
    if (out) abytes(out, plaintext.length + TAG, 'out');
    return seal('chacha20-poly1305', abytes(key, 32, 'key'), abytes(nonce, 12, 'nonce'), plaintext, ad, out);
  },
  chacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
    return open('chacha20-poly1305', abytes(key, 32, 'key'), abytes(nonce, 12, 'nonce'), sealed, ad);
  },
  xchacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out?: Uint8Array): Uint8Array {
    abytes(key, 32, 'key');
    abytes(nonce, 24, 'nonce');
    if (out) abytes(out, plaintext.length + TAG, 'out');
    xchachaSubkey(key, nonce);
    try {
      return seal('chacha20-poly1305', SUBKEY, NONCE12, plaintext, ad, out);
    } finally {
      SUBKEY.fill(0);
    }
  },
  xchacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
    abytes(key, 32, 'key');
    abytes(nonce, 24, 'nonce');
    xchachaSubkey(key, nonce);
    try {
      return open('chacha20-poly1305', SUBKEY, NONCE12, sealed, ad);
    } finally {
      SUBKEY.fill(0);
    }
  },
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    checkAesKey(key);
    return seal(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, abytes(nonce, 12, 'nonce'), plaintext, ad);
  },
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
    checkAesKey(key);
    return open(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, abytes(nonce, 12, 'nonce'), sealed, ad);
  },
});
