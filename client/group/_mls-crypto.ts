// The one place that chooses the MLS cipher suite and the crypto provider behind it (docs/PROTOCOL.md §12.1).
//
// Suite: MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 (RFC 9420 §17.1, id 0x0003).
// - X25519 and Ed25519: the curves of the account identity and of the 1:1 sessions (one curve family to audit);
// - ChaCha20-Poly1305 rather than AES-128-GCM: constant-time in pure JavaScript on every CPU (AES in JS is
//   table-based unless the platform's AES-NI path is used, and ts-mls' noble AEAD is pure JS), the same AEAD
//   family as the 1:1 Double Ratchet (XChaCha20-Poly1305), and as fast as GCM without hardware AES;
// - SHA-256 everywhere, like the franking commitment and stamps.
// Provider: ts-mls' noble provider (@noble/hashes, @noble/ciphers, @hpke/core with @hpke/chacha20poly1305);
// it signs and verifies Ed25519 through WebCrypto where the platform has it (Node ≥ 20, Chromium), else
// @noble/curves. When client/crypto exports a provider interface, build the CiphersuiteImpl from it here.
import { type CiphersuiteImpl, type CiphersuiteName, getCiphersuiteFromName, getCiphersuiteImpl, nobleCryptoProvider } from 'ts-mls';

export const GROUP_CIPHERSUITE: CiphersuiteName = 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519';
/** RFC 9420 §17.1 cipher suite id of GROUP_CIPHERSUITE. */
export const GROUP_CIPHERSUITE_ID = 0x0003;

let cached: Promise<CiphersuiteImpl> | undefined;

/** The cipher suite implementation every group of this client uses (created once). */
export function groupCiphersuite(): Promise<CiphersuiteImpl> {
  cached ??= getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHERSUITE), nobleCryptoProvider);
  return cached;
}
