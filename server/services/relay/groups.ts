// MLS group relay (docs/PROTOCOL.md §12.8). The server routes group wire messages; it never holds a group
// key and no client takes membership from it. What it does:
// - orders Commits: the first Commit for the group's current epoch wins, any other gets `stale_epoch`
//   (RFC 9420 §14 leaves ordering to the Delivery Service), so honest members never fork;
// - follows the roster from the Commits it orders (Adds by their credential's (accountId, deviceId), Removes by
//   leaf), as MIMI's hub does, to refuse senders who are not members and to know whom to deliver to — per leaf,
//   so a person holds one leaf per listed device (docs/PROTOCOL-devices.md D14.2);
// - stores ONE ciphertext per application message, reads its commitment from the MLS authenticated data,
//   stamps it once per member account (§7), plus the sender's own stamp, and delivers it to every member device
//   (the sender's own other devices with the sender stamp, like 1:1 own copies, D13.1);
// - refuses application messages of any epoch but the current one (nobody encrypts under a stale epoch).
import { randomBytes } from 'node:crypto';
import type { Stamp } from '../../../client/protocol.ts';
import { type GroupWireInfo, inspectGroupWire, publicProposalRef } from '../../../client/group/wire.ts';
import type { ConversationsRepo, MemberStanding } from '../../data/conversations.ts';
import type { GroupDeliveryRow, GroupMembersRepo, GroupMessageRow, GroupRoutingState, PendingGroupItem, RosterLeaf } from '../../data/group-members.ts';
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
    // The sender's own other devices hold the sender stamp (role sender, D14.2); every other member its recipient stamp.
    ? { stamp: { messageId: p.message.id, conversationId: p.message.conversationId, senderId: p.message.senderId, recipientId: p.recipientId, role: p.recipientId === p.message.senderId ? ('sender' as const) : ('recipient' as const), serverTime: Number(p.message.serverTime), kid: p.kid, tag: p.tag } }
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
      /** Largest roster the relay follows in accounts (config GROUP_MAX_MEMBERS): bounds the stamps one message costs. */
      maxMembers: number;
      /** Largest roster in leaves (GROUP_MAX_LEAVES, docs/PROTOCOL-devices.md D14.3): bounds the delivery rows; default 4 × maxMembers. */
      maxLeaves?: number;
      /**
       * The accounts' current logged device lists (DevicesService.currentDevices; null: no list, device 1 only, D17.2).
       * Adds of unlisted devices are refused and removed devices get nothing more (D14.2, D13.6). Without it every
       * leaf's device counts as current.
       */
      currentDevices?: (accountIds: readonly string[]) => Promise<Map<string, { deviceIds: number[] } | null>>;
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

  /** Device ids currently listed per account (an account without a list: device 1). */
  private async listed(accountIds: readonly string[]): Promise<Map<string, Set<number>> | null> {
    if (!this.deps.currentDevices || !accountIds.length) return null;
    const found = await this.deps.currentDevices(accountIds);
    return new Map(accountIds.map((id) => [id, new Set(found.get(id)?.deviceIds ?? [1])]));
  }

  /**
   * The member devices to deliver to (D14.2): each leaf's (account, device) of these accounts, minus `except`, and
   * only devices still in their account's current list — a removed device gets nothing from the moment its list is
   * logged (D13.6), even before the members' R1 Commit removes its leaf (D14.4).
   */
  private async devicesOf(leaves: ReadonlyArray<RosterLeaf | null>, accounts: ReadonlySet<string>, except?: RosterLeaf): Promise<RosterLeaf[]> {
    const seen = new Set<string>();
    const out: RosterLeaf[] = [];
    for (const l of leaves) {
      if (!l || !accounts.has(l.accountId) || (except && l.accountId === except.accountId && l.deviceId === except.deviceId)) continue;
      const key = `${l.accountId}#${l.deviceId}`;
      if (!seen.has(key)) out.push(l);
      seen.add(key);
    }
    const listed = await this.listed([...new Set(out.map((l) => l.accountId))]);
    return listed ? out.filter((l) => listed.get(l.accountId)?.has(l.deviceId)) : out;
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
    // Leaf 0 of a new group is the creating device: the relay learns which from that device's first handshake.
    const stateLeaves = state.epoch === 0 && info.kind !== 'application' && info.senderLeaf === 0 && state.leaves[0]?.accountId === userId
      ? [{ accountId: userId, deviceId: senderDeviceId }, ...state.leaves.slice(1)] : state.leaves;
    if (info.kind !== 'application' && stateLeaves[info.senderLeaf]?.accountId !== userId) throw new PermissionError('not_a_member', 'the sender leaf is not yours');
    const messageId = this.nextId();
    const serverTime = this.nextTime();
    const expiresAt = new Date(now.getTime() + this.deps.ttlMs);
    const others = [...members.keys()].filter((m) => m !== userId);
    const me: RosterLeaf = { accountId: userId, deviceId: senderDeviceId };
    // Every member device but the sending one: the sender's own other devices included (D14.2).
    const everyDevice = await this.devicesOf(stateLeaves, new Set(members.keys()), me);
    const plain = (to: readonly RosterLeaf[]): GroupDeliveryRow[] => to.map((l) => ({ recipientId: l.accountId, deviceId: l.deviceId, kid: null, tag: null }));
    const row = (kind: GroupMessageRow['kind'], ciphertext: Uint8Array, commitment: Uint8Array | null = null): GroupMessageRow => ({
      id: kind === 'welcome' ? `${messageId}.w` : messageId, conversationId, senderId: userId, kind, epoch: state.epoch,
      ciphertext: asBytes(ciphertext), commitment: commitment && asBytes(commitment), serverTime: BigInt(serverTime), expiresAt,
    });

    if (info.kind === 'application') {
      if (input.welcome) throw bad('a Welcome travels with a Commit');
      // §12.8: one ciphertext, one stamp per member account over the commitment from the MLS authenticated data,
      // delivered with each of that account's devices (D14.2).
      const base = { messageId, conversationId, senderId: userId, serverTime };
      // Members who blocked the sender get no copy (handshake messages still reach everyone: they keep the group state).
      const readers = (await this.deps.blocks.withoutBlockers(userId, others.map((recipientId) => ({ recipientId })))).map((r) => r.recipientId);
      const senderStamp = this.deps.stamping.stamp({ ...base, recipientId: userId, role: 'sender' }, info.commitment);
      const stamps = new Map(readers.map((recipientId) => [recipientId, this.deps.stamping.stamp({ ...base, recipientId, role: 'recipient' }, info.commitment)]));
      stamps.set(userId, senderStamp);
      const deliveries: GroupDeliveryRow[] = everyDevice.filter((l) => stamps.has(l.accountId)).map((l) => {
        const st = stamps.get(l.accountId) as Stamp;
        return { recipientId: l.accountId, deviceId: l.deviceId, kid: st.kid, tag: asBytes(st.tag) };
      });
      await this.deps.members.insertMessage(row('application', input.message, info.commitment), deliveries, this.quotaGuard(userId, input.message.length));
      this.deps.hub.notify([...new Set(deliveries.map((d) => d.recipientId))]);
      if (readers.length < others.length)
        await this.deps.undelivered?.refused({ ...base, senderDeviceId, recipientIds: others.filter((m) => !readers.includes(m)) }); // docs/PROTOCOL.md §8.3.1
      return { messageId, serverTime, epoch: state.epoch, kind: 'application', senderStamp };
    }

    if (info.kind === 'proposal') {
      if (input.welcome) throw bad('a Welcome travels with a Commit');
      if (info.removes.length !== 1 || info.removes[0] !== info.senderLeaf) throw bad('only a member leaving may propose (its own Remove)');
      await this.deps.members.addProposal(conversationId, state.epoch, await publicProposalRef(input.message), info.senderLeaf);
      await this.deps.members.insertMessage(row('proposal', input.message), plain(everyDevice), this.quotaGuard(userId, input.message.length));
      this.deps.hub.notify([...members.keys()]);
      return { messageId, serverTime, epoch: state.epoch, kind: 'proposal' };
    }

    // Commit: follow the roster per leaf (RFC 9420 §12.3: removes, then adds into the leftmost blank leaf, else appended).
    const leaves = [...stateLeaves];
    const removedLeaves: RosterLeaf[] = [];
    const addedLeaves: RosterLeaf[] = [];
    for (const c of info.changes) {
      if (c.op === 'add') continue;
      const leaf = c.op === 'remove' ? c.leaf : state.proposals[c.ref];
      if (leaf === undefined) throw bad('the Commit refers to a proposal this relay did not see in this epoch');
      const who = leaves[leaf];
      if (!who) throw bad('the Commit removes a blank leaf');
      if (leaf === info.senderLeaf) throw bad('a member cannot commit its own removal');
      removedLeaves.push(who);
      leaves[leaf] = null;
    }
    const holds = (l: RosterLeaf) => leaves.some((x) => x?.accountId === l.accountId && x.deviceId === l.deviceId);
    for (const c of info.changes) {
      if (c.op !== 'add') continue;
      const l = { accountId: c.accountId, deviceId: c.deviceId };
      if (holds(l)) throw bad(`device ${c.deviceId} of ${c.accountId} is already in the group`);
      const blank = leaves.indexOf(null);
      if (blank >= 0) leaves[blank] = l;
      else leaves.push(l);
      addedLeaves.push(l);
    }
    const accountsOf = (ls: ReadonlyArray<RosterLeaf | null>) => new Set(ls.filter((l): l is RosterLeaf => l !== null).map((l) => l.accountId));
    const before = accountsOf(stateLeaves);
    const after = accountsOf(leaves);
    // People: an account with no leaf before the Commit is added, one with none left after it is removed (D14.4).
    const added = [...new Set(addedLeaves.map((l) => l.accountId))].filter((a) => !before.has(a));
    const removed = [...new Set(removedLeaves.map((l) => l.accountId))].filter((a) => !after.has(a));
    if (addedLeaves.length && after.size > this.deps.maxMembers)
      throw bad(`the Commit would make the group ${after.size} members; this relay follows groups of at most ${this.deps.maxMembers}`);
    const maxLeaves = this.deps.maxLeaves ?? 4 * this.deps.maxMembers;
    const leafCount = leaves.filter((l) => l !== null).length;
    if (addedLeaves.length && leafCount > maxLeaves)
      throw bad(`the Commit would make the group ${leafCount} leaves; this relay follows groups of at most ${maxLeaves}`);
    if (added.length && (await this.deps.conversations.countExistingAccounts(added)) !== added.length) throw new NotFoundError('account');
    if (addedLeaves.length) {
      // D14.2: an added leaf's device must be in its account's current logged list (a convenience for honest
      // clients; the check that counts is D14.1 at every member).
      const listed = await this.listed([...new Set(addedLeaves.map((l) => l.accountId))]);
      const ghost = listed && addedLeaves.find((l) => !listed.get(l.accountId)?.has(l.deviceId));
      if (ghost) throw bad(`device ${ghost.deviceId} is not in the current device list of ${ghost.accountId}`);
    }
    if (addedLeaves.length && !input.welcome) throw bad('a Commit that adds members needs its Welcome');
    if (!addedLeaves.length && input.welcome) throw bad('a Welcome without added members');
    if (input.welcome) {
      let w: GroupWireInfo;
      try {
        w = inspectGroupWire(input.welcome);
      } catch (e) {
        throw bad(`welcome: ${(e as Error).message}`);
      }
      if (w.kind !== 'welcome') throw bad('welcome: not a Welcome');
    }
    // The Commit reaches every device that had a leaf (removed ones included, so they learn it); the Welcome the added devices.
    const messages = [{ row: row('commit', input.message), deliveries: plain(everyDevice) }];
    if (input.welcome) messages.push({ row: row('welcome', input.welcome), deliveries: plain(addedLeaves) });
    if (!(await this.deps.members.applyCommit(conversationId, state.epoch, leaves, added, removed, messages, this.quotaGuard(userId, input.message.length + (input.welcome?.length ?? 0)))))
      throw new ConflictError('stale_epoch', `another commit for epoch ${state.epoch} was accepted first`);
    for (const r of removed) await this.deps.blobs.forgetMember(conversationId, r);
    this.deps.hub.notify([...members.keys(), ...added]);
    return { messageId, serverTime, epoch: state.epoch + 1, kind: 'commit' };
  }

  /** What waits for device `deviceId` of member `userId` (D14.2: each device fetches and acknowledges its own copies). */
  async pending(userId: string, limit: number, deviceId = 1): Promise<GroupInboxItem[]> {
    return (await this.deps.members.pending(userId, deviceId, new Date(), limit)).map(toItem);
  }

  /** Long-poll like the 1:1 relay: returns at once if something waits, else waits up to `waitMs`. */
  async fetch(userId: string, limit: number, waitMs: number, signal?: AbortSignal, deviceId = 1): Promise<GroupInboxItem[]> {
    const first = await this.pending(userId, limit, deviceId);
    if (first.length || waitMs <= 0 || signal?.aborted) return first;
    await this.deps.hub.waitFor(userId, waitMs, signal);
    return signal?.aborted ? [] : this.pending(userId, limit, deviceId);
  }

  async ack(userId: string, ids: string[], deviceId = 1): Promise<number> {
    return this.deps.members.ack(userId, deviceId, ids);
  }

  async sweep(now = new Date()): Promise<number> {
    return this.deps.members.sweep(now);
  }
}
