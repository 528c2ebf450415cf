// Session layer behaviour (docs/PROTOCOL-sessions.md): identity, prekeys, X3DH, Double Ratchet, state, franking.
// Light enough for Node and Chromium; the 10,000-message property runs live in test/session/ (Node only).
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { encodePayload, frankMessage, frankingAssociatedData } from '../../client/franking/franking.ts';
import { deserializeIdentity, generateIdentity, type IdentityKeyPair, serializeIdentity } from '../../client/session/identity.ts';
import {
  decodeFetchedPreKeyBundle,
  type FetchedPreKeyBundle,
  PreKeyStore,
  SIGNED_PREKEY_RETENTION_MS,
  SIGNED_PREKEY_ROTATION_MS,
  signedPreKeySignatureInput,
  verifySignedPreKey,
} from '../../client/session/prekeys.ts';
// eslint-disable-next-line no-restricted-imports -- white-box: derives the next message key to forge a message under the ratchet's own KDF
import { kdfChain } from '../../client/session/_session-kdf.ts';
import { decodeRatchetHeader, encodeRatchetHeader, MAX_SKIP, RATCHET_HEADER_LENGTH } from '../../client/session/ratchet.ts';
import { formatSafetyNumber, safetyNumber } from '../../client/session/safety-number.ts';
import { SessionError, type SessionErrorCode } from '../../client/session/session-errors.ts';
import {
  decodeFrankedEnvelope,
  decodeSessionMessage,
  encodeFrankedEnvelope,
  isPreKeyMessage,
  MAX_FRANKING_FAILURES,
  MESSAGE_TYPE_PREKEY,
  MESSAGE_TYPE_RATCHET,
  Session,
} from '../../client/session/session.ts';
import { PREKEY_PREFIX_LENGTH } from '../../client/session/x3dh.ts';
import { webCryptoProvider } from '../../client/crypto/webcrypto.ts';

const te = new TextEncoder();
const td = new TextDecoder();
const NOW = 1795348800000;

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
function expectCode(f: () => unknown, code: SessionErrorCode): void {
  const e = errorOf(f);
  expect(e, String(e)).toBeInstanceOf(SessionError);
  expect((e as SessionError).code, (e as Error).message).toBe(code);
}

function fetched(store: PreKeyStore, bob: IdentityKeyPair, withOneTime = true): FetchedPreKeyBundle {
  const up = store.bundle(bob);
  const opk = up.oneTimePreKeys[0];
  return {
    identitySigningKey: up.identitySigningKey,
    identityDhKey: up.identityDhKey,
    signedPreKey: up.signedPreKey,
    ...(withOneTime && opk ? { oneTimePreKey: opk } : {}),
  };
}

function establish(withOneTime = true) {
  const aliceId = generateIdentity();
  const bobId = generateIdentity();
  const store = PreKeyStore.create(bobId, { now: NOW, oneTimePreKeys: 3 });
  const alice = Session.initiate(aliceId, fetched(store, bobId, withOneTime));
  const first = alice.encrypt(te.encode('hello'));
  const { session: bob, plaintext } = Session.respond(bobId, store, first);
  expect(td.decode(plaintext)).toBe('hello');
  return { aliceId, bobId, store, alice, bob };
}

describe('identity', () => {
  it('serializes the private keys with a version byte and recomputes public keys', () => {
    const id = generateIdentity();
    const bytes = serializeIdentity(id);
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(1);
    const back = deserializeIdentity(bytes);
    expect(bytesToHex(back.signingPublicKey)).toBe(bytesToHex(id.signingPublicKey));
    expect(bytesToHex(back.dhPublicKey)).toBe(bytesToHex(id.dhPublicKey));
    const v2 = bytes.slice();
    v2[0] = 2;
    expectCode(() => deserializeIdentity(v2), 'unsupported_version');
    expectCode(() => deserializeIdentity(bytes.subarray(0, 64)), 'malformed');
  });
});

