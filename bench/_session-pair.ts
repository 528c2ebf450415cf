// A 1:1 session pair in its steady state, as the send/receive benches measure it: X3DH done and one message each way,
// so both sides hold a chain and the initiator no longer sends the X3DH prefix (docs/PROTOCOL-sessions.md §S4, §S6).
import { type CryptoProvider, type SessionCipherVersion, generateIdentity, PreKeyStore, Session } from '../client/index.ts';

/** `crypto` absent: the SDK's default provider; `cipherVersion` absent: what Session.initiate creates. */
export function steadySessionPair(opts: { crypto?: CryptoProvider; cipherVersion?: SessionCipherVersion } = {}): { alice: Session; bob: Session } {
  const crypto = opts.crypto ? { crypto: opts.crypto } : {};
  const aliceId = generateIdentity(undefined, opts.crypto);
  const bobId = generateIdentity(undefined, opts.crypto);
  const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, ...crypto });
  const { oneTimePreKeys, ...up } = store.bundle(bobId);
  const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { ...crypto, ...(opts.cipherVersion === undefined ? {} : { cipherVersion: opts.cipherVersion }) });
  const { session: bob } = Session.respond(bobId, store, alice.encrypt(new Uint8Array(1)), crypto);
  alice.decrypt(bob.encrypt(new Uint8Array(1)));
  return { alice, bob };
}
