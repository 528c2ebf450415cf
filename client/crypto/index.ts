// Primitives the SDK is built on: bytes and encodings, AEAD, HMAC, randomness.
export {
  abytes,
  equalBytes,
  fromBase64Url,
  toBase64Url,
} from './_bytes.ts';
export {
  type Aead,
  type RandomBytes,
  xchacha20poly1305Aead,
  XCHACHA_NONCE_LENGTH,
} from './aead.ts';
export {
  type HmacSha256,
  nobleHmacSha256,
  webCryptoHmacSha256,
} from './hmac.ts';
export { DecryptError, EncodingError } from './errors.ts';
