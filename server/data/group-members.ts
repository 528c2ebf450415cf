// MLS groups on the server (docs/PROTOCOL.md §12.8): the routing view (epoch, leaf → (account, device), relayed leave
// proposals), the ConversationMember rows (one per account) the relay's membership checks read, and the group message
// store — ONE ciphertext row per message plus one delivery row (with the account's stamp) per recipient device
// (docs/PROTOCOL-devices.md D14.2).
import type { Db } from '../db.ts';
import type { Tx } from './envelope-usage.ts';
import type { Bytes } from './_bytes.ts';

export interface MemberRow {
  accountId: string;
  joinedAt: Date;
}

/** One leaf of the relay's roster: the (account, device) its credential names (docs/PROTOCOL-devices.md D14.2). */
export interface RosterLeaf {
  accountId: string;
  deviceId: number;
}

export interface GroupRoutingState {
  conversationId: string;
  epoch: number;
  leaves: Array<RosterLeaf | null>;
  proposals: Record<string, number>;
}

export interface GroupMessageRow {
  id: string;
  conversationId: string;
  senderId: string;
  kind: 'application' | 'commit' | 'proposal' | 'welcome';
  epoch: number;
  ciphertext: Bytes;
  commitment: Bytes | null;
  serverTime: bigint;
  expiresAt: Date;
}

export interface GroupDeliveryRow {
  recipientId: string;
  /** The member device this copy is for (D14.2). */
  deviceId: number;
  kid: string | null;
  tag: Bytes | null;
}

export interface PendingGroupItem {
  message: Omit<GroupMessageRow, 'expiresAt'>;
  recipientId: string;
  kid: string | null;
  tag: Bytes | null;
}

// Stored leaves (MlsGroupState.leaves): an account id is that account's device 1 (every row from before devices),
// `[accountId, deviceId]` any other device, null a blank leaf. Device 1 is still written as a bare id.
type StoredLeaf = string | [string, number] | null;
const leafIn = (l: StoredLeaf): RosterLeaf | null => (l === null ? null : typeof l === 'string' ? { accountId: l, deviceId: 1 } : { accountId: l[0], deviceId: l[1] });
const leafOut = (l: RosterLeaf | null): StoredLeaf => (l === null ? null : l.deviceId === 1 ? l.accountId : [l.accountId, l.deviceId]);
export const encodeLeaves = (leaves: ReadonlyArray<RosterLeaf | null>): string => JSON.stringify(leaves.map(leafOut));

const toState = (r: { conversationId: string; epoch: bigint; leaves: string; proposals: string }): GroupRoutingState => ({
  conversationId: r.conversationId, epoch: Number(r.epoch),
  leaves: (JSON.parse(r.leaves) as StoredLeaf[]).map(leafIn), proposals: JSON.parse(r.proposals) as Record<string, number>,
});

