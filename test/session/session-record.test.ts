// The session record (docs/PROTOCOL-sessions.md §S16), through the SDK's public entry (by package name, as an app imports it): crossing initiations converge
// from both sides, the archive is bounded, a message for an archived session still opens, and a bad message changes
// nothing. Two simulated devices, each with its own record of the other.
import { describe, expect, it } from 'vitest';
import {
  type FetchedPreKeyBundle,
  type FrankedEnvelope,
  generateIdentity,
  type IdentityKeyPair,
  MAX_PREVIOUS_SESSIONS,
  PreKeyStore,
  SenderChain,
  Session,
  type SessionRecord,
  currentRemoteIdentity,
  currentSession,
  initiatedSessionRecord,
  keepsOwnInitiation,
  receiveWithSessionRecord,
  withCurrentSession,
} from '@franking-chat/sdk';

const te = new TextEncoder();
const td = new TextDecoder();
const CONVERSATION = 'c-1';

interface Device {
  id: string;
  identity: IdentityKeyPair;
  preKeys: PreKeyStore;
  /** One-time prekeys handed out so far (the directory gives each fetch its own). */
  fetched: number;
  records: Map<string, SessionRecord>;
  chain: SenderChain;
}

function device(id: string): Device {
  const identity = generateIdentity();
  return { id, identity, preKeys: PreKeyStore.create(identity, { oneTimePreKeys: 10 }), fetched: 0, records: new Map(), chain: new SenderChain(CONVERSATION, id) };
}

function bundleOf(d: Device): FetchedPreKeyBundle {
  const up = d.preKeys.bundle(d.identity);
  const opk = up.oneTimePreKeys[d.fetched++];
  return { identitySigningKey: up.identitySigningKey, identityDhKey: up.identityDhKey, signedPreKey: up.signedPreKey, ...(opk ? { oneTimePreKey: opk } : {}) };
}

/** Starts a new session with `to` (a fresh X3DH), replacing whatever `from` had, as a reinstalled device would. */
function initiate(from: Device, to: Device): void {
  from.records.set(to.id, initiatedSessionRecord(to.id, Session.initiate(from.identity, bundleOf(to))));
}

function send(from: Device, to: Device, text: string): FrankedEnvelope {
  if (!from.records.has(to.id)) initiate(from, to);
  const record = from.records.get(to.id) as SessionRecord;
  const session = currentSession(record);
  const envelope = session.sendFranked(from.chain.frank(te.encode(text)));
  from.records.set(to.id, withCurrentSession(record, session));
  return envelope;
}

function receive(to: Device, from: Device, envelope: FrankedEnvelope) {
  const r = receiveWithSessionRecord(to.records.get(from.id), envelope, {
    localUserId: to.id, peerId: from.id, identity: to.identity, preKeys: to.preKeys, expect: { conversationId: CONVERSATION, senderId: from.id },
  });
  if (r.status === 'opened') to.records.set(from.id, r.record);
  return r;
}

