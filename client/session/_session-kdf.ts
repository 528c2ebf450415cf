// Primitives of the session layer, each a thin wrapper over a CryptoProvider (../crypto/provider.ts; noble by
// default) with the checks the spec asks for
// (docs/PROTOCOL-sessions.md §2–§3, §6). Internal module: the public surface is identity.ts, prekeys.ts,
// x3dh.ts, ratchet.ts, session.ts, safety-number.ts.
import { hchacha } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { abytes, utf8 } from '../crypto/_bytes.ts';
import { pooledRandomBytes } from '../crypto/_random.ts';
import { DecryptError } from '../crypto/errors.ts';
import { defaultCryptoProvider, nobleCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider, X25519KeyHandle } from '../crypto/provider.ts';
import { SessionError } from './session-errors.ts';
import { hkdfSha256Call, runSync, type Steps, x25519Call, x25519PublicKeyCall } from './_session-steps.ts';

// Source of randomness (`length` fresh uniformly random bytes), the same type as franking's; injectable for vectors.
import type { RandomBytes } from '../crypto/aead.ts';
export type { RandomBytes };

/** Default randomness of the session layer: the pooled platform CSPRNG shared with franking (./_random.ts). */
export const defaultRandomBytes: RandomBytes = pooledRandomBytes;

// ---- Domain-separation labels (PROTOCOL-sessions.md §2). ASCII, NUL-terminated like ./labels.ts. ----
/** HKDF info of X3DH (Signal X3DH §2.2 "info"). */
export const X3DH_INFO = utf8('franking-chat/v1/x3dh\0');
/** HKDF info of KDF_RK (Double Ratchet §5.2). */
export const ROOT_KDF_INFO = utf8('franking-chat/v1/ratchet/root\0');
/** Prefix of the signed-prekey signature input (contract with the server's key directory). */
export const SIGNED_PREKEY_LABEL = utf8('franking-chat/v1/signed-prekey\0');
/** Prefix of the safety-number hash. */
export const SAFETY_NUMBER_LABEL = utf8('franking-chat/v1/safety-number\0');

export const KEY_LENGTH = 32;
export const AEAD_KEY_LENGTH = 32;
/** Nonce of session cipher v1 (XChaCha20-Poly1305, §S6.4). */
export const AEAD_NONCE_LENGTH = 24;
export const AEAD_TAG_LENGTH = 16;

/**
 * The session message cipher (docs/PROTOCOL-sessions.md §S17, §S18), fixed per session at its creation and named by the
 * version byte of every ratchet header: 1 = KDF_CK as two HMAC-SHA256 and XChaCha20-Poly1305 with a 24-byte nonce
 * (§S6); 2 = KDF_CK as one HMAC-SHA512 and ChaCha20-Poly1305 with a 12-byte nonce (§S17); 3 = KDF_CK as two
 * HChaCha20 of the chain key and version 2's ChaCha20-Poly1305 with a 12-byte nonce (§S18).
 */
export type SessionCipherVersion = 1 | 2 | 3;
/** The cipher of sessions this SDK creates (§S18.4); version 1 and 2 sessions keep working in both directions. */
export const CURRENT_SESSION_CIPHER: SessionCipherVersion = 3;
/** Whether `v` names a session cipher this SDK implements (§S17.4, §S18.4). */
export const isSessionCipherVersion = (v: unknown): v is SessionCipherVersion => v === 1 || v === 2 || v === 3;
/** Random nonce carried in a ratchet message, per cipher version: 24 bytes in version 1, 12 in versions 2 and 3. */
export const nonceLength = (version: SessionCipherVersion): number => (version === 1 ? 24 : 12);

/** X3DH §2.2: F is 32 0xFF bytes for X25519, so the KDF input never starts like a curve-agnostic secret. */
const X3DH_F = new Uint8Array(32).fill(0xff);
const ZERO_SALT = new Uint8Array(32);
// KDF_CK constants (Double Ratchet §5.2): message key from 0x01, next chain key from 0x02.
const CK_MESSAGE_CONSTANT = Uint8Array.of(0x01);
const CK_CHAIN_CONSTANT = Uint8Array.of(0x02);
// KDF_CK of cipher v2 (§S17.1): one HMAC-SHA512 of this byte gives mk ‖ ck'.
const CK_V2_CONSTANT = Uint8Array.of(0x03);
/** KDF_CK₃ input of the message key (§S18.1): 16 bytes, "fc/ck3 message" ‖ 0x00 0x00. */
export const CK3_MESSAGE = utf8('fc/ck3 message\0\0');
/** KDF_CK₃ input of the next chain key (§S18.1): 16 bytes, "fc/ck3 chain" ‖ 0x00 × 4. */
export const CK3_CHAIN = utf8('fc/ck3 chain\0\0\0\0');