export function groupMembersRepo(db: Db) {
  return {
    async roster(conversationId: string): Promise<MemberRow[]> {
      return db.conversationMember.findMany({ where: { conversationId }, select: { accountId: true, joinedAt: true }, orderBy: { accountId: 'asc' } });
    },

    async state(conversationId: string): Promise<GroupRoutingState | null> {
      const r = await db.mlsGroupState.findUnique({ where: { conversationId } });
      return r ? toState(r) : null;
    },

    async initState(conversationId: string, creator: string): Promise<void> {
      await db.mlsGroupState.create({ data: { conversationId, epoch: 0n, leaves: JSON.stringify([creator]), proposals: '{}' } });
    },

    /** Records a relayed leave proposal for the current epoch (no-op if the epoch moved on meanwhile). */
    async addProposal(conversationId: string, epoch: number, ref: string, leaf: number): Promise<void> {
      await db.$transaction(async (tx) => {
        const r = await tx.mlsGroupState.findUnique({ where: { conversationId } });
        if (!r || Number(r.epoch) !== epoch) return;
        const proposals = { ...(JSON.parse(r.proposals) as Record<string, number>), [ref]: leaf };
        await tx.mlsGroupState.update({ where: { conversationId }, data: { proposals: JSON.stringify(proposals) } });
      });
    },

    /**
     * Moves the group from `fromEpoch` to `fromEpoch + 1` with the new leaves, adds and removes the routing
     * members, and stores the commit (and Welcome) with their deliveries — all or nothing. Returns false when
     * another commit won `fromEpoch` first (optimistic concurrency on the epoch column).
     */
    async applyCommit(
      conversationId: string,
      fromEpoch: number,
      leaves: Array<RosterLeaf | null>,
      added: string[],
      removed: string[],
      messages: Array<{ row: GroupMessageRow; deliveries: GroupDeliveryRow[] }>,
      guard?: (tx: Tx) => Promise<void>,
    ): Promise<boolean> {
      return db.$transaction(async (tx) => {
        await guard?.(tx);
        const { count } = await tx.mlsGroupState.updateMany({
          where: { conversationId, epoch: BigInt(fromEpoch) },
          data: { epoch: BigInt(fromEpoch + 1), leaves: encodeLeaves(leaves), proposals: '{}' },
        });
        if (count !== 1) return false;
        if (removed.length) await tx.conversationMember.deleteMany({ where: { conversationId, accountId: { in: removed } } });
        for (const accountId of added) await tx.conversationMember.upsert({ where: { conversationId_accountId: { conversationId, accountId } }, create: { conversationId, accountId }, update: {} });
        for (const m of messages) await insertMessage(tx, m.row, m.deliveries);
        return true;
      });
    },

    /** One ciphertext, many deliveries, atomically; `guard` (the quota) runs first in the same transaction and may refuse. */
    async insertMessage(row: GroupMessageRow, deliveries: GroupDeliveryRow[], guard?: (tx: Tx) => Promise<void>): Promise<void> {
      await db.$transaction(async (tx) => {
        await guard?.(tx);
        await insertMessage(tx, row, deliveries);
      });
    },

    /** What waits for one device of a member (D14.2: deliveries are per device). */
    async pending(recipientId: string, deviceId: number, now: Date, limit: number): Promise<PendingGroupItem[]> {
      const rows = await db.groupDelivery.findMany({
        where: { recipientId, deviceId: BigInt(deviceId), expiresAt: { gt: now } },
        orderBy: [{ serverTime: 'asc' }, { messageId: 'asc' }],
        take: limit,
        include: { message: { select: { id: true, conversationId: true, senderId: true, kind: true, epoch: true, ciphertext: true, commitment: true, serverTime: true } } },
      });
      return rows.map((r) => ({
        recipientId: r.recipientId, kid: r.kid, tag: r.tag as Bytes | null,
        message: { ...r.message, kind: r.message.kind as GroupMessageRow['kind'], epoch: Number(r.message.epoch), ciphertext: r.message.ciphertext as Bytes, commitment: r.message.commitment as Bytes | null },
      }));
    },

    /** Deletes the calling device's deliveries, then every message no delivery refers to any more. */
    async ack(recipientId: string, deviceId: number, messageIds: string[]): Promise<number> {
      return db.$transaction(async (tx) => {
        const { count } = await tx.groupDelivery.deleteMany({ where: { recipientId, deviceId: BigInt(deviceId), messageId: { in: messageIds } } });
        await tx.groupMessage.deleteMany({ where: { id: { in: messageIds }, deliveries: { none: {} } } });
        return count;
      });
    },

    async sweep(now: Date): Promise<number> {
      await db.groupDelivery.deleteMany({ where: { expiresAt: { lte: now } } });
      const { count } = await db.groupMessage.deleteMany({ where: { OR: [{ expiresAt: { lte: now } }, { deliveries: { none: {} } }] } });
      return count;
    },
  };
}
export type GroupMembersRepo = ReturnType<typeof groupMembersRepo>;

async function insertMessage(tx: Tx, row: GroupMessageRow, deliveries: GroupDeliveryRow[]): Promise<void> {
  await tx.groupMessage.create({ data: { ...row, epoch: BigInt(row.epoch) } });
  if (deliveries.length)
    await tx.groupDelivery.createMany({
      data: deliveries.map((d) => ({ messageId: row.id, recipientId: d.recipientId, deviceId: BigInt(d.deviceId), kid: d.kid, tag: d.tag, serverTime: row.serverTime, expiresAt: row.expiresAt })),
    });
}
