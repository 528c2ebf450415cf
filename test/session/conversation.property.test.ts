// Property tests of the session layer (Node only: heavy). A simulated network between Alice and Bob that
// interleaves both directions, reorders inside a window, drops, replays and tampers; plus skipped-key eviction.
// The property: every delivered genuine message decrypts to exactly what was sent; every replayed or modified
// one is refused with a SessionError and changes nothing; the skipped-key store never exceeds its bound.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateIdentity } from '../../client/session/identity.ts';
import { type FetchedPreKeyBundle, PreKeyStore } from '../../client/session/prekeys.ts';
import { MAX_SKIP, MAX_SKIPPED_KEYS } from '../../client/session/ratchet.ts';
import { SessionError } from '../../client/session/session-errors.ts';
import { Session } from '../../client/session/session.ts';

type Party = 0 | 1; // 0 = Alice, 1 = Bob
interface InFlight {
  bytes: Uint8Array;
  body: Uint8Array;
}

/** mulberry32: a tiny seeded PRNG so one fast-check seed describes a whole 10,000-message schedule. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function establish(): [Session, Session] {
  const aliceId = generateIdentity();
  const bobId = generateIdentity();
  const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1 });
  const up = store.bundle(bobId);
  const bundle: FetchedPreKeyBundle = { identitySigningKey: up.identitySigningKey, identityDhKey: up.identityDhKey, signedPreKey: up.signedPreKey };
  const alice = Session.initiate(aliceId, bundle);
  const { session: bob } = Session.respond(bobId, store, alice.encrypt(Uint8Array.of(0)));
  return [alice, bob];
}

const REFUSALS = new Set(['replay', 'tampered', 'max_skip_exceeded', 'malformed', 'unsupported_version', 'identity_mismatch', 'counter_overflow', 'bad_key']);

function expectRefused(session: Session, bytes: Uint8Array): void {
  let error: unknown = null;
  try {
    session.decrypt(bytes);
  } catch (e) {
    error = e;
  }
  expect(SessionError.is(error), `expected a SessionError, got ${String(error)}`).toBe(true);
  expect(REFUSALS.has((error as SessionError).code)).toBe(true);
}

interface Stats {
  sent: number;
  delivered: number;
  dropped: number;
  replayed: number;
  tampered: number;
  restored: number;
  maxSkipped: number;
}

/**
 * Runs `messages` sends. Each step: with probability pTurn the speaker changes; the speaker sends a message; the
 * network then delivers a random in-flight message (window `window`), possibly drops one (pDrop), replays a
 * delivered one (pReplay) or offers a tampered copy first (pTamper). In-flight per direction is capped at `window`
 * so no genuine delivery can need more than MAX_SKIP skipped keys, and total drops stay below MAX_SKIPPED_KEYS.
 */
function converse(
  sessions: [Session, Session],
  rand: () => number,
  opts: { messages: number; pTurn: number; pDrop: number; window: number; pReplay: number; pTamper: number; restoreEvery: number },
): Stats {
  const inFlight: [InFlight[], InFlight[]] = [[], []]; // inFlight[p]: messages sent BY p
  const delivered: [Uint8Array[], Uint8Array[]] = [[], []]; // delivered[p]: messages received BY p
  const stats: Stats = { sent: 0, delivered: 0, dropped: 0, replayed: 0, tampered: 0, restored: 0, maxSkipped: 0 };
  let speaker: Party = 0;
  const deliverOne = (from: Party, index: number) => {
    const to = (1 - from) as Party;
    const [m] = inFlight[from].splice(index, 1) as [InFlight];
    if (rand() < opts.pTamper) {
      const bad = m.bytes.slice();
      bad[Math.floor(rand() * bad.length)]! ^= 1 << Math.floor(rand() * 8);
      expectRefused(sessions[to], bad);
      stats.tampered++;
    }
    const plaintext = sessions[to].decrypt(m.bytes);
    expect(plaintext).toEqual(m.body);
    delivered[to].push(m.bytes);
    if (delivered[to].length > 64) delivered[to].shift();
    stats.delivered++;
    stats.maxSkipped = Math.max(stats.maxSkipped, sessions[to].skippedKeyCount);
    expect(sessions[to].skippedKeyCount).toBeLessThanOrEqual(MAX_SKIPPED_KEYS);
  };
  for (let i = 0; i < opts.messages; i++) {
    // A responder cannot speak before it has a sending chain; after establish() both can.
    if (rand() < opts.pTurn) speaker = (1 - speaker) as Party;
    const body = new Uint8Array(8 + Math.floor(rand() * 56));
    new DataView(body.buffer).setUint32(0, i);
    body[4] = speaker;
    inFlight[speaker].push({ bytes: sessions[speaker].encrypt(body), body });
    stats.sent++;
    for (const from of [0, 1] as const) {
      const q = inFlight[from];
      // Keep the reordering window bounded: the oldest in-flight message is delivered (or dropped) first.
      while (q.length > opts.window) {
        if (rand() < opts.pDrop) {
          q.shift();
          stats.dropped++;
        } else deliverOne(from, 0);
      }
      if (q.length > 0 && rand() < 0.7) deliverOne(from, Math.floor(rand() * q.length));
      if (q.length > 0 && rand() < opts.pDrop) {
        q.splice(Math.floor(rand() * q.length), 1);
        stats.dropped++;
      }
    }
    for (const to of [0, 1] as const) {
      const seen = delivered[to];
      if (seen.length > 0 && rand() < opts.pReplay) {
        expectRefused(sessions[to], seen[Math.floor(rand() * seen.length)]!);
        stats.replayed++;
      }
    }
    if (opts.restoreEvery > 0 && i > 0 && i % opts.restoreEvery === 0) {
      // Persist and reload both sides mid-conversation (IndexedDB / file in real clients).
      sessions[0] = Session.deserialize(sessions[0].serialize());
      sessions[1] = Session.deserialize(sessions[1].serialize());
      stats.restored++;
    }
  }
  // Drain: everything still in flight arrives, in random order.
  for (const from of [0, 1] as const) while (inFlight[from].length > 0) deliverOne(from, Math.floor(rand() * inFlight[from].length));
  return stats;
}