describe('prekeys and the bundle contract', () => {
  const bob = generateIdentity();
  const store = PreKeyStore.create(bob, { now: NOW, oneTimePreKeys: 2 });
  const bundle = fetched(store, bob);

  it('signature input is label || u32be(id) || public key', () => {
    const pub = new Uint8Array(32).fill(0xab);
    const input = signedPreKeySignatureInput(0x01020304, pub);
    expect(td.decode(input.subarray(0, 31))).toBe('franking-chat/v1/signed-prekey\0');
    expect(bytesToHex(input.subarray(31, 35))).toBe('01020304');
    expect(bytesToHex(input.subarray(35))).toBe('ab'.repeat(32));
    expect(() => signedPreKeySignatureInput(-1, pub)).toThrow(RangeError);
    expect(() => signedPreKeySignatureInput(1, new Uint8Array(31))).toThrow('expected Uint8Array of length 32, got length=31');
  });

  it('verifySignedPreKey accepts the real bundle and rejects every substitution', () => {
    expect(verifySignedPreKey(bundle)).toBe(true);
    expect(verifySignedPreKey(store.bundle(bob))).toBe(true);
    const other = PreKeyStore.create(generateIdentity(), { now: NOW, oneTimePreKeys: 0 }).bundle(generateIdentity());
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect(verifySignedPreKey({ ...bundle, signedPreKey: { ...bundle.signedPreKey, id: bundle.signedPreKey.id + 1 } })).toBe(false);
    expect(verifySignedPreKey({ ...bundle, signedPreKey: { ...bundle.signedPreKey, signature: flip(bundle.signedPreKey.signature) } })).toBe(false);
    expect(verifySignedPreKey({ ...bundle, signedPreKey: { ...bundle.signedPreKey, publicKey: other.signedPreKey.publicKey } })).toBe(false);
    expect(verifySignedPreKey({ ...bundle, identitySigningKey: other.identitySigningKey })).toBe(false);
    expect(verifySignedPreKey({ ...bundle, identitySigningKey: 'not base64url!' })).toBe(false);
    expect(verifySignedPreKey(null as unknown as FetchedPreKeyBundle)).toBe(false);
  });

  it('initiating against a forged bundle fails with bad_signature; a malformed one with malformed', () => {
    const forged = { ...bundle, signedPreKey: { ...bundle.signedPreKey, id: 99 } };
    expectCode(() => Session.initiate(generateIdentity(), forged), 'bad_signature');
    expectCode(() => decodeFetchedPreKeyBundle({ ...bundle, identityDhKey: 'AAAA' }), 'malformed');
    expectCode(() => decodeFetchedPreKeyBundle({ ...bundle, oneTimePreKeys: [] }), 'malformed');
    expectCode(() => decodeFetchedPreKeyBundle({ ...bundle, oneTimePreKey: { id: -1, publicKey: bundle.signedPreKey.publicKey } }), 'malformed');
  });

  it('one-time prekey is consumed only after the initial message authenticated; a replayed initial message finds it gone', () => {
    const aliceId = generateIdentity();
    const bobId = generateIdentity();
    const s = PreKeyStore.create(bobId, { now: NOW, oneTimePreKeys: 2 });
    const alice = Session.initiate(aliceId, fetched(s, bobId));
    const first = alice.encrypt(te.encode('hi'));
    const tampered = first.slice();
    tampered[tampered.length - 1]! ^= 1;
    expectCode(() => Session.respond(bobId, s, tampered), 'tampered');
    expect(s.oneTimePreKeyCount).toBe(2);
    Session.respond(bobId, s, first);
    expect(s.oneTimePreKeyCount).toBe(1);
    expectCode(() => Session.respond(bobId, s, first), 'unknown_prekey');
  });

  it('rotates the signed prekey: old one kept for in-flight initial messages, then deleted', () => {
    const aliceId = generateIdentity();
    const bobId = generateIdentity();
    const s = PreKeyStore.create(bobId, { now: NOW, oneTimePreKeys: 0 });
    const oldBundle = fetched(s, bobId, false);
    expect(s.needsRotation(NOW + SIGNED_PREKEY_ROTATION_MS - 1)).toBe(false);
    expect(s.needsRotation(NOW + SIGNED_PREKEY_ROTATION_MS)).toBe(true);
    const rotatedAt = NOW + SIGNED_PREKEY_ROTATION_MS;
    const next = s.rotateSignedPreKey(bobId, rotatedAt);
    expect(next.id).toBe(2);
    expect(verifySignedPreKey(fetched(s, bobId, false))).toBe(true);
    expect(s.signedPreKeyIds.sort()).toEqual([1, 2]);
    const late = Session.initiate(aliceId, oldBundle).encrypt(te.encode('late'));
    expect(td.decode(Session.respond(bobId, s, late).plaintext)).toBe('late');
    expect(s.pruneSignedPreKeys(rotatedAt + SIGNED_PREKEY_RETENTION_MS - 1)).toBe(0);
    expect(s.pruneSignedPreKeys(rotatedAt + SIGNED_PREKEY_RETENTION_MS)).toBe(1);
    expectCode(() => Session.respond(bobId, s, late), 'unknown_prekey');
    // The serialized store keeps only the current signed prekey and reloads to the same bundle.
    const back = PreKeyStore.deserialize(s.serialize());
    expect(back.bundle(bobId)).toEqual(s.bundle(bobId));
  });
});

