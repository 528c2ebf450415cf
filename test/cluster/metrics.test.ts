// Prometheus with several processes (docs/METRICS.md "Several processes"): each process exposes its own counts;
// with npm run start:cluster each worker slot has its own metrics port.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createUser, directConversation, sendText } from '../server/_harness.ts';
import { ROOT, type PgDb, PrivateRedis, type ServerProcess, clusterEnv, freeTcpPort, freeTcpPortRun, freshPg, sleep, spawnCluster } from './_cluster.ts';

const TOKEN = `cluster-metrics-${randomBytes(12).toString('hex')}`;
const sends = (text: string) => text.split('\n').filter((l) => l.startsWith('franking_sends_total{kind="direct"}')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
const scrape = async (url: string) => {
  const r = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  return r.text();
};

let running: ServerProcess[] = [];
let child: ChildProcess | null = null;
let db: PgDb | null = null;
let redis: PrivateRedis | null = null;
afterEach(async () => {
  await redis?.kill();
  redis = null;
  await Promise.all(running.map((s) => s.kill9()));
  running = [];
  if (child && child.exitCode === null) {
    const c = child;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
  child = null;
  await db?.drop();
  db = null;
});

describe('metrics per process', () => {
  it('two processes: each exposes its own metrics and counts only its own sends', async () => {
    db = await freshPg();
    running = await spawnCluster(clusterEnv(db, { extra: { METRICS_TOKEN: TOKEN } }), 2);
    const [a, b] = running as [ServerProcess, ServerProcess];
    const alice = await createUser(a.url);
    const bob = await createUser(a.url);
    const conv = await directConversation(a.url, alice, bob);
    for (let i = 1; i <= 3; i++) expect((await sendText(a.url, alice, conv, [bob], i, `m${i}`)).res.status).toBe(201);
    const [ta, tb] = [await scrape(`${a.url}/metrics`), await scrape(`${b.url}/metrics`)];
    expect(sends(ta)).toBe(3);
    expect(sends(tb)).toBe(0);
    expect(tb).toContain('franking_push_sockets_open 0');
  });

  it('Redis errors are counted (a private redis-server killed under a running process)', async () => {
    [db, redis] = await Promise.all([freshPg(), PrivateRedis.start()]);
    running = await spawnCluster(clusterEnv(db, { redisUrl: redis.url, extra: { METRICS_TOKEN: TOKEN } }), 1);
    const url = `${(running[0] as ServerProcess).url}/metrics`;
    const errors = (text: string) => Number(/^franking_redis_errors_total\{connection="command"\} (\S+)$/m.exec(text)?.[1] ?? 'NaN');
    expect(errors(await scrape(url))).toBe(0);
    const r = redis;
    redis = null; // PrivateRedis.kill() waits for an exit that already happened if called twice
    await r.kill();
    await expect.poll(async () => errors(await scrape(url)), { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
  });

  it('npm run start:cluster: worker slot i serves /metrics on METRICS_PORT + i', async () => {
    db = await freshPg();
    const env = clusterEnv(db);
    const base = await freeTcpPortRun(2);
    let port = await freeTcpPort();
    while (port === base || port === base + 1) port = await freeTcpPort();
    child = spawn(process.execPath, ['--import', 'tsx', 'server/cluster.ts'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl,
        REDIS_PREFIX: env.redisPrefix, DATA_DIR: env.dataDir, STAMP_KEYRING_FILE: env.keyFile, ADMIN_PASSWORD: 'cluster-test-admin-pw', LOG_LEVEL: 'warn',
        CLUSTER_WORKERS: '2', METRICS_PORT: String(base), METRICS_TOKEN: TOKEN, RATE_LIMIT_AUTH: '100000',
      },
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 90_000;
    const up = new Set<number>();
    while (up.size < 2 && Date.now() < deadline) {
      for (const p of [base, base + 1]) {
        try {
          if ((await fetch(`http://127.0.0.1:${p}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status === 200) up.add(p);
        } catch {
          /* not listening yet */
        }
      }
      if (child.exitCode !== null) break;
      await sleep(200);
    }
    expect([...up].sort(), out).toEqual([base, base + 1]);
    // Sends through the shared main port land on either worker; the two workers' counts add up to them.
    const alice = await createUser(`http://127.0.0.1:${port}`);
    const bob = await createUser(`http://127.0.0.1:${port}`);
    const conv = await directConversation(`http://127.0.0.1:${port}`, alice, bob);
    for (let i = 1; i <= 6; i++) expect((await sendText(`http://127.0.0.1:${port}`, alice, conv, [bob], i, `m${i}`)).res.status).toBe(201);
    const total = sends(await scrape(`http://127.0.0.1:${base}/metrics`)) + sends(await scrape(`http://127.0.0.1:${base + 1}/metrics`));
    expect(total).toBe(6);
  });
});