export interface X25519KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** GENERATE_DH() as a step (./_session-steps.ts): the 32-byte draw, then its X25519 public key. */
export function* generateX25519KeyPairSteps(randomBytes: RandomBytes = defaultRandomBytes): Steps<X25519KeyPair> {
  const privateKey = abytes(randomBytes(32), 32, 'randomBytes(32)');
  return { privateKey, publicKey: yield* x25519PublicKeyCall(privateKey) };
}

/** GENERATE_DH(): 32 random bytes as the X25519 private key (RFC 7748 §5 clamps it inside scalar multiplication). */
export function generateX25519KeyPair(randomBytes: RandomBytes = defaultRandomBytes, crypto: CryptoProvider = defaultCryptoProvider()): X25519KeyPair {
  return runSync(generateX25519KeyPairSteps(randomBytes), crypto);
}

/**
 * GENERATE_DH() for a ratchet key pair the ratchet keeps: the same draw and bytes as generateX25519KeyPair, and with a
 * provider that imports private keys (CryptoProvider.x25519Import: node:crypto) the imported key too, so neither the
 * DH of the same step nor the one of the next step imports it again. `handle` is null with any other provider.
 */
export function generateRatchetKeyPair(randomBytes: RandomBytes, crypto: CryptoProvider): { pair: X25519KeyPair; handle: X25519KeyHandle | null } {
  if (crypto.x25519Import === undefined) return { pair: generateX25519KeyPair(randomBytes, crypto), handle: null };
  const privateKey = abytes(randomBytes(32), 32, 'randomBytes(32)');
  const handle = crypto.x25519Import(privateKey);
  return { pair: { privateKey, publicKey: handle.publicKey }, handle };
}

/** dh with an imported private key (CryptoProvider.x25519Import); the same checks and errors as dh. */
export function dhWithHandle(handle: X25519KeyHandle, publicKey: Uint8Array): Uint8Array {
  abytes(publicKey, 32, 'publicKey');
  try {
    return handle.x25519(publicKey);
  } catch {
    throw new SessionError('bad_key', 'X25519 output is all zero: the peer public key has low order');
  }
}

export function x25519PublicKey(privateKey: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  abytes(privateKey, 32, 'privateKey');
  return crypto.x25519PublicKey(privateKey);
}

/** dh as a step (./_session-steps.ts); see dh. */
export function* dhSteps(privateKey: Uint8Array, publicKey: Uint8Array): Steps<Uint8Array> {
  abytes(privateKey, 32, 'privateKey');
  abytes(publicKey, 32, 'publicKey');
  try {
    return yield* x25519Call(privateKey, publicKey);
  } catch {
    throw new SessionError('bad_key', 'X25519 output is all zero: the peer public key has low order');
  }
}

/**
 * DH(priv, pub) = X25519(priv, pub) (RFC 7748 §5). A low-order peer key gives the all-zero output; RFC 7748 §6.1
 * lets us refuse it and we must (X3DH §4.8 / Double Ratchet §6.2 assume contributory DH), so it is 'bad_key'.
 */
export function dh(privateKey: Uint8Array, publicKey: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  return runSync(dhSteps(privateKey, publicKey), crypto);
}

/** HKDF-SHA256 (RFC 5869) with the argument order of the RFC: extract(salt, ikm) then expand(info, L). */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  abytes(ikm, undefined, 'ikm');
  abytes(salt, undefined, 'salt');
  abytes(info, undefined, 'info');
  return crypto.hkdfSha256(ikm, salt, info, length);
}

export function hmacSha256(key: Uint8Array, message: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  return crypto.hmacSha256(key, message);
}

/** x3dhKdf as a step (./_session-steps.ts); see x3dhKdf. */
export function* x3dhKdfSteps(dhOutputs: readonly Uint8Array[]): Steps<Uint8Array> {
  const ikm = new Uint8Array(32 + 32 * dhOutputs.length);
  ikm.set(X3DH_F, 0);
  dhOutputs.forEach((out, i) => ikm.set(abytes(out, 32, `DH${i + 1}`), 32 + 32 * i));
  try {
    return yield* hkdfSha256Call(ikm, ZERO_SALT, X3DH_INFO, 32);
  } finally {
    ikm.fill(0);
  }
}

/** X3DH §2.2: SK = HKDF(salt = 0^32, ikm = F || DH1 || DH2 || DH3 [|| DH4], info = X3DH_INFO, L = 32). */
export function x3dhKdf(dhOutputs: readonly Uint8Array[], crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  return runSync(x3dhKdfSteps(dhOutputs), crypto);
}

