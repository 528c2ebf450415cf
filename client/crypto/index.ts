// Primitives the SDK is built on: bytes and encodings, AEAD, HMAC, randomness, and the providers that compute them.
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
// Crypto providers (docs/PROTOCOL.md §14): one interface, byte-identical implementations. The node:crypto provider is
// NOT exported here (it imports a Node built-in): import it from './node.ts' (package subpath "./crypto/node").
export {
  type AsyncCryptoProvider,
  type CryptoProvider,
  LowOrderError,
  type PrimitiveName,
  type X25519KeyHandle,
  asAsyncProvider,
} from './provider.ts';
export { defaultCryptoProvider, nobleCryptoProvider } from './noble.ts';
export { detectWebCrypto, webCryptoProvider } from './webcrypto.ts';
export { setDefaultCryptoProvider } from './default.ts';
