// MLS group relay (docs/PROTOCOL.md §12.8). The server routes group wire messages; it never holds a group
// key and no client takes membership from it. What it does:
// - orders Commits: the first Commit for the group's current epoch wins, any other gets `stale_epoch`
//   (RFC 9420 §14 leaves ordering to the Delivery Service), so honest members never fork;
// - follows the roster from the Commits it orders (Adds by their credential, Removes by leaf), as MIMI's
//   hub does, to refuse senders who are not members and to know whom to deliver to;
// - stores ONE ciphertext per application message, reads its commitment from the MLS authenticated data,
//   and stamps it once per member (§7), plus the sender's own stamp;
// - refuses application messages of any epoch but the current one (nobody encrypts under a stale epoch).
import { randomBytes } from 'node:crypto';
import type { Stamp } from '../../../client/protocol.ts';
import { type GroupWireInfo, inspectGroupWire, publicProposalRef } from '../../../client/group/wire.ts';
import type { ConversationsRepo, MemberStanding } from '../../data/conversations.ts';
import type { GroupDeliveryRow, GroupMembersRepo, GroupMessageRow, GroupRoutingState, PendingGroupItem } from '../../data/group-members.ts';
import { asBytes } from '../../data/_bytes.ts';
import { ConflictError, InputError, NotFoundError, PermissionError } from '../../errors.ts';
import type { BlobsService } from '../blobs/blobs.ts';
import type { BlocksService } from './blocks.ts';
import type { DeliveryHub } from './delivery-hub.ts';
import type { UndeliveredService } from './undelivered.ts';
import type { EnvelopeQuota } from './envelope-quota.ts';
import type { Tx } from '../../data/envelope-usage.ts';
import { assertActive } from '../accounts/enforcement.ts';
import type { StampingService } from '../stamping/stamps.ts';

export interface RosterEntry {
  accountId: string;
  joinedAt: Date;
}

export interface Roster {
  conversationId: string;
  createdBy: string;
  epoch: number;
  members: RosterEntry[];
}

export interface GroupSendResult {
  messageId: string;
  serverTime: number;
  epoch: number;
  kind: GroupWireInfo['kind'];
  /** Application messages: the sender's own stamp (role sender). */
  senderStamp?: Stamp;
}

export interface GroupInboxItem {
  id: string;
  conversationId: string;
  senderId: string;
  kind: GroupMessageRow['kind'];
  epoch: number;
  message: Uint8Array;
  serverTime: number;
  stamp?: Stamp;
}

const toItem = (p: PendingGroupItem): GroupInboxItem => ({
  id: p.message.id, conversationId: p.message.conversationId, senderId: p.message.senderId, kind: p.message.kind, epoch: p.message.epoch,
  message: p.message.ciphertext, serverTime: Number(p.message.serverTime),
  ...(p.kid && p.tag && p.message.commitment
    ? { stamp: { messageId: p.message.id, conversationId: p.message.conversationId, senderId: p.message.senderId, recipientId: p.recipientId, role: 'recipient' as const, serverTime: Number(p.message.serverTime), kid: p.kid, tag: p.tag } }
    : {}),
});

const bad = (why: string) => new InputError('validation_failed', `message: ${why}`);

export class GroupsService {
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private counter = 0;
  private lastTime = 0;

  constructor(
    private readonly deps: {
      members: GroupMembersRepo;
      conversations: ConversationsRepo;
      blobs: BlobsService;
      /** Block lists: an application message is not delivered to members who blocked its sender. */
      blocks: BlocksService;
      /** Records the members refused that way, without content (docs/PROTOCOL.md §8.3.1). */
      undelivered?: UndeliveredService;
      stamping: StampingService;
      hub: DeliveryHub;
      /** Undelivered-bytes quota: checked in the transaction that stores a group message (server/services/relay/envelope-quota.ts). */
      quota?: EnvelopeQuota;
      ttlMs: number;
      /** Largest roster the relay follows (config GROUP_MAX_MEMBERS): bounds the stamps and rows one message costs. */
      maxMembers: number;
    },
  ) {}

  private nextId(): string {
    return `g-${this.idPrefix}-${(this.counter++).toString(36).padStart(10, '0')}`;
  }

  private nextTime(): number {
    this.lastTime = Math.max(Date.now(), this.lastTime);
    return this.lastTime;
  }

