// Ed25519 verification on the server: the SDK's one rule (docs/PROTOCOL.md §14.4) — RFC 8032 §5.1.7 with canonical
// A and R, S < L, no small-order public key, the cofactored equation — so that the server and every client give
// the same answer for every signature (registration, login, signed prekeys, evidence packages). The SDK's node
// provider runs it on OpenSSL with byte-level prechecks, and confirms OpenSSL's rare "false" with noble (mixed-order
// points), which keeps honest signatures on the fast native path. Vectors: test/vectors/ed25519-edge-cases.json.
import { nodeCryptoProvider } from '../../client/crypto/node.ts';

export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return nodeCryptoProvider.ed25519Verify(publicKey, message, signature);
}
