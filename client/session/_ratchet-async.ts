// The X25519 work of a DH ratchet step done ahead by an async provider (WebCrypto X25519 in browsers) for
// DoubleRatchet.decryptAsync (./ratchet.ts; docs/PROTOCOL-sessions.md §S6.5, PROTOCOL.md §14.2).
import { abytes } from '../crypto/_bytes.ts';
import { type AsyncCryptoProvider, LowOrderError } from '../crypto/provider.ts';
import { type RandomBytes, wipe, type X25519KeyPair } from './_session-kdf.ts';
import { SessionError } from './session-errors.ts';

/** The X25519 results of one DH ratchet step, computed ahead by decryptAsync. */
export interface PrecomputedStep {
  readonly remoteKey: Uint8Array;
  /** The DHs private key they were computed with (identity-compared: a moved-on state ignores them). */
  readonly sendingPrivateKey: Uint8Array;
  readonly dhReceive: Uint8Array;
  readonly newKeyPair: X25519KeyPair;
  readonly dhSend: Uint8Array;
}

/**
 * DH(DHs, remoteKey), then the 32-byte draw of the new DHs, its public key and DH(DHs', remoteKey). The draw follows
 * the first DH, as in the sync path (a low-order key fails before it and draws nothing); the new public key and the
 * second DH depend only on the draw, so they run concurrently.
 */
export async function precomputeStep(sendingPrivateKey: Uint8Array, remoteKey: Uint8Array, randomBytes: RandomBytes, crypto: AsyncCryptoProvider): Promise<PrecomputedStep> {
  const lowOrder = (e: unknown) => {
    throw LowOrderError.is(e) ? new SessionError('bad_key', 'X25519 output is all zero: the peer public key has low order') : e;
  };
  const dhReceive = await crypto.x25519(sendingPrivateKey, remoteKey).catch(lowOrder);
  const privateKey = abytes(randomBytes(32), 32, 'randomBytes(32)');
  let publicKey: Uint8Array, dhSend: Uint8Array;
  try {
    [publicKey, dhSend] = await Promise.all([crypto.x25519PublicKey(privateKey), crypto.x25519(privateKey, remoteKey).catch(lowOrder)]);
  } catch (e) {
    wipe(privateKey, dhReceive);
    throw e;
  }
  return { remoteKey, sendingPrivateKey, dhReceive, newKeyPair: { privateKey, publicKey }, dhSend };
}