  /** The group and its routing state as member `userId` may see it; to anyone else it does not exist. */
  private async visible(userId: string, conversationId: string): Promise<{ createdBy: string; state: GroupRoutingState; members: Map<string, MemberStanding> }> {
    const c = await this.deps.conversations.find(conversationId);
    if (!c || !c.memberIds.includes(userId)) throw new NotFoundError('conversation');
    const state = c.kind === 'group' ? await this.deps.members.state(conversationId) : null;
    if (!state) throw new InputError('validation_failed', 'not an MLS group conversation');
    const members = new Map((await this.deps.conversations.membersWithStanding([conversationId])).map((m) => [m.accountId, m]));
    return { createdBy: c.createdBy, state, members };
  }

  /** The relay's routing view (clients show the roster their MLS state gives them, never this). */
  async roster(userId: string, conversationId: string): Promise<Roster> {
    const { createdBy, state } = await this.visible(userId, conversationId);
    return { conversationId, createdBy, epoch: state.epoch, members: await this.deps.members.roster(conversationId) };
  }

  /** A group message is stored once, so it counts once against its sender's undelivered bytes (docs/API.md "Undelivered quota"). */
  private quotaGuard(senderId: string, bytes: number): ((tx: Tx) => Promise<void>) | undefined {
    const q = this.deps.quota;
    return q?.enabled ? (tx) => q.admitOne(tx, senderId, bytes) : undefined;
  }

