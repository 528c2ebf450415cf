// The only thing franking needs from a session: AEAD with associated data (docs/PROTOCOL.md §5).
// The Double Ratchet implements this interface; so could MLS. This file also gives a plain
// XChaCha20-Poly1305 AEAD used by tests, the benchmark baseline and single-key transports.
import { pooledRandomBytes } from './_random.ts';
import { abytes } from './_bytes.ts';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { configuredCryptoProvider } from './default.ts';
import { DecryptError } from './errors.ts';
import type { CryptoProvider } from './provider.ts';

export interface Aead {
  /** Encrypts and authenticates `plaintext`, binding `ad`. */
  seal(plaintext: Uint8Array, ad: Uint8Array): Uint8Array;
  /** Inverse of seal; throws DecryptError if the ciphertext or `ad` was altered. */
  open(ciphertext: Uint8Array, ad: Uint8Array): Uint8Array;
}

export type RandomBytes = (length: number) => Uint8Array;
export const XCHACHA_NONCE_LENGTH = 24;
const TAG_LENGTH = 16;

/**
 * The AEADs made by this module: their open returns a buffer of its own that nobody else holds (noble's decrypt and
 * every provider's open allocate it per call), so openFranked may hand out views of it instead of copies.
 */
const FRESH_OUTPUT = new WeakSet<Aead>();
/** Whether `aead` is one of the SDK's AEADs, whose open returns a fresh buffer (internal). */
export const isFreshOutputAead = (aead: Aead): boolean => FRESH_OUTPUT.has(aead);

/** XChaCha20-Poly1305 with a random 24-byte nonce prepended: output = nonce ‖ ciphertext ‖ tag. */
export function xchacha20poly1305Aead(key: Uint8Array, opts: { randomBytes?: RandomBytes; crypto?: CryptoProvider } = {}): Aead {
  abytes(key, 32, 'key');
  const random = opts.randomBytes ?? pooledRandomBytes;
  // No provider named or configured: noble's XChaCha20-Poly1305 directly (keeps the franking core's bundle small).
  const crypto = opts.crypto ?? configuredCryptoProvider();
  const aead: Aead = {
    seal(plaintext, ad) {
      const nonce = abytes(random(XCHACHA_NONCE_LENGTH), XCHACHA_NONCE_LENGTH, 'nonce');
      const out = new Uint8Array(XCHACHA_NONCE_LENGTH + plaintext.length + TAG_LENGTH);
      out.set(nonce, 0);
      // Encrypt straight into the output buffer: no second copy of a large body.
      if (crypto) crypto.xchacha20poly1305Seal(key, nonce, plaintext, ad, out.subarray(XCHACHA_NONCE_LENGTH));
      else xchacha20poly1305(key, nonce, ad).encrypt(plaintext, out.subarray(XCHACHA_NONCE_LENGTH));
      return out;
    },
    open(ciphertext, ad) {
      if (ciphertext.length < XCHACHA_NONCE_LENGTH + TAG_LENGTH) throw new DecryptError('ciphertext too short');
      const nonce = ciphertext.subarray(0, XCHACHA_NONCE_LENGTH);
      // RFC 8439 §2.8: Poly1305 is checked before any plaintext is released (DecryptError otherwise).
      if (crypto) return crypto.xchacha20poly1305Open(key, nonce, ciphertext.subarray(XCHACHA_NONCE_LENGTH), ad);
      try {
        return xchacha20poly1305(key, nonce, ad).decrypt(ciphertext.subarray(XCHACHA_NONCE_LENGTH));
      } catch {
        throw new DecryptError('AEAD authentication failed');
      }
    },
  };
  FRESH_OUTPUT.add(aead);
  return aead;
}
