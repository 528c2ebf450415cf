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
    async expiringEnvelopes(now: Date, limit: number, afterId?: string): Promise<Array<Omit<UndeliveredRow, 'reason' | 'expiresAt'> & { id: string }>> {
      const rows = await db.envelope.findMany({
        where: { expiresAt: { lte: now }, ...(afterId !== undefined ? { id: { gt: afterId } } : {}) },
        select: { id: true, messageId: true, recipientId: true, conversationId: true, senderId: true, senderDeviceId: true, serverTime: true },
        orderBy: { id: 'asc' },
        take: limit,
      });
      return rows.map((r) => ({ ...r, senderDeviceId: r.senderDeviceId ?? 1n }));
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
