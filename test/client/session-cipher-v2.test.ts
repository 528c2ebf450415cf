// Session cipher version 2 (docs/PROTOCOL-sessions.md §S17): KDF_CK₂ = one HMAC-SHA512 split into mk ‖ ck',
// ChaCha20-Poly1305 under mk with a random 12-byte nonce. Tries to break what the spec claims: no (key, nonce) pair
// and no message key twice, no version mix or downgrade inside a session, tampering refused with the state unchanged,
// version 1 sessions (and their stored states) still working in both directions. Under every sync provider. Version 2
// is no longer what Session.initiate creates by default (version 3, §S18: test/client/session-cipher-v3.test.ts), so
// every session here asks for it, as a deployment talking to peers without version 3 does.
import { describe, expect, it } from 'vitest';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { CryptoProvider } from '../../client/crypto/provider.ts';
import { frankMessage } from '../../client/franking/franking.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { PreKeyStore } from '../../client/session/prekeys.ts';
import { decodeRatchetHeader, RATCHET_HEADER_LENGTH } from '../../client/session/ratchet.ts';
import { receiveWithSessionRecord } from '../../client/session/session-record.ts';
import { Session } from '../../client/session/session.ts';
import { SYNC } from './_providers.ts';
import { establish as establishPair, expectCode, expectEveryByteFlipRefused, expectOnlyRollbackRepeatsKey, recording, td, te } from './_session-cipher.ts';
import vectors from '../vectors/session.json';

/** Version 2 sessions unless a test asks for another: version 2 is no longer the default. */
const establish = (crypto: CryptoProvider, cipherVersion: 1 | 2 = 2, random?: (n: number) => Uint8Array) => establishPair(crypto, cipherVersion, random);