/** kdfRoot as a step (./_session-steps.ts); see kdfRoot. */
export function* kdfRootSteps(rootKey: Uint8Array, dhOutput: Uint8Array): Steps<{ rootKey: Uint8Array; chainKey: Uint8Array }> {
  abytes(rootKey, 32, 'rootKey');
  abytes(dhOutput, 32, 'dhOutput');
  const okm = yield* hkdfSha256Call(dhOutput, rootKey, ROOT_KDF_INFO, 64);
  const out = { rootKey: okm.slice(0, 32), chainKey: okm.slice(32, 64) };
  okm.fill(0);
  return out;
}

/** Double Ratchet §5.2 KDF_RK(rk, dh_out) = HKDF(salt = rk, ikm = dh_out, info = ROOT_KDF_INFO, L = 64) → (rk', ck). */
export function kdfRoot(rootKey: Uint8Array, dhOutput: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): { rootKey: Uint8Array; chainKey: Uint8Array } {
  return runSync(kdfRootSteps(rootKey, dhOutput), crypto);
}

/** Scratch block for the HMAC key pads of kdfChain; wiped after every use. */
const KEY_PAD = new Uint8Array(64);

// ---- KDF_CK₃ (§S18.1): HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2) keyed by the chain key, pure JavaScript. ----
// noble's hchacha takes 32-bit words: Uint32Array views of byte arrays, in host byte order (it normalises the order on
// big-endian hosts, as client/crypto/node.ts's XChaCha20 subkey relies on). Scratch words are reused (synchronous
// code, no re-entrancy) and the secret ones wiped after each use: the only allocation per step is the 64-byte output.
const HCHACHA_SIGMA = new Uint32Array(utf8('expand 32-byte k').slice().buffer);
const CK3_KEY32 = new Uint32Array(8);
const CK3_KEY8 = new Uint8Array(CK3_KEY32.buffer);
const CK3_OUT32 = new Uint32Array(8);
const CK3_OUT8 = new Uint8Array(CK3_OUT32.buffer);
const CK3_MESSAGE32 = new Uint32Array(CK3_MESSAGE.slice().buffer);
const CK3_CHAIN32 = new Uint32Array(CK3_CHAIN.slice().buffer);

/**
 * KDF_CK₃(ck) (§S18.1): mk = HChaCha20(ck, CK3_MESSAGE), ck' = HChaCha20(ck, CK3_CHAIN), into one 64-byte buffer
 * (mk ‖ ck', two views, each wiped on its own when superseded, as version 2's). No CryptoProvider: every provider
 * gives the same bytes by construction.
 */
function kdfChainV3(chainKey: Uint8Array): { chainKey: Uint8Array; messageKey: Uint8Array } {
  const okm = new Uint8Array(64);
  for (let i = 0; i < 32; i++) CK3_KEY8[i] = chainKey[i] as number;
  try {
    hchacha(HCHACHA_SIGMA, CK3_KEY32, CK3_MESSAGE32, CK3_OUT32);
    for (let i = 0; i < 32; i++) okm[i] = CK3_OUT8[i] as number;
    hchacha(HCHACHA_SIGMA, CK3_KEY32, CK3_CHAIN32, CK3_OUT32);
    for (let i = 0; i < 32; i++) okm[32 + i] = CK3_OUT8[i] as number;
  } finally {
    CK3_KEY32.fill(0);
    CK3_OUT32.fill(0);
  }
  return { messageKey: okm.subarray(0, 32), chainKey: okm.subarray(32, 64) };
}

/**
 * Double Ratchet §5.2 KDF_CK(ck). Cipher v1: mk = HMAC-SHA256(ck, 0x01), ck' = HMAC-SHA256(ck, 0x02); cipher v2
 * (§S17.1): mk ‖ ck' = HMAC-SHA512(ck, 0x03), one call; cipher v3 (§S18.1): mk = HChaCha20(ck, CK3_MESSAGE),
 * ck' = HChaCha20(ck, CK3_CHAIN), in JavaScript whatever the provider.
 * HMAC (RFC 2104 §2) spelled out over noble's SHA-256 so that the two HMACs share one inner and one outer
 * keyed state: H((ck ⊕ opad) ‖ H((ck ⊕ ipad) ‖ c)), ck zero-padded to the 64-byte block. ~25% faster than two
 * hmac() calls; test/client/session-primitives.test.ts checks it against noble's hmac. Any other provider
 * (native HMAC is faster still) computes the two HMACs directly.
 */
