// /healthz (liveness: the process answers) and /readyz (readiness: it can do its work). A load balancer sends
// traffic only to ready processes; an orchestrator restarts a process only when it is not live. Readiness checks
// that the database answers and accepts writes (a PostgreSQL standby or a promoted-away primary does not), and
// that Redis answers when this process uses it. Each check is bounded by a timeout.
import { type Db, dbProvider } from '../db.ts';
import type { Bus } from './bus.ts';

export interface Readiness {
  ready: boolean;
  checks: { database: 'ok' | 'down' | 'read_only'; redis: 'ok' | 'down' | 'not_used' };
}

const within = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p.catch(() => fallback), new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);

export async function checkReadiness(db: Db, bus: Bus, timeoutMs = 2000): Promise<Readiness> {
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
  const checks = { database: await database, redis: await redis };
  return { ready: checks.database === 'ok' && checks.redis !== 'down', checks };
}
