// npm run start:cluster — one server worker per core on this machine (node:cluster: the workers share the port,
// the primary hands out connections), against PostgreSQL (DATABASE_URL) and Redis (REDIS_URL). Each worker is the
// same stateless process as `npm start` (server/main.ts); the primary only forks, restarts a worker that dies and
// forwards SIGTERM/SIGINT/SIGHUP. More machines: run the same command on each behind a load balancer
// (docs/SCALING.md). CLUSTER_WORKERS overrides the worker count.
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.ts';
import { providerOf } from './db.ts';

const config = loadConfig();
const fail = (msg: string): never => {
  console.error(`start:cluster: ${msg}`);
  process.exit(1);
};
if (providerOf(config.databaseUrl) !== 'postgres') fail('needs PostgreSQL: set DATABASE_URL=postgresql://… (SQLite is one process: use npm start)');
if (!config.scale.redisUrl) fail('needs Redis: set REDIS_URL=redis://… (several processes share wake-ups, revocations and rate limits through it)');
const raw = process.env.CLUSTER_WORKERS;
const count = raw ? Number(raw) : os.availableParallelism();
if (!Number.isSafeInteger(count) || count < 1) fail(`CLUSTER_WORKERS: expected a positive integer, got ${JSON.stringify(raw)}`);

// main.ts from source (npm run start:cluster), main.js in the production build (npm run serve:cluster).
const self = fileURLToPath(import.meta.url);
cluster.setupPrimary({ exec: path.join(path.dirname(self), `main${path.extname(self)}`) });
let stopping = false;
const recentDeaths: number[] = [];

// Prometheus (docs/METRICS.md "Several processes"): worker slot i listens on METRICS_PORT + i, so each is scraped apart.
const metricsBase = config.metrics.port;
function fork(slot: number): Worker {
  const w = cluster.fork(metricsBase ? { METRICS_PORT: String(metricsBase + slot) } : {});
  w.on('exit', (code, signal) => {
    if (stopping) return;
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length && recentDeaths[0]! < now - 60_000) recentDeaths.shift();
    if (recentDeaths.length > 3 * count) {
      console.error(`start:cluster: workers keep dying (last: code ${code}, signal ${signal}); giving up`);
      return shutdown(1);
    }
    console.error(`start:cluster: worker ${w.process.pid} exited (code ${code}, signal ${signal}); starting a new one`);
    setTimeout(() => fork(slot), 1000).unref();
  });
  return w;
}

function shutdown(exitCode = 0): void {
  if (stopping) return;
  stopping = true;
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
  for (const w of workers) w.process.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const w of workers) w.process.kill('SIGKILL');
    process.exit(exitCode);
  }, 10_000);
  force.unref();
  void Promise.all(workers.map((w) => new Promise((r) => (w.isDead() ? r(null) : w.once('exit', r))))).then(() => process.exit(exitCode));
}

console.log(`franking-chat cluster: ${count} worker(s) on ${config.host}:${config.port} (PostgreSQL + Redis)`);
for (let i = 0; i < count; i++) fork(i);
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
process.on('SIGHUP', () => {
  for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
});
