// Send receipts for idempotent sends (model SendReceipt). The receipts of a batch and its envelopes commit in ONE
// transaction, with the quota check (server/services/relay/envelope-quota.ts): a receipt that loses the race for its (sender, clientMessageId) to another process takes its
// envelopes out of the transaction, so a retried send never creates a second message.
import { Prisma } from '../../generated/sqlite/client.ts';
import type { Bytes } from './_bytes.ts';
import type { Db } from '../db.ts';
import type { Tx } from './envelope-usage.ts';
import { type EnvelopeRow, INSERT_CHUNK, insertSql } from './envelopes.ts';

export interface SendReceiptRow {
  senderId: string;
  clientMessageId: string;
  messageId: string;
  conversationId: string;
  commitment: Bytes;
  serverTime: bigint;
  kid: string;
  tag: Bytes;
  expiresAt: Date;
}

/** Every send batch is one transaction: wait for a connection (or SQLite's one writer) longer than Prisma's 2 s default under load. */
const TX_OPTIONS = { maxWait: 10_000, timeout: 30_000 };

type Key = readonly [senderId: string, clientMessageId: string];
const keyOf = (senderId: string, clientMessageId: string) => `${senderId}\0${clientMessageId}`;

export function sendReceiptsRepo(db: Db) {
  return {
    /** Receipts for these (sender, clientMessageId) keys, by `keyOf`. */
    async find(keys: readonly Key[]): Promise<Map<string, SendReceiptRow>> {
      const out = new Map<string, SendReceiptRow>();
      if (keys.length === 0) return out;
      const rows = await db.sendReceipt.findMany({
        where: { OR: keys.map(([senderId, clientMessageId]) => ({ senderId, clientMessageId })) },
      });
      for (const r of rows) out.set(keyOf(r.senderId, r.clientMessageId), r as SendReceiptRow);
      return out;
    },

    /**
     * In ONE transaction: runs `guard` (the undelivered-bytes quota, server/services/relay/envelope-quota.ts), which
     * refuses some sends; inserts the receipts of the others (skipping keys that exist) and the envelopes of the
     * sends without a receipt and of those whose receipt was inserted. Returns the keys whose receipts were
     * inserted and, per send, the guard's refusal or null.
     */
    async commit<E>(
      sends: ReadonlyArray<{ receipt: SendReceiptRow | null; rows: EnvelopeRow[] }>,
      guard?: (tx: Tx) => Promise<Array<E | null>>,
    ): Promise<{ won: Set<string>; refused: Array<E | null> }> {
      return db.$transaction(async (tx) => {
        const refused = guard ? await guard(tx) : sends.map(() => null);
        const admitted = sends.filter((_, i) => !refused[i]);
        const receipts = admitted.flatMap((s) => (s.receipt ? [s.receipt] : []));
        const won = receipts.length
          ? await tx.$queryRaw<Array<{ senderId: string; clientMessageId: string }>>`INSERT INTO "SendReceipt"
          ("senderId","clientMessageId","messageId","conversationId","commitment","serverTime","kid","tag","expiresAt")
          VALUES ${Prisma.join(receipts.map((r) => Prisma.sql`(${r.senderId},${r.clientMessageId},${r.messageId},${r.conversationId},${r.commitment},${r.serverTime},${r.kid},${r.tag},${r.expiresAt})`))}
          ON CONFLICT DO NOTHING RETURNING "senderId","clientMessageId"`
          : [];
        const keys = new Set(won.map((w) => keyOf(w.senderId, w.clientMessageId)));
        const rows: EnvelopeRow[] = [];
        for (const { receipt, rows: r } of admitted) if (!receipt || keys.has(keyOf(receipt.senderId, receipt.clientMessageId))) rows.push(...r);
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) await tx.$executeRaw(insertSql(rows.slice(i, i + INSERT_CHUNK)));
        return { won: keys, refused };
      }, TX_OPTIONS);
    },

    async sweepExpired(now: Date): Promise<number> {
      const { count } = await db.sendReceipt.deleteMany({ where: { expiresAt: { lte: now } } });
      return count;
    },
  };
}
export type SendReceiptsRepo = ReturnType<typeof sendReceiptsRepo>;
export { keyOf as receiptKey };
