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
  /** docs/PROTOCOL-devices.md D13.1: a copy for one device, with its CopyAD clear fields; absent on a single-device envelope. */
  copy?: CopyFields | undefined;
}

/** D11.1 / D13.5: the clear fields of a copy (the target account is `recipientId`). */
export interface CopyFields {
  targetDeviceId: number;
  senderDeviceId: number;
  /** 1 recipient (recipient stamp), 2 own (sender stamp) */
  copyKind: 1 | 2;
  senderListVersion: number;
  senderListHash: Bytes;
  targetListVersion: number;
  targetListHash: Bytes;
}

/** Rows per INSERT statement: 18 parameters each, far below SQLite's 32,766 and PostgreSQL's 65,535. */
export const INSERT_CHUNK = 256;
/** Expired envelopes deleted per statement by the sweeper (PostgreSQL). */
const SWEEP_BATCH = 5000;

/** One INSERT of envelope rows (also used inside the idempotent-send transaction, server/data/send-receipts.ts). */
export const insertSql = (rows: EnvelopeRow[]) => Prisma.sql`INSERT INTO "Envelope"
  ("id","messageId","conversationId","senderId","recipientId","ciphertext","commitment","serverTime","kid","tag","expiresAt",
   "targetDeviceId","senderDeviceId","copyKind","senderListVersion","senderListHash","targetListVersion","targetListHash")
  VALUES ${Prisma.join(rows.map((r) => {
    const c = r.copy;
    return Prisma.sql`(${r.id},${r.messageId},${r.conversationId},${r.senderId},${r.recipientId},${r.ciphertext},${r.commitment},${r.serverTime},${r.kid},${r.tag},${r.expiresAt},
      ${c ? BigInt(c.targetDeviceId) : null},${c ? BigInt(c.senderDeviceId) : null},${c ? c.copyKind : null},${c ? BigInt(c.senderListVersion) : null},${c ? c.senderListHash : null},${c ? BigInt(c.targetListVersion) : null},${c ? c.targetListHash : null})`;
  }))}`;

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
  td: bigint | number | string | null;
  sd: bigint | number | string | null;
  ck: number | bigint | null;
  slv: bigint | number | string | null;
  slh: string | null;
  tlv: bigint | number | string | null;
  tlh: string | null;
}

/** D17.3: a single-device envelope (no target device) is device 1's. */
export const LEGACY_DEVICE_ID = 1;

const copyOf = (r: PendingRaw): CopyFields | undefined =>
  r.td === null || r.sd === null || r.ck === null || r.slv === null || r.slh === null || r.tlv === null || r.tlh === null
    ? undefined
    : {
        targetDeviceId: Number(r.td), senderDeviceId: Number(r.sd), copyKind: Number(r.ck) === 2 ? 2 : 1,
        senderListVersion: Number(r.slv), senderListHash: fromHex(r.slh), targetListVersion: Number(r.tlv), targetListHash: fromHex(r.tlh),
      };

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

    /** The device's pending envelopes: its copies and, for device 1, the account's single-device envelopes (D13.5, D17.3). */
    async pending(recipientId: string, deviceId: number, now: Date, limit: number): Promise<PendingEnvelope[]> {
      const rows = await db.$queryRaw<PendingRaw[]>`SELECT "id","messageId","conversationId","senderId","serverTime","kid",
          ${hex('ciphertext')} AS "c", ${hex('commitment')} AS "m", ${hex('tag')} AS "t",
          "targetDeviceId" AS "td", "senderDeviceId" AS "sd", "copyKind" AS "ck", "senderListVersion" AS "slv", ${hex('senderListHash')} AS "slh",
          "targetListVersion" AS "tlv", ${hex('targetListHash')} AS "tlh"
        FROM "Envelope" WHERE "recipientId" = ${recipientId} AND COALESCE("targetDeviceId", ${BigInt(LEGACY_DEVICE_ID)}) = ${BigInt(deviceId)} AND "expiresAt" > ${now}
        ORDER BY "serverTime" ASC, "id" ASC LIMIT ${limit}`;
      return rows.map((r) => ({
        id: r.id, messageId: r.messageId, conversationId: r.conversationId, senderId: r.senderId, recipientId,
        ciphertext: fromHex(r.c), commitment: fromHex(r.m), serverTime: BigInt(r.serverTime), kid: r.kid, tag: fromHex(r.t), copy: copyOf(r),
      }));
    },

    /**
     * Deletes the envelopes named by (recipientId, deviceId, id) triples — a batch of acknowledgements from several
     * devices in ONE statement — and returns the triples actually deleted. A triple whose id belongs to another
     * recipient or another device of the same account (D13.5) matches nothing, so nobody can delete someone else's
     * copy. Uses the primary key per id.
     */
    async deleteAcked(triples: ReadonlyArray<readonly [recipientId: string, deviceId: number, id: string]>): Promise<Array<{ recipientId: string; deviceId: number; id: string }>> {
      if (triples.length === 0) return [];
      type Raw = { recipientId: string; d: bigint | number | string; id: string };
      const raw = sqlite
        ? await db.$queryRaw<Raw[]>`DELETE FROM "Envelope" WHERE ("recipientId", COALESCE("targetDeviceId", ${BigInt(LEGACY_DEVICE_ID)}), "id") IN
            (SELECT value->>0, value->>1, value->>2 FROM json_each(${JSON.stringify(triples)}))
          RETURNING "recipientId", COALESCE("targetDeviceId", ${BigInt(LEGACY_DEVICE_ID)}) AS "d", "id"`
        : await db.$queryRaw<Raw[]>`DELETE FROM "Envelope" e USING unnest(${triples.map((p) => p[0])}::text[], ${triples.map((p) => BigInt(p[1]))}::bigint[], ${triples.map((p) => p[2])}::text[]) AS k("r", "d", "i")
          WHERE e."id" = k."i" AND e."recipientId" = k."r" AND COALESCE(e."targetDeviceId", ${BigInt(LEGACY_DEVICE_ID)}) = k."d"
          RETURNING e."recipientId", k."d" AS "d", e."id"`;
      return raw.map((r) => ({ recipientId: r.recipientId, deviceId: Number(r.d), id: r.id }));
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
