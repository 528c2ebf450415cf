// The session record of one peer (docs/PROTOCOL-sessions.md §S16): the session used to send, the sessions kept only
// to decrypt late messages, and the rule that makes two crossing X3DH initiations converge on one session.
import type { Expectation } from '../franking/franking.ts';
import type { IdentityKeyPair, PublicIdentity } from './identity.ts';
import type { PreKeyStore } from './prekeys.ts';
import { SessionError } from './session-errors.ts';
import { type FrankedEnvelope, type FrankedReceipt, isPreKeyMessage, Session } from './session.ts';

/** How many superseded sessions a record keeps for decryption (§S16.2); the oldest beyond it is dropped. */
export const MAX_PREVIOUS_SESSIONS = 3;

/**
 * Everything one device keeps about its sessions with one peer (§S16.1). Plain data (byte arrays, a string, a flag):
 * it can be stored as is in IndexedDB or any structured-clone store, or encoded by the application.
 */
export interface SessionRecord {
  /** The peer's user id: the key of the record. */
  peerId: string;
  /** Session.serialize() of the session used to send. */
  current: Uint8Array;
  /** Older sessions still tried for decryption (simultaneous initiation, a peer that started over), newest first. */
  previous: Uint8Array[];
  /** Whether `current` has decrypted anything from the peer yet. */
  heardBack: boolean;
}

/** The record of a session this device just initiated with X3DH (§S16.1): nothing heard back yet, nothing archived. */
export function initiatedSessionRecord(peerId: string, session: Session): SessionRecord {
  return { peerId, current: session.serialize(), previous: [], heardBack: false };
}

/** The session to encrypt with; after sending, store `withCurrentSession(record, session)`. */
export function currentSession(record: SessionRecord): Session {
  return Session.deserialize(record.current);
}

/** The record after the current session was used to send (its ratchet moved): only `current` changes. */
export function withCurrentSession(record: SessionRecord, session: Session): SessionRecord {
  return { ...record, current: session.serialize() };
}

/** The peer identity of the current session. */
export function currentRemoteIdentity(record: SessionRecord): PublicIdentity {
  return Session.deserialize(record.current).remoteIdentity;
}

/** What receiving one franked envelope against a record gave (§S16.3). */
export type SessionRecordReceipt =
  | {
    readonly status: 'opened';
    /** Accepted, or dropped because the payload did not open its commitment (the message key is spent either way). */
    readonly receipt: FrankedReceipt;
    /** The record to store in place of the old one. */
    readonly record: SessionRecord;
    /** The identity of the session that opened it. */
    readonly remoteIdentity: PublicIdentity;
    /** True when a prekey message started a new session: `preKeys` was changed in place and must be stored too. */
    readonly usedPreKey: boolean;
  }
  /** A message key already used (or evicted) in one of the sessions: a duplicate, acknowledge and drop it. */
  | { readonly status: 'replay' }
  /** No session opens it and it starts none: the record is unchanged. */
  | { readonly status: 'undecryptable' };

/** What receiveWithSessionRecord needs besides the record and the envelope. */
export interface ReceiveWithRecordContext {
  /** This device's user id: compared with `peerId` to decide simultaneous initiation (§S16.4). */
  localUserId: string;
  /** The sender's user id, as the transport authenticated it. */
  peerId: string;
  /** This device's identity: answers a prekey message (X3DH as responder, §S5.3). */
  identity: IdentityKeyPair;
  /** Consumed (one-time prekey) only when a prekey message starts a new session. */
  preKeys: PreKeyStore;
  /** Transport metadata the franked header must agree with. */
  expect?: Expectation;
}

/**
 * Receives a franked envelope from `peerId` (§S16.3): tries the current session, then each archived one newest first;
 * if none opens it and it is a prekey message, responds with X3DH and applies the simultaneous-initiation rule. The
 * input record is never modified: a message that opens nothing leaves nothing to store.
 */
export function receiveWithSessionRecord(record: SessionRecord | undefined, envelope: FrankedEnvelope, ctx: ReceiveWithRecordContext): SessionRecordReceipt {
  const opts = ctx.expect ? { expect: ctx.expect } : {};
  const slots = record ? [record.current, ...record.previous] : [];
  for (const [i, bytes] of slots.entries()) {
    const session = Session.deserialize(bytes);
    let receipt: FrankedReceipt;
    try {
      receipt = session.receiveFranked(envelope, opts);
    } catch (e) {
      // §S16.3: a replay in any session is final (a duplicate delivery); any other failure tries the next session.
      if (SessionError.is(e, 'replay')) return { status: 'replay' };
      continue;
    }
    const r = record as SessionRecord;
    const next = i === 0
      ? { ...r, current: session.serialize(), heardBack: true }
      : { ...r, previous: r.previous.map((b, j) => (j === i - 1 ? session.serialize() : b)) };
    return { status: 'opened', receipt, record: next, remoteIdentity: session.remoteIdentity, usedPreKey: false };
  }
  if (!isPreKeyMessage(envelope.message)) return { status: 'undecryptable' };
  let responded: { session: Session; receipt: FrankedReceipt };
  try {
    responded = Session.respondFranked(ctx.identity, ctx.preKeys, envelope, opts);
  } catch {
    return { status: 'undecryptable' };
  }
  const fresh = responded.session.serialize();
  return {
    status: 'opened',
    receipt: responded.receipt,
    record: afterResponding(record, ctx.peerId, fresh, keepsOwnInitiation(record, ctx.localUserId, ctx.peerId)),
    remoteIdentity: responded.session.remoteIdentity,
    usedPreKey: true,
  };
}

/**
 * §S16.4 simultaneous initiation: both devices initiated and neither has heard back on its session. Both keep the
 * session the smaller user id initiated (UTF-16 code unit order, byte order for ASCII ids), so they converge.
 */
export function keepsOwnInitiation(record: SessionRecord | undefined, localUserId: string, peerId: string): boolean {
  return record !== undefined && !record.heardBack && Session.deserialize(record.current).role === 'initiator' && localUserId < peerId;
}

function afterResponding(record: SessionRecord | undefined, peerId: string, fresh: Uint8Array, keepOurs: boolean): SessionRecord {
  if (!record) return { peerId, current: fresh, previous: [], heardBack: true };
  if (keepOurs) return { ...record, previous: [fresh, ...record.previous].slice(0, MAX_PREVIOUS_SESSIONS) };
  return { peerId, current: fresh, previous: [record.current, ...record.previous].slice(0, MAX_PREVIOUS_SESSIONS), heardBack: true };
}
