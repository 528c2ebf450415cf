// npm start: SQLite under ./data/ by default (migrations applied automatically), or DATABASE_URL; with REDIS_URL
// the process shares wake-ups, revocations and rate limits with other processes (docs/SCALING.md). Also the
// worker body of `npm run start:cluster` (server/cluster.ts).
import cluster from 'node:cluster';
import { loadConfig } from './config.ts';
import { providerOf } from './db.ts';
import { createLogger } from './logger.ts';
import { startServer } from './server.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const worker = cluster.isWorker;
try {
  // First start: migrations and the first admin run under one database lock, before listening (server/server.ts).
  const running = await startServer(config, logger, { firstAdmin: true });
  const { url } = running;
  const db = providerOf(config.databaseUrl) === 'sqlite' ? `SQLite ${config.databaseUrl.replace(/^file:/, '')}` : 'PostgreSQL (DATABASE_URL)';
  const admin = running.firstAdmin;
  if (!worker || admin) {
    console.log(
      [
        worker ? `franking-chat worker ${process.pid} is running` : `franking-chat is running`,
        `  Chat:       ${url}/`,
        `  Dashboard:  ${url}/dashboard/`,
        `  API:        ${url}/docs  (OpenAPI ${url}/openapi.json, push ws://${config.host}:${running.port}/v1/stream)`,
        `  Database:   ${db}${config.scale.redisUrl ? ' + Redis (REDIS_URL: several processes)' : ''}`,
      ].join('\n'),
    );
  }
  if (admin) {
    console.log(
      [
        ``,
        `First start: created the dashboard admin "${admin.id}".`,
        `  Log in at ${url}/dashboard/ as "${admin.id}" with password ${admin.generatedPassword ?? '(the one in ADMIN_PASSWORD)'}`,
        ...(admin.generatedPassword ? [`  This password is shown only now. Change it with: npm run admin -- moderators reset-password ${admin.id}`] : []),
        `  Add moderators in the dashboard, or: npm run admin -- moderators create <id> --role moderator`,
      ].join('\n'),
    );
  }
  process.on('SIGHUP', () => running.reloadKeyring());
  // Graceful (docs/DEPLOY.md "Graceful shutdown"): running sends finish and are answered, new requests get 503,
  // push sockets close with 1012; SHUTDOWN_GRACE_MS (default 10 s) bounds the wait. A second signal exits at once.
  let stopping = false;
  const grace = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000);
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    void running.close(Number.isFinite(grace) && grace >= 0 ? grace : 10_000).then(() => {
      logger.info({ pid: process.pid }, 'server stopped');
      logger.flush?.();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (worker) process.send?.({ type: 'listening', pid: process.pid });
} catch (e) {
  logger.fatal({ err: e }, 'server failed to start');
  console.error(`franking-chat: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