describe('X3DH and the Double Ratchet', () => {
  it.each([true, false])('handshake with one-time prekey = %s, then both directions', (withOneTime) => {
    const { alice, bob } = establish(withOneTime);
    expect(td.decode(alice.decrypt(bob.encrypt(te.encode('reply'))))).toBe('reply');
    expect(td.decode(bob.decrypt(alice.encrypt(te.encode('again'))))).toBe('again');
    expect(alice.remoteIdentity).toEqual(bob.localIdentity);
    expect(bob.remoteIdentity).toEqual(alice.localIdentity);
  });

  it('the initiator repeats the X3DH prefix until it hears back, then sends plain ratchet messages', () => {
    const { alice, bob } = establish();
    const second = alice.encrypt(te.encode('second'));
    expect(isPreKeyMessage(second)).toBe(true);
    expect(second[0]).toBe(MESSAGE_TYPE_PREKEY);
    expect(td.decode(bob.decrypt(second))).toBe('second');
    alice.decrypt(bob.encrypt(te.encode('ack')));
    const third = alice.encrypt(te.encode('third'));
    expect(third[0]).toBe(MESSAGE_TYPE_RATCHET);
    expect(decodeSessionMessage(third).preKey).toBeNull();
    expect(td.decode(bob.decrypt(third))).toBe('third');
  });

  it('a prekey message of another X3DH run is not accepted by an existing session', () => {
    const { aliceId, bobId, store, bob } = establish();
    const otherRun = Session.initiate(aliceId, fetched(store, bobId)).encrypt(te.encode('x'));
    expectCode(() => bob.decrypt(otherRun), 'identity_mismatch');
  });

  it('out-of-order delivery within a chain and across DH ratchet steps', () => {
    const { alice, bob } = establish();
    alice.decrypt(bob.encrypt(te.encode('ack')));
    const a = [0, 1, 2, 3].map((i) => alice.encrypt(te.encode(`a${i}`)));
    expect(td.decode(bob.decrypt(a[2]!))).toBe('a2');
    expect(bob.skippedKeyCount).toBe(2);
    const b0 = bob.encrypt(te.encode('b0')); // new Bob chain
    expect(td.decode(alice.decrypt(b0))).toBe('b0');
    const a4 = alice.encrypt(te.encode('a4')); // new Alice chain, PN = 4
    expect(td.decode(bob.decrypt(a4))).toBe('a4'); // skips a3 of the previous chain via PN
    expect(bob.skippedKeyCount).toBe(3);
    expect(['a3', 'a0', 'a1'].map((_, i) => td.decode(bob.decrypt(a[[3, 0, 1][i]!]!)))).toEqual(['a3', 'a0', 'a1']);
    expect(bob.skippedKeyCount).toBe(0);
  });

  it('replays are rejected with replay, in the current chain, from the skipped store and from an old chain', () => {
    const { alice, bob } = establish();
    alice.decrypt(bob.encrypt(te.encode('ack')));
    const m0 = alice.encrypt(te.encode('m0'));
    const m1 = alice.encrypt(te.encode('m1'));
    bob.decrypt(m1);
    bob.decrypt(m0); // from the skipped store
    expectCode(() => bob.decrypt(m0), 'replay');
    expectCode(() => bob.decrypt(m1), 'replay');
    alice.decrypt(bob.encrypt(te.encode('turn')));
    bob.decrypt(alice.encrypt(te.encode('new chain')));
    expectCode(() => bob.decrypt(m1), 'replay'); // chain superseded by a DH ratchet step
  });

  it.each(['ratchet', 'repeated prekey'])('every single-byte modification of a %s message is rejected and leaves the state untouched', (kind) => {
    const { alice, bob } = establish();
    if (kind === 'ratchet') alice.decrypt(bob.encrypt(te.encode('ack')));
    const msg = alice.encrypt(te.encode('integrity matters'));
    expect(msg[0]).toBe(kind === 'ratchet' ? MESSAGE_TYPE_RATCHET : MESSAGE_TYPE_PREKEY);
    const before = bytesToHex(bob.serialize());
    for (let i = 0; i < msg.length; i++) {
      const bad = msg.slice();
      bad[i]! ^= 0x01;
      const e = errorOf(() => bob.decrypt(bad));
      expect(SessionError.is(e), `byte ${i}: ${String(e)}`).toBe(true);
    }
    expect(bytesToHex(bob.serialize())).toBe(before);
    expectCode(() => bob.decrypt(msg, te.encode('other AD')), 'tampered');
    expectCode(() => bob.decrypt(msg.subarray(0, msg.length - 1)), 'tampered');
    expectCode(() => bob.decrypt(msg.subarray(0, 20)), 'malformed');
    expect(td.decode(bob.decrypt(msg))).toBe('integrity matters');
  });

  it('MAX_SKIP: skipping exactly MAX_SKIP works, one more fails fast with max_skip_exceeded and no state change', () => {
    const { alice, bob } = establish();
    alice.decrypt(bob.encrypt(te.encode('ack')));
    const msgs = Array.from({ length: MAX_SKIP + 2 }, (_, i) => alice.encrypt(te.encode(String(i))));
    const before = bytesToHex(bob.serialize());
    expectCode(() => bob.decrypt(msgs[MAX_SKIP + 1]!), 'max_skip_exceeded');
    expect(bytesToHex(bob.serialize())).toBe(before);
    expect(bob.skippedKeyCount).toBe(0);
    expect(td.decode(bob.decrypt(msgs[MAX_SKIP]!))).toBe(String(MAX_SKIP));
    expect(bob.skippedKeyCount).toBe(MAX_SKIP);
  });

  it('a forged header asking to skip 2^32 − 2 keys is refused at once (no derivation, no allocation)', () => {
    const { alice, bob } = establish();
    alice.decrypt(bob.encrypt(te.encode('ack')));
    const msg = alice.encrypt(te.encode('x'));
    const header = decodeRatchetHeader(msg.subarray(1, 1 + RATCHET_HEADER_LENGTH));
    const forged = msg.slice();
    forged.set(encodeRatchetHeader({ ...header, messageNumber: 0xffff_fffe }), 1);
    expectCode(() => bob.decrypt(forged), 'max_skip_exceeded');
    const forgedPn = msg.slice();
    forgedPn.set(encodeRatchetHeader({ version: header.version, ratchetKey: new Uint8Array(32).fill(9), previousChainLength: 0xffff_ffff, messageNumber: 0 }), 1);
    expectCode(() => bob.decrypt(forgedPn), 'max_skip_exceeded');
    forged.set(encodeRatchetHeader({ ...header, messageNumber: 0xffff_ffff }), 1);
    expectCode(() => bob.decrypt(forged), 'counter_overflow');
    expect(bob.skippedKeyCount).toBe(0);
  });
});

