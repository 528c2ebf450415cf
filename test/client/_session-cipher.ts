// Helpers shared by the session cipher suites (test/client/session-cipher-v2.test.ts, session-cipher-v3.test.ts;
// docs/PROTOCOL-sessions.md §S17, §S18): the error check, a provider that records every AEAD seal, a session pair,
// the rolled-back sender check, and the every-byte tamper attack on a franked message.
import { expect } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { CryptoProvider } from '../../client/crypto/provider.ts';
import { frankMessage } from '../../client/franking/franking.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { PreKeyStore } from '../../client/session/prekeys.ts';
import { SessionError, type SessionErrorCode } from '../../client/session/session-errors.ts';
import { Session } from '../../client/session/session.ts';

export const te = new TextEncoder();
export const td = new TextDecoder();

export function expectCode(f: () => unknown, code: SessionErrorCode): void {
  let error: unknown = null;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected an error').toBeInstanceOf(SessionError);
  expect((error as SessionError).code, (error as Error).message).toBe(code);
}

/** `provider` with the AEAD keys and nonces of every seal recorded (both ciphers). */
export function recording(provider: CryptoProvider) {
  const seals: { key: string; nonce: string; cipher: 'chacha' | 'xchacha' }[] = [];
  const crypto: CryptoProvider = {
    ...provider,
    chacha20poly1305Seal(key, nonce, pt, ad, out) {
      seals.push({ key: bytesToHex(key), nonce: bytesToHex(nonce), cipher: 'chacha' });
      return provider.chacha20poly1305Seal(key, nonce, pt, ad, out);
    },
    xchacha20poly1305Seal(key, nonce, pt, ad, out) {
      seals.push({ key: bytesToHex(key), nonce: bytesToHex(nonce), cipher: 'xchacha' });
      return provider.xchacha20poly1305Seal(key, nonce, pt, ad, out);
    },
  };
  return { crypto, seals };
}

/**
 * Alice seals once more, then her state as it was before that seal (a store rolled back) seals again: among every seal
 * `rec` recorded, each key is distinct except the rollback's, which repeats exactly once, and under another nonce.
 * Returns the recorded keys.
 */
export function expectOnlyRollbackRepeatsKey(alice: Session, rec: ReturnType<typeof recording>): string[] {
  const snapshot = alice.serialize();
  alice.encrypt(te.encode('sent once'));
  Session.deserialize(snapshot, { crypto: rec.crypto }).encrypt(te.encode('sent again with the same mk'));
  const keys = rec.seals.map((s) => s.key);
  expect(rec.seals.every((s) => s.cipher === 'chacha')).toBe(true);
  expect(new Set(keys).size).toBe(keys.length - 1);
  expect(keys.at(-1)).toBe(keys.at(-2));
  expect(new Set(rec.seals.map((s) => `${s.key}:${s.nonce}`)).size).toBe(rec.seals.length);
  return keys;
}

/**
 * Alice initiates (cipher `cipherVersion`, or the SDK's default when undefined), Bob responds to "hello", Alice reads
 * his "ack": both sides have chains. Bob's prekey store keeps three one-time prekeys (one used).
 */
export function establish(crypto: CryptoProvider, cipherVersion: 1 | 2 | 3 | undefined, random?: (n: number) => Uint8Array) {
  const aliceId = generateIdentity(undefined, crypto);
  const bobId = generateIdentity(undefined, crypto);
  const store = PreKeyStore.create(bobId, { oneTimePreKeys: 3, crypto });
  const { oneTimePreKeys, ...up } = store.bundle(bobId);
  const opts = { crypto, ...(cipherVersion ? { cipherVersion } : {}), ...(random ? { randomBytes: random } : {}) };
  const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, opts);
  const first = alice.encrypt(te.encode('hello'));
  const { session: bob, plaintext } = Session.respond(bobId, store, first, { crypto });
  expect(td.decode(plaintext)).toBe('hello');
  alice.decrypt(bob.encrypt(te.encode('ack')));
  return { alice, bob, bobId, store, aliceId, up, oneTimePreKeys };
}

/**
 * Flips each byte of a franked message from Alice in turn: Bob refuses every one with a session error and his state
 * stays byte for byte what it was; a changed commitment is `tampered`; the genuine message is then accepted once
 * (its body `text`) and its re-delivery is a `replay`.
 */
export function expectEveryByteFlipRefused(alice: Session, bob: Session, crypto: CryptoProvider, text: string): void {
  const franked = frankMessage({ conversationId: 'c', senderId: 'alice', seq: 1 }, te.encode(text), { crypto });
  const envelope = alice.sendFranked(franked);
  const state = bytesToHex(bob.serialize());
  for (let i = 0; i < envelope.message.length; i++) {
    const m = envelope.message.slice();
    m[i]! ^= 0x01;
    let code = '';
    try {
      bob.receiveFranked({ commitment: envelope.commitment, message: m }, { expect: { senderId: 'alice' } });
    } catch (e) {
      code = SessionError.is(e) ? e.code : String(e);
    }
    expect(['tampered', 'unsupported_version', 'max_skip_exceeded', 'replay', 'malformed', 'counter_overflow', 'bad_key'], `byte ${i}`).toContain(code);
    expect(bytesToHex(bob.serialize()), `byte ${i}`).toBe(state);
  }
  const c = envelope.commitment.slice();
  c[0]! ^= 1;
  expectCode(() => bob.receiveFranked({ commitment: c, message: envelope.message }), 'tampered');
  expect(bytesToHex(bob.serialize())).toBe(state);
  const r = bob.receiveFranked(envelope, { expect: { senderId: 'alice' } });
  expect(r.status).toBe('accepted');
  if (r.status === 'accepted') expect(td.decode(r.message.body)).toBe(text);
  expectCode(() => bob.receiveFranked(envelope, { expect: { senderId: 'alice' } }), 'replay');
}
