// Key-transparency log storage (docs/TRANSPARENCY.md §10.2): leaves, signed heads and cosignatures. The
// database is the truth; each process keeps the tree's node hashes in memory and catches up from here.
// Appends run in one transaction that first takes the log's lock (PostgreSQL: a transaction-scoped advisory
// lock; SQLite: the single writer), so leaf indexes and heads are assigned by exactly one writer at a time.
import type { Bytes } from './_bytes.ts';
import { type Db, dbProvider } from '../db.ts';
import { type DeviceListTx, deviceListTx } from './devices.ts';

/** pg_advisory_xact_lock key of the log ("kt" log #1). */
const LOG_LOCK_KEY = 0x6b74_0001;

export interface LeafRow {
  index: number;
  leaf: Bytes;
  leafHash: Bytes;
  accountId: string;
  kind: string;
}
export interface HeadRow {
  treeSize: number;
  rootHash: Bytes;
  timestamp: bigint;
  signature: Bytes;
  logKeyId: Bytes;
}
export interface CosignatureRow {
  treeSize: number;
  witnessKeyId: Bytes;
  cosignedAt: bigint;
  signature: Bytes;
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export interface AppendTx {
  newestHead(): Promise<HeadRow | null>;
  leavesFrom(start: number, end: number): Promise<LeafRow[]>;
  insert(leaves: LeafRow[], head: HeadRow): Promise<void>;
  /** Device-list writes that commit with their `device-list` leaf (docs/PROTOCOL-devices.md D7.2, D13.6). */
  devices: DeviceListTx;
}

export function transparencyRepo(db: Db) {
  const appendTx = (tx: Tx): AppendTx => ({
    newestHead: () => tx.ktTreeHead.findFirst({ orderBy: { treeSize: 'desc' } }),
    leavesFrom: (start, end) => tx.ktLeaf.findMany({ where: { index: { gte: start, lt: end } }, orderBy: { index: 'asc' } }),
    async insert(leaves, head) {
      if (leaves.length) await tx.ktLeaf.createMany({ data: leaves });
      await tx.ktTreeHead.create({ data: head });
    },
    devices: deviceListTx(tx, dbProvider(db)),
  });
  return {
    /** Runs `fn` holding the log's write lock, in one transaction (all or nothing). */
    async withAppendLock<T>(fn: (tx: AppendTx) => Promise<T>): Promise<T> {
      return db.$transaction(
        async (tx) => {
          if (dbProvider(db) === 'postgres') await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${LOG_LOCK_KEY})`);
          return fn(appendTx(tx));
        },
        { timeout: 30_000, maxWait: 30_000 },
      );
    },
    newestHead: () => db.ktTreeHead.findFirst({ orderBy: { treeSize: 'desc' } }),
    head: (treeSize: number) => db.ktTreeHead.findUnique({ where: { treeSize } }),
    heads: (after: number, limit: number) => db.ktTreeHead.findMany({ where: { treeSize: { gt: after } }, orderBy: { treeSize: 'asc' }, take: limit }),
    newestCosignedSize: async (): Promise<number | null> => (await db.ktCosignature.findFirst({ orderBy: { treeSize: 'desc' }, select: { treeSize: true } }))?.treeSize ?? null,
    /** Every leaf of (account, kind), in log order (docs/PROTOCOL-devices.md D7.3: which list versions are logged). */
    leavesOf: (accountId: string, kind: string) => db.ktLeaf.findMany({ where: { accountId, kind }, orderBy: { index: 'asc' }, select: { index: true, leaf: true } }),
    leaves: (start: number, limit: number) => db.ktLeaf.findMany({ where: { index: { gte: start } }, orderBy: { index: 'asc' }, take: limit }),
    cosignatures: (treeSize: number) => db.ktCosignature.findMany({ where: { treeSize }, orderBy: { witnessKeyId: 'asc' } }),
    /** Idempotent per (head, witness): a witness re-sending its cosignature keeps the first. */
    async addCosignature(row: CosignatureRow): Promise<boolean> {
      const existing = await db.ktCosignature.findUnique({ where: { treeSize_witnessKeyId: { treeSize: row.treeSize, witnessKeyId: row.witnessKeyId } } });
      if (existing) return false;
      try {
        await db.ktCosignature.create({ data: row });
        return true;
      } catch {
        return false; // a concurrent duplicate won the race
      }
    },
  };
}
export type TransparencyRepo = ReturnType<typeof transparencyRepo>;
