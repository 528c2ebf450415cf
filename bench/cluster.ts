// npm run bench:cluster — the relay on one process vs two processes (docs/SCALING.md "Measured: one process vs two"),
// same run, same machine:
//   one process:  PostgreSQL, no Redis (the single-process deployment: the baseline);
//   two processes: PostgreSQL + Redis, every recipient connected to the OTHER process than its sender (all
//                  deliveries cross processes: the cost of going through Redis, worst case).
// A "message" is the whole relay round: POST /v1/messages, push to the recipient over WebSocket, ack frame.
// Closed loop, CONNECTIONS sending connections. Then cross-process push latency (send request start → push frame
// at the recipient on the other process) in an open loop at half of the one-process throughput just measured.
// Then the transport choice (docs/SCALING.md): Redis pub/sub vs Redis Streams, 1 KiB messages at a fixed rate,
// latency and CPU (client + redis-server).
// CPU of every process is reported beside the throughput: each server (utime+stime, /proc/<pid>/stat), the
// PostgreSQL backends serving the bench database, the private redis-server, and this load generator. The machine
// has 2 cores shared by all of them (and by whatever else runs): read the ratios, not the absolute figures.
// BENCH_QUICK=1: bounded CI mode (1 s warm-up + 3 s per run).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocket } from 'ws';
import { jsonRequester, registerUser } from './_http.ts';
import { Keyring, toBase64Url } from '../client/protocol.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_MS = QUICK ? 1000 : 2000;
const DURATION_MS = QUICK ? 3000 : 10_000;
const LATENCY_MS = QUICK ? 3000 : 8000;
const WATCHDOG_MS = QUICK ? 180_000 : 420_000;
const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'bench/results/cluster.json');
const b64 = (u: Uint8Array) => toBase64Url(u);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CIPHERTEXT = b64(randomBytes(256));

const CLK_TCK = 100; // Linux USER_HZ
function cpuMs(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const children = new Set<ChildProcess>();
const watchdog = setTimeout(() => {
  console.error('bench:cluster: watchdog expired');
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ url: string; pid: number; stop(): void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  children.add(child);
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      break;
    } catch {
      await sleep(50);
    }
  }
  probe.disconnect();
  return { url, pid: child.pid as number, stop: () => child.kill('SIGKILL') };
}

