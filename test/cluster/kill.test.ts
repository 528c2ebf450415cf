// kill -9 of one of three processes under a bounded send load (docs/SCALING.md "Delivery: the database is the truth,
// Redis only wakes"): every acknowledged message is delivered exactly once to the application after the clients
// reconnect to the survivors, and every acknowledged report is present. The database is the truth; the push client
// (client/transport/push.ts) drops re-pushed envelopes it already handed over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, reportItem } from '../server/_harness.ts';
import { type PgDb, type ServerProcess, clusterEnv, freshPg, sleep, spawnCluster } from './_cluster.ts';
import { type Pair, deliveryDefects, makePairs, sendWithRetry, settle } from './_load.ts';

const PAIRS = 6;
const PER_SENDER = 40;
let db: PgDb;
let procs: ServerProcess[];
let dead = new Set<string>();
const alive = () => procs.filter((p) => !dead.has(p.url)).map((p) => p.url);

beforeAll(async () => {
  db = await freshPg();
  procs = await spawnCluster(clusterEnv(db), 3);
});
afterAll(async () => {
  await Promise.all((procs ?? []).map((p) => p.stop()));
  await db?.drop();
});

describe('kill -9 of one process under load', () => {
  it('delivers every acknowledged message exactly once and keeps every acknowledged report', async () => {
    const pairs: Pair[] = await makePairs(procs.map((p) => p.url), PAIRS, alive);
    for (const p of pairs) p.channel.start();
    await sleep(1000); // connected, two of them to the victim (round robin)
    const victim = procs[0]!;
    const reportsAcked: string[] = [];
    let sent = 0;
    const reportOne = async (pair: Pair) => {
      const d = pair.delivered[pair.delivered.length - 1];
      const m = d && pair.acked.get(d.messageId);
      if (!d || !m) return;
      for (let t = 0; t < 6; t++) {
        const live = alive();
        try {
          const r = await api<{ id: string }>(live[t % live.length]!, 'POST', '/v1/reports', { category: 'spam', reported: reportItem(d.stamp, m.franked, m.text) }, pair.recipient.token);
          if (r.status === 201 || r.status === 200) return void reportsAcked.push(r.json.id);
        } catch {
          /* dying process: retry elsewhere */
        }
        await sleep(100);
      }
    };
    const load = pairs.map(async (pair) => {
      for (let seq = 1; seq <= PER_SENDER; seq++) {
        await sendWithRetry(pair, seq, alive);
        sent++;
        if (seq % 10 === 0) await reportOne(pair);
      }
    });
    // kill -9 once a third of the load is through
    while (sent < (PAIRS * PER_SENDER) / 3) await sleep(20);
    dead = new Set([victim.url]);
    await victim.kill9();
    await Promise.all(load);
    await settle(pairs, 20_000);
    // the clients' last acks reach the database: nothing stays pending
    const pendingCount = async () => Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "Envelope"`))[0]!.n);
    for (let i = 0; i < 100 && (await pendingCount()) > 0; i++) await sleep(100);
    for (const p of pairs) p.channel.stop();

    const acked = pairs.reduce((n, p) => n + p.acked.size, 0);
    expect(acked).toBeGreaterThan(PAIRS * PER_SENDER * 0.9);
    const { lost, duplicated } = deliveryDefects(pairs);
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(reportsAcked.length).toBeGreaterThan(0);
    const stored = new Set((await db.query<{ id: string }>(`SELECT "id" FROM "Report"`)).map((r) => r.id));
    for (const id of reportsAcked) expect(stored.has(id)).toBe(true);
    // and everything delivered was acknowledged back by the clients through the survivors
    expect(await pendingCount()).toBe(0);
  });
});
