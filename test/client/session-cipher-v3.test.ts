// Session cipher version 3 (docs/PROTOCOL-sessions.md §S18): KDF_CK₃ = two HChaCha20 of the chain key (mk from
// CK3_MESSAGE, ck' from CK3_CHAIN), then version 2's ChaCha20-Poly1305 under mk with a random 12-byte nonce. Tries to
// break what the spec claims: KDF_CK₃ is HChaCha20 exactly (checked against a ChaCha20 core written here from RFC 8439
// §2.1–§2.3 and draft-irtf-cfrg-xchacha-03 §2.2, not noble's), it never goes through a provider's HMAC, no (key, nonce)
// pair and no message key twice, no version mix or downgrade inside a session, tampering refused with the state
// unchanged, versions 1 and 2 (and their stored states) still working beside it. Under every sync provider.
import { describe, expect, it } from 'vitest';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { CryptoProvider } from '../../client/crypto/provider.ts';
import { frankMessage } from '../../client/franking/franking.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { PreKeyStore } from '../../client/session/prekeys.ts';
// eslint-disable-next-line no-restricted-imports -- white-box: KDF_CK₃ and its inputs (docs/PROTOCOL-sessions.md §S18.1) are this test's subject
import { CK3_CHAIN, CK3_MESSAGE, CURRENT_SESSION_CIPHER, kdfChain } from '../../client/session/_session-kdf.ts';
import { decodeRatchetHeader, encodeRatchetHeader, RATCHET_HEADER_LENGTH } from '../../client/session/ratchet.ts';
import { receiveWithSessionRecord, type SessionRecord } from '../../client/session/session-record.ts';
import { Session } from '../../client/session/session.ts';
import { SYNC } from './_providers.ts';
import { establish as establishPair, expectCode, expectEveryByteFlipRefused, expectOnlyRollbackRepeatsKey, recording, td, te } from './_session-cipher.ts';
import vectors from '../vectors/session.json';

// ---- HChaCha20 from the RFCs, independent of noble: RFC 8439 §2.1 quarter round, §2.3 state and 20 rounds;
// draft-irtf-cfrg-xchacha-03 §2.2: words 12–15 hold the 16-byte input, no feed-forward, output words 0–3 and 12–15. ----
const rotl = (x: number, n: number) => ((x << n) | (x >>> (32 - n))) >>> 0;
function quarterRound(s: number[], a: number, b: number, c: number, d: number): void {
  s[a] = (s[a]! + s[b]!) >>> 0; s[d] = rotl(s[d]! ^ s[a]!, 16);
  s[c] = (s[c]! + s[d]!) >>> 0; s[b] = rotl(s[b]! ^ s[c]!, 12);
  s[a] = (s[a]! + s[b]!) >>> 0; s[d] = rotl(s[d]! ^ s[a]!, 8);
  s[c] = (s[c]! + s[d]!) >>> 0; s[b] = rotl(s[b]! ^ s[c]!, 7);
}
const le32 = (b: Uint8Array, i: number) => new DataView(b.buffer, b.byteOffset, b.length).getUint32(4 * i, true);
function hchacha20(key: Uint8Array, input: Uint8Array): Uint8Array {
  expect([key.length, input.length]).toEqual([32, 16]);
  const s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, ...Array.from({ length: 8 }, (_, i) => le32(key, i)), ...Array.from({ length: 4 }, (_, i) => le32(input, i))];
  for (let r = 0; r < 10; r++) {
    quarterRound(s, 0, 4, 8, 12); quarterRound(s, 1, 5, 9, 13); quarterRound(s, 2, 6, 10, 14); quarterRound(s, 3, 7, 11, 15);
    quarterRound(s, 0, 5, 10, 15); quarterRound(s, 1, 6, 11, 12); quarterRound(s, 2, 7, 8, 13); quarterRound(s, 3, 4, 9, 14);
  }
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  [0, 1, 2, 3, 12, 13, 14, 15].forEach((w, i) => view.setUint32(4 * i, s[w]!, true));
  return out;
}
/** KDF_CK₃ from §S18.1, independently. */
const kdfCk3 = (ck: Uint8Array) => ({ mk: hchacha20(ck, CK3_MESSAGE), next: hchacha20(ck, CK3_CHAIN) });

