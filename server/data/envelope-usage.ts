// Undelivered bytes per sender (quota, docs/API.md "Undelivered quota"): the sender's pending 1:1 envelopes
// (Envelope(senderId) index) plus its stored group messages (GroupMessage(senderId) index; a group message is
// stored once however many members still have to fetch it). Kept apart from envelopes.ts (the relay's hot path).
//
// Exactness (docs/SCALING.md "Quotas"): every write that adds undelivered bytes measures and inserts inside ONE
// transaction that first locks the senders concerned (server/data/_quota-lock.ts).
import { Prisma } from '../../generated/sqlite/client.ts';
import { type Db, type DbProvider, dbProvider } from '../db.ts';
import { type Tx, lockAccounts } from './_quota-lock.ts';

export type { Tx };

const lengthOf = (provider: DbProvider) => Prisma.raw(provider === 'sqlite' ? 'length("ciphertext")' : 'octet_length("ciphertext")');

async function sumFor(q: Pick<Db, '$queryRaw'>, provider: DbProvider, senderIds: readonly string[], now: Date): Promise<Map<string, number>> {
  const out = new Map<string, number>(senderIds.map((s) => [s, 0]));
  if (senderIds.length === 0) return out;
  const len = lengthOf(provider);
  const ids = provider === 'sqlite' ? Prisma.sql`(SELECT value FROM json_each(${JSON.stringify(senderIds)}))` : Prisma.sql`(SELECT unnest(${[...senderIds]}::text[]))`;
  const rows = await q.$queryRaw<Array<{ s: string; n: bigint | number | string | null }>>`SELECT "s", SUM("n") AS "n" FROM (
      SELECT "senderId" AS "s", ${len} AS "n" FROM "Envelope" WHERE "senderId" IN ${ids} AND "expiresAt" > ${now}
      UNION ALL
      SELECT "senderId" AS "s", ${len} AS "n" FROM "GroupMessage" WHERE "senderId" IN ${ids} AND "expiresAt" > ${now}
    ) AS "u" GROUP BY "s"`;
  for (const r of rows) out.set(r.s, Number(r.n ?? 0));
  return out;
}

export function envelopeUsageRepo(db: Db) {
  const provider = dbProvider(db);
  return {
    provider,
    /** Pending bytes of one sender (not locked: for display and tests). */
    async pendingBytes(senderId: string, now: Date): Promise<number> {
      return (await sumFor(db, provider, [senderId], now)).get(senderId) ?? 0;
    },

    /**
     * Inside a transaction: locks these senders against every other quota-checked write until the transaction
     * ends, then returns their pending bytes.
     */
    async lockAndMeasure(tx: Tx, senderIds: readonly string[], now: Date): Promise<Map<string, number>> {
      const unique = [...new Set(senderIds)];
      await lockAccounts(tx, provider, 'undelivered', unique);
      return sumFor(tx, provider, unique, now);
    },
  };
}
export type EnvelopeUsageRepo = ReturnType<typeof envelopeUsageRepo>;
