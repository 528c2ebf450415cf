// Protocol logic written once, run with a synchronous or an asynchronous provider (docs/PROTOCOL.md §14:
// "async where WebCrypto forces it, without changing bytes"). A step function is a generator that yields each
// public-key or KDF primitive it needs as a PrimitiveCall and receives the result; runSync answers with a
// CryptoProvider, runAsync with an AsyncCryptoProvider (WebCrypto X25519 / Ed25519 / HKDF in browsers). The order
// of calls, the random draws between them and every output byte are those of the one generator, whichever runner
// drives it. A primitive's exception is thrown back into the generator at the yield, so the step's own
// try/catch maps it exactly as a direct call would. Internal module.
import type { AsyncCryptoProvider, CryptoProvider } from '../crypto/provider.ts';

/** One primitive a step needs; the runner computes it with its provider. */
export type PrimitiveCall =
  | { readonly op: 'x25519'; readonly privateKey: Uint8Array; readonly publicKey: Uint8Array }
  | { readonly op: 'x25519PublicKey'; readonly privateKey: Uint8Array }
  | { readonly op: 'hkdfSha256'; readonly ikm: Uint8Array; readonly salt: Uint8Array; readonly info: Uint8Array; readonly length: number }
  | { readonly op: 'ed25519Verify'; readonly publicKey: Uint8Array; readonly message: Uint8Array; readonly signature: Uint8Array };

/** A protocol step: yields primitive calls, receives their results, returns T. */
export type Steps<T> = Generator<PrimitiveCall, T, unknown>;

// Typed wrappers: `yield* x25519Call(a, b)` is a Uint8Array whichever runner answers.
export function* x25519Call(privateKey: Uint8Array, publicKey: Uint8Array): Steps<Uint8Array> {
  return (yield { op: 'x25519', privateKey, publicKey }) as Uint8Array;
}
export function* x25519PublicKeyCall(privateKey: Uint8Array): Steps<Uint8Array> {
  return (yield { op: 'x25519PublicKey', privateKey }) as Uint8Array;
}
export function* hkdfSha256Call(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Steps<Uint8Array> {
  return (yield { op: 'hkdfSha256', ikm, salt, info, length }) as Uint8Array;
}
export function* ed25519VerifyCall(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Steps<boolean> {
  return (yield { op: 'ed25519Verify', publicKey, message, signature }) as boolean;
}

function perform(c: PrimitiveCall, p: CryptoProvider | AsyncCryptoProvider): unknown {
  switch (c.op) {
    case 'x25519':
      return p.x25519(c.privateKey, c.publicKey);
    case 'x25519PublicKey':
      return p.x25519PublicKey(c.privateKey);
    case 'hkdfSha256':
      return p.hkdfSha256(c.ikm, c.salt, c.info, c.length);
    case 'ed25519Verify':
      return p.ed25519Verify(c.publicKey, c.message, c.signature);
  }
}

/** Runs a step to its end with a synchronous provider. */
export function runSync<T>(steps: Steps<T>, crypto: CryptoProvider): T {
  let r = steps.next();
  while (!r.done) {
    let value: unknown;
    try {
      value = perform(r.value, crypto);
    } catch (e) {
      r = steps.throw(e);
      continue;
    }
    r = steps.next(value);
  }
  return r.value;
}

/** Runs a step to its end with an asynchronous provider: the same calls in the same order, each awaited. */
export async function runAsync<T>(steps: Steps<T>, crypto: AsyncCryptoProvider): Promise<T> {
  let r = steps.next();
  while (!r.done) {
    let value: unknown;
    try {
      value = await perform(r.value, crypto);
    } catch (e) {
      r = steps.throw(e);
      continue;
    }
    r = steps.next(value);
  }
  return r.value;
}
