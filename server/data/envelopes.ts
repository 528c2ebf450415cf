// Undelivered ciphertexts. A row exists only between send and acknowledgement (or TTL expiry): the
// server keeps no per-message franking state after delivery (docs/API.md "Privacy").
//
// Hot path (send / fetch / ack) uses Prisma's raw SQL API ($executeRaw / $queryRaw tagged templates):
// parameters are still bound by Prisma and its driver adapter, but the query compiler and the per-field
// result/argument mapping of the model API are skipped (createMany: ~270 µs per row → ~45 µs per row on
// the benchmark machine; docs/BENCHMARKS.md "Server"). Quoted identifiers and VALUES lists are portable;
// where a statement differs per provider (id lists, blob encoding) it branches on dbProvider(db). Lists
// travel as ONE parameter (SQLite json_each, PostgreSQL arrays), so those statements have a fixed text.
import { Prisma } from '../../generated/sqlite/client.ts';
import type { Bytes } from './_bytes.ts';
import { type Db, dbProvider } from '../db.ts';

export interface EnvelopeRow {
  id: string;
  messageId: string;
  conversationId: string;
  senderId: string;
  recipientId: string;
  ciphertext: Bytes;
  commitment: Bytes;
  serverTime: bigint;
  kid: string;
  tag: Bytes;
  expiresAt: Date;
}

/** Rows per INSERT statement: 11 parameters each, far below SQLite's 32,766 and PostgreSQL's 65,535. */
export const INSERT_CHUNK = 256;
/** Expired envelopes deleted per statement by the sweeper (PostgreSQL). */
const SWEEP_BATCH = 5000;

/** One INSERT of envelope rows (also used inside the idempotent-send transaction, server/data/send-receipts.ts). */
export const insertSql = (rows: EnvelopeRow[]) => Prisma.sql`INSERT INTO "Envelope"
  ("id","messageId","conversationId","senderId","recipientId","ciphertext","commitment","serverTime","kid","tag","expiresAt")
  VALUES ${Prisma.join(rows.map((r) => Prisma.sql`(${r.id},${r.messageId},${r.conversationId},${r.senderId},${r.recipientId},${r.ciphertext},${r.commitment},${r.serverTime},${r.kid},${r.tag},${r.expiresAt})`))}`;

/** What fetch/push need of a pending envelope (expiresAt is not read back). */
export type PendingEnvelope = Omit<EnvelopeRow, 'expiresAt'>;

/** A fetched row: blobs come back hex-encoded (cheaper through the raw-result path than Bytes values). */
interface PendingRaw {
  id: string;
  messageId: string;
  conversationId: string;
  senderId: string;
  serverTime: bigint | number | string;
  kid: string;
  c: string;
  m: string;
  t: string;
}

const fromHex = (h: string): Bytes => {
  const b = Buffer.from(h, 'hex');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength) as Bytes;
};

export function envelopesRepo(db: Db) {
  const sqlite = dbProvider(db) === 'sqlite';
  const hex = (column: string) => (sqlite ? Prisma.raw(`hex("${column}")`) : Prisma.raw(`encode("${column}", 'hex')`));
  return {
    /** A whole batch of sends (group commit) in one statement — or, above INSERT_CHUNK rows, one transaction. Atomic. */
    async insertMany(rows: EnvelopeRow[]): Promise<void> {
      if (rows.length === 0) return;
      if (rows.length <= INSERT_CHUNK) {
        await db.$executeRaw(insertSql(rows));
        return;
      }
      const statements = [];
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) statements.push(db.$executeRaw(insertSql(rows.slice(i, i + INSERT_CHUNK))));
      await db.$transaction(statements);
    },

    async pending(recipientId: string, now: Date, limit: number): Promise<PendingEnvelope[]> {
      const rows = await db.$queryRaw<PendingRaw[]>`SELECT "id","messageId","conversationId","senderId","serverTime","kid",
          ${hex('ciphertext')} AS "c", ${hex('commitment')} AS "m", ${hex('tag')} AS "t"
        FROM "Envelope" WHERE "recipientId" = ${recipientId} AND "expiresAt" > ${now}
        ORDER BY "serverTime" ASC, "id" ASC LIMIT ${limit}`;
      return rows.map((r) => ({
        id: r.id, messageId: r.messageId, conversationId: r.conversationId, senderId: r.senderId, recipientId,
        ciphertext: fromHex(r.c), commitment: fromHex(r.m), serverTime: BigInt(r.serverTime), kid: r.kid, tag: fromHex(r.t),
      }));
    },

    /**
     * Deletes the envelopes named by (recipientId, id) pairs — a batch of acknowledgements from several users
     * in ONE statement — and returns the pairs actually deleted. A pair whose id belongs to another recipient
     * matches nothing, so nobody can delete someone else's envelope. Uses the primary key per id.
     */
    async deleteAcked(pairs: ReadonlyArray<readonly [recipientId: string, id: string]>): Promise<Array<{ recipientId: string; id: string }>> {
      if (pairs.length === 0) return [];
      if (sqlite)
        return db.$queryRaw<Array<{ recipientId: string; id: string }>>`DELETE FROM "Envelope" WHERE ("recipientId", "id") IN (SELECT value->>0, value->>1 FROM json_each(${JSON.stringify(pairs)}))
          RETURNING "recipientId", "id"`;
      return db.$queryRaw<Array<{ recipientId: string; id: string }>>`DELETE FROM "Envelope" e USING unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) AS k("r", "i")
          WHERE e."id" = k."i" AND e."recipientId" = k."r" RETURNING e."recipientId", e."id"`;
    },

    async sweepExpired(now: Date): Promise<number> {
      if (sqlite) {
        const { count } = await db.envelope.deleteMany({ where: { expiresAt: { lte: now } } });
        return count;
      }
      // Batches that skip rows another transaction holds (an ack deleting them): no waiting, bounded statements.
      let total = 0;
      for (;;) {
        const n = await db.$executeRaw`DELETE FROM "Envelope" WHERE "id" IN (SELECT "id" FROM "Envelope" WHERE "expiresAt" <= ${now}
          LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)`;
        total += n;
        if (n < SWEEP_BATCH) return total;
      }
    },
  };
}
export type EnvelopesRepo = ReturnType<typeof envelopesRepo>;
