// /healthz (liveness: the process answers) and /readyz (readiness: it can do its work). A load balancer sends
// traffic only to ready processes; an orchestrator restarts a process only when it is not live. Readiness checks
// that the database answers and accepts writes (a PostgreSQL standby or a promoted-away primary does not), and
// that Redis answers when this process uses it, and that storage is not full (docs/DEPLOY.md "Faults"): the SQLite
// file at its page limit, no free space where the database or the blobs live, or a 507 answered in the last seconds
// (PostgreSQL's disk is seen only through failed writes). Each check is bounded by a timeout.
import fsp from 'node:fs/promises';
import { type Db, dbProvider } from '../db.ts';
import type { Bus } from './bus.ts';

export interface Readiness {
  ready: boolean;
  checks: { database: 'ok' | 'down' | 'read_only'; redis: 'ok' | 'down' | 'not_used'; storage: 'ok' | 'full' };
}

export interface StorageProbe {
  /** Directories whose filesystem must have room (the blob store). */
  dirs?: readonly string[];
  /** True when the server recently answered 507 (server/faults.ts FullDiskLatch). */
  recentlyFull?: () => boolean;
}

/** Below this much free space a filesystem counts as full: SQLite and the blob store cannot make progress. */
const MIN_FREE_BYTES = 64 * 1024;

async function dirFull(dir: string): Promise<boolean> {
  const st = await fsp.statfs(dir).catch(() => null);
  return st !== null && st.bavail * st.bsize < MIN_FREE_BYTES;
}

async function sqliteFull(db: Db): Promise<boolean> {
  const one = async (pragma: string) => Number((await db.$queryRawUnsafe<Array<Record<string, number | bigint>>>(`PRAGMA ${pragma}`))[0]?.[pragma] ?? 0);
  const [pages, max, free] = [await one('page_count'), await one('max_page_count'), await one('freelist_count')];
  if (pages >= max && free === 0) return true;
  const file = ((await db.$queryRawUnsafe<Array<{ file: string }>>('PRAGMA database_list')).find((d) => d.file) ?? { file: '' }).file;
  return file ? dirFull(file.replace(/[^/]*$/, '') || '.') : false;
}

const within = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p.catch(() => fallback), new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);

export async function checkReadiness(db: Db, bus: Bus, timeoutMs = 2000, probe: StorageProbe = {}): Promise<Readiness> {
  const database = within(
    (async (): Promise<Readiness['checks']['database']> => {
      if (dbProvider(db) === 'sqlite') {
        const rows = await db.$queryRawUnsafe<Array<{ q: number | bigint }>>('PRAGMA query_only');
        return Number(rows[0]?.q ?? 0) === 0 ? 'ok' : 'read_only';
      }
      const rows = await db.$queryRaw<Array<{ standby: boolean }>>`SELECT pg_is_in_recovery() AS "standby"`;
      return rows[0]?.standby ? 'read_only' : 'ok';
    })(),
    timeoutMs,
    'down' as const,
  );
  const redis = bus.kind === 'memory' ? Promise.resolve('not_used' as const) : within(bus.ping().then((ok) => (ok ? 'ok' : 'down') as 'ok' | 'down'), timeoutMs, 'down' as const);
  const storage = within(
    (async (): Promise<Readiness['checks']['storage']> => {
      if (probe.recentlyFull?.()) return 'full';
      if (dbProvider(db) === 'sqlite' && (await sqliteFull(db))) return 'full';
      for (const d of probe.dirs ?? []) if (await dirFull(d)) return 'full';
      return 'ok';
    })(),
    timeoutMs,
    'ok' as const,
  );
  const checks = { database: await database, redis: await redis, storage: await storage };
  return { ready: checks.database === 'ok' && checks.redis !== 'down' && checks.storage === 'ok', checks };
}