const establish = (crypto: CryptoProvider, cipherVersion?: 1 | 2 | 3, random?: (n: number) => Uint8Array) => establishPair(crypto, cipherVersion, random);

/** A seeded source of randomness (SHA-256 of a label and a counter): two runs with one label draw the same bytes. */
function seeded(label: string): (n: number) => Uint8Array {
  let k = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 32) out.set(sha256(te.encode(`${label}/${k++}`)).subarray(0, Math.min(32, n - at)), at);
    return out;
  };
}

describe('KDF_CK₃ (§S18.1)', () => {
  it('the independent HChaCha20 is draft-irtf-cfrg-xchacha-03 §2.2.1', () => {
    const key = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    expect(bytesToHex(hchacha20(key, hexToBytes('000000090000004a0000000031415927')))).toBe('82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc');
  });

  it('the two inputs are the spec\'s 16 bytes: ASCII, NUL-padded, distinct', () => {
    expect(bytesToHex(CK3_MESSAGE)).toBe('66632f636b33206d6573736167650000');
    expect(bytesToHex(CK3_CHAIN)).toBe('66632f636b3320636861696e00000000');
  });

  it('is the default cipher of new sessions', () => {
    expect(CURRENT_SESSION_CIPHER).toBe(3);
  });

  it.each(SYNC.map((p) => [p.name, p] as const))('kdfChain(ck, %s, 3) is KDF_CK₃ on many keys, one 64-byte buffer mk ‖ ck\', the input untouched', (_name, p) => {
    const keys = [new Uint8Array(32), new Uint8Array(32).fill(0xff), ...Array.from({ length: 64 }, (_, i) => sha256(Uint8Array.of(i)))];
    for (const ck of keys) {
      const copy = ck.slice();
      const { messageKey, chainKey } = kdfChain(ck, p, 3);
      const want = kdfCk3(copy);
      expect([bytesToHex(messageKey), bytesToHex(chainKey)]).toEqual([bytesToHex(want.mk), bytesToHex(want.next)]);
      expect(bytesToHex(ck)).toBe(bytesToHex(copy));
      expect(messageKey.buffer).toBe(chainKey.buffer);
      expect([messageKey.byteOffset, chainKey.byteOffset, messageKey.buffer.byteLength]).toEqual([0, 32, 64]);
    }
  });

  it('never touches the provider\'s HMAC (native and noble give the same bytes by construction)', () => {
    for (const p of SYNC) {
      const refuse = () => {
        throw new Error('KDF_CK₃ must not call the provider');
      };
      const noHmac: CryptoProvider = { ...p, hmacSha256: refuse, hmacSha512: refuse };
      const ck = sha256(Uint8Array.of(7));
      expect(bytesToHex(kdfChain(ck, noHmac, 3).messageKey)).toBe(bytesToHex(kdfCk3(ck).mk));
      // A test that can fail: the provider does refuse for the other versions.
      expect(() => kdfChain(ck, noHmac, 2)).toThrow('must not call');
      expect(() => kdfChain(ck, { ...noHmac, name: 'not noble' }, 1)).toThrow('must not call');
    }
  });

  it('mk, ck\' and ck are pairwise distinct, and distinct from versions 1 and 2 of the same ck; a wrong input byte changes both', () => {
    for (let i = 0; i < 32; i++) {
      const ck = sha256(Uint8Array.of(0xc3, i));
      const v3 = kdfCk3(ck);
      const v2 = hmac(sha512, ck, Uint8Array.of(3));
      const all = [ck, v3.mk, v3.next, v2.subarray(0, 32), v2.subarray(32), hmac(sha256, ck, Uint8Array.of(1)), hmac(sha256, ck, Uint8Array.of(2))].map(bytesToHex);
      expect(new Set(all).size).toBe(7);
    }
    // The inputs are the only difference between mk and ck': swapping them swaps the outputs.
    const ck = sha256(Uint8Array.of(1));
    expect(bytesToHex(hchacha20(ck, CK3_CHAIN))).toBe(bytesToHex(kdfChain(ck, undefined, 3).chainKey));
    const flipped = CK3_MESSAGE.slice();
    flipped[15]! ^= 1;
    expect(bytesToHex(hchacha20(ck, flipped))).not.toBe(bytesToHex(kdfChain(ck, undefined, 3).messageKey));
  });
});

