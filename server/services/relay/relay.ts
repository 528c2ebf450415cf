// Relay for 1:1 conversations: accepts one commitment + one ciphertext per recipient, assigns message id and
// server time, stamps (one recipient stamp per envelope, one sender stamp returned to the sender), stores the
// envelopes until acknowledged or expired. Plaintext never exists here. Groups are not sent through here:
// they take MLS messages only (server/services/relay/groups.ts, docs/PROTOCOL.md §12.8), and an envelope for a
// group conversation is refused with `group_requires_mls` — one way groups work, no pairwise fan-out.
//
// Group commit: sends that arrive while a write is in flight are validated and written together — one
// membership/standing query and one INSERT per batch, instead of several round trips per message
// (Prisma costs ~120–150 µs per query on this machine; docs/BENCHMARKS.md "Server").
import { randomBytes } from 'node:crypto';
import type { ConversationsRepo, MemberStanding } from '../../data/conversations.ts';
import type { EnvelopeRow, EnvelopesRepo, PendingEnvelope } from '../../data/envelopes.ts';
import { asBytes } from '../../data/_bytes.ts';
import { type DeviceMismatchAccountJson, DeviceMismatchError, InputError, PermissionError } from '../../errors.ts';
import { toBase64Url } from '../../../client/protocol.ts';
import type { DeliveryHub } from './delivery-hub.ts';
import type { AcceptedSend, CommitOutcome, SendCommitter } from './send-receipts.ts';
import { assertActive } from '../accounts/enforcement.ts';
import type { StampingService } from '../stamping/stamps.ts';
import type { Delivered, FanOutInput, SendInput, SendResult, StatedList } from './types.ts';

// docs/PROTOCOL-devices.md D13.5: an own copy (copyKind 2) carries the sender stamp, every other envelope the recipient stamp.
const toDelivered = (r: PendingEnvelope): Delivered => ({
  id: r.id,
  ciphertext: r.ciphertext,
  commitment: r.commitment,
  stamp: {
    messageId: r.messageId, conversationId: r.conversationId, senderId: r.senderId, recipientId: r.recipientId,
    role: r.copy?.copyKind === 2 ? 'sender' : 'recipient', serverTime: Number(r.serverTime), kid: r.kid, tag: r.tag,
  },
  ...(r.copy ? { copy: r.copy } : {}),
});

/** An account's current logged device list as the relay checks copies against it (D13.3 step 5). */
export interface CurrentDevices {
  listVersion: number;
  listHash: Uint8Array;
  deviceIds: readonly number[];
}
/** D17.2: an account without a list is device 1, stated as version 0 and 32 zero bytes. */
const LEGACY_DEVICES: CurrentDevices = { listVersion: 0, listHash: new Uint8Array(32), deviceIds: [1] };
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * D13.3 step 5, pure: for each stated account (in `lists` order) the difference between its copies and its current
 * list — `missing` current devices without a copy, `extra` copies for devices not current, `stale` when the stated
 * version or hash is not the current one. For the sender's account the sending device is not a target. Empty: match.
 */
export function deviceMismatch(
  lists: readonly StatedList[], copies: ReadonlyArray<{ accountId: string; deviceId: number }>, current: ReadonlyMap<string, CurrentDevices>,
  senderId: string, senderDeviceId: number,
): DeviceMismatchAccountJson[] {
  const out: DeviceMismatchAccountJson[] = [];
  for (const l of lists) {
    const cur = current.get(l.accountId) ?? LEGACY_DEVICES;
    const targets = cur.deviceIds.filter((d) => !(l.accountId === senderId && d === senderDeviceId));
    const held = new Set(copies.filter((c) => c.accountId === l.accountId).map((c) => c.deviceId));
    const missing = targets.filter((d) => !held.has(d)).sort((a, b) => a - b);
    const extra = [...held].filter((d) => !targets.includes(d)).sort((a, b) => a - b);
    const stale = l.listVersion !== cur.listVersion || !sameBytes(l.listHash, cur.listHash);
    if (missing.length || extra.length || stale)
      out.push({ accountId: l.accountId, listVersion: cur.listVersion, listHash: toBase64Url(cur.listHash), missing, extra, stale });
  }
  return out;
}

