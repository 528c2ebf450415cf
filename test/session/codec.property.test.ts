// Property tests of the session codecs (Node only): decoders of outside bytes never fail with anything but a
// SessionError, whatever the bytes; serialization round-trips.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateIdentity } from '../../client/session/identity.ts';
import { decodeFetchedPreKeyBundle, PreKeyStore } from '../../client/session/prekeys.ts';
import { SessionError } from '../../client/session/session-errors.ts';
import { decodeFrankedEnvelope, decodeSessionMessage, Session } from '../../client/session/session.ts';

function onlySessionErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(SessionError.is(e), `unexpected ${String(e)}`).toBe(true);
  }
}

const aliceId = generateIdentity();
const bobId = generateIdentity();
const store = PreKeyStore.create(bobId, { oneTimePreKeys: 2 });
const up = store.bundle(bobId);
const alice = Session.initiate(aliceId, { identitySigningKey: up.identitySigningKey, identityDhKey: up.identityDhKey, signedPreKey: up.signedPreKey, oneTimePreKey: up.oneTimePreKeys[0]! });
const { session: bob } = Session.respond(bobId, store, alice.encrypt(Uint8Array.of(1)));
alice.decrypt(bob.encrypt(Uint8Array.of(2)));
const skipped = [0, 1, 2].map(() => alice.encrypt(Uint8Array.of(3)));
bob.decrypt(skipped[2]!); // two skipped keys in Bob's state
const states = [alice.serialize(), bob.serialize()];
const message = alice.encrypt(new Uint8Array(40));

const mutation = fc.record({
  which: fc.integer({ min: 0, max: 1 }),
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
});

describe('session codecs under arbitrary input', () => {
  it('serialized state: every mutation or truncation either loads or fails with a SessionError', () => {
    fc.assert(
      fc.property(mutation, ({ which, edits, cut }) => {
        const bytes = states[which]!.slice();
        for (const [at, x] of edits) bytes[at % bytes.length]! ^= x;
        const input = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
        onlySessionErrors(() => Session.deserialize(input).serialize());
      }),
      { numRuns: 300 },
    );
  });

  it('session messages and envelopes: arbitrary bytes fail only with SessionError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        onlySessionErrors(() => decodeSessionMessage(bytes));
        onlySessionErrors(() => decodeFrankedEnvelope(bytes));
        onlySessionErrors(() => Session.deserialize(bytes));
        onlySessionErrors(() => Session.deserialize(bob.serialize()).decrypt(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('mutated genuine messages are refused with a SessionError and never decrypt', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), (edits) => {
        const bad = message.slice();
        for (const [at, x] of edits) bad[at % bad.length]! ^= x;
        const receiver = Session.deserialize(states[1]!);
        let plaintext: Uint8Array | null = null;
        onlySessionErrors(() => {
          plaintext = receiver.decrypt(bad);
        });
        expect(plaintext).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('fetched bundles: arbitrary JSON values fail only with SessionError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => onlySessionErrors(() => decodeFetchedPreKeyBundle(value))),
      { numRuns: 300 },
    );
    const base = { identitySigningKey: up.identitySigningKey, identityDhKey: up.identityDhKey, signedPreKey: up.signedPreKey };
    fc.assert(
      fc.property(fc.constantFrom('identitySigningKey', 'identityDhKey', 'signedPreKey'), fc.jsonValue(), (key, value) =>
        onlySessionErrors(() => decodeFetchedPreKeyBundle({ ...base, [key]: value })),
      ),
      { numRuns: 300 },
    );
  });
});