describe('forward secrecy in the state', () => {
  it('a snapshot taken after decrypting cannot decrypt that message or any earlier one', () => {
    const { alice, bob } = establish();
    alice.decrypt(bob.encrypt(te.encode('ack')));
    const sent = Array.from({ length: 5 }, (_, i) => alice.encrypt(te.encode(`m${i}`)));
    for (const m of sent) bob.decrypt(m);
    const snapshot = Session.deserialize(bob.serialize());
    for (const m of sent) expectCode(() => snapshot.decrypt(m), 'replay');
  });

  it('a used skipped key leaves the state: the later snapshot lacks its bytes and cannot decrypt', () => {
    const { alice, bob } = establish();
    alice.decrypt(bob.encrypt(te.encode('ack')));
    const [m0, m1, m2] = [0, 1, 2].map((i) => alice.encrypt(te.encode(`m${i}`))) as [Uint8Array, Uint8Array, Uint8Array];
    bob.decrypt(m2); // m0, m1 skipped: their keys are in the state
    const s1 = bob.serialize();
    // Skipped entry layout (§9.2): ratchet key (32) || u32 n || mk (32). Locate mk0 in the serialized state.
    const ratchetKey = m0.subarray(2, 34);
    const needle = bytesToHex(ratchetKey) + '00000000';
    const at = bytesToHex(s1).indexOf(needle);
    expect(at).toBeGreaterThan(0);
    const mk0 = bytesToHex(s1).slice(at + needle.length, at + needle.length + 64);
    expect(mk0).toHaveLength(64);
    bob.decrypt(m0);
    const s2 = bob.serialize();
    expect(bytesToHex(s2).includes(mk0)).toBe(false);
    const restored = Session.deserialize(s2);
    expectCode(() => restored.decrypt(m0), 'replay');
    expect(td.decode(restored.decrypt(m1))).toBe('m1'); // not yet received: still decryptable, as it must be
    expectCode(() => restored.decrypt(m2), 'replay');
    // And the older snapshot still could: deletion is what makes the difference.
    expect(td.decode(Session.deserialize(s1).decrypt(m0))).toBe('m0');
  });
});