export function kdfChain(chainKey: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider(), version: SessionCipherVersion = 1): { chainKey: Uint8Array; messageKey: Uint8Array } {
  abytes(chainKey, 32, 'chainKey');
  if (version === 3) return kdfChainV3(chainKey);
  if (version === 2) {
    // §S17.1: (mk ‖ ck') = HMAC-SHA512(ck, 0x03); the two keys are disjoint views of one 64-byte output, each wiped
    // on its own when it is superseded.
    const okm = crypto.hmacSha512(chainKey, CK_V2_CONSTANT);
    return { messageKey: okm.subarray(0, 32), chainKey: okm.subarray(32, 64) };
  }
  if (crypto !== nobleCryptoProvider)
    return { chainKey: crypto.hmacSha256(chainKey, CK_CHAIN_CONSTANT), messageKey: crypto.hmacSha256(chainKey, CK_MESSAGE_CONSTANT) };
  for (let i = 0; i < 32; i++) KEY_PAD[i] = (chainKey[i] as number) ^ 0x36;
  KEY_PAD.fill(0x36, 32);
  const inner = sha256.create().update(KEY_PAD);
  for (let i = 0; i < 32; i++) KEY_PAD[i] = (chainKey[i] as number) ^ 0x5c;
  KEY_PAD.fill(0x5c, 32);
  const outer = sha256.create().update(KEY_PAD);
  KEY_PAD.fill(0);
  const innerMessage = inner.clone().update(CK_MESSAGE_CONSTANT).digest();
  const messageKey = outer.clone().update(innerMessage).digest();
  const innerChain = inner.update(CK_CHAIN_CONSTANT).digest();
  const next = outer.update(innerChain).digest();
  innerMessage.fill(0);
  innerChain.fill(0);
  return { chainKey: next, messageKey };
}

/**
 * ENCRYPT(mk, plaintext, ad) (PROTOCOL-sessions.md §6, §S17.2, §S18.2): v1 XChaCha20-Poly1305 with key = mk and a
 * fresh random 24-byte nonce that travels in the message; v2 and v3 ChaCha20-Poly1305 with a 12-byte one. mk is
 * single-use already; the random nonce additionally keeps a rolled-back state (an old snapshot restored, then sending
 * again with the same mk) from ever repeating a (key, nonce) pair. Writes nonce || ciphertext || tag into `out`
 * (length nonce + plaintext + 16).
 */
export function sealWithMessageKey(
  messageKey: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
  out: Uint8Array,
  crypto: CryptoProvider = defaultCryptoProvider(),
  version: SessionCipherVersion = 1,
): void {
  const nl = nonceLength(version);
  abytes(messageKey, AEAD_KEY_LENGTH, 'messageKey');
  abytes(nonce, nl, 'nonce');
  abytes(out, nl + plaintext.length + AEAD_TAG_LENGTH, 'out');
  out.set(nonce, 0);
  // v2 and v3 (§S17.2, §S18.2): ChaCha20-Poly1305 (RFC 8439) under the single-use mk with the 12-byte random nonce.
  if (version !== 1) crypto.chacha20poly1305Seal(messageKey, nonce, plaintext, ad, out.subarray(nl));
  else crypto.xchacha20poly1305Seal(messageKey, nonce, plaintext, ad, out.subarray(nl));
}

/** DECRYPT(mk, nonce || ciphertext || tag, ad); an authentication failure is SessionError('tampered'). */
export function openWithMessageKey(
  messageKey: Uint8Array,
  sealed: Uint8Array,
  ad: Uint8Array,
  crypto: CryptoProvider = defaultCryptoProvider(),
  version: SessionCipherVersion = 1,
): Uint8Array {
  const nl = nonceLength(version);
  abytes(messageKey, AEAD_KEY_LENGTH, 'messageKey');
  if (sealed.length < nl + AEAD_TAG_LENGTH) throw new SessionError('malformed', `sealed message shorter than nonce and tag (${nl + AEAD_TAG_LENGTH} bytes)`);
  try {
    // RFC 8439 §2.8 (v1 via XChaCha): the tag is verified before any plaintext is released.
    const nonce = sealed.subarray(0, nl);
    const body = sealed.subarray(nl);
    return version !== 1 ? crypto.chacha20poly1305Open(messageKey, nonce, body, ad) : crypto.xchacha20poly1305Open(messageKey, nonce, body, ad);
  } catch (e) {
    if (!DecryptError.is(e)) throw e;
    throw new SessionError('tampered', 'message authentication failed (wrong key, modified ciphertext, header or associated data)');
  }
}

/** Best-effort erasure of secrets we drop (JavaScript cannot promise no copy survives in the heap). */
export function wipe(...keys: (Uint8Array | null | undefined)[]): void {
  for (const k of keys) k?.fill(0);
}
