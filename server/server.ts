// startServer(): database + migrations + keyring + services + HTTP + push + sweeper. Used by
// server/main.ts (npm start), server/cluster.ts (npm run start:cluster), the tests and the benchmarks.
// Order matters with several processes (docs/SCALING.md): the process-mode guard first (PostgreSQL without Redis
// runs alone), then migrations and first-start admin creation under one database lock, then listen.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deployMigrations } from '../scripts/migrate-deploy.mjs';
import { createApp } from './app.ts';
import { RETRY_UNAVAILABLE_S } from './faults.ts';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem.ts';
import type { ServerConfig } from './config.ts';
import { createDb, providerOf } from './db.ts';
import { type FirstAdmin, ensureFirstAdmin } from './first-start.ts';
import type { Logger } from './logger.ts';
import { createPrometheus } from './observability/prometheus.ts';
import { attachPush } from './push.ts';
import { type Services, createServices } from './services/index.ts';
import { loadKeyring } from './services/stamping/index.ts';
import { createSharedState } from './shared/index.ts';
import { guardProcessMode } from './shared/process-guard.ts';
import { DeploymentKeyMismatch, checkLogKey, checkStampingKeyring, registerStampingKeyring } from './shared/keyring-check.ts';
import { stampKeyChecksRepo } from './data/stamp-key-checks.ts';

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  /** The admin created on this start (first start of a fresh database), or null. */
  firstAdmin: FirstAdmin | null;
  /** The separate Prometheus listener's port (METRICS_PORT), or null (docs/METRICS.md). */
  metricsPort: number | null;
  reloadKeyring(): void;
  /** Graceful: stop accepting, answer new requests 503, let running ones finish (at most `graceMs`), then close. */
  close(graceMs?: number): Promise<void>;
}

/** How long close() waits for running requests (SHUTDOWN_GRACE_MS in server/main.ts). */
const DEFAULT_GRACE_MS = 10_000;

export interface StartOptions {
  /** Apply migrations at start (default true). */
  migrate?: boolean;
  /** Create the first dashboard admin when there is no staff yet (npm start; default false). */
  firstAdmin?: boolean;
  /** How often each push socket re-checks its session and standing (default 60 s; tests shorten it). */
  pushRecheckMs?: number;
}

