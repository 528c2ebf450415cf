// Undelivered bytes per sender (issue 15 quota): one aggregate over the sender's pending envelopes, served by
// the Envelope(senderId) index. Kept apart from envelopes.ts (the relay's hot path) on purpose.
import { Prisma } from '../../generated/sqlite/client.ts';
import { type Db, dbProvider } from '../db.ts';

export function envelopeUsageRepo(db: Db) {
  const length = dbProvider(db) === 'sqlite' ? Prisma.raw('length("ciphertext")') : Prisma.raw('octet_length("ciphertext")');
  return {
    async pendingBytes(senderId: string, now: Date): Promise<number> {
      const [row] = await db.$queryRaw<Array<{ n: bigint | number | string | null }>>`SELECT SUM(${length}) AS "n" FROM "Envelope"
        WHERE "senderId" = ${senderId} AND "expiresAt" > ${now}`;
      return Number(row?.n ?? 0);
    },
  };
}
export type EnvelopeUsageRepo = ReturnType<typeof envelopeUsageRepo>;
