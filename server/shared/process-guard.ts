// Refuses, at start, a PostgreSQL deployment that would silently degrade: several processes on one database
// without REDIS_URL (each would wake, revoke and count only for itself: docs/SCALING.md). Every process holds a
// session advisory lock on a dedicated connection for its lifetime:
//   without REDIS_URL — exclusive: a second process of any kind cannot get it;
//   with REDIS_URL    — shared: any number of Redis-backed processes, but never beside one without Redis.
// SQLite: one process by construction (an embedded file), nothing to check.
import pg from 'pg';
import { providerOf } from '../db.ts';
import type { Logger } from '../logger.ts';

export const PROCESS_GUARD_KEY = 72707371;

export class ProcessModeError extends Error {}

export async function guardProcessMode(databaseUrl: string, withRedis: boolean, logger: Logger): Promise<{ release(): Promise<void> }> {
  if (providerOf(databaseUrl) === 'sqlite') return { release: async () => {} };
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'franking-process-guard' });
  client.on('error', (e) => logger.warn({ err: e }, 'process-guard connection lost (the database restarted?)'));
  await client.connect();
  const fn = withRedis ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
  const { rows } = await client.query<{ ok: boolean }>(`SELECT ${fn}($1::bigint) AS ok`, [PROCESS_GUARD_KEY]);
  if (!rows[0]?.ok) {
    await client.end().catch(() => {});
    throw new ProcessModeError(
      withRedis
        ? 'refusing to start: a server process WITHOUT REDIS_URL is running on this PostgreSQL database. ' +
          'Several processes must all use the same REDIS_URL (shared wake-ups, revocations, rate limits); stop it or give it REDIS_URL (docs/SCALING.md).'
        : 'refusing to start: another server process is running on this PostgreSQL database and REDIS_URL is not set. ' +
          'More than one process needs Redis for wake-ups, revocations and rate limits: set REDIS_URL for every process, or run only one (docs/SCALING.md).',
    );
  }
  return { release: () => client.end().catch(() => {}) };
}
