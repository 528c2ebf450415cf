// The provider the SDK uses when a call names none. nobleCryptoProvider unless the application chose another
// once at start (e.g. a Node server: setDefaultCryptoProvider(nodeCryptoProvider)). An explicit `crypto`
// option always wins. Process configuration, set once: not state that several processes must agree on.
import { nobleCryptoProvider } from './noble.ts';
import type { CryptoProvider } from './provider.ts';

let current: CryptoProvider = nobleCryptoProvider;

export function defaultCryptoProvider(): CryptoProvider {
  return current;
}

/** Changes the default for every later call without an explicit provider; returns the previous default. */
export function setDefaultCryptoProvider(provider: CryptoProvider): CryptoProvider {
  if (!provider || typeof provider.hmacSha256 !== 'function') throw new TypeError('provider: expected a CryptoProvider');
  const previous = current;
  current = provider;
  return previous;
}