async function freshDb(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `fc_bench_cluster_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.href, name,
    async drop() {
      const d = new pg.Client({ connectionString: PG_ADMIN_URL });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await d.end();
    },
  };
}

/** PIDs of the PostgreSQL backends connected to `db` (their CPU is the database's share of the work). */
async function pgBackends(db: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  const { rows } = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [db]);
  await c.end();
  return rows.map((r) => r.pid);
}

interface Server {
  base: string;
  pid: number;
  child: ChildProcess;
}

async function spawnServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_SEND: '0', RATE_LIMIT_AUTH: '0', RATE_LIMIT_REPORT: '0', REGISTRATION_LIMIT_PER_ADDRESS: '0', ADMIN_PASSWORD: 'bench-cluster-admin', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return { base, pid: child.pid as number, child };
    } catch {
      /* starting */
    }
    await sleep(100);
  }
  throw new Error(`server not ready: ${err}`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 * CONNECTIONS + 10 });
const request = jsonRequester(agent);
const user = (base: string, id: string) => registerUser(request, base, id);

interface Pair {
  senderToken: string;
  recipientId: string;
  conversationId: string;
  sendVia: string;
  socket: WebSocket;
  /** commitment → send start (ms, performance.now) for latency (known before the send, unlike the message id) */
  startedAt: Map<string, number>;
  onArrive: (commitment: string, at: number) => void;
}

async function makePairs(servers: Server[], n: number, tag: string): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const sendVia = servers[i % servers.length]!.base;
    const recvVia = servers[(i + 1) % servers.length]!.base; // the other process when there are two
    const [s, r] = [`s${tag}${i}`, `r${tag}${i}`];
    const [senderToken, recipientToken] = [await user(sendVia, s), await user(recvVia, r)];
    const conv = await request(sendVia, 'POST', '/v1/conversations', { kind: 'direct', peerId: r }, senderToken);
    const socket = new WebSocket(`${recvVia.replace(/^http/, 'ws')}/v1/stream`, { perMessageDeflate: false });
    const pair: Pair = { senderToken, recipientId: r, conversationId: conv.json.id as string, sendVia, socket, startedAt: new Map(), onArrive: () => {} };
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', token: recipientToken })));
      socket.once('error', reject);
      socket.on('message', (data) => {
        const f = JSON.parse(data.toString()) as { type: string; envelopes?: Array<{ id: string; commitment: string }> };
        if (f.type === 'ready') resolve();
        else if (f.type === 'envelopes' && f.envelopes) {
          const at = performance.now();
          for (const e of f.envelopes) pair.onArrive(e.commitment, at);
          socket.send(JSON.stringify({ type: 'ack', ids: f.envelopes.map((e) => e.id) }));
        }
      });
    });
    pairs.push(pair);
  }
  return pairs;
}

const commitment = () => b64(randomBytes(32));
const sendOne = (p: Pair, c: string) =>
  request(p.sendVia, 'POST', '/v1/messages', { conversationId: p.conversationId, commitment: c, envelopes: [{ recipientId: p.recipientId, ciphertext: CIPHERTEXT }] }, p.senderToken);

interface RunResult {
  processes: number;
  msgsPerSec: number;
  delivered: number;
  errors: number;
  serverCpuUsPerMsg: number;
  /** CPU % of one core over the measured window, per process. */
  cpuPercent: { servers: number[]; postgres: number; redis: number | null; loadGenerator: number };
}

/** Closed loop: every pair sends its next message once the previous one was delivered. */
async function throughput(servers: Server[], dbName: string, redisPid: number | null, tag: string): Promise<RunResult> {
  const pairs = await makePairs(servers, CONNECTIONS, tag);
  let measuring = false;
  let stop = false;
  let delivered = 0;
  let errors = 0;
  const loops = pairs.map(async (p) => {
    while (!stop) {
      let arrived!: () => void;
      const arrival = new Promise<void>((r) => (arrived = r));
      p.onArrive = () => arrived();
      const r = await sendOne(p, commitment()).catch(() => ({ status: 0, json: {} }));
      if (r.status !== 201) {
        errors++;
        await sleep(10);
        continue;
      }
      await Promise.race([arrival, sleep(5000)]);
      if (measuring) delivered++;
    }
  });
  await sleep(WARMUP_MS);
  const backends = await pgBackends(dbName);
  const cpu0 = { s: servers.map((s) => cpuMs(s.pid)), pg: backends.map(cpuMs), r: redisPid ? cpuMs(redisPid) : 0, own: ownCpuMs() };
  const t0 = performance.now();
  measuring = true;
  await sleep(DURATION_MS);
  measuring = false;
  const secs = (performance.now() - t0) / 1000;
  const d = delivered;
  const serverMs = servers.map((s, i) => cpuMs(s.pid) - cpu0.s[i]!);
  const pgMs = backends.map(cpuMs).reduce((a, b, i) => a + b - cpu0.pg[i]!, 0);
  const pct = (ms: number) => Math.round((ms / 10 / secs) * 10) / 10;
  const result: RunResult = {
    processes: servers.length,
    msgsPerSec: Math.round(d / secs),
    delivered: d,
    errors,
    serverCpuUsPerMsg: Math.round((serverMs.reduce((a, b) => a + b, 0) * 1000) / Math.max(1, d)),
    cpuPercent: {
      servers: serverMs.map(pct),
      postgres: pct(pgMs),
      redis: redisPid ? pct(cpuMs(redisPid) - cpu0.r) : null,
      loadGenerator: pct(ownCpuMs() - cpu0.own),
    },
  };
  stop = true;
  await Promise.all(loops);
  for (const p of pairs) p.socket.close();
  return result;
}

/**
 * Open loop at `rate` msgs/s: send start → push arrival. Two servers: senders on process 1, recipients on process 2.
 * One server: both on it (the same-run baseline of the cross-process figure).
 */
async function crossLatency(servers: Server[], rate: number, tag = 'lat'): Promise<{ p50: number; p99: number; n: number; rate: number }> {
  const pairs = await makePairs(servers, 16, tag);
  const latencies: number[] = [];
  for (const p of pairs) {
    p.onArrive = (c, at) => {
      const t = p.startedAt.get(c);
      if (t !== undefined) latencies.push(at - t);
    };
  }
  const interval = 1000 / rate;
  const t0 = performance.now();
  let i = 0;
  const inflight: Array<Promise<unknown>> = [];
  while (performance.now() - t0 < LATENCY_MS) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const p = pairs[i++ % pairs.length]!;
    const c = commitment();
    p.startedAt.set(c, performance.now());
    inflight.push(sendOne(p, c).catch(() => undefined));
  }
  await Promise.all(inflight);
  await sleep(500);
  for (const p of pairs) p.socket.close();
  latencies.sort((a, b) => a - b);
  const q = (x: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))] ?? NaN) * 100) / 100;
  return { p50: q(0.5), p99: q(0.99), n: latencies.length, rate: Math.round(rate) };
}

/** Redis pub/sub vs Streams: 1 KiB messages at a fixed rate, one publisher and one consumer connection. */
async function transportChoice(redisUrl: string, redisPid: number): Promise<Record<string, { p50Ms: number; p99Ms: number; clientCpuUsPerMsg: number; redisCpuUsPerMsg: number }>> {
  const N = QUICK ? 3000 : 10_000;
  const RATE = 2000;
  const payload = randomBytes(512).toString('hex');
  const out: Record<string, { p50Ms: number; p99Ms: number; clientCpuUsPerMsg: number; redisCpuUsPerMsg: number }> = {};
  for (const kind of ['pubsub', 'streams'] as const) {
    const pub = new Redis(redisUrl, { enableAutoPipelining: true });
    const sub = new Redis(redisUrl);
    const lat: number[] = [];
    const sent = new Map<number, number>();
    let received = 0;
    const key = `bench:${kind}:${randomBytes(3).toString('hex')}`;
    let reading = true;
    if (kind === 'pubsub') {
      await sub.subscribe(key);
      sub.on('message', (_c: string, m: string) => {
        const i = Number(m.slice(0, m.indexOf(':')));
        lat.push(performance.now() - sent.get(i)!);
        received++;
      });
    } else {
      void (async () => {
        let last = '$';
        while (reading) {
          const res = (await sub.xread('COUNT', 500, 'BLOCK', 200, 'STREAMS', key, last).catch(() => null)) as Array<[string, Array<[string, string[]]>]> | null;
          if (!res) continue;
          for (const [, entries] of res) {
            for (const [id, fields] of entries) {
              last = id;
              const i = Number(fields[1]!.slice(0, fields[1]!.indexOf(':')));
              lat.push(performance.now() - sent.get(i)!);
              received++;
            }
          }
        }
      })();
      await sleep(100);
    }
    const cpu0 = { own: ownCpuMs(), r: cpuMs(redisPid) };
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      sent.set(i, performance.now());
      const m = `${i}:${payload}`;
      if (kind === 'pubsub') void pub.publish(key, m);
      else void pub.xadd(key, 'MAXLEN', '~', '10000', '*', 'm', m);
    }
    for (let w = 0; w < 100 && received < N; w++) await sleep(50);
    reading = false;
    const own = ownCpuMs() - cpu0.own;
    const r = cpuMs(redisPid) - cpu0.r;
    lat.sort((a, b) => a - b);
    out[kind] = {
      p50Ms: Math.round(lat[Math.floor(lat.length * 0.5)]! * 100) / 100,
      p99Ms: Math.round(lat[Math.floor(lat.length * 0.99)]! * 100) / 100,
      clientCpuUsPerMsg: Math.round((own * 1000) / N),
      redisCpuUsPerMsg: Math.round((r * 1000) / N),
    };
    if (kind === 'streams') await pub.del(key);
    await sleep(300); // the reader's last BLOCK returns before its connection closes
    pub.disconnect();
    sub.disconnect();
  }
  return out;
}

const keyringJson = JSON.stringify(Keyring.create('k-bench-cluster', randomBytes(32), Date.now()).toJSON());
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-bench-cluster-'));
const redis = await startRedis();
const dbs: Array<{ drop(): Promise<void> }> = [];
try {
  const load0 = os.loadavg();
  // one process: PostgreSQL, no Redis (the single-process deployment)
  const db1 = await freshDb();
  dbs.push(db1);
  const one = [await spawnServer({ DATABASE_URL: db1.url, STAMP_KEYRING: keyringJson, DATA_DIR: dataDir })];
  const oneRun = await throughput(one, db1.name, null, 'a');
  // Same-run baseline for the cross-process latency: the same open loop at the same rate, sender and recipient on
  // one process (no Redis): what the machine gives before any cross-process hop.
  const sameLatency = await crossLatency(one, oneRun.msgsPerSec / 2, 'lat1');
  for (const s of one) s.child.kill('SIGTERM');
  // one process with Redis: the shared-state path (bus publish per delivery, Redis rate-limit store, bounded
  // session cache) without a second process competing for the 2 cores: separates what Redis costs from what
  // two processes on this machine cost (docs/SCALING.md "Where the CPU goes").
  const db1r = await freshDb();
  dbs.push(db1r);
  const oneRedis = [await spawnServer({ DATABASE_URL: db1r.url, STAMP_KEYRING: keyringJson, DATA_DIR: dataDir, REDIS_URL: redis.url, REDIS_PREFIX: 'bench1:' })];
  const oneRedisRun = await throughput(oneRedis, db1r.name, redis.pid, 'c');
  for (const s of oneRedis) s.child.kill('SIGTERM');
  // two processes: PostgreSQL + Redis, all deliveries cross processes
  const db2 = await freshDb();
  dbs.push(db2);
  const env2 = { DATABASE_URL: db2.url, STAMP_KEYRING: keyringJson, DATA_DIR: dataDir, REDIS_URL: redis.url, REDIS_PREFIX: 'bench:' };
  const first = await spawnServer(env2);
  const two = [first, await spawnServer(env2)];
  const twoRun = await throughput(two, db2.name, redis.pid, 'b');
  const latency = await crossLatency(two, oneRun.msgsPerSec / 2);
  for (const s of two) s.child.kill('SIGTERM');
  const transport = await transportChoice(redis.url, redis.pid);
  const result = {
    date: new Date().toISOString(),
    quick: QUICK,
    machine: { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavgBefore: load0.map((x) => Math.round(x * 100) / 100), loadavgAfter: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    connections: CONNECTIONS,
    oneProcessMsgsPerSec: oneRun.msgsPerSec,
    twoProcessMsgsPerSec: twoRun.msgsPerSec,
    scaling: Math.round((twoRun.msgsPerSec / Math.max(1, oneRun.msgsPerSec)) * 100) / 100,
    crossProcessPushP50Ms: latency.p50,
    crossProcessPushP99Ms: latency.p99,
    /** Same offered rate, one process, no Redis: the baseline of the two figures above. */
    sameProcessPushP50Ms: sameLatency.p50,
    sameProcessPushP99Ms: sameLatency.p99,
    serverCpuUsPerMsg: { oneProcess: oneRun.serverCpuUsPerMsg, oneProcessWithRedis: oneRedisRun.serverCpuUsPerMsg, twoProcesses: twoRun.serverCpuUsPerMsg },
    cpuPerMsgRatio: Math.round((twoRun.serverCpuUsPerMsg / Math.max(1, oneRun.serverCpuUsPerMsg)) * 100) / 100,
    /** One process with Redis / one without: what the shared-state path costs by itself. */
    redisCpuPerMsgRatio: Math.round((oneRedisRun.serverCpuUsPerMsg / Math.max(1, oneRun.serverCpuUsPerMsg)) * 100) / 100,
    oneProcessWithRedisMsgsPerSec: oneRedisRun.msgsPerSec,
    runs: { oneProcess: oneRun, oneProcessWithRedis: oneRedisRun, twoProcesses: twoRun },
    latencyRun: latency,
    sameProcessLatencyRun: sameLatency,
    transport,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const c of children) c.kill('SIGKILL');
  redis.stop();
  await sleep(300);
  for (const d of dbs) await d.drop().catch(() => {});
  fs.rmSync(dataDir, { recursive: true, force: true });
  agent.destroy();
}
process.exit(0);
