// Per-account serialization for quota checks (docs/SCALING.md "Quotas"): a quota is exact only if "measure the
// account's usage" and "store the new item" are one atomic step. Callers do both inside ONE transaction that
// starts with lockAccounts():
//   PostgreSQL — a transaction-scoped advisory lock per (quota, account), held by every process until commit or
//                rollback; taken in one sorted order, so two batches never wait on each other in a cycle.
//   SQLite     — one process (an embedded file), and the driver adapter runs one transaction at a time on its
//                single connection: the transaction itself is the lock.
import type { Db, DbProvider } from '../db.ts';

/** The transaction client handed to `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Advisory-lock classes (the two-int4 key space does not overlap the process guard's single bigint key). */
const LOCK_CLASS = { undelivered: 72707372, blobs: 72707373 } as const;

export async function lockAccounts(tx: Tx, provider: DbProvider, quota: keyof typeof LOCK_CLASS, accountIds: readonly string[]): Promise<void> {
  if (provider !== 'postgres' || accountIds.length === 0) return;
  const ids = [...new Set(accountIds)];
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(${LOCK_CLASS[quota]}::int4, "k")::text AS "l"
    FROM (SELECT hashtext("x") AS "k" FROM unnest(${ids}::text[]) AS "x" GROUP BY 1 ORDER BY 1) AS "s"`;
}