  /**
   * Accepts one group wire message from member `userId` (and, with a Commit that adds, its Welcome), sent by its device
   * `senderDeviceId` (the token's; recorded with a refused delivery, docs/PROTOCOL-devices.md D10.3).
   */
  async send(userId: string, conversationId: string, input: { message: Uint8Array; welcome?: Uint8Array | undefined }, senderDeviceId = 1): Promise<GroupSendResult> {
    let info: GroupWireInfo;
    try {
      info = inspectGroupWire(input.message);
    } catch (e) {
      throw bad((e as Error).message);
    }
    if (info.kind === 'welcome') throw bad('a Welcome travels with the Commit that adds the member');
    if (info.conversationId !== conversationId) throw bad('the MLS group id is not this conversation');
    const { state, members } = await this.visible(userId, conversationId);
    const now = new Date();
    assertActive(members.get(userId) as MemberStanding, now);
    if (info.epoch !== state.epoch) throw new ConflictError('stale_epoch', `the group is at epoch ${state.epoch}; this message is for epoch ${info.epoch}`);
    if (info.kind !== 'application' && state.leaves[info.senderLeaf] !== userId) throw new PermissionError('not_a_member', 'the sender leaf is not yours');
    const messageId = this.nextId();
    const serverTime = this.nextTime();
    const expiresAt = new Date(now.getTime() + this.deps.ttlMs);
    const others = [...members.keys()].filter((m) => m !== userId);
    const row = (kind: GroupMessageRow['kind'], ciphertext: Uint8Array, commitment: Uint8Array | null = null): GroupMessageRow => ({
      id: kind === 'welcome' ? `${messageId}.w` : messageId, conversationId, senderId: userId, kind, epoch: state.epoch,
      ciphertext: asBytes(ciphertext), commitment: commitment && asBytes(commitment), serverTime: BigInt(serverTime), expiresAt,
    });

    if (info.kind === 'application') {
      if (input.welcome) throw bad('a Welcome travels with a Commit');
      // §12.8: one ciphertext, one stamp per member over the commitment from the MLS authenticated data.
      const base = { messageId, conversationId, senderId: userId, serverTime };
      // Members who blocked the sender get no copy (handshake messages still reach everyone: they keep the group state).
      const readers = (await this.deps.blocks.withoutBlockers(userId, others.map((recipientId) => ({ recipientId })))).map((r) => r.recipientId);
      const deliveries: GroupDeliveryRow[] = readers.map((recipientId) => {
        const s = this.deps.stamping.stamp({ ...base, recipientId, role: 'recipient' }, info.commitment);
        return { recipientId, kid: s.kid, tag: asBytes(s.tag) };
      });
      await this.deps.members.insertMessage(row('application', input.message, info.commitment), deliveries, this.quotaGuard(userId, input.message.length));
      this.deps.hub.notify(readers);
      if (readers.length < others.length)
        await this.deps.undelivered?.refused({ ...base, senderDeviceId, recipientIds: others.filter((m) => !readers.includes(m)) }); // docs/PROTOCOL.md §8.3.1
      const senderStamp = this.deps.stamping.stamp({ ...base, recipientId: userId, role: 'sender' }, info.commitment);
      return { messageId, serverTime, epoch: state.epoch, kind: 'application', senderStamp };
    }

    if (info.kind === 'proposal') {
      if (input.welcome) throw bad('a Welcome travels with a Commit');
      if (info.removes.length !== 1 || info.removes[0] !== info.senderLeaf) throw bad('only a member leaving may propose (its own Remove)');
      await this.deps.members.addProposal(conversationId, state.epoch, await publicProposalRef(input.message), info.senderLeaf);
      await this.deps.members.insertMessage(row('proposal', input.message), others.map((recipientId) => ({ recipientId, kid: null, tag: null })), this.quotaGuard(userId, input.message.length));
      this.deps.hub.notify(others);
      return { messageId, serverTime, epoch: state.epoch, kind: 'proposal' };
    }

    // Commit: follow the roster (RFC 9420 §12.3: removes, then adds into the leftmost blank leaf, else appended).
    const leaves = [...state.leaves];
    const removed: string[] = [];
    const added: string[] = [];
    for (const c of info.changes) {
      if (c.op === 'add') continue;
      const leaf = c.op === 'remove' ? c.leaf : state.proposals[c.ref];
      if (leaf === undefined) throw bad('the Commit refers to a proposal this relay did not see in this epoch');
      const who = leaves[leaf];
      if (!who) throw bad('the Commit removes a blank leaf');
      if (who === userId) throw bad('a member cannot commit its own removal');
      removed.push(who);
      leaves[leaf] = null;
    }
    for (const c of info.changes) {
      if (c.op !== 'add') continue;
      if (leaves.includes(c.accountId) || added.includes(c.accountId)) throw bad(`${c.accountId} is already in the group`);
      const blank = leaves.indexOf(null);
      if (blank >= 0) leaves[blank] = c.accountId;
      else leaves.push(c.accountId);
      added.push(c.accountId);
    }
    const size = leaves.filter((l) => l !== null).length;
    if (added.length && size > this.deps.maxMembers)
      throw bad(`the Commit would make the group ${size} members; this relay follows groups of at most ${this.deps.maxMembers}`);
    if (added.length && (await this.deps.conversations.countExistingAccounts(added)) !== added.length) throw new NotFoundError('account');
    if (added.length && !input.welcome) throw bad('a Commit that adds members needs its Welcome');
    if (!added.length && input.welcome) throw bad('a Welcome without added members');
    if (input.welcome) {
      let w: GroupWireInfo;
      try {
        w = inspectGroupWire(input.welcome);
      } catch (e) {
        throw bad(`welcome: ${(e as Error).message}`);
      }
      if (w.kind !== 'welcome') throw bad('welcome: not a Welcome');
    }
    const messages = [{ row: row('commit', input.message), deliveries: others.map((recipientId) => ({ recipientId, kid: null, tag: null })) }];
    if (input.welcome) messages.push({ row: row('welcome', input.welcome), deliveries: added.map((recipientId) => ({ recipientId, kid: null, tag: null })) });
    if (!(await this.deps.members.applyCommit(conversationId, state.epoch, leaves, added, removed, messages, this.quotaGuard(userId, input.message.length + (input.welcome?.length ?? 0)))))
      throw new ConflictError('stale_epoch', `another commit for epoch ${state.epoch} was accepted first`);
    for (const r of removed) await this.deps.blobs.forgetMember(conversationId, r);
    this.deps.hub.notify([...others, ...added]);
    return { messageId, serverTime, epoch: state.epoch + 1, kind: 'commit' };
  }

  async pending(userId: string, limit: number): Promise<GroupInboxItem[]> {
    return (await this.deps.members.pending(userId, new Date(), limit)).map(toItem);
  }

  /** Long-poll like the 1:1 relay: returns at once if something waits, else waits up to `waitMs`. */
  async fetch(userId: string, limit: number, waitMs: number, signal?: AbortSignal): Promise<GroupInboxItem[]> {
    const first = await this.pending(userId, limit);
    if (first.length || waitMs <= 0 || signal?.aborted) return first;
    await this.deps.hub.waitFor(userId, waitMs, signal);
    return signal?.aborted ? [] : this.pending(userId, limit);
  }

  async ack(userId: string, ids: string[]): Promise<number> {
    return this.deps.members.ack(userId, ids);
  }

  async sweep(now = new Date()): Promise<number> {
    return this.deps.members.sweep(now);
  }
}