describe('10,000-message conversations (fast-check)', () => {
  it('random interleaving, reordering, drops, replays and tampering in both directions', () => {
    const totals: Stats[] = [];
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          pTurn: fc.double({ min: 0.01, max: 0.2, noNaN: true }),
          pDrop: fc.double({ min: 0, max: 0.05, noNaN: true }),
          window: fc.integer({ min: 1, max: 64 }),
          pReplay: fc.double({ min: 0, max: 0.01, noNaN: true }),
          pTamper: fc.double({ min: 0, max: 0.01, noNaN: true }),
        }),
        (p) => {
          const stats = converse(establish(), prng(p.seed), { ...p, messages: 10_000, restoreEvery: 2500 });
          expect(stats.sent).toBe(10_000);
          expect(stats.delivered + stats.dropped).toBe(10_000);
          totals.push(stats);
        },
      ),
      { numRuns: 3 },
    );
    // The runs really exercised what they claim to.
    expect(totals.reduce((s, t) => s + t.delivered, 0)).toBeGreaterThan(25_000);
    expect(totals.some((t) => t.maxSkipped > 0)).toBe(true);
  });

  it('short conversations with full shrinking (many schedules)', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 300 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        (seed, messages, pTurn, pDrop, window) => {
          const stats = converse(establish(), prng(seed), { messages, pTurn, pDrop, window, pReplay: 0.05, pTamper: 0.05, restoreEvery: 97 });
          expect(stats.delivered + stats.dropped).toBe(messages);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('bounded skipped-key store', () => {
  it('evicts the oldest keys beyond MAX_SKIPPED_KEYS; evicted messages are refused, retained ones decrypt', () => {
    const [alice, bob] = establish();
    alice.decrypt(bob.encrypt(Uint8Array.of(1)));
    const chains: Uint8Array[][] = [];
    for (let c = 0; c < 3; c++) {
      const msgs = Array.from({ length: MAX_SKIP + 1 }, (_, i) => alice.encrypt(Uint8Array.of(c, i & 0xff, i >> 8)));
      chains.push(msgs);
      expect(bob.decrypt(msgs[MAX_SKIP]!)).toEqual(Uint8Array.of(c, MAX_SKIP & 0xff, MAX_SKIP >> 8)); // skips 0..999
      alice.decrypt(bob.encrypt(Uint8Array.of(2))); // turn the ratchet: next chain
      expect(bob.skippedKeyCount).toBe(Math.min((c + 1) * MAX_SKIP, MAX_SKIPPED_KEYS));
    }
    // 3000 keys were skipped, 2000 kept: chain 0 was evicted entirely, chains 1 and 2 are intact.
    const replayOrTampered = (m: Uint8Array) => {
      try {
        bob.decrypt(m);
        return 'decrypted';
      } catch (e) {
        return SessionError.is(e) ? e.code : String(e);
      }
    };
    expect(replayOrTampered(chains[0]![0]!)).toBe('replay');
    expect(replayOrTampered(chains[0]![MAX_SKIP - 1]!)).toBe('replay');
    expect(bob.decrypt(chains[1]![0]!)).toEqual(Uint8Array.of(1, 0, 0));
    expect(bob.decrypt(chains[2]![MAX_SKIP - 1]!)).toEqual(Uint8Array.of(2, (MAX_SKIP - 1) & 0xff, (MAX_SKIP - 1) >> 8));
    expect(bob.skippedKeyCount).toBe(MAX_SKIPPED_KEYS - 2);
    // The bound holds through serialization, and the state stays linear in the bound.
    expect(bob.serialize().length).toBeLessThan(1024 + MAX_SKIPPED_KEYS * 68);
  });

  it('a burst of hostile headers cannot grow the store or stall: each is refused before any derivation', () => {
    const [alice, bob] = establish();
    alice.decrypt(bob.encrypt(Uint8Array.of(1)));
    const genuine = alice.encrypt(Uint8Array.of(9));
    const before = bob.serialize();
    for (let n = MAX_SKIP + 1; n < MAX_SKIP + 2001; n++) {
      const forged = genuine.slice();
      new DataView(forged.buffer).setUint32(1 + 37, n); // header.n (type byte, then header offset 37)
      expectRefused(bob, forged);
    }
    expect(bob.serialize()).toEqual(before);
    expect(bob.decrypt(genuine)).toEqual(Uint8Array.of(9));
  });
});