export async function startServer(config: ServerConfig, logger: Logger, opts: StartOptions = {}): Promise<RunningServer> {
  const withRedis = Boolean(config.scale.redisUrl);
  const guard = await guardProcessMode(config.databaseUrl, withRedis, logger);
  const cleanups: Array<() => Promise<void>> = [() => guard.release()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    const shared = await createSharedState({ redisUrl: config.scale.redisUrl, keyPrefix: config.scale.redisPrefix }, logger);
    cleanups.push(() => shared.close());
    const keySource = { json: config.keyringJson, file: config.keyringFile };
    const { keyring, created } = loadKeyring(keySource);
    if (created) logger.warn({ file: config.keyringFile }, 'created a new stamping keyring file; back it up and keep it out of the database');
    const db = await createDb(config.databaseUrl);
    cleanups.push(() => db.$disconnect());
    const services = createServices(db, config, keyring, logger, shared, keySource);
    let firstAdmin: FirstAdmin | null = null;
    const makeAdmin = async () => {
      if (opts.firstAdmin) firstAdmin = await ensureFirstAdmin(services);
    };
    if (opts.migrate ?? true) {
      const applied = await deployMigrations(config.databaseUrl, () => {}, { whileLocked: makeAdmin });
      if (applied.length) logger.info({ applied }, 'migrations applied');
    } else await makeAdmin();
    await services.transparency.init();
    // One keyring and one log key per deployment (server/shared/keyring-check.ts): a process with keys of its own
    // refuses to start, naming the setting to fix — before it can stamp or sign anything.
    const keyChecks = stampKeyChecksRepo(db);
    const splits: string[] = [];
    for (const check of [
      async () => checkLogKey(services.transparency.currentHead().logKeyId, services.transparency.logKeyId, { seed: Boolean(config.transparency.logKeySeed), file: config.transparency.logKeyFile }),
      () => checkStampingKeyring(keyChecks, services.stamping.currentKeyring, { json: Boolean(config.keyringJson), file: config.keyringFile }, config.reportWindowMs),
    ]) {
      try {
        await check();
      } catch (e) {
        if (!(e instanceof DeploymentKeyMismatch)) throw e;
        splits.push(e.message);
      }
    }
    if (splits.length) throw new DeploymentKeyMismatch(splits.join('\n'));
    // Prometheus (docs/METRICS.md): the push socket count is read from the push server on each scrape.
    let pushOpen = () => 0;
    const metrics = createPrometheus(services, config.metrics, { open: () => pushOpen() });
    cleanups.push(() => metrics.close());
    const app = createApp(services, { metrics });
    // Graceful shutdown (docs/DEPLOY.md "Graceful shutdown"): once close() starts, requests that arrive on open
    // keep-alive connections get 503 not_ready + Retry-After + Connection: close (nothing of them was accepted);
    // requests already running — a send waiting for its batch to commit — finish and get their answer first.
    let draining = false;
    let inflight = 0;
    let drained: (() => void) | null = null;
    const server = http.createServer((req, res) => {
      if (draining) {
        res.shouldKeepAlive = false;
        res.writeHead(503, { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Retry-After': String(RETRY_UNAVAILABLE_S), Connection: 'close' });
        return void res.end(JSON.stringify(problemFor('not_ready', 'this server process is shutting down; retry (another process will answer)')));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        inflight++;
        res.once('close', () => {
          if (--inflight === 0) drained?.();
        });
      }
      app(req, res);
    });
    server.keepAliveTimeout = 65_000;
    const push = attachPush(server, services, opts.pushRecheckMs ? { recheckMs: opts.pushRecheckMs } : {});
    pushOpen = push.open;
    const metricsPort = await metrics.listen();
    if (metricsPort !== null) logger.info({ host: config.metrics.host, port: metricsPort }, 'metrics listener (GET /metrics)');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    services.keyringSync.start(shared.bus, config.scale.keyringCheckMs);
    // Keep this process's active kid marked (hourly, and within a minute of a rotation reload).
    let marked = { kid: services.stamping.currentKeyring.activeKid, at: Date.now() };
    const keyMarker = setInterval(() => {
      const k = services.stamping.currentKeyring;
      if (k.activeKid === marked.kid && Date.now() - marked.at < 3_600_000) return;
      marked = { kid: k.activeKid, at: Date.now() };
      registerStampingKeyring(keyChecks, k).catch((e: unknown) => logger.warn({ err: e }, 'registering the stamping keyring failed'));
    }, 60_000);
    keyMarker.unref();
    const sweeper = setInterval(() => {
      services.sweep().catch((e: unknown) => logger.warn({ err: e }, 'sweep failed'));
    }, config.sweepIntervalMs);
    sweeper.unref();
    const { port } = server.address() as AddressInfo;
    logger.info({ port, db: providerOf(config.databaseUrl), shared: shared.bus.kind, stamping: config.stamping, kid: keyring.activeKid }, 'server listening');
    return {
      url: `http://${config.host}:${port}`,
      port,
      services,
      firstAdmin,
      metricsPort,
      reloadKeyring() {
        services.keyringSync.reload('SIGHUP');
      },
      async close(graceMs = DEFAULT_GRACE_MS) {
        draining = true;
        clearInterval(sweeper);
        clearInterval(keyMarker);
        services.keyringSync.stop();
        push.close(); // 1012: push clients reconnect at once, to another process behind the load balancer
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Only requests that may change state are waited for; reads and long polls (GET /v1/messages?wait=…) are cut.
        if (inflight > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, graceMs);
            t.unref();
            drained = () => (clearTimeout(t), resolve());
          });
        }
        server.closeAllConnections();
        await closed;
        await cleanup();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