describe('forward secrecy on the sending side (serialized layout §S9)', () => {
  // Alice after her first reply: version, role, 2 × 64 identity bytes, session flags at 130 (0: no prefixes),
  // then RK at 131, DHs.priv at 163, DHs.pub at 195, ratchet flags at 227 (7), DHr at 228, CKs at 260.
  const slice = (b: Uint8Array, at: number) => bytesToHex(b.subarray(at, at + 32));

  it('the used chain key and message key are gone after a send; the chain key moved one KDF_CK step', () => {
    const { alice, bob } = establish();
    alice.decrypt(bob.encrypt(te.encode('ack')));
    const before = alice.serialize();
    expect(before[130]).toBe(0);
    expect(before[227]).toBe(7);
    const ck0 = before.subarray(260, 292).slice();
    const { chainKey: ck1, messageKey: mk0 } = kdfChain(ck0, undefined, alice.cipherVersion);
    expect(td.decode(bob.decrypt(alice.encrypt(te.encode('m0'))))).toBe('m0');
    const after = bytesToHex(alice.serialize());
    expect(after.includes(bytesToHex(ck0))).toBe(false);
    expect(after.includes(bytesToHex(mk0))).toBe(false);
    expect(slice(alice.serialize(), 260)).toBe(bytesToHex(ck1));
  });

  it('a DH ratchet step deletes the old ratchet private key and root key from the state', () => {
    const { alice, bob } = establish();
    alice.decrypt(bob.encrypt(te.encode('ack')));
    const before = alice.serialize();
    const [oldRoot, oldPrivate] = [slice(before, 131), slice(before, 163)];
    bob.decrypt(alice.encrypt(te.encode('to bob')));
    alice.decrypt(bob.encrypt(te.encode('new chain from bob'))); // Alice turns her ratchet
    const after = bytesToHex(alice.serialize());
    expect(after.includes(oldPrivate)).toBe(false);
    expect(after.includes(oldRoot)).toBe(false);
  });
});

