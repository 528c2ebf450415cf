// The crypto provider seam (docs/PROTOCOL.md §14): every primitive the SDK computes goes through one of these
// interfaces, so a platform's native implementation can replace pure JS without changing a single output byte.
// Implementations: nobleCryptoProvider (pure JS, portable default, ./noble.ts), nodeCryptoProvider (node:crypto,
// ./node.ts, loaded only by an explicit import of "@franking-chat/sdk/crypto/node") and webCryptoProvider() (async,
// WebCrypto per primitive where the platform has it, noble otherwise, ./webcrypto.ts).
// Conventions shared by all: inputs are never modified or retained; outputs are fresh Uint8Arrays the caller owns;
// authentication failures throw DecryptError; malformed lengths throw RangeError before any work.

/** Synchronous primitives (pure JS, or node:crypto which is synchronous too). */
export interface CryptoProvider {
  /** Stable name used in benchmarks and test titles: 'noble', 'node', … */
  readonly name: string;
  /** Platform CSPRNG. */
  randomBytes(length: number): Uint8Array;
  /** SHA-256 (FIPS 180-4) of the concatenated chunks. */
  sha256(...chunks: Uint8Array[]): Uint8Array;
  /** HMAC-SHA256 (RFC 2104) of the concatenated chunks: chunk lists spare a copy of large bodies. */
  hmacSha256(key: Uint8Array, ...chunks: Uint8Array[]): Uint8Array;
  /** HMAC-SHA512 (RFC 2104, FIPS 180-4) of the concatenated chunks: 64 bytes (KDF_CK of session cipher v2). */
  hmacSha512(key: Uint8Array, ...chunks: Uint8Array[]): Uint8Array;
  /** HKDF-SHA256 (RFC 5869): extract(salt, ikm) then expand(info, length). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** X25519 public key of a 32-byte private key (RFC 7748 §5; clamped inside). */
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** X25519(priv, pub) (RFC 7748 §5); throws LowOrderError if the output is all zero (RFC 7748 §6.1). */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /**
   * Optional: the private key imported once into the provider's native form, for its public key and several X25519
   * with it (the same bytes as x25519PublicKey and x25519). For providers whose every use of a raw private key
   * costs an import (node:crypto: a fixed-base scalar multiplication per import). The handle holds a copy of the
   * key: its owner keeps it exactly as long as the raw key and drops it when it wipes them.
   */
  x25519Import?(privateKey: Uint8Array): X25519KeyHandle;
  /** Ed25519 public key of a 32-byte seed (RFC 8032 §5.1.5). */
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  /** Pure Ed25519 signature (RFC 8032 §5.1.6); deterministic. */
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict RFC 8032 §5.1.7 verification: canonical A, R and S only; false (never a throw) for anything invalid. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * ChaCha20-Poly1305 (RFC 8439 §2.8), 12-byte nonce: returns ciphertext ‖ tag(16). With `out` (length plaintext +
   * 16) it writes there and returns it, as xchacha20poly1305Seal.
   */
  chacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out?: Uint8Array): Uint8Array;
  chacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array;
  /**
   * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03), 24-byte nonce: returns ciphertext ‖ tag(16). With `out`
   * (length plaintext + 16) it writes there and returns it, so a caller can build a message in one buffer.
   */
  xchacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out?: Uint8Array): Uint8Array;
  xchacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array;
  /** AES-GCM (SP 800-38D), 16- or 32-byte key, 12-byte nonce, 128-bit tag: returns ciphertext ‖ tag. */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array;
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array;
}

/** An X25519 private key held in a provider's native form (CryptoProvider.x25519Import). */
export interface X25519KeyHandle {
  /** The key's X25519 public key, as x25519PublicKey gives it (a fresh array). */
  readonly publicKey: Uint8Array;
  /** X25519(this key, pub), as CryptoProvider.x25519 (LowOrderError for a low-order peer key). */
  x25519(publicKey: Uint8Array): Uint8Array;
}

/**
 * The same primitives where the platform forces a Promise (WebCrypto). Same inputs, same output bytes, same
 * errors (as rejections). `native` names, per primitive, whether the platform's implementation runs it.
 */
export interface AsyncCryptoProvider {
  /** Stable name used in benchmarks and test titles: 'webcrypto', … */
  readonly name: string;
  /** Per primitive: true if the platform's native implementation runs it, false if noble does. */
  readonly native: Readonly<Record<PrimitiveName, boolean>>;
  /** Platform CSPRNG (synchronous everywhere). */
  randomBytes(length: number): Uint8Array;
  sha256(...chunks: Uint8Array[]): Promise<Uint8Array>;
  hmacSha256(key: Uint8Array, ...chunks: Uint8Array[]): Promise<Uint8Array>;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  x25519PublicKey(privateKey: Uint8Array): Promise<Uint8Array>;
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>;
  ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array>;
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  chacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out?: Uint8Array): Promise<Uint8Array>;
  chacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Promise<Uint8Array>;
  xchacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out?: Uint8Array): Promise<Uint8Array>;
  xchacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Promise<Uint8Array>;
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Promise<Uint8Array>;
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Promise<Uint8Array>;
}

/** Names of the primitives, as keys of AsyncCryptoProvider.native. */
export type PrimitiveName = 'sha256' | 'hmacSha256' | 'hkdfSha256' | 'x25519' | 'ed25519' | 'chacha20poly1305' | 'xchacha20poly1305' | 'aesGcm';

/** Raised by x25519 when the peer key has low order (the output is all zero); callers map it to their own codes. */
export class LowOrderError extends Error {
  override readonly name = 'LowOrderError';
  readonly code = 'bad_key' as const;
  static is(e: unknown): e is LowOrderError {
    return e instanceof LowOrderError;
  }
}

/** A synchronous provider seen through the async interface (nothing runs natively that did not before). */
export function asAsyncProvider(p: CryptoProvider, native: boolean = p.name !== 'noble'): AsyncCryptoProvider {
  const all = (v: boolean) =>
    ({ sha256: v, hmacSha256: v, hkdfSha256: v, x25519: v, ed25519: v, chacha20poly1305: v, xchacha20poly1305: v, aesGcm: v }) as const;
  return {
    name: p.name,
    native: all(native),
    randomBytes: (n) => p.randomBytes(n),
    sha256: async (...c) => p.sha256(...c),
    hmacSha256: async (k, ...c) => p.hmacSha256(k, ...c),
    hkdfSha256: async (i, s, f, l) => p.hkdfSha256(i, s, f, l),
    x25519PublicKey: async (k) => p.x25519PublicKey(k),
    x25519: async (k, pub) => p.x25519(k, pub),
    ed25519PublicKey: async (s) => p.ed25519PublicKey(s),
    ed25519Sign: async (s, m) => p.ed25519Sign(s, m),
    ed25519Verify: async (k, m, s) => p.ed25519Verify(k, m, s),
    chacha20poly1305Seal: async (k, n, pt, ad, out) => p.chacha20poly1305Seal(k, n, pt, ad, out),
    chacha20poly1305Open: async (k, n, s, ad) => p.chacha20poly1305Open(k, n, s, ad),
    xchacha20poly1305Seal: async (k, n, pt, ad, out) => p.xchacha20poly1305Seal(k, n, pt, ad, out),
    xchacha20poly1305Open: async (k, n, s, ad) => p.xchacha20poly1305Open(k, n, s, ad),
    aesGcmSeal: async (k, n, pt, ad) => p.aesGcmSeal(k, n, pt, ad),
    aesGcmOpen: async (k, n, s, ad) => p.aesGcmOpen(k, n, s, ad),
  };
}
