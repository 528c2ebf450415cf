// Cluster test harness: real server PROCESSES (server/main.ts, the `npm start` entry) on 127.0.0.1 ports, one
// fresh PostgreSQL database, Redis (the shared 127.0.0.1:6379 under a unique key prefix, or a private
// redis-server this harness starts on a free port for tests that restart it). Processes are killed by PID only.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Keyring } from '../../client/protocol.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** `node --import tsx <file>`: the PID is the server itself (the tsx CLI would put a wrapper process in between). */
const NODE_TS = [process.execPath, '--import', 'tsx'] as const;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** n consecutive ports that were all free a moment ago (a base for METRICS_PORT + slot); retried until one run of n binds. */
export async function freeTcpPortRun(n: number): Promise<number> {
  const bind = (port: number) =>
    new Promise<net.Server | null>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(null));
      srv.listen(port, '127.0.0.1', () => resolve(srv));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bind(0);
    if (!first) continue;
    const base = (first.address() as net.AddressInfo).port;
    const held = [first];
    for (let i = 1; i < n && base + i <= 65535; i++) {
      const s = await bind(base + i);
      if (!s) break;
      held.push(s);
    }
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    if (held.length === n) return base;
  }
  throw new Error(`no run of ${n} free consecutive ports found`);
}

export interface PgDb {
  url: string;
  name: string;
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function freshPg(): Promise<PgDb> {
  const name = `fc_cluster_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.href;
  return {
    url,
    name,
    async query(sql, params = []) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A private redis-server (for tests that stop and restart Redis): never the shared one on 6379. */
export class PrivateRedis {
  proc: ChildProcess | null = null;
  constructor(readonly port: number) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freeTcpPort());
    await r.restart();
    return r;
  }
  async restart(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    const c = new Redis(this.url, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    c.on('error', () => {}); // refused until the server listens
    for (let i = 0; i < 100; i++) {
      try {
        await c.connect();
        break;
      } catch {
        await sleep(50);
      }
    }
    await c.ping();
    c.disconnect();
  }
  /** SIGKILL by PID and wait for the exit. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }
}

export interface ClusterEnv {
  databaseUrl: string;
  redisUrl?: string | undefined;
  redisPrefix: string;
  keyFile: string;
  dataDir: string;
  extra?: Record<string, string>;
}

export function clusterEnv(db: PgDb, opts: { redisUrl?: string | null; extra?: Record<string, string> } = {}): ClusterEnv {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-cluster-'));
  return {
    databaseUrl: db.url,
    redisUrl: opts.redisUrl === null ? undefined : (opts.redisUrl ?? SHARED_REDIS_URL),
    redisPrefix: `fc-test-${randomBytes(5).toString('hex')}:`,
    keyFile: path.join(dataDir, 'stamp-keys.json'),
    dataDir,
    ...(opts.extra ? { extra: opts.extra } : {}),
  };
}

export function writeKeyFile(file: string): void {
  fs.writeFileSync(file, JSON.stringify(Keyring.create('k-cluster-1', randomBytes(32), Date.now()).toJSON()), { mode: 0o600 });
}

function envFor(e: ClusterEnv, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: e.databaseUrl,
    ...(e.redisUrl ? { REDIS_URL: e.redisUrl } : {}),
    REDIS_PREFIX: e.redisPrefix,
    DATA_DIR: e.dataDir,
    STAMP_KEYRING_FILE: e.keyFile,
    ADMIN_PASSWORD: 'cluster-test-admin-pw',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_AUTH: '100000',
    RATE_LIMIT_SEND: '1000000',
    RATE_LIMIT_REPORT: '100000',
    REGISTRATION_LIMIT_PER_ADDRESS: '0',
    ...e.extra,
  };
}

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  proc: ChildProcess;
  output(): string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts one server process and resolves once /readyz answers 200 (or rejects with its output when it exits). */
export async function spawnServer(e: ClusterEnv, opts: { port?: number; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const port = opts.port ?? (await freeTcpPort());
  const proc = spawn(NODE_TS[0], [...NODE_TS.slice(1), 'server/main.ts'], { cwd: ROOT, env: envFor(e, port), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const sp: ServerProcess = {
    url, port, pid: proc.pid as number, proc, exited,
    output: () => out,
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`server exited with ${proc.exitCode} before ready:\n${out}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) return sp;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  await sp.kill9();
  throw new Error(`server not ready in time:\n${out}`);
}

export async function spawnCluster(e: ClusterEnv, n: number): Promise<ServerProcess[]> {
  return Promise.all(Array.from({ length: n }, () => spawnServer(e)));
}

/** Runs the admin CLI (npm run admin) with the cluster's environment. */
export function admin(e: ClusterEnv, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(NODE_TS[0], [...NODE_TS.slice(1), 'server/admin.ts', ...args], { cwd: ROOT, env: envFor(e, 0), encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
