// Benchmark baseline only: the v1 pairwise fan-out group path (client/group/group.ts on main before MLS),
// kept under bench/ to measure it side by side with MLS in the same run (bench/groups.ts). Not part of the SDK.
// Group messages (docs/PROTOCOL.md §12): frank ONCE — one fk, one header, one commitment c for every
// member — then encrypt the same franked payload through each member's pairwise session (client fan-out).
// The server stamps c once per member, so any member can report the message and every report opens the
// same commitment. Recipients are taken from the current roster only: a removed member is never
// addressed, whatever sessions the sender still holds (and the relay refuses them too).
import { toBase64Url } from '../client/protocol.ts';
import { SenderChain } from '../client/franking/chain.ts';
import type { FrankOptions, FrankInput, FrankedMessage } from '../client/franking/franking.ts';
import type { Session } from '../client/session/session.ts';
import { SessionError } from '../client/session/session-errors.ts';

export interface GroupEnvelope {
  readonly recipientId: string;
  /** The session message (Session.sendFranked(...).message). */
  readonly message: Uint8Array;
}

export interface GroupSend {
  readonly franked: FrankedMessage;
  /** The one commitment shared by every envelope. */
  readonly commitment: Uint8Array;
  readonly envelopes: readonly GroupEnvelope[];
}

/** Where the sender's pairwise sessions live: a Map or a lookup function. */
export type SessionLookup = ReadonlyMap<string, Session> | ((memberId: string) => Session | undefined);

export interface SealForGroupOptions {
  /** Extra AD bound by frankingAssociatedData (must equal what recipients pass). */
  extraAd?: Uint8Array;
}

/**
 * Encrypts one franked message for every roster member except its sender. Throws SessionError('bad_state')
 * before encrypting anything if a member has no session (no partial sends), and if the sender is not on
 * the roster (it was removed: it must not send).
 */
export function sealForGroup(franked: FrankedMessage, roster: readonly string[], sessions: SessionLookup, opts: SealForGroupOptions = {}): GroupSend {
  const recipients = groupRecipients(franked.header.senderId, roster, sessions);
  const envelopes = recipients.map((r) => ({ recipientId: r.id, message: r.session.sendFranked(franked, opts.extraAd).message }));
  return { franked, commitment: franked.commitment, envelopes };
}

/** Roster members other than the sender, each with its session; throws if the sender is off the roster or a session is missing. */
export function groupRecipients(senderId: string, roster: readonly string[], sessions: SessionLookup): Array<{ id: string; session: Session }> {
  const members = [...new Set(roster)];
  if (!members.includes(senderId)) throw new SessionError('bad_state', 'the sender is not on the group roster');
  const lookup = typeof sessions === 'function' ? sessions : (id: string) => sessions.get(id);
  const recipients = members.filter((m) => m !== senderId).map((id) => ({ id, session: lookup(id) }));
  const missing = recipients.filter((r) => r.session === undefined).map((r) => r.id);
  if (missing.length) throw new SessionError('bad_state', `no session with member(s) ${missing.join(', ')}: establish them first`);
  return recipients as Array<{ id: string; session: Session }>;
}

/** The relay's send request (POST /v1/messages) for a group send. */
export function groupSendRequest(conversationId: string, send: GroupSend): {
  conversationId: string;
  commitment: string;
  envelopes: Array<{ recipientId: string; ciphertext: string }>;
} {
  return {
    conversationId,
    commitment: toBase64Url(send.commitment),
    envelopes: send.envelopes.map((e) => ({ recipientId: e.recipientId, ciphertext: toBase64Url(e.message) })),
  };
}

/** One sender in one group: its hash chain (§4.4) plus fan-out. */
export class GroupSender {
  readonly chain: SenderChain;

  constructor(
    readonly conversationId: string,
    readonly senderId: string,
    chain?: SenderChain,
  ) {
    this.chain = chain ?? new SenderChain(conversationId, senderId);
  }

  /** Franks the next message of this sender's chain once and seals it for the current roster. */
  send(
    body: Uint8Array,
    roster: readonly string[],
    sessions: SessionLookup,
    opts: Omit<FrankInput, 'conversationId' | 'senderId' | 'seq' | 'prevCommitment'> & FrankOptions & SealForGroupOptions = {},
  ): GroupSend {
    const { extraAd, ...frankOpts } = opts;
    // Check roster and sessions before advancing the chain, so a refused send leaves no gap in it.
    groupRecipients(this.senderId, roster, sessions);
    const franked = this.chain.frank(body, frankOpts);
    return sealForGroup(franked, roster, sessions, extraAd ? { extraAd } : {});
  }
}
