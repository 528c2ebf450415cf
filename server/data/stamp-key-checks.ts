// Check values of the deployment's stamping keys (docs/SCALING.md "One keyring per deployment"): never the keys.
// One transaction that holds a lock for the whole read-decide-write (PostgreSQL: a transaction-scoped advisory
// lock; SQLite: a second writer's stale snapshot fails its write and the caller retries), so two processes starting
// together on an empty table cannot both register contradicting keyrings.
import type { Bytes } from './_bytes.ts';
import { type Db, dbProvider } from '../db.ts';

/** pg_advisory_xact_lock key of the stamping-key check ("sk" #1). */
const CHECK_LOCK_KEY = 0x736b_0001;

export interface StampKeyCheckRow {
  kid: string;
  checkValue: Bytes;
  activeSeenAt: Date | null;
}

export interface StampKeyCheckTx {
  all(): Promise<StampKeyCheckRow[]>;
  /** Adds the kid's check value if the kid is new; marks it active at `activeAt` when given. */
  register(kid: string, checkValue: Bytes, activeAt: Date | null): Promise<void>;
}

export function stampKeyChecksRepo(db: Db) {
  return {
    async locked<T>(fn: (tx: StampKeyCheckTx) => Promise<T>): Promise<T> {
      return db.$transaction(
        async (tx) => {
          if (dbProvider(db) === 'postgres') await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${CHECK_LOCK_KEY})`);
          return fn({
            all: () => tx.stampKeyCheck.findMany({ orderBy: { kid: 'asc' } }),
            async register(kid, checkValue, activeAt) {
              await tx.stampKeyCheck.upsert({
                where: { kid },
                create: { kid, checkValue, activeSeenAt: activeAt },
                update: activeAt ? { activeSeenAt: activeAt } : {},
              });
            },
          });
        },
        { timeout: 30_000, maxWait: 30_000 },
      );
    },
    /** Marks `kid` as held active now (a running process, periodically and after a reload). */
    markActive: (kid: string, at: Date) => db.stampKeyCheck.updateMany({ where: { kid }, data: { activeSeenAt: at } }),
  };
}
export type StampKeyChecksRepo = ReturnType<typeof stampKeyChecksRepo>;
