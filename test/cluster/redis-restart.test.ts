// Redis restarted during load (docs/SCALING.md "Delivery: the database is the truth, Redis only wakes"): a PRIVATE
// redis-server on a free port (never the shared one) is killed and started again while senders post through two
// processes and recipients listen on both. Sends keep being accepted (the database is the truth), delivery resumes when
// Redis is back (every listener re-reads the database after the reconnect), nothing acknowledged is lost and nothing
// reaches the application twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../server/_harness.ts';
import { type PgDb, PrivateRedis, type ServerProcess, clusterEnv, freshPg, sleep, spawnCluster } from './_cluster.ts';
import { type Pair, deliveryDefects, makePairs, sendWithRetry, settle } from './_load.ts';

const PAIRS = 4;
const PER_SENDER = 30;
let db: PgDb;
let redis: PrivateRedis;
let procs: ServerProcess[];
const alive = () => procs.map((p) => p.url);

beforeAll(async () => {
  [db, redis] = await Promise.all([freshPg(), PrivateRedis.start()]);
  procs = await spawnCluster(clusterEnv(db, { redisUrl: redis.url }), 2);
});
afterAll(async () => {
  await Promise.all((procs ?? []).map((p) => p.stop()));
  await redis?.kill();
  await db?.drop();
});

describe('Redis restarted during load', () => {
  it('keeps accepting sends, resumes delivery and loses nothing acknowledged', async () => {
    const pairs: Pair[] = await makePairs(alive(), PAIRS, alive);
    for (const p of pairs) p.channel.start();
    await sleep(1000);
    let sent = 0;
    let notReadySeen = false;
    const load = pairs.map(async (pair) => {
      for (let seq = 1; seq <= PER_SENDER; seq++) {
        await sendWithRetry(pair, seq, alive);
        sent++;
        await sleep(20);
      }
    });
    while (sent < (PAIRS * PER_SENDER) / 3) await sleep(20);
    await redis.kill();
    // readiness reports Redis down meanwhile (a load balancer would stop routing new clients here)
    const r = await api<{ checks: { redis: string } }>(procs[0]!.url, 'GET', '/readyz');
    notReadySeen = r.status === 503 && r.json.checks.redis === 'down';
    await sleep(1500);
    await redis.restart();
    await Promise.all(load);
    await settle(pairs, 20_000);
    for (const p of pairs) p.channel.stop();

    expect(notReadySeen).toBe(true);
    const acked = pairs.reduce((n, p) => n + p.acked.size, 0);
    expect(acked).toBe(PAIRS * PER_SENDER); // the database took every send, Redis or not
    const { lost, duplicated } = deliveryDefects(pairs);
    if (lost.length) {
      const pending = await db.query(`SELECT "id", "recipientId" FROM "Envelope"`);
      console.error({ lost, pending, logs: procs.map((p) => p.output().slice(-3000)) });
    }
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    for (const p of procs) expect((await api(p.url, 'GET', '/readyz')).status).toBe(200);
  });
});