/** Acks per DELETE: ≤ 500 ids each (API limit), so ≤ 32,000 (recipient, id) pairs in one JSON/array parameter. */
const ACK_BATCH_MAX = 64;

interface PendingAck {
  userId: string;
  deviceId: number;
  ids: string[];
  resolve: (deleted: number) => void;
  reject: (e: unknown) => void;
}

interface Pending {
  senderId: string;
  input: SendInput;
  resolve: (r: SendResult) => void;
  reject: (e: unknown) => void;
}

export class RelayService {
  private queue: Pending[] = [];
  private flushing = false;
  private ackQueue: PendingAck[] = [];
  private ackFlushing = false;
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private counter = 0;
  private lastTime = 0;

  constructor(
    private readonly deps: {
      conversations: ConversationsRepo;
      envelopes: EnvelopesRepo;
      stamping: StampingService;
      hub: DeliveryHub;
      /** Writes accepted batches (envelopes + idempotency receipts). */
      committer: SendCommitter;
      envelopeTtlMs: number;
      batchMax: number;
      /** Collect sends for this long before a write (0 = next event-loop turn). */
      batchDelayMs?: number;
      /** The accounts' current logged device lists (null entry: no list, D17.2), for the fan-out check (D13.3 step 5). */
      currentDevices?: (accountIds: readonly string[]) => Promise<Map<string, CurrentDevices | null>>;
    },
  ) {}

  /** The members of a direct conversation, after checking that the sender is one of them in good standing (D13.3 step 3). */
  private async directMembers(conversationId: string, senderId: string, now: Date) {
    const members = await this.deps.conversations.membersWithStanding([conversationId]);
    const sender = members.find((m) => m.accountId === senderId);
    if (!sender) throw new PermissionError('not_a_member', 'you are not a member of this conversation');
    assertActive(sender, now);
    if (sender.kind !== 'direct')
      throw new InputError('group_requires_mls', 'this conversation is a group: send MLS group messages to /v1/groups/{conversationId}/messages');
    return members;
  }

  /**
   * docs/PROTOCOL-devices.md D13.3 steps 3–5 for a fan-out send, before it is queued: the sender a member in good
   * standing of a direct conversation (step 3), a retry of an accepted send answered as before (step 4: the list
   * check is skipped, the committer replays it), then the copies against the current lists of both accounts (step 5:
   * 409 device_mismatch, nothing stored, nothing stamped). `lists` must name exactly the sender and the peer. Returns
   * the peer account and the lists ordered [sender, peer].
   */
  async checkCopies(senderId: string, senderDeviceId: number, input: { conversationId: string; clientMessageId: string; lists: StatedList[]; copies: FanOutInput['copies'] }, now = new Date()): Promise<{ peerId: string; lists: [StatedList, StatedList] }> {
    const members = await this.directMembers(input.conversationId, senderId, now);
    const peer = members.find((m) => m.accountId !== senderId);
    if (!peer) throw new PermissionError('not_a_member', 'this conversation has no peer');
    const own = input.lists.find((l) => l.accountId === senderId);
    const theirs = input.lists.find((l) => l.accountId === peer.accountId);
    if (!own || !theirs)
      throw new InputError('validation_failed', "lists: name exactly the sender's and the peer's account", { issues: [{ path: 'body.lists', message: `expected ${senderId} and ${peer.accountId}` }] });
    if (await this.deps.committer.accepted(senderId, input.clientMessageId)) return { peerId: peer.accountId, lists: [own, theirs] };
    const found = await (this.deps.currentDevices?.([senderId, peer.accountId]) ?? Promise.resolve(new Map<string, CurrentDevices | null>()));
    const current = new Map<string, CurrentDevices>();
    for (const [id, c] of found) if (c) current.set(id, c);
    const mismatch = deviceMismatch(input.lists, input.copies, current, senderId, senderDeviceId);
    if (mismatch.length) throw new DeviceMismatchError(mismatch);
    return { peerId: peer.accountId, lists: [own, theirs] };
  }