describe('session state serialization', () => {
  it('round-trips mid-conversation (skipped keys, pending prefix) and keeps working', () => {
    const { alice, bob } = establish();
    const a1 = alice.encrypt(te.encode('a1'));
    const a2 = alice.encrypt(te.encode('a2'));
    bob.decrypt(a2);
    const alice2 = Session.deserialize(alice.serialize());
    const bob2 = Session.deserialize(bob.serialize());
    expect(bytesToHex(alice2.serialize())).toBe(bytesToHex(alice.serialize()));
    expect(bytesToHex(bob2.serialize())).toBe(bytesToHex(bob.serialize()));
    expect(bob2.skippedKeyCount).toBe(1);
    expect(td.decode(bob2.decrypt(a1))).toBe('a1');
    expect(isPreKeyMessage(alice2.encrypt(te.encode('still prefixed')))).toBe(true);
    expect(td.decode(alice2.decrypt(bob2.encrypt(te.encode('b'))))).toBe('b');
  });

  it('rejects unknown versions, truncation and trailing bytes', () => {
    const { bob } = establish();
    const bytes = bob.serialize();
    expect(bytes[0]).toBe(3); // the cipher version of the session (§S18.3)
    for (const version of [0, 4, 255]) {
      const other = bytes.slice();
      other[0] = version;
      expectCode(() => Session.deserialize(other), 'unsupported_version');
    }
    for (const cut of [0, 1, 100, bytes.length - 1]) expectCode(() => Session.deserialize(bytes.subarray(0, cut)), 'malformed');
    const trailing = new Uint8Array(bytes.length + 1);
    trailing.set(bytes);
    expectCode(() => Session.deserialize(trailing), 'malformed');
    expect(() => Session.deserialize('x' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('franking on top of the session', () => {
  const input = { conversationId: 'conv-1', senderId: 'alice', seq: 1 };

  it('accepts a franked message: c in the AD, payload opens the commitment', () => {
    const { alice, bob } = establish();
    const franked = frankMessage(input, te.encode('report me if you must'));
    const envelope = alice.sendFranked(franked);
    expect(bytesToHex(envelope.commitment)).toBe(bytesToHex(franked.commitment));
    const wire = encodeFrankedEnvelope(envelope);
    const receipt = bob.receiveFranked(decodeFrankedEnvelope(wire), { expect: { conversationId: 'conv-1', senderId: 'alice' } });
    expect(receipt.status).toBe('accepted');
    if (receipt.status === 'accepted') {
      expect(td.decode(receipt.message.body)).toBe('report me if you must');
      expect(bytesToHex(receipt.message.fk)).toBe(bytesToHex(franked.fk));
    }
    expect(bob.frankingFailures).toHaveLength(0);
  });

  it('a different commitment beside the ciphertext fails the AEAD (tampered) and is not even opened', () => {
    const { alice, bob } = establish();
    const envelope = alice.sendFranked(frankMessage(input, te.encode('x')));
    const otherC = envelope.commitment.slice();
    otherC[0]! ^= 1;
    expectCode(() => bob.receiveFranked({ commitment: otherC, message: envelope.message }), 'tampered');
    expect(bob.frankingFailures).toHaveLength(0);
    expect(bob.receiveFranked(envelope).status).toBe('accepted');
  });

  it('a payload that does not open its commitment is dropped and recorded (malicious sender)', () => {
    const { alice, bob } = establish();
    const franked = frankMessage(input, te.encode('what the report will show'));
    const lying = encodePayload(franked.headerBytes, franked.fk, te.encode('what was really sent'));
    const envelope = { commitment: franked.commitment, message: alice.encrypt(lying, frankingAssociatedData(franked.commitment)) };
    const receipt = bob.receiveFranked(envelope, { now: NOW });
    expect(receipt.status).toBe('dropped');
    expect(bob.frankingFailures).toEqual([{ at: NOW, code: 'commitment_mismatch', commitment: franked.commitment }]);
    // The record survives serialization; the message key is spent (a retry is a replay).
    expect(Session.deserialize(bob.serialize()).frankingFailures).toEqual(bob.frankingFailures);
    expectCode(() => bob.receiveFranked(envelope), 'replay');
  });

  it('a header that disagrees with the transport is dropped as header_mismatch; the failure log is bounded', () => {
    const { alice, bob } = establish();
    for (let i = 0; i < MAX_FRANKING_FAILURES + 5; i++) {
      const r = bob.receiveFranked(alice.sendFranked(frankMessage({ ...input, seq: i + 1 }, te.encode('x'))), { expect: { senderId: 'mallory' }, now: NOW + i });
      expect(r.status).toBe('dropped');
    }
    expect(bob.frankingFailures).toHaveLength(MAX_FRANKING_FAILURES);
    expect(bob.frankingFailures[0]!.at).toBe(NOW + 5); // oldest dropped first
    expect(bob.frankingFailures.every((f) => f.code === 'header_mismatch')).toBe(true);
    expect(Session.deserialize(bob.serialize()).frankingFailures).toHaveLength(MAX_FRANKING_FAILURES);
  });

  it('respondFranked opens the initial (prekey) message', () => {
    const aliceId = generateIdentity();
    const bobId = generateIdentity();
    const store = PreKeyStore.create(bobId, { now: NOW, oneTimePreKeys: 1 });
    const alice = Session.initiate(aliceId, fetched(store, bobId));
    const envelope = alice.sendFranked(frankMessage(input, te.encode('first, franked')));
    expect(isPreKeyMessage(envelope.message)).toBe(true);
    const { session, receipt } = Session.respondFranked(bobId, store, envelope, { expect: { senderId: 'alice' } });
    expect(receipt.status === 'accepted' && td.decode(receipt.message.body)).toBe('first, franked');
    expect(td.decode(alice.decrypt(session.encrypt(te.encode('ok'))))).toBe('ok');
  });
});

describe('safety numbers', () => {
  const a = { userId: 'alice', identity: { signingKey: new Uint8Array(32).fill(1), dhKey: new Uint8Array(32).fill(2) } };
  const b = { userId: 'bob', identity: { signingKey: new Uint8Array(32).fill(3), dhKey: new Uint8Array(32).fill(4) } };

  it('is 60 digits, the same on both sides, and changes with either key of either party', () => {
    const n = safetyNumber(a, b);
    expect(n).toMatch(/^\d{60}$/);
    expect(safetyNumber(b, a)).toBe(n);
    const dh = new Uint8Array(32).fill(2);
    dh[31] = 3;
    expect(safetyNumber({ ...a, identity: { ...a.identity, dhKey: dh } }, b)).not.toBe(n);
    expect(safetyNumber(a, { ...b, identity: { ...b.identity, signingKey: new Uint8Array(32).fill(5) } })).not.toBe(n);
    expect(safetyNumber({ ...a, userId: 'alice2' }, b)).not.toBe(n);
    expect(formatSafetyNumber(n).split('\n')).toHaveLength(3);
    expect(() => formatSafetyNumber('123')).toThrow(RangeError);
  });

  it('is what both ends of a real session compute', () => {
    const { alice, bob } = establish();
    expect(safetyNumber({ userId: 'alice', identity: alice.localIdentity }, { userId: 'bob', identity: alice.remoteIdentity })).toBe(
      safetyNumber({ userId: 'bob', identity: bob.localIdentity }, { userId: 'alice', identity: bob.remoteIdentity }),
    );
  });
});

describe('message framing', () => {
  it('lengths: type 1 = 1 + 41 + nonce (12 in cipher v3, as in v2) + body + 16; type 2 adds the 105-byte X3DH prefix', () => {
    const { alice, bob } = establish();
    expect(PREKEY_PREFIX_LENGTH).toBe(105);
    expect(alice.cipherVersion).toBe(3);
    expect(alice.encrypt(new Uint8Array(10)).length).toBe(1 + 105 + 41 + 12 + 10 + 16);
    expect(bob.encrypt(new Uint8Array(10)).length).toBe(1 + 41 + 12 + 10 + 16);
    expectCode(() => decodeSessionMessage(Uint8Array.of(7, 0, 0)), 'unsupported_version');
    expectCode(() => decodeSessionMessage(new Uint8Array(0)), 'malformed');
    expectCode(() => decodeFrankedEnvelope(Uint8Array.of(1, 2)), 'malformed');
  });
});

describe('decisions of PROTOCOL-sessions.md §S6.5 and §S10', () => {
  /** A CSPRNG that counts what it hands out. */
  function countingRandom() {
    const draws: number[] = [];
    return { draws, random: (n: number) => (draws.push(n), crypto.getRandomValues(new Uint8Array(n))) };
  }
  function establishCounting() {
    const aliceId = generateIdentity();
    const bobId = generateIdentity();
    const store = PreKeyStore.create(bobId, { now: NOW, oneTimePreKeys: 1 });
    const alice = Session.initiate(aliceId, fetched(store, bobId));
    const bobRandom = countingRandom();
    const { session: bob } = Session.respond(bobId, store, alice.encrypt(te.encode('hello')), { randomBytes: bobRandom.random });
    return { alice, bob, bobRandom };
  }

  it('a failed DH ratchet step consumes its random draw; checks before the step draw nothing', () => {
    const { alice, bob, bobRandom } = establishCounting();
    alice.decrypt(bob.encrypt(te.encode('reply'))); // Alice turns her ratchet: her next message needs a DH step at Bob
    const genuine = alice.encrypt(te.encode('new chain'));
    const before = bytesToHex(bob.serialize());
    bobRandom.draws.length = 0;

    const forged = genuine.slice();
    forged[forged.length - 1]! ^= 1;
    expectCode(() => bob.decrypt(forged), 'tampered');
    expect(bobRandom.draws).toEqual([32]); // the new DHs' was drawn, then the AEAD refused the message
    expect(bytesToHex(bob.serialize())).toBe(before); // ... and nothing else changed

    const tooFar = genuine.slice();
    new DataView(tooFar.buffer).setUint32(1 + 37, MAX_SKIP + 1); // header N (offset 37 of the ratchet header)
    expectCode(() => bob.decrypt(tooFar), 'max_skip_exceeded');
    expect(bobRandom.draws).toEqual([32]); // refused before any derivation: no draw

    expect(td.decode(bob.decrypt(genuine))).toBe('new chain');
    expect(bobRandom.draws).toEqual([32, 32]); // the successful step draws afresh
  });

  it('decryptAsync (WebCrypto X25519) draws exactly as decrypt: a failed step spends its draw, state unchanged', async () => {
    const web = await webCryptoProvider();
    const { alice, bob, bobRandom } = establishCounting();
    alice.decrypt(bob.encrypt(te.encode('reply')));
    const genuine = alice.encrypt(te.encode('new chain'));
    const before = bytesToHex(bob.serialize());
    bobRandom.draws.length = 0;
    const forged = genuine.slice();
    forged[forged.length - 1]! ^= 1;
    const err = await bob.decryptAsync(forged, new Uint8Array(0), web).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionError);
    expect((err as SessionError).code).toBe('tampered');
    expect(bobRandom.draws).toEqual([32]);
    expect(bytesToHex(bob.serialize())).toBe(before);
    expect(td.decode(await bob.decryptAsync(genuine, new Uint8Array(0), web))).toBe('new chain');
    expect(bobRandom.draws).toEqual([32, 32]);
    // and the conversation goes on, sync and async mixed
    expect(td.decode(alice.decrypt(bob.encrypt(te.encode('back'))))).toBe('back');
  });

  it('PN < Nr is processed normally and skips nothing (signed PN − Nr, §S6.5 step 4)', () => {
    const { alice, bob } = establishCounting();
    for (const t of ['two', 'three']) bob.decrypt(alice.encrypt(te.encode(t))); // Bob: Nr = 3 on Alice's first chain
    alice.decrypt(bob.encrypt(te.encode('reply'))); // Alice: PN = 3, new chain
    // Rewrite Alice's PN to 1 (§S9: after version, role, two identities, flags; RK, DHs, flags, DHr, CKs, CKr, Ns, Nr).
    const state = alice.serialize();
    const pnAt = 1 + 1 + 64 + 64 + 1 + 32 * 3 + 1 + 32 * 3 + 4 + 4;
    const view = new DataView(state.buffer, state.byteOffset);
    expect(view.getUint32(pnAt)).toBe(3);
    view.setUint32(pnAt, 1);
    const lying = Session.deserialize(state);
    const m = lying.encrypt(te.encode('pn below nr'));
    expect(decodeRatchetHeader(decodeSessionMessage(m).body.subarray(0, RATCHET_HEADER_LENGTH)).previousChainLength).toBe(1);
    expect(td.decode(bob.decrypt(m))).toBe('pn below nr');
    expect(bob.skippedKeyCount).toBe(0);
  });

  it('misclassified envelopes fail closed: neither reading releases plaintext or changes the state', () => {
    const { alice, bob } = establishCounting();
    alice.decrypt(bob.encrypt(te.encode('reply')));
    // A plain ratchet message read as a franked envelope: the first header bytes become "c", the AEAD refuses.
    const plain = alice.encrypt(te.encode('plain'));
    expect(plain[0]).toBe(MESSAGE_TYPE_RATCHET);
    const asEnvelope = decodeFrankedEnvelope(plain); // parses: both forms start with 0x01
    const before = bytesToHex(bob.serialize());
    expect(errorOf(() => bob.receiveFranked(asEnvelope))).toBeInstanceOf(SessionError);
    expect(bytesToHex(bob.serialize())).toBe(before);
    expect(td.decode(bob.decrypt(plain))).toBe('plain'); // its key was not spent
    // A franked envelope read as a plain session message.
    const franked = frankMessage({ conversationId: 'c', senderId: 'alice', seq: 1 }, te.encode('franked'));
    const envelope = alice.sendFranked(franked);
    const bytes = encodeFrankedEnvelope(envelope);
    const before2 = bytesToHex(bob.serialize());
    expect(errorOf(() => bob.decrypt(bytes))).toBeInstanceOf(SessionError);
    expect(errorOf(() => bob.decrypt(envelope.message))).toBeInstanceOf(SessionError); // AD lacks c: tampered
    expect(bytesToHex(bob.serialize())).toBe(before2);
    const receipt = bob.receiveFranked(decodeFrankedEnvelope(bytes), { expect: { senderId: 'alice' } });
    expect(receipt.status).toBe('accepted');
  });
});
