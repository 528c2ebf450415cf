// TTL sweeping with several processes: each process runs its sweep timer, but one round runs in one process at a
// time — the one that takes a PostgreSQL transaction-level advisory lock (pg_try_advisory_xact_lock: never waits,
// released with the transaction, also when the process dies). The others skip the round. Inside it, the big
// deletes go in batches with FOR UPDATE SKIP LOCKED (server/data/envelopes.ts), so a sweep never waits on rows
// an ack is deleting. SQLite: one process, no lock.
import { type Db, dbProvider } from '../db.ts';

/** Advisory lock key of the sweeper (distinct from the migrations lock 72707369). */
export const SWEEP_LOCK_KEY = 72707370;

export async function asSweepLeader<T>(db: Db, fn: () => Promise<T>): Promise<T | null> {
  if (dbProvider(db) === 'sqlite') return fn();
  return db.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRaw<Array<{ locked: boolean }>>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK_KEY}::bigint) AS "locked"`;
      if (!row?.locked) return null;
      return fn();
    },
    { timeout: 10 * 60_000, maxWait: 10_000 },
  );
}