  /**
   * docs/PROTOCOL-devices.md D17.3 for the single-device body (`envelopes`), before it is queued:
   * - between a sender and a recipient that both have a logged device list only copies are accepted (D11): the
   *   single-device body carries no CopyAD, so D11.3 could not bind it to a device — `400 validation_failed`,
   *   nothing stored, nothing stamped (a retry of a send accepted earlier is answered as before, like D13.3 step 4);
   * - to a recipient without a list (a legacy client, D17.2, which reads nothing else) any sender uses this body;
   * - a sender without a list (a legacy client, D17.1–D17.2) keeps this body; it is delivered to the recipient
   *   account's device 1 only, also when that account has a list. When that list no longer has device 1 (removed,
   *   D6.2), nobody could ever fetch it: `409 device_mismatch` naming the recipient's current list (every current
   *   device `missing`, device 1 `extra`), which is what a copy-sending client resends against (D13.4). Membership and
   *   standing are checked first on that path, so the refusal tells a non-member nothing new.
   */
  async checkEnvelopes(senderId: string, input: { conversationId: string; clientMessageId?: string | undefined; recipientIds: readonly string[] }, now = new Date()): Promise<void> {
    if (!this.deps.currentDevices) return;
    const ids = [...new Set([senderId, ...input.recipientIds])];
    const found = await this.deps.currentDevices(ids);
    // Between two accounts with device lists only copies are accepted (D17.3). To an account without a list the
    // single-device body stays open to every sender: that account's client may read nothing else (D17.2).
    if (found.get(senderId) && input.recipientIds.some((id) => id !== senderId && found.get(id))) {
      if (input.clientMessageId !== undefined && (await this.deps.committer.accepted(senderId, input.clientMessageId))) return;
      throw new InputError('validation_failed', 'both accounts have a device list: send one copy per device (docs/PROTOCOL-devices.md D11)', {
        issues: [{ path: 'body.envelopes', message: 'the single-device body is for a conversation with an account without a device list (D17.3); send copies (D13.2)' }],
      });
    }
    const gone = input.recipientIds.filter((id) => id !== senderId).flatMap((id) => {
      const cur = found.get(id);
      return cur && !cur.deviceIds.includes(1) ? [{ id, cur }] : [];
    });
    if (!gone.length) return;
    const members = await this.directMembers(input.conversationId, senderId, now);
    for (const { id } of gone)
      if (!members.some((m) => m.accountId === id)) throw new PermissionError('not_a_member', `recipient ${id} is not a member of this conversation`);
    throw new DeviceMismatchError(gone.map(({ id, cur }) => ({
      accountId: id, listVersion: cur.listVersion, listHash: toBase64Url(cur.listHash), missing: [...cur.deviceIds].sort((a, b) => a - b), extra: [1], stale: true,
    })));
  }

