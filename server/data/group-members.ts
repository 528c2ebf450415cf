// MLS groups on the server (docs/PROTOCOL.md §12.8): the routing view (epoch, leaf → account, relayed leave
// proposals), the ConversationMember rows the relay's membership checks read, and the group message store —
// ONE ciphertext row per message plus one delivery row (with the member's stamp) per recipient.
import type { Db } from '../db.ts';
import type { Tx } from './envelope-usage.ts';
import type { Bytes } from './_bytes.ts';

export interface MemberRow {
  accountId: string;
  joinedAt: Date;
}

export interface GroupRoutingState {
  conversationId: string;
  epoch: number;
  leaves: Array<string | null>;
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
  kid: string | null;
  tag: Bytes | null;
}

export interface PendingGroupItem {
  message: Omit<GroupMessageRow, 'expiresAt'>;
  recipientId: string;
  kid: string | null;
  tag: Bytes | null;
}

const toState = (r: { conversationId: string; epoch: bigint; leaves: string; proposals: string }): GroupRoutingState => ({
  conversationId: r.conversationId, epoch: Number(r.epoch),
  leaves: JSON.parse(r.leaves) as Array<string | null>, proposals: JSON.parse(r.proposals) as Record<string, number>,
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
      leaves: Array<string | null>,
      added: string[],
      removed: string[],
      messages: Array<{ row: GroupMessageRow; deliveries: GroupDeliveryRow[] }>,
      guard?: (tx: Tx) => Promise<void>,
    ): Promise<boolean> {
      return db.$transaction(async (tx) => {
        await guard?.(tx);
        const { count } = await tx.mlsGroupState.updateMany({
          where: { conversationId, epoch: BigInt(fromEpoch) },
          data: { epoch: BigInt(fromEpoch + 1), leaves: JSON.stringify(leaves), proposals: '{}' },
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

    async pending(recipientId: string, now: Date, limit: number): Promise<PendingGroupItem[]> {
      const rows = await db.groupDelivery.findMany({
        where: { recipientId, expiresAt: { gt: now } },
        orderBy: [{ serverTime: 'asc' }, { messageId: 'asc' }],
        take: limit,
        include: { message: { select: { id: true, conversationId: true, senderId: true, kind: true, epoch: true, ciphertext: true, commitment: true, serverTime: true } } },
      });
      return rows.map((r) => ({
        recipientId: r.recipientId, kid: r.kid, tag: r.tag as Bytes | null,
        message: { ...r.message, kind: r.message.kind as GroupMessageRow['kind'], epoch: Number(r.message.epoch), ciphertext: r.message.ciphertext as Bytes, commitment: r.message.commitment as Bytes | null },
      }));
    },

    /** Deletes the caller's deliveries, then every message no delivery refers to any more. */
    async ack(recipientId: string, messageIds: string[]): Promise<number> {
      return db.$transaction(async (tx) => {
        const { count } = await tx.groupDelivery.deleteMany({ where: { recipientId, messageId: { in: messageIds } } });
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
      data: deliveries.map((d) => ({ messageId: row.id, recipientId: d.recipientId, kid: d.kid, tag: d.tag, serverTime: row.serverTime, expiresAt: row.expiresAt })),
    });
}
