// The provider the SDK uses when a call names none: the one the application chose once at start (e.g. a Node server:
// setDefaultCryptoProvider(nodeCryptoProvider)), else noble. An explicit `crypto` option always wins. Process
// configuration, set once: not state that several processes must agree on.
// This module imports no implementation, so that the franking core, which needs only noble's HMAC-SHA256 and
// XChaCha20-Poly1305 by default, does not pull every @noble primitive into a browser bundle (size budget).
import type { CryptoProvider } from './provider.ts';

let current: CryptoProvider | undefined;

/** The provider set with setDefaultCryptoProvider, or undefined (then noble: see defaultCryptoProvider in ./noble.ts). */
export function configuredCryptoProvider(): CryptoProvider | undefined {
  return current;
}

/** Changes the default for every later call without an explicit provider; returns the previous choice (undefined = noble). */
export function setDefaultCryptoProvider(provider: CryptoProvider | undefined): CryptoProvider | undefined {
  if (provider !== undefined && (!provider || typeof provider.hmacSha256 !== 'function')) throw new TypeError('provider: expected a CryptoProvider');
  const previous = current;
  current = provider;
  return previous;
}