describe.each(SYNC.map((p) => [p.name, p] as const))('session cipher version 3 (%s)', (_name, provider) => {
  it('new sessions are version 3 on both sides: header byte, 12-byte nonce, ChaCha20-Poly1305 under KDF_CK₃\'s mk, state byte', () => {
    const rec = recording(provider);
    const { alice, bob } = establish(rec.crypto);
    expect([alice.cipherVersion, bob.cipherVersion]).toEqual([3, 3]);
    expect([alice.serialize()[0], bob.serialize()[0]]).toEqual([3, 3]);
    const before = alice.serialize();
    const ck0 = before.subarray(260, 292).slice(); // §S9.2: CKs after RK, DHs, flags, DHr
    rec.seals.length = 0;
    const msg = alice.encrypt(te.encode('v3'));
    expect(msg.length).toBe(1 + 41 + 12 + 2 + 16);
    expect(msg[1]).toBe(3);
    const { mk, next } = kdfCk3(ck0);
    expect(rec.seals).toEqual([{ key: bytesToHex(mk), nonce: bytesToHex(msg.subarray(42, 54)), cipher: 'chacha' }]);
    expect(bytesToHex(alice.serialize().subarray(260, 292))).toBe(bytesToHex(next));
    // The message opens under mk by hand: ChaCha20-Poly1305, AD = callerAd (empty) ‖ session AD ‖ header.
    const ad = new Uint8Array(128 + 41);
    ad.set(before.subarray(2, 130), 0); // initiator: Encode(IK_A) ‖ Encode(IK_B) = local ‖ remote identity
    ad.set(msg.subarray(1, 42), 128);
    expect(td.decode(provider.chacha20poly1305Open(mk, msg.subarray(42, 54), msg.subarray(54), ad))).toBe('v3');
    expect(td.decode(bob.decrypt(msg))).toBe('v3');
  });

  it('no message key and no (key, nonce) pair twice, along chains, across chains and DH steps, even from a rolled-back state', () => {
    const rec = recording(provider);
    const { alice, bob } = establish(rec.crypto);
    for (let turn = 0; turn < 8; turn++) {
      const [from, to] = turn % 2 === 0 ? [alice, bob] : [bob, alice];
      const sent = Array.from({ length: 6 }, (_, i) => from.encrypt(te.encode(`${turn}.${i}`)));
      for (const m of sent.reverse()) to.decrypt(m); // out of order: the keys come from skipped-key derivation
    }
    const keys = expectOnlyRollbackRepeatsKey(alice, rec);
    expect(keys.length).toBe(2 + 8 * 6 + 2);
    const nonces = rec.seals.map((s) => s.nonce);
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(nonces.every((n) => n.length === 24)).toBe(true); // 12 bytes in hex
  });

  it('the nonces are the random draws, 12 bytes each, one per message, never derived from the key', () => {
    const draws: string[] = [];
    const random = (n: number) => {
      const b = crypto.getRandomValues(new Uint8Array(n));
      draws.push(bytesToHex(b));
      return b;
    };
    const { alice } = establish(provider, undefined, random);
    draws.length = 0;
    const msgs = Array.from({ length: 50 }, () => alice.encrypt(te.encode('n')));
    expect(draws).toEqual(msgs.map((m) => bytesToHex(m.subarray(42, 54))));
    expect(new Set(draws).size).toBe(50);
  });

  it('a message of another version is refused in a session, before any derivation, draw or state change', () => {
    let draws = 0;
    const random = (n: number) => (draws++, crypto.getRandomValues(new Uint8Array(n)));
    const v3 = establish(provider, 3, random);
    const v2 = establish(provider, 2, random);
    const v1 = establish(provider, 1, random);
    // Valid messages of v2 and v1 sessions into a v3 session, and v3 messages into the others.
    const fromV2 = v2.bob.encrypt(te.encode('v2'));
    const fromV1 = v1.bob.encrypt(te.encode('v1'));
    const fromV3 = v3.bob.encrypt(te.encode('v3'));
    // A v3 message with its version byte rewritten (downgrade) and v2 / v1 messages rewritten to 3 (upgrade).
    const down2 = v3.bob.encrypt(te.encode('v3 as 2'));
    down2[1] = 2;
    const down1 = v3.bob.encrypt(te.encode('v3 as 1'));
    down1[1] = 1;
    const up2 = v2.bob.encrypt(te.encode('v2 as 3'));
    up2[1] = 3;
    const up1 = v1.bob.encrypt(te.encode('v1 as 3'));
    up1[1] = 3;
    const states = [v3, v2, v1].map((s) => bytesToHex(s.alice.serialize()));
    const drawsBefore = draws;
    for (const m of [fromV2, fromV1, down2, down1]) expectCode(() => v3.alice.decrypt(m), 'unsupported_version');
    for (const m of [fromV3, up2]) expectCode(() => v2.alice.decrypt(m), 'unsupported_version');
    for (const m of [fromV3, up1]) expectCode(() => v1.alice.decrypt(m), 'unsupported_version');
    for (const bad of [0, 4, 0xff]) {
      const m = v3.bob.encrypt(te.encode('x'));
      m[1] = bad;
      expectCode(() => v3.alice.decrypt(m), 'unsupported_version');
    }
    expect(draws).toBe(drawsBefore); // `random` is the receivers' (Alice's): a DH ratchet step would have drawn 32 bytes
    expect([v3, v2, v1].map((s) => bytesToHex(s.alice.serialize()))).toEqual(states);
    // And the sessions are fine: the genuine messages still open in their own sessions.
    expect(td.decode(v3.alice.decrypt(fromV3))).toBe('v3');
    expect(td.decode(v2.alice.decrypt(fromV2))).toBe('v2');
    expect(td.decode(v1.alice.decrypt(fromV1))).toBe('v1');
  });

  it('a rewritten version byte in a v3 prekey message builds no session and keeps the one-time prekey', () => {
    const aliceId = generateIdentity(undefined, provider);
    const bobId = generateIdentity(undefined, provider);
    const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: provider });
    const { oneTimePreKeys, ...up } = store.bundle(bobId);
    const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { crypto: provider });
    const first = alice.encrypt(te.encode('first, long enough for a 24-byte nonce'));
    const at = 1 + 105; // the header's version byte
    expect(first[at]).toBe(3);
    const storeBefore = bytesToHex(store.serialize());
    let draws = 0;
    const counting = (n: number) => (draws++, crypto.getRandomValues(new Uint8Array(n)));
    // Read as version 2: the same nonce split and AEAD, but KDF_CK₂'s mk: the AEAD fails. As version 1: another
    // nonce split too; a message too short for version 1's 24-byte nonce is malformed.
    for (const v of [2, 1]) {
      const downgraded = first.slice();
      downgraded[at] = v;
      expectCode(() => Session.respond(bobId, store, downgraded, { crypto: provider, randomBytes: counting }), 'tampered');
    }
    const short = alice.encrypt(te.encode('s'));
    short[at] = 1;
    expectCode(() => Session.respond(bobId, store, short, { crypto: provider }), 'malformed');
    const unknown = first.slice();
    unknown[at] = 4;
    expectCode(() => Session.respond(bobId, store, unknown, { crypto: provider }), 'unsupported_version');
    // Checked before X3DH: an unknown version wins over a prekey this device no longer holds.
    unknown[1 + 96 + 3]! ^= 0xff; // signedPreKeyId's last byte (§S5.4)
    expectCode(() => Session.respond(bobId, store, unknown, { crypto: provider }), 'unsupported_version');
    expect(bytesToHex(store.serialize())).toBe(storeBefore); // the one-time prekey is still there
    expect(draws).toBe(2); // each failed attempt drew its DH ratchet key (§S6.5), nothing more; nothing was kept
    // The genuine message opens.
    const { session, plaintext } = Session.respond(bobId, store, first, { crypto: provider });
    expect(td.decode(plaintext)).toBe('first, long enough for a 24-byte nonce');
    expect(session.cipherVersion).toBe(3);
    expect(bytesToHex(store.serialize())).not.toBe(storeBefore); // now consumed
  });

  it('a v2 prekey message rewritten to 3 fails closed too (no upgrade either)', () => {
    const aliceId = generateIdentity(undefined, provider);
    const bobId = generateIdentity(undefined, provider);
    const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: provider });
    const { oneTimePreKeys, ...up } = store.bundle(bobId);
    const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { crypto: provider, cipherVersion: 2 });
    const first = alice.encrypt(te.encode('a version 2 hello'));
    const upgraded = first.slice();
    upgraded[1 + 105] = 3;
    const storeBefore = bytesToHex(store.serialize());
    expectCode(() => Session.respond(bobId, store, upgraded, { crypto: provider }), 'tampered');
    expect(bytesToHex(store.serialize())).toBe(storeBefore);
    expect(Session.respond(bobId, store, first, { crypto: provider }).session.cipherVersion).toBe(2);
  });

  it('every single-byte change of a franked v3 message is refused and leaves the state exactly as it was', () => {
    const { alice, bob } = establish(provider);
    expectEveryByteFlipRefused(alice, bob, provider, 'franked v3');
  });

  it('franked messages both ways through a v3 session, over DH steps, prekey start included (receiveFranked, respondFranked)', () => {
    const aliceId = generateIdentity(undefined, provider);
    const bobId = generateIdentity(undefined, provider);
    const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: provider });
    const { oneTimePreKeys, ...up } = store.bundle(bobId);
    const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { crypto: provider });
    let seq = 1;
    const franked = (from: string, text: string) => frankMessage({ conversationId: 'c3', senderId: from, seq: seq++ }, te.encode(text), { crypto: provider });
    const first = alice.sendFranked(franked('alice', 'hi bob'));
    const { session: bob, receipt } = Session.respondFranked(bobId, store, first, { crypto: provider, expect: { senderId: 'alice' } });
    expect(receipt.status).toBe('accepted');
    expect(bob.cipherVersion).toBe(3);
    for (let turn = 0; turn < 4; turn++) {
      const [from, to, fromId] = turn % 2 === 0 ? [bob, alice, 'bob'] : [alice, bob, 'alice'];
      const envelopes = [0, 1, 2].map((i) => from.sendFranked(franked(fromId, `${fromId} ${turn}.${i}`)));
      for (const i of [2, 0, 1]) {
        const r = to.receiveFranked(envelopes[i]!, { expect: { senderId: fromId } });
        expect(r.status).toBe('accepted');
        if (r.status === 'accepted') expect(td.decode(r.message.body)).toBe(`${fromId} ${turn}.${i}`);
      }
    }
    // A payload that authenticates but claims another sender is dropped and logged; the key is spent.
    const wrong = alice.sendFranked(franked('mallory', 'not alice'));
    const dropped = bob.receiveFranked(wrong, { expect: { senderId: 'alice' } });
    expect(dropped.status).toBe('dropped');
    expectCode(() => bob.receiveFranked(wrong, { expect: { senderId: 'alice' } }), 'replay');
  });

  it('v3 state round-trips mid-conversation (skipped keys, pending prefix) and continues under the other provider', () => {
    const aliceId = generateIdentity(undefined, provider);
    const bobId = generateIdentity(undefined, provider);
    const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: provider });
    const { oneTimePreKeys, ...up } = store.bundle(bobId);
    const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { crypto: provider });
    const a0 = alice.encrypt(te.encode('a0'));
    const a1 = alice.encrypt(te.encode('a1'));
    const a2 = alice.encrypt(te.encode('a2'));
    const { session: bob } = Session.respond(bobId, store, a2, { crypto: provider });
    expect(bob.skippedKeyCount).toBe(2);
    for (const other of SYNC) {
      const alice2 = Session.deserialize(alice.serialize(), { crypto: other });
      const bob2 = Session.deserialize(bob.serialize(), { crypto: other });
      expect([alice2.cipherVersion, bob2.cipherVersion]).toEqual([3, 3]);
      expect(bytesToHex(alice2.serialize())).toBe(bytesToHex(alice.serialize()));
      expect(bytesToHex(bob2.serialize())).toBe(bytesToHex(bob.serialize()));
      expect(td.decode(bob2.decrypt(a0))).toBe('a0');
      expect(td.decode(bob2.decrypt(a1))).toBe('a1');
      expect(bob2.serialize()[0]).toBe(3);
      const reply = bob2.encrypt(te.encode('b'));
      expect(reply[1]).toBe(3);
      expect(td.decode(alice2.decrypt(reply))).toBe('b');
      expect(td.decode(bob2.decrypt(alice2.encrypt(te.encode('after the step'))))).toBe('after the step');
    }
  });

  it('the same draws give the same bytes under every provider (KDF_CK₃ is not the provider\'s)', () => {
    const run = (p: CryptoProvider) => {
      const aliceId = generateIdentity(seeded('a-id'), p);
      const bobId = generateIdentity(seeded('b-id'), p);
      const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: p, randomBytes: seeded('b-pk'), now: 0 });
      const { oneTimePreKeys, ...up } = store.bundle(bobId);
      const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { crypto: p, randomBytes: seeded('a') });
      const out = [alice.encrypt(te.encode('one')), alice.encrypt(te.encode('two'))];
      const { session: bob } = Session.respond(bobId, store, out[0]!, { crypto: p, randomBytes: seeded('b') });
      out.push(bob.encrypt(te.encode('three')));
      alice.decrypt(out[2]!);
      out.push(alice.encrypt(te.encode('four')), alice.serialize(), bob.serialize());
      return out.map(bytesToHex);
    };
    const ref = run(provider);
    for (const other of SYNC) expect(run(other)).toEqual(ref);
  });

  it('version 1 and 2 sessions keep working in both directions beside v3, also stored ones (the vectors\' final states)', () => {
    for (const v of [1, 2] as const) {
      const { alice, bob } = establish(provider, v);
      for (const s of [alice, bob]) expect(s.cipherVersion).toBe(v);
      const m = alice.encrypt(te.encode('old'));
      expect(m.length).toBe(1 + 41 + (v === 1 ? 24 : 12) + 3 + 16);
      expect(m[1]).toBe(v);
      const stored = Session.deserialize(bob.serialize(), { crypto: provider });
      expect(stored.cipherVersion).toBe(v);
      expect(td.decode(stored.decrypt(m))).toBe('old');
      expect(td.decode(alice.decrypt(stored.encrypt(te.encode('reply'))))).toBe('reply');
    }
    for (const [name, v] of [['x3dh-with-one-time-prekey', 1], ['v2-x3dh-with-one-time-prekey', 2], ['v3-x3dh-with-one-time-prekey', 3]] as const) {
      const s = vectors.scenarios.find((x) => x.name === name)!;
      const oldAlice = Session.deserialize(hexToBytes(s.expected.finalState.alice), { crypto: provider });
      const oldBob = Session.deserialize(hexToBytes(s.expected.finalState.bob), { crypto: provider });
      expect([oldAlice.cipherVersion, oldBob.cipherVersion]).toEqual([v, v]);
      const next = oldAlice.encrypt(te.encode('after the upgrade'));
      expect(next[1]).toBe(v);
      expect(td.decode(oldBob.decrypt(next))).toBe('after the upgrade');
      expect(td.decode(oldAlice.decrypt(oldBob.encrypt(te.encode('both ways'))))).toBe('both ways');
    }
  });

  it('a session record holding v1 and v2 sessions answers a v3 prekey message, and still opens late v1 and v2 messages', () => {
    // Bob's record: current = a v2 session, previous = [a v1 session], both with the same Alice (one per one-time
    // prekey). Alice (reinstalled, this SDK) starts a v3 session; late messages of v1 and v2 are still in flight.
    const aliceId = generateIdentity(undefined, provider);
    const bobId = generateIdentity(undefined, provider);
    const store = PreKeyStore.create(bobId, { oneTimePreKeys: 3, crypto: provider });
    const { oneTimePreKeys, ...up } = store.bundle(bobId);
    const pair = (v: 1 | 2, opk: number) => {
      const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[opk]! }, { crypto: provider, cipherVersion: v });
      const bob = Session.respond(bobId, store, alice.encrypt(te.encode('hello')), { crypto: provider }).session;
      alice.decrypt(bob.encrypt(te.encode('ack')));
      return { alice, bob };
    };
    const v1 = pair(1, 0);
    const v2 = pair(2, 1);
    const record: SessionRecord = { peerId: 'alice', current: v2.bob.serialize(), previous: [v1.bob.serialize()], heardBack: true };
    const lateV1 = v1.alice.sendFranked(frankMessage({ conversationId: 'c', senderId: 'alice', seq: 1 }, te.encode('late v1'), { crypto: provider }));
    const lateV2 = v2.alice.sendFranked(frankMessage({ conversationId: 'c', senderId: 'alice', seq: 2 }, te.encode('late v2'), { crypto: provider }));
    const alice3 = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[2]! }, { crypto: provider });
    expect(alice3.cipherVersion).toBe(3);
    const fresh = alice3.sendFranked(frankMessage({ conversationId: 'c', senderId: 'alice', seq: 3 }, te.encode('new cipher'), { crypto: provider }));
    const ctx = { localUserId: 'bob', peerId: 'alice', identity: bobId, preKeys: store, expect: { senderId: 'alice' } };
    const r = receiveWithSessionRecord(record, fresh, ctx);
    expect(r.status).toBe('opened');
    if (r.status !== 'opened') return;
    expect(r.receipt.status).toBe('accepted');
    expect(r.usedPreKey).toBe(true);
    expect(r.record.current[0]).toBe(3);
    expect(r.record.previous.map((p) => p[0])).toEqual([2, 1]);
    // Late messages of the archived sessions open there; the v3 session refuses them (unsupported_version) first.
    expectCode(() => Session.deserialize(r.record.current, { crypto: provider }).receiveFranked(lateV1), 'unsupported_version');
    let rec = r.record;
    for (const [late, text] of [[lateV2, 'late v2'], [lateV1, 'late v1']] as const) {
      const got = receiveWithSessionRecord(rec, late, ctx);
      expect(got.status).toBe('opened');
      if (got.status !== 'opened' || got.receipt.status !== 'accepted') throw new Error('not opened');
      expect(td.decode(got.receipt.message.body)).toBe(text);
      expect(got.usedPreKey).toBe(false);
      expect(got.record.current).toEqual(rec.current); // a late message never promotes an old session
      rec = got.record;
    }
    // And Bob answers on the v3 session.
    const reply = Session.deserialize(rec.current, { crypto: provider }).encrypt(te.encode('hi'));
    expect(reply[1]).toBe(3);
    expect(td.decode(alice3.decrypt(reply))).toBe('hi');
  });

  it('cipherVersion 3 explicitly equals the default; header codec takes 3 and refuses 4', () => {
    const a = establish(provider, 3);
    expect(a.alice.cipherVersion).toBe(3);
    const header = encodeRatchetHeader({ version: 3, ratchetKey: new Uint8Array(32), previousChainLength: 1, messageNumber: 2 });
    expect(header[0]).toBe(3);
    expect(decodeRatchetHeader(header).version).toBe(3);
    expect(() => encodeRatchetHeader({ version: 4 as unknown as 3, ratchetKey: new Uint8Array(32), previousChainLength: 0, messageNumber: 0 })).toThrow(RangeError);
    expectCode(() => decodeRatchetHeader(new Uint8Array(RATCHET_HEADER_LENGTH).fill(4, 0, 1)), 'unsupported_version');
  });
});