function opened(to: Device, from: Device, envelope: FrankedEnvelope): string {
  const r = receive(to, from, envelope);
  if (r.status !== 'opened' || r.receipt.status !== 'accepted') throw new Error(`expected an accepted message, got ${r.status}`);
  return td.decode(r.receipt.message.body);
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
/** Whether both devices send on the same session: each one's current session decrypts the other's next message. */
function converged(a: Device, b: Device): void {
  expect(opened(b, a, send(a, b, 'ping'))).toBe('ping');
  expect(opened(a, b, send(b, a, 'pong'))).toBe('pong');
  expect(a.records.get(b.id)?.heardBack).toBe(true);
  expect(b.records.get(a.id)?.heardBack).toBe(true);
}

describe('session record: simultaneous initiation (§S16.4)', () => {
  it.each([
    ['the smaller id’s message arrives first', true],
    ['the larger id’s message arrives first', false],
  ])('crossing initiations converge on the session the smaller id started: %s', (_, smallerFirst) => {
    const alice = device('alice'); // "alice" < "bob"
    const bob = device('bob');
    const fromAlice = send(alice, bob, 'hi bob');
    const fromBob = send(bob, alice, 'hi alice');
    const aliceSession = alice.records.get('bob')?.current as Uint8Array;
    if (smallerFirst) {
      expect(opened(bob, alice, fromAlice)).toBe('hi bob');
      expect(opened(alice, bob, fromBob)).toBe('hi alice');
    } else {
      expect(opened(alice, bob, fromBob)).toBe('hi alice');
      expect(opened(bob, alice, fromAlice)).toBe('hi bob');
    }
    // alice kept her own initiation and archived bob's; bob switched to alice's and archived his own.
    expect(alice.records.get('bob')?.previous).toHaveLength(1);
    expect(bob.records.get('alice')?.previous).toHaveLength(1);
    expect(currentSession(bob.records.get('alice') as SessionRecord).role).toBe('responder');
    expect(currentSession(alice.records.get('bob') as SessionRecord).role).toBe('initiator');
    expect(same(alice.records.get('bob')?.current as Uint8Array, aliceSession)).toBe(true); // untouched by bob's prekey message
    converged(alice, bob);
  });

  it('the rule is decided by the ids, not by who is asked: each side answers the opposite', () => {
    const alice = device('alice');
    const bob = device('bob');
    send(alice, bob, 'a');
    send(bob, alice, 'b');
    expect(keepsOwnInitiation(alice.records.get('bob'), 'alice', 'bob')).toBe(true);
    expect(keepsOwnInitiation(bob.records.get('alice'), 'bob', 'alice')).toBe(false);
    // Once heard back, nothing is kept against a new initiation: the peer started over.
    expect(keepsOwnInitiation({ ...(alice.records.get('bob') as SessionRecord), heardBack: true }, 'alice', 'bob')).toBe(false);
    expect(keepsOwnInitiation(undefined, 'alice', 'bob')).toBe(false);
  });

  it('late messages on the losing session still open from the archive, in both directions', () => {
    const alice = device('alice');
    const bob = device('bob');
    const a1 = send(alice, bob, 'a1');
    const b1 = send(bob, alice, 'b1');
    const b2 = send(bob, alice, 'b2'); // still on bob's own (losing) session
    expect(opened(bob, alice, a1)).toBe('a1');
    expect(opened(alice, bob, b1)).toBe('b1');
    expect(opened(alice, bob, b2)).toBe('b2'); // opens from alice's archive
    converged(alice, bob);
  });
});

describe('session record: archive (§S16.2)', () => {
  it('keeps at most MAX_PREVIOUS_SESSIONS archived sessions, newest first; a message for one of them still opens', () => {
    const alice = device('alice');
    const bob = device('bob');
    expect(opened(bob, alice, send(alice, bob, 'start'))).toBe('start');
    expect(opened(alice, bob, send(bob, alice, 'ok'))).toBe('ok');
    // Alice starts over (a new device state) several times; bob archives the superseded sessions.
    const late: FrankedEnvelope[] = [];
    for (let i = 0; i < MAX_PREVIOUS_SESSIONS + 2; i++) {
      late.push(send(alice, bob, `late ${i}`)); // on the session about to be superseded
      initiate(alice, bob);
      expect(opened(bob, alice, send(alice, bob, `restart ${i}`))).toBe(`restart ${i}`);
      expect(bob.records.get('alice')?.previous.length).toBe(Math.min(i + 1, MAX_PREVIOUS_SESSIONS));
    }
    // The newest archived sessions still open their late messages; the one dropped beyond the bound does not.
    const n = late.length;
    expect(opened(bob, alice, late[n - 1] as FrankedEnvelope)).toBe(`late ${n - 1}`);
    expect(opened(bob, alice, late[n - MAX_PREVIOUS_SESSIONS] as FrankedEnvelope)).toBe(`late ${n - MAX_PREVIOUS_SESSIONS}`);
    const before = bob.records.get('alice') as SessionRecord;
    expect(receive(bob, alice, late[0] as FrankedEnvelope).status).toBe('undecryptable');
    expect(bob.records.get('alice')).toBe(before);
    // Opening from the archive changes neither the current session nor heardBack.
    expect(before.heardBack).toBe(true);
    expect(currentSession(before).role).toBe('responder');
  });

  it('a replayed message is reported as a replay, whichever session it belongs to', () => {
    const alice = device('alice');
    const bob = device('bob');
    const m = send(alice, bob, 'once');
    expect(opened(bob, alice, m)).toBe('once');
    expect(opened(alice, bob, send(bob, alice, 'reply'))).toBe('reply');
    const again = send(alice, bob, 'twice');
    expect(opened(bob, alice, again)).toBe('twice');
    expect(receive(bob, alice, again).status).toBe('replay');
  });
});

describe('session record: bad input (§S16.3)', () => {
  it('a tampered or foreign message leaves the record (and the prekeys) untouched, and the next genuine one opens', () => {
    const alice = device('alice');
    const bob = device('bob');
    expect(opened(bob, alice, send(alice, bob, 'one'))).toBe('one');
    const before = bob.records.get('alice') as SessionRecord;
    const snapshot = { current: before.current.slice(), previous: before.previous.map((b) => b.slice()), preKeys: bob.preKeys.serialize() };
    const genuine = send(alice, bob, 'two');
    const flipped = genuine.message.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    const badCommitment = genuine.commitment.slice();
    badCommitment[0] = (badCommitment[0] as number) ^ 1;
    initiate(alice, bob); // alice starts over: a prekey message, then tampered
    const restart = send(alice, bob, 'restart');
    const restartFlipped = restart.message.slice();
    restartFlipped[restartFlipped.length - 1] = (restartFlipped[restartFlipped.length - 1] as number) ^ 1;
    for (const bad of [
      { commitment: genuine.commitment, message: flipped },
      { commitment: badCommitment, message: genuine.message },
      { commitment: genuine.commitment, message: genuine.message.subarray(0, 10) },
      { commitment: genuine.commitment, message: new Uint8Array(0) },
      { commitment: restart.commitment, message: restartFlipped },
    ]) {
      expect(receive(bob, alice, bad).status).toBe('undecryptable');
      expect(bob.records.get('alice')).toBe(before);
    }
    const after = bob.records.get('alice') as SessionRecord;
    expect(same(after.current, snapshot.current)).toBe(true);
    expect(after.previous.map((b, i) => same(b, snapshot.previous[i] as Uint8Array))).toEqual(snapshot.previous.map(() => true));
    expect(bob.preKeys.serialize()).toEqual(snapshot.preKeys);
    expect(opened(bob, alice, genuine)).toBe('two');
  });

  it('a first message with no record starts one that has heard back; its identity is the sender’s', () => {
    const alice = device('alice');
    const bob = device('bob');
    const r = receive(bob, alice, send(alice, bob, 'hello'));
    expect(r.status).toBe('opened');
    if (r.status !== 'opened') return;
    expect(r.usedPreKey).toBe(true);
    expect(r.record).toMatchObject({ peerId: 'alice', previous: [], heardBack: true });
    expect(same(r.remoteIdentity.signingKey, alice.identity.signingPublicKey)).toBe(true);
    expect(same(currentRemoteIdentity(r.record).dhKey, alice.identity.dhPublicKey)).toBe(true);
  });

  it('the record is plain data: a structured clone (as IndexedDB stores it) works the same', () => {
    const alice = device('alice');
    const bob = device('bob');
    const first = send(alice, bob, 'x');
    const copy = structuredClone(alice.records.get('bob') as SessionRecord);
    expect(Object.keys(copy).sort()).toEqual(['current', 'heardBack', 'peerId', 'previous']);
    alice.records.set('bob', copy);
    expect(opened(bob, alice, first)).toBe('x');
    expect(opened(bob, alice, send(alice, bob, 'y'))).toBe('y');
  });
});
