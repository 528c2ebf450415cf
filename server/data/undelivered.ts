// Undelivered records (docs/PROTOCOL.md §8.3.1): deliveries the relay did not make — refused because the
// recipient had blocked the sender, or expired before the recipient collected them. Metadata only: no
// ciphertext, no commitment, no content. Kept until the message's report window ends.
import { Prisma } from '../../generated/sqlite/client.ts';
import type { Db } from '../db.ts';

export type UndeliveredReason = 'blocked' | 'expired';

export interface UndeliveredRow {
  messageId: string;
  recipientId: string;
  conversationId: string;
  senderId: string;
  /** The sending device (docs/PROTOCOL-devices.md D10.3); 1 for the single-device body and rows before devices. */
  senderDeviceId: bigint;
  serverTime: bigint;
  reason: UndeliveredReason;
  expiresAt: Date;
}

/** An envelope past its time to live; `copy` for a per-device copy (docs/PROTOCOL-devices.md D13.1), null for a single-device one. */
export interface ExpiringEnvelope extends Omit<UndeliveredRow, 'reason' | 'expiresAt'> {
  id: string;
  copy: { targetDeviceId: number; copyKind: number; targetListVersion: number } | null;
}

/** Rows per INSERT: 8 parameters each, far below SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 256;

export function undeliveredRepo(db: Db) {
  return {
    /** Idempotent: a (messageId, recipientId) already recorded keeps its first reason. */
    async add(rows: readonly UndeliveredRow[]): Promise<void> {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        await db.$executeRaw`INSERT INTO "UndeliveredRecord" ("messageId","recipientId","conversationId","senderId","senderDeviceId","serverTime","reason","expiresAt")
          VALUES ${Prisma.join(chunk.map((r) => Prisma.sql`(${r.messageId},${r.recipientId},${r.conversationId},${r.senderId},${r.senderDeviceId},${r.serverTime},${r.reason},${r.expiresAt})`))}
          ON CONFLICT ("messageId","recipientId") DO NOTHING`;
      }
    },

    /**
     * Envelopes past their time to live, not yet acknowledged (what the sweeper is about to delete), in id order after
     * `afterId`. A single-device envelope (no sender device) is device 1's (D17.3).
     */
    async expiringEnvelopes(now: Date, limit: number, afterId?: string): Promise<ExpiringEnvelope[]> {
      const rows = await db.envelope.findMany({
        where: { expiresAt: { lte: now }, ...(afterId !== undefined ? { id: { gt: afterId } } : {}) },
        select: { id: true, messageId: true, recipientId: true, conversationId: true, senderId: true, senderDeviceId: true, serverTime: true, targetDeviceId: true, copyKind: true, targetListVersion: true },
        orderBy: { id: 'asc' },
        take: limit,
      });
      return rows.map((r) => ({
        id: r.id, messageId: r.messageId, recipientId: r.recipientId, conversationId: r.conversationId, senderId: r.senderId, senderDeviceId: r.senderDeviceId ?? 1n, serverTime: r.serverTime,
        copy: r.targetDeviceId === null || r.targetListVersion === null ? null : { targetDeviceId: Number(r.targetDeviceId), copyKind: r.copyKind ?? 1, targetListVersion: Number(r.targetListVersion) },
      }));
    },

    /** The devices whose copies of each message to each account are still waiting (expired ones included). */
    async waitingCopies(pairs: ReadonlyArray<{ messageId: string; recipientId: string }>): Promise<Array<{ messageId: string; recipientId: string; targetDeviceId: number }>> {
      const where = { recipientId: { in: [...new Set(pairs.map((p) => p.recipientId))] }, messageId: { in: [...new Set(pairs.map((p) => p.messageId))] }, targetDeviceId: { not: null } };
      const rows = await db.envelope.findMany({ where, select: { messageId: true, recipientId: true, targetDeviceId: true } });
      return rows.map((r) => ({ messageId: r.messageId, recipientId: r.recipientId, targetDeviceId: Number(r.targetDeviceId) }));
    },

    /** Records for one reporter, conversation, sender and sending device with serverTime in [from, to], oldest first. */
    async between(q: { recipientId: string; conversationId: string; senderId: string; senderDeviceId: bigint; from: bigint; to: bigint }): Promise<Array<{ messageId: string; serverTime: bigint; reason: string }>> {
      return db.undeliveredRecord.findMany({
        where: { recipientId: q.recipientId, conversationId: q.conversationId, senderId: q.senderId, senderDeviceId: q.senderDeviceId, serverTime: { gte: q.from, lte: q.to } },
        select: { messageId: true, serverTime: true, reason: true },
        orderBy: [{ serverTime: 'asc' }, { messageId: 'asc' }],
      });
    },

    async sweep(now: Date): Promise<number> {
      return (await db.undeliveredRecord.deleteMany({ where: { expiresAt: { lte: now } } })).count;
    },
  };
}
export type UndeliveredRepo = ReturnType<typeof undeliveredRepo>;
