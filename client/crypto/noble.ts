// The portable default provider: pure JavaScript from @noble (audited, constant-time where it matters, runs
// anywhere a Uint8Array does). Every other provider must reproduce its bytes (test/client/providers.test.ts).
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { abytes } from './_bytes.ts';
import { ed25519VerifyStrict } from './_ed25519-verify.ts';
import { pooledRandomBytes } from './_random.ts';
import { DecryptError } from './errors.ts';
import { type CryptoProvider, LowOrderError } from './provider.ts';
import { configuredCryptoProvider } from './default.ts';

const TAG = 16;

function open(f: () => Uint8Array): Uint8Array {
  try {
    return f();
  } catch {
    // RFC 8439 §2.8 / SP 800-38D §7.2: the tag is checked before any plaintext is released.
    throw new DecryptError('AEAD authentication failed');
  }
}

export const nobleCryptoProvider: CryptoProvider = Object.freeze({
  name: 'noble',
  randomBytes: pooledRandomBytes,
  sha256(...chunks: Uint8Array[]): Uint8Array {
    if (chunks.length === 1) return sha256(chunks[0] as Uint8Array);
    const h = sha256.create();
    for (const c of chunks) h.update(c);
    return h.digest();
  },
  hmacSha256(key: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
    const h = hmac.create(sha256, key);
    for (const c of chunks) h.update(c);
    return h.digest();
  },
  hmacSha512(key: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
    const h = hmac.create(sha512, key);
    for (const c of chunks) h.update(c);
    return h.digest();
  },
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    return hkdf(sha256, ikm, salt, info, length);
  },
  x25519PublicKey(privateKey: Uint8Array): Uint8Array {
    return x25519.getPublicKey(abytes(privateKey, 32, 'privateKey'));
  },
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    abytes(privateKey, 32, 'privateKey');
    abytes(publicKey, 32, 'publicKey');
    try {
      return x25519.getSharedSecret(privateKey, publicKey); // noble throws on the all-zero output
    } catch {
      throw new LowOrderError('X25519 output is all zero: the peer public key has low order');
    }
  },
  ed25519PublicKey(seed: Uint8Array): Uint8Array {
    return ed25519.getPublicKey(abytes(seed, 32, 'seed'));
  },
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
    return ed25519.sign(message, abytes(seed, 32, 'seed'));
  },
  ed25519Verify: ed25519VerifyStrict,
  chacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out?: Uint8Array): Uint8Array {
    abytes(key, 32, 'key');
    abytes(nonce, 12, 'nonce');
    if (out) abytes(out, plaintext.length + TAG, 'out');
    return chacha20poly1305(key, nonce, ad).encrypt(plaintext, out);
  },
  chacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
    abytes(key, 32, 'key');
    abytes(nonce, 12, 'nonce');
    if (sealed.length < TAG) throw new DecryptError('ciphertext shorter than the tag');
    return open(() => chacha20poly1305(key, nonce, ad).decrypt(sealed));
  },
  xchacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out?: Uint8Array): Uint8Array {
    abytes(key, 32, 'key');
    abytes(nonce, 24, 'nonce');
    if (out) abytes(out, plaintext.length + TAG, 'out');
    return xchacha20poly1305(key, nonce, ad).encrypt(plaintext, out);
  },
  xchacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
    abytes(key, 32, 'key');
    abytes(nonce, 24, 'nonce');
    if (sealed.length < TAG) throw new DecryptError('ciphertext shorter than the tag');
    return open(() => xchacha20poly1305(key, nonce, ad).decrypt(sealed));
  },
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    checkAesKey(key);
    return gcm(key, abytes(nonce, 12, 'nonce'), ad).encrypt(plaintext);
  },
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
    checkAesKey(key);
    abytes(nonce, 12, 'nonce');
    if (sealed.length < TAG) throw new DecryptError('ciphertext shorter than the tag');
    return open(() => gcm(key, nonce, ad).decrypt(sealed));
  },
});

export function checkAesKey(key: Uint8Array): void {
  abytes(key, undefined, 'key');
  if (key.length !== 16 && key.length !== 32) throw new RangeError(`key: expected Uint8Array of length 16 or 32, got length=${key.length}`);
}

/** The provider of calls that name none: the one set with setDefaultCryptoProvider (./default.ts), else noble. */
export function defaultCryptoProvider(): CryptoProvider {
  return configuredCryptoProvider() ?? nobleCryptoProvider;
}
