// The one Ed25519 verification rule of the project (docs/PROTOCOL.md §14.4), in pure JavaScript: RFC 8032 §5.1.7
// with canonical A and R (y < p, no negative zero), 0 ≤ S < L, A not of small order, and the cofactored equation —
// @noble/curves with zip215: false. The noble provider, tree heads and witness cosignatures call this function; the
// native providers reproduce its answers (client/crypto/node.ts, webcrypto.ts) and the server calls the node
// provider. Vectors: test/vectors/ed25519-edge-cases.json. False for anything invalid, never a throw.
import { ed25519 } from '@noble/curves/ed25519.js';

export function ed25519VerifyStrict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(message instanceof Uint8Array)) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
