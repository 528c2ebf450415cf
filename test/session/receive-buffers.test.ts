// The session's franked send and receive buffers (client/session/session.ts, docs/PROTOCOL-sessions.md §S10,
// docs/PROTOCOL.md §6): sendFranked writes version || c || session message into one buffer and encodeFrankedEnvelope
// hands that buffer out (the bytes of the copying encoder); receiveFranked gives the accepted message's header, fk
// and body as disjoint views of the decrypted payload, and wipes the payload of a dropped message. Run under every
// sync provider of the runtime (node's open returns its own Buffer's memory instead of a copy).
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { CryptoProvider } from '../../client/crypto/provider.ts';
import { encodePayload, frankMessage, frankingAssociatedData } from '../../client/franking/franking.ts';
import { decodeHeader } from '../../client/franking/header.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { PreKeyStore } from '../../client/session/prekeys.ts';
import { decodeFrankedEnvelope, encodeFrankedEnvelope, Session } from '../../client/session/session.ts';
// eslint-disable-next-line no-restricted-imports -- the test suite's provider list (test/client/_providers.ts), not an SDK module
import { SYNC } from '../client/_providers.ts';

const te = new TextEncoder();
const input = { conversationId: 'conv-1', senderId: 'alice', seq: 1 };

/** `provider` with its AEAD open outputs recorded (the payloads the session decrypts: cipher v1 XChaCha20, v2 and v3 ChaCha20). */
function recording(provider: CryptoProvider): { crypto: CryptoProvider; opened: Uint8Array[] } {
  const opened: Uint8Array[] = [];
  const crypto: CryptoProvider = {
    ...provider,
    xchacha20poly1305Open(key, nonce, sealed, ad) {
      const out = provider.xchacha20poly1305Open(key, nonce, sealed, ad);
      opened.push(out);
      return out;
    },
    chacha20poly1305Open(key, nonce, sealed, ad) {
      const out = provider.chacha20poly1305Open(key, nonce, sealed, ad);
      opened.push(out);
      return out;
    },
  };
  return { crypto, opened };
}

function establish(aliceCrypto: CryptoProvider, bobCrypto: CryptoProvider) {
  const aliceId = generateIdentity(undefined, aliceCrypto);
  const bobId = generateIdentity(undefined, bobCrypto);
  const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: bobCrypto });
  const { oneTimePreKeys, ...up } = store.bundle(bobId);
  const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { crypto: aliceCrypto });
  const { session: bob } = Session.respond(bobId, store, alice.encrypt(new Uint8Array(1)), { crypto: bobCrypto });
  alice.decrypt(bob.encrypt(new Uint8Array(1)));
  return { alice, bob };
}

describe.each(SYNC.map((p) => [p.name, p] as const))('franked session buffers (%s)', (_name, provider) => {
  it('encodeFrankedEnvelope of a sent envelope is the copying encoder\'s bytes, even after its fields were replaced', () => {
    const { alice, bob } = establish(provider, provider);
    const franked = frankMessage(input, te.encode('one buffer'), { crypto: provider });
    const envelope = alice.sendFranked(franked);
    expect(envelope).toEqual({ commitment: franked.commitment, message: envelope.message });
    expect(bytesToHex(envelope.commitment)).toBe(bytesToHex(franked.commitment));
    const wire = encodeFrankedEnvelope(envelope);
    const copied = encodeFrankedEnvelope({ commitment: envelope.commitment, message: envelope.message }); // not sendFranked's object
    expect(bytesToHex(wire)).toBe(bytesToHex(copied));
    expect(wire[0]).toBe(1);
    expect(bytesToHex(wire.subarray(1, 33))).toBe(bytesToHex(franked.commitment));
    expect(bytesToHex(wire.subarray(33))).toBe(bytesToHex(envelope.message));
    const r = bob.receiveFranked(decodeFrankedEnvelope(wire), { expect: { senderId: 'alice' } });
    expect(r.status).toBe('accepted');
    // readonly is a compile-time promise only: a replaced field is encoded as it now is.
    const other = alice.sendFranked(frankMessage({ ...input, seq: 2 }, te.encode('another'), { crypto: provider }));
    (envelope as { message: Uint8Array }).message = other.message;
    expect(bytesToHex(encodeFrankedEnvelope(envelope))).toBe(bytesToHex(encodeFrankedEnvelope({ commitment: envelope.commitment, message: other.message })));
    (envelope as { commitment: Uint8Array }).commitment = other.commitment.slice();
    expect(bytesToHex(encodeFrankedEnvelope(envelope).subarray(1, 33))).toBe(bytesToHex(other.commitment));
  });

  it('an accepted message takes disjoint views of its payload: wiping the body leaves header and fk to report', () => {
    const bobSide = recording(provider);
    const { alice, bob } = establish(provider, bobSide.crypto);
    const franked = frankMessage(input, te.encode('keep me reportable'), { crypto: provider });
    bobSide.opened.length = 0;
    const r = bob.receiveFranked(alice.sendFranked(franked), { expect: { senderId: 'alice' } });
    if (r.status !== 'accepted') throw new Error('expected accepted');
    expect(bobSide.opened).toHaveLength(1);
    // Not wiped: the opened message is made of it, with no copy.
    expect(bytesToHex(bobSide.opened[0]!)).toBe(bytesToHex(franked.payload));
    r.message.body.fill(0);
    expect(bytesToHex(r.message.fk)).toBe(bytesToHex(franked.fk));
    expect(bytesToHex(r.message.headerBytes)).toBe(bytesToHex(franked.headerBytes));
    expect(decodeHeader(r.message.headerBytes)).toEqual(franked.header);
    expect(bytesToHex(r.message.commitment)).toBe(bytesToHex(franked.commitment));
  });

  it('a dropped message\'s decrypted payload is wiped', () => {
    const bobSide = recording(provider);
    const { alice, bob } = establish(provider, bobSide.crypto);
    const franked = frankMessage(input, te.encode('what the report will show'), { crypto: provider });
    const lying = encodePayload(franked.headerBytes, franked.fk, te.encode('what was really sent'));
    bobSide.opened.length = 0;
    const r = bob.receiveFranked({ commitment: franked.commitment, message: alice.encrypt(lying, frankingAssociatedData(franked.commitment)) });
    expect(r.status).toBe('dropped');
    expect(bobSide.opened).toHaveLength(1);
    expect(bobSide.opened[0]!.length).toBe(lying.length);
    expect(bobSide.opened[0]!.every((b) => b === 0)).toBe(true);
  });
});