describe.each(SYNC.map((p) => [p.name, p] as const))('session cipher version 2 (%s)', (_name, provider) => {
  it('hmacSha512 is HMAC-SHA512 (RFC 2104) for every key and input length, one-shot and streamed paths alike', () => {
    for (const k of [0, 1, 32, 127, 128, 129, 200]) {
      for (const n of [0, 1, 17, 64, 255, 256, 257, 1000]) {
        const key = Uint8Array.from({ length: k }, (_, i) => (i * 7 + n) & 0xff);
        const a = Uint8Array.from({ length: n >> 1 }, (_, i) => i & 0xff);
        const b = Uint8Array.from({ length: n - (n >> 1) }, (_, i) => (i * 3) & 0xff);
        const whole = new Uint8Array(n);
        whole.set(a);
        whole.set(b, a.length);
        expect(bytesToHex(provider.hmacSha512(key, a, b)), `key ${k}, input ${n}`).toBe(bytesToHex(hmac(sha512, key, whole)));
      }
    }
  });

  it('version 2 sessions are version 2 on both sides: header byte, 12-byte nonce, ChaCha20-Poly1305, KDF_CK₂, state byte', () => {
    const rec = recording(provider);
    const { alice, bob } = establish(rec.crypto);
    expect(alice.cipherVersion).toBe(2);
    expect(bob.cipherVersion).toBe(2);
    expect(alice.serialize()[0]).toBe(2);
    expect(bob.serialize()[0]).toBe(2);
    const before = alice.serialize();
    const ck0 = before.subarray(260, 292).slice(); // §S9.2: CKs after RK, DHs, flags, DHr
    rec.seals.length = 0;
    const msg = alice.encrypt(te.encode('v2'));
    expect(msg.length).toBe(1 + 41 + 12 + 2 + 16);
    expect(msg[1]).toBe(2);
    const okm = hmac(sha512, ck0, Uint8Array.of(3));
    expect(rec.seals).toEqual([{ key: bytesToHex(okm.subarray(0, 32)), nonce: bytesToHex(msg.subarray(42, 54)), cipher: 'chacha' }]);
    expect(bytesToHex(alice.serialize().subarray(260, 292))).toBe(bytesToHex(okm.subarray(32, 64)));
    expect(td.decode(bob.decrypt(msg))).toBe('v2');
  });

  it('no message key and no (key, nonce) pair twice, over chains and DH steps, even from a rolled-back state', () => {
    const rec = recording(provider);
    const { alice, bob } = establish(rec.crypto);
    for (let turn = 0; turn < 6; turn++) {
      const [from, to] = turn % 2 === 0 ? [alice, bob] : [bob, alice];
      for (let i = 0; i < 5; i++) to.decrypt(from.encrypt(te.encode(`${turn}.${i}`)));
    }
    expectOnlyRollbackRepeatsKey(alice, rec);
    // KDF_CK₂'s two halves differ from each other, from ck and from version 1's keys of the same ck (§S6.1, §S17.1).
    const ck = hexToBytes('11'.repeat(32));
    const okm = provider.hmacSha512(ck, Uint8Array.of(3));
    const all = [ck, okm.subarray(0, 32), okm.subarray(32), hmac(sha256, ck, Uint8Array.of(1)), hmac(sha256, ck, Uint8Array.of(2))].map(bytesToHex);
    expect(new Set(all).size).toBe(5);
  });

  it('a message of the other version is refused in a session, before any derivation, draw or state change', () => {
    let draws = 0;
    const random = (n: number) => (draws++, crypto.getRandomValues(new Uint8Array(n)));
    const v2 = establish(provider, 2, random);
    const v1 = establish(provider, 1);
    expect(v1.alice.cipherVersion).toBe(1);
    // Downgrade: a version 1 message (a valid one, of another session) and a v2 message with the byte rewritten.
    const fromV1 = v1.bob.encrypt(te.encode('v1'));
    const rewritten = v2.bob.encrypt(te.encode('v2'));
    rewritten[1] = 1;
    const upgraded = v1.bob.encrypt(te.encode('v1 again'));
    upgraded[1] = 2;
    const stateV2 = bytesToHex(v2.alice.serialize());
    const stateV1 = bytesToHex(v1.alice.serialize());
    const drawsBefore = draws;
    expectCode(() => v2.alice.decrypt(fromV1), 'unsupported_version');
    expectCode(() => v2.alice.decrypt(rewritten), 'unsupported_version');
    expectCode(() => v1.alice.decrypt(upgraded), 'unsupported_version');
    for (const bad of [0, 4, 0xff]) {
      const m = v2.bob.encrypt(te.encode('x'));
      m[1] = bad;
      expectCode(() => v2.alice.decrypt(m), 'unsupported_version');
    }
    expect(draws).toBe(drawsBefore);
    expect(bytesToHex(v2.alice.serialize())).toBe(stateV2);
    expect(bytesToHex(v1.alice.serialize())).toBe(stateV1);
    expect(v2.alice.skippedKeyCount).toBe(0);
  });

  it('a rewritten version byte in a prekey message builds no session and keeps the one-time prekey', () => {
    const aliceId = generateIdentity(undefined, provider);
    const bobId = generateIdentity(undefined, provider);
    const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: provider });
    const { oneTimePreKeys, ...up } = store.bundle(bobId);
    const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { crypto: provider, cipherVersion: 2 });
    const first = alice.encrypt(te.encode('first, long enough for a 24-byte nonce'));
    const at = 1 + 105; // the header's version byte
    expect(first[at]).toBe(2);
    const downgraded = first.slice();
    downgraded[at] = 1;
    // Read as version 1: another KDF_CK and nonce split, so the AEAD fails; too short for version 1's nonce: malformed.
    expectCode(() => Session.respond(bobId, store, downgraded, { crypto: provider }), 'tampered');
    const short = alice.encrypt(te.encode('s'));
    short[at] = 1;
    expectCode(() => Session.respond(bobId, store, short, { crypto: provider }), 'malformed');
    downgraded[at] = 7;
    expectCode(() => Session.respond(bobId, store, downgraded, { crypto: provider }), 'unsupported_version');
    // Checked before X3DH: an unknown version wins over a prekey this device no longer holds.
    const unknownPrekey = downgraded.slice();
    unknownPrekey[1 + 96 + 3]! ^= 0xff; // signedPreKeyId's last byte (§S5.4)
    expectCode(() => Session.respond(bobId, store, unknownPrekey, { crypto: provider }), 'unsupported_version');
    // The one-time prekey is still there: the genuine message opens.
    const { session, plaintext } = Session.respond(bobId, store, first, { crypto: provider });
    expect(td.decode(plaintext)).toBe('first, long enough for a 24-byte nonce');
    expect(session.cipherVersion).toBe(2);
  });

  it('every single-byte change of a v2 message is refused and leaves the state exactly as it was', () => {
    const { alice, bob } = establish(provider);
    expectEveryByteFlipRefused(alice, bob, provider, 'franked v2');
  });

  it('version 1 sessions keep working in both directions, also stored ones, and their messages stay version 1', () => {
    const { alice, bob } = establish(provider, 1);
    for (const s of [alice, bob]) expect(s.cipherVersion).toBe(1);
    const m = alice.encrypt(te.encode('old'));
    expect(m.length).toBe(1 + 41 + 24 + 3 + 16);
    expect(m[1]).toBe(1);
    const stored = Session.deserialize(bob.serialize(), { crypto: provider });
    expect(stored.cipherVersion).toBe(1);
    expect(td.decode(stored.decrypt(m))).toBe('old');
    expect(td.decode(alice.decrypt(stored.encrypt(te.encode('reply'))))).toBe('reply');
    // A state the SDK stored before version 2 existed (the vectors' final states): it continues the conversation.
    const s = vectors.scenarios.find((x) => x.name === 'x3dh-with-one-time-prekey')!;
    const oldAlice = Session.deserialize(hexToBytes(s.expected.finalState.alice), { crypto: provider });
    const oldBob = Session.deserialize(hexToBytes(s.expected.finalState.bob), { crypto: provider });
    expect([oldAlice.cipherVersion, oldBob.cipherVersion]).toEqual([1, 1]);
    const next = oldAlice.encrypt(te.encode('after the upgrade'));
    expect(next[1]).toBe(1);
    expect(td.decode(oldBob.decrypt(next))).toBe('after the upgrade');
    expect(td.decode(oldAlice.decrypt(oldBob.encrypt(te.encode('both ways'))))).toBe('both ways');
  });

  it('a session record tries the other version\'s session, then answers a prekey message of the new version', () => {
    // Bob's record holds a version 1 session; Alice (reinstalled, an SDK with version 2) starts a version 2 session.
    const old = establish(provider, 1);
    const record = { peerId: 'alice', current: old.bob.serialize(), previous: [], heardBack: true };
    const alice2 = Session.initiate(old.aliceId, { ...old.up, oneTimePreKey: old.oneTimePreKeys[1]! }, { crypto: provider, cipherVersion: 2 });
    const envelope = alice2.sendFranked(frankMessage({ conversationId: 'c', senderId: 'alice', seq: 1 }, te.encode('new cipher'), { crypto: provider }));
    const r = receiveWithSessionRecord(record, envelope, { localUserId: 'bob', peerId: 'alice', identity: old.bobId, preKeys: old.store, expect: { senderId: 'alice' } });
    expect(r.status).toBe('opened');
    if (r.status !== 'opened') return;
    expect(r.receipt.status).toBe('accepted');
    expect(r.usedPreKey).toBe(true);
    expect(Session.deserialize(r.record.current).cipherVersion).toBe(2);
    expect(r.record.previous.map((p) => p[0])).toEqual([1]);
  });

  it('refuses a cipherVersion other than 1, 2 or 3 (RangeError) and still draws nothing for it', () => {
    const bobId = generateIdentity(undefined, provider);
    const { oneTimePreKeys, ...up } = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: provider }).bundle(bobId);
    let draws = 0;
    const random = (n: number) => (draws++, crypto.getRandomValues(new Uint8Array(n)));
    for (const cipherVersion of [0, 4, 2.5, '2'] as unknown as 2[]) {
      const opts = { crypto: provider, randomBytes: random, cipherVersion };
      expect(() => Session.initiate(generateIdentity(undefined, provider), { ...up, oneTimePreKey: oneTimePreKeys[0]! }, opts)).toThrow(RangeError);
    }
    expect(draws).toBe(0);
    expect(decodeRatchetHeader(new Uint8Array(RATCHET_HEADER_LENGTH).fill(2, 0, 1)).version).toBe(2);
  });
});