  send(senderId: string, input: SendInput): Promise<SendResult> {
    const seen = new Set<string>();
    if (input.fanOut && input.envelopes.length) throw new InputError('validation_failed', 'a send carries envelopes or copies, not both');
    for (const e of input.envelopes) {
      if (e.recipientId === senderId) throw new InputError('validation_failed', 'envelopes: the sender is not a recipient (v1: one device per account)');
      if (seen.has(e.recipientId)) throw new InputError('validation_failed', `envelopes: recipient ${e.recipientId} appears twice`);
      seen.add(e.recipientId);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ senderId, input, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        this.schedule();
      }
    });
  }

  private schedule(): void {
    const delay = this.deps.batchDelayMs ?? 0;
    if (delay > 0) setTimeout(() => void this.flush(), delay);
    else setImmediate(() => void this.flush());
  }

  /** Fixed-width counter, so ids sort in acceptance order: delivery is ORDER BY (serverTime, id). */
  private nextMessageId(): string {
    return `m-${this.idPrefix}-${(this.counter++).toString(36).padStart(10, '0')}`;
  }

  /**
   * Integer ms, non-decreasing within this process. Not strictly increasing: adding 1 ms per message in a
   * busy millisecond would run ahead of the real clock above 1,000 msgs/s and stamp future times
   * (PROTOCOL.md §7.1 stamps the time of acceptance). Ties are ordered by the message id.
   */
  private nextServerTime(): number {
    this.lastTime = Math.max(Date.now(), this.lastTime);
    return this.lastTime;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.deps.batchMax);
        await this.writeBatch(batch);
      }
    } finally {
      this.flushing = false;
      if (this.queue.length) {
        this.flushing = true;
        this.schedule();
      }
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let members: MemberStanding[];
    try {
      members = await this.deps.conversations.membersWithStanding([...new Set(batch.map((p) => p.input.conversationId))]);
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    const byConversation = new Map<string, Map<string, MemberStanding>>();
    for (const m of members) {
      let c = byConversation.get(m.conversationId);
      if (!c) byConversation.set(m.conversationId, (c = new Map()));
      c.set(m.accountId, m);
    }
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.deps.envelopeTtlMs);
    const accepted: AcceptedSend[] = [];
    const settle: Array<Pending> = [];
    for (const p of batch) {
      try {
        const rows: EnvelopeRow[] = [];
        const result = this.accept(p, byConversation.get(p.input.conversationId), now, expiresAt, rows);
        accepted.push({ senderId: p.senderId, input: p.input, result, rows });
        settle.push(p);
      } catch (e) {
        p.reject(e);
      }
    }
    let outcomes: CommitOutcome[];
    try {
      // Idempotent by clientMessageId (server/services/relay/send-receipts.ts): a retry gets the original result.
      outcomes = await this.deps.committer.commit(accepted, now);
    } catch (e) {
      for (const p of settle) p.reject(e); // nothing of this batch was stored: every sender sees an error
      return;
    }
    const recipients = new Set<string>();
    const rewake = new Set<string>();
    const rows: EnvelopeRow[] = [];
    const answers: Array<() => void> = [];
    for (const [i, a] of accepted.entries()) {
      const outcome = outcomes[i];
      const p = settle[i]!;
      if (outcome instanceof Error) p.reject(outcome);
      else if (outcome) {
        // A retry of a send already committed: its first process may have died between commit and wake-up.
        for (const e of a.input.envelopes) rewake.add(e.recipientId);
        for (const c of a.input.fanOut?.copies ?? []) rewake.add(c.accountId);
        answers.push(() => p.resolve(outcome));
      } else {
        for (const r of a.result.recipients) recipients.add(r);
        rows.push(...a.rows);
        answers.push(() => p.resolve(a.result));
      }
    }
    // Hand the committed envelopes to listening push connections (here and, through the hub, in other processes).
    let fresh: Map<string, Delivered[]> | undefined;
    for (const row of rows) {
      if (!this.deps.hub.has(row.recipientId)) continue;
      fresh ??= new Map();
      let list = fresh.get(row.recipientId);
      if (!list) fresh.set(row.recipientId, (list = []));
      list.push(toDelivered(row));
    }
    // Senders get their answer only once the wake-ups are out (without holding up the next batch): a send is
    // never acknowledged while its recipients' processes could still be unaware of it.
    const woken = [this.deps.hub.notify(recipients, fresh)];
    if (rewake.size) woken.push(this.deps.hub.notify(rewake));
    void Promise.all(woken).then(() => {
      for (const answer of answers) answer();
    });
  }

  /** Checks one send against membership and standing, stamps it and appends its rows. Throws to refuse. */
  private accept(p: Pending, members: Map<string, MemberStanding> | undefined, now: Date, expiresAt: Date, rows: EnvelopeRow[]): SendResult {
    const { senderId, input } = p;
    const sender = members?.get(senderId);
    if (!members || !sender) throw new PermissionError('not_a_member', 'you are not a member of this conversation');
    assertActive(sender, now);
    // §12.8: a group takes MLS messages only (POST /v1/groups/{id}/messages: one ciphertext, stamped per member).
    // Checked after membership, so a non-member learns nothing about the conversation, not even its kind.
    if (sender.kind !== 'direct')
      throw new InputError('group_requires_mls', 'this conversation is a group: send MLS group messages to /v1/groups/{conversationId}/messages');
    for (const e of input.envelopes)
      if (!members.has(e.recipientId)) throw new PermissionError('not_a_member', `recipient ${e.recipientId} is not a member of this conversation`);
    for (const c of input.fanOut?.copies ?? [])
      if (!members.has(c.accountId)) throw new PermissionError('not_a_member', `account ${c.accountId} is not a member of this conversation`);
    const messageId = this.nextMessageId();
    const serverTime = this.nextServerTime();
    const base = { messageId, conversationId: input.conversationId, senderId, serverTime };
    const commitment = asBytes(input.commitment);
    if (input.fanOut) return this.acceptCopies(senderId, input, input.fanOut, base, commitment, expiresAt, rows);
    input.envelopes.forEach((e, i) => {
      const stamp = this.deps.stamping.stamp({ ...base, recipientId: e.recipientId, role: 'recipient' }, commitment);
      rows.push({
        id: `${messageId}.${i}`, messageId, conversationId: input.conversationId, senderId, recipientId: e.recipientId,
        ciphertext: asBytes(e.ciphertext), commitment, serverTime: BigInt(serverTime), kid: stamp.kid, tag: asBytes(stamp.tag), expiresAt,
      });
    });
    // §7: the sender's own stamp (role "sender", recipientId = senderId) lets it prove its messages as context.
    const senderStamp = this.deps.stamping.stamp({ ...base, recipientId: senderId, role: 'sender' }, commitment);
    return { messageId, serverTime, clientMessageId: input.clientMessageId, senderStamp, recipients: input.envelopes.map((e) => e.recipientId) };
  }

  /**
   * D12.1, D13.1: ONE recipient stamp for the peer account, shared by all its copies, and ONE sender stamp, delivered
   * with every own copy and returned to the sending device; one row per target device with the CopyAD clear fields.
   */
  private acceptCopies(
    senderId: string, input: SendInput, fanOut: FanOutInput, base: { messageId: string; conversationId: string; senderId: string; serverTime: number },
    commitment: ReturnType<typeof asBytes>, expiresAt: Date, rows: EnvelopeRow[],
  ): SendResult {
    const [own, peer] = fanOut.lists;
    const senderStamp = this.deps.stamping.stamp({ ...base, recipientId: senderId, role: 'sender' }, commitment);
    const peerCopies = fanOut.copies.some((c) => c.accountId === peer.accountId);
    const recipientStamp = peerCopies ? this.deps.stamping.stamp({ ...base, recipientId: peer.accountId, role: 'recipient' }, commitment) : null;
    const ownHash = asBytes(own.listHash);
    const peerHash = asBytes(peer.listHash);
    fanOut.copies.forEach((c, i) => {
      const toPeer = c.accountId === peer.accountId;
      const stamp = toPeer ? recipientStamp! : senderStamp;
      rows.push({
        id: `${base.messageId}.${i}`, messageId: base.messageId, conversationId: input.conversationId, senderId, recipientId: c.accountId,
        ciphertext: asBytes(c.ciphertext), commitment, serverTime: BigInt(base.serverTime), kid: stamp.kid, tag: asBytes(stamp.tag), expiresAt,
        copy: {
          targetDeviceId: c.deviceId, senderDeviceId: fanOut.senderDeviceId, copyKind: toPeer ? 1 : 2,
          senderListVersion: own.listVersion, senderListHash: ownHash,
          targetListVersion: toPeer ? peer.listVersion : own.listVersion, targetListHash: toPeer ? peerHash : ownHash,
        },
      });
    });
    const recipients = [...new Set(fanOut.copies.map((c) => c.accountId))];
    return { messageId: base.messageId, serverTime: base.serverTime, clientMessageId: input.clientMessageId, senderStamp, recipients };
  }

  /** The device's pending envelopes (D13.5: its own copies only; device 1 also gets single-device envelopes, D17.3). */
  async pending(userId: string, limit: number, deviceId = 1): Promise<Delivered[]> {
    return (await this.deps.envelopes.pending(userId, deviceId, new Date(), limit)).map(toDelivered);
  }

  /** Long-poll: returns at once if mail is waiting, else waits up to `waitMs` for a send to this device. */
  async fetch(userId: string, limit: number, waitMs: number, signal?: AbortSignal, deviceId = 1): Promise<Delivered[]> {
    if (waitMs <= 0 || signal?.aborted) return this.pending(userId, limit, deviceId);
    // Listen (on every process) before reading, so a send committed between the read and the wait wakes us.
    const waiter = this.deps.hub.waiter(userId, signal);
    await waiter.ready;
    const first = await this.pending(userId, limit, deviceId).catch((e: unknown) => {
      waiter.close();
      throw e;
    });
    if (first.length || signal?.aborted) {
      waiter.close();
      return first;
    }
    // The wake is per account (the hub's channel); a wake for another device's copy ends the wait early: harmless.
    await waiter.wait(waitMs);
    return signal?.aborted ? [] : this.pending(userId, limit, deviceId);
  }

  /**
   * Acknowledged envelopes are deleted: after this, nothing about the message remains on the server.
   * Resolves to how many of `ids` were the caller's and got deleted (ids of others' envelopes, and of copies for
   * another device of the same account, are ignored: D13.5). Acks arriving together (HTTP and push) are
   * group-committed like sends: one DELETE per batch.
   */
  ack(userId: string, ids: string[], deviceId = 1): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.ackQueue.push({ userId, deviceId, ids, resolve, reject });
      if (!this.ackFlushing) {
        this.ackFlushing = true;
        setImmediate(() => void this.flushAcks());
      }
    });
  }

  private async flushAcks(): Promise<void> {
    try {
      while (this.ackQueue.length) {
        const batch = this.ackQueue.splice(0, ACK_BATCH_MAX);
        let deleted: Set<string>;
        try {
          const rows = await this.deps.envelopes.deleteAcked(batch.flatMap((a) => a.ids.map((id) => [a.userId, a.deviceId, id] as const)));
          deleted = new Set(rows.map((r) => `${r.recipientId}\0${r.deviceId}\0${r.id}`));
        } catch (e) {
          for (const a of batch) a.reject(e);
          continue;
        }
        // Each deleted envelope counts once, for the first ack in the batch that named it.
        for (const a of batch) {
          let n = 0;
          for (const id of a.ids) if (deleted.delete(`${a.userId}\0${a.deviceId}\0${id}`)) n++;
          a.resolve(n);
        }
      }
    } finally {
      this.ackFlushing = false;
      if (this.ackQueue.length) {
        this.ackFlushing = true;
        setImmediate(() => void this.flushAcks());
      }
    }
  }

  async sweep(now = new Date()): Promise<number> {
    return (await this.deps.envelopes.sweepExpired(now)) + (await this.deps.committer.sweep(now));
  }
}
