// Every crypto provider this runtime has, for the vector suites (docs/PROTOCOL.md §14): the vectors must come out
// byte-identical under each. Node: noble, node (node:crypto) and webcrypto; Chromium: noble and webcrypto.
// The sync list drives the sync API; the async list drives the *Async API (every sync provider is in it too).
import { inject } from 'vitest';
import {
  type AsyncCryptoProvider,
  type CryptoProvider,
  asAsyncProvider,
  nobleCryptoProvider,
  webCryptoProvider,
} from '../../client/crypto/index.ts';

export const runtime = inject('runtime') as 'node' | 'browser';

export async function syncProviders(): Promise<CryptoProvider[]> {
  if (runtime !== 'node') return [nobleCryptoProvider];
  // Loaded only in Node: the browser project must never fetch the node:crypto provider.
  const { nodeCryptoProvider } = await import('../../client/crypto/node.ts');
  return [nobleCryptoProvider, nodeCryptoProvider];
}

export async function asyncProviders(): Promise<AsyncCryptoProvider[]> {
  const web = await webCryptoProvider();
  return [...(await syncProviders()).map((p) => asAsyncProvider(p)), web];
}

/** Names for test titles, resolved once at collection time (top-level await in the test module). */
export const SYNC = await syncProviders();
export const ASYNC = await asyncProviders();
