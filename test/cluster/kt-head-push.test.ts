// Key-log heads reach clients on every process (docs/TRANSPARENCY.md §6.3, docs/API.md "Push channel"): a key
// published through process 1 appends to the log there; a client whose push socket is on process 2 gets the new
// signed head as a kt-head frame (over Redis) — what makes the owner's own-key check run at once.
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../server/_harness.ts';
import { type PgDb, type ServerProcess, clusterEnv, freshPg, spawnCluster } from './_cluster.ts';

let running: ServerProcess[] = [];
let db: PgDb;
beforeAll(async () => {
  db = await freshPg();
  running = await spawnCluster(clusterEnv(db), 2);
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.kill9()));
  await db?.drop();
});

describe('kt-head frames across processes', () => {
  it('a head signed on process 1 is pushed to a socket on process 2; the current head is pushed at connect', async () => {
    const [p1, p2] = running as [ServerProcess, ServerProcess];
    const alice = await createUser(p2.url);
    const heads: Array<{ treeSize: number }> = [];
    const ws = new WebSocket(`${p2.url.replace('http', 'ws')}/v1/stream`);
    const ready = new Promise<void>((resolve, reject) => {
      ws.on('message', (d) => {
        const f = JSON.parse(String(d)) as { type: string; head?: { treeSize: number } };
        if (f.type === 'ready') resolve();
        if (f.type === 'kt-head' && f.head) heads.push(f.head);
      });
      ws.once('error', reject);
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: alice.token })));
    try {
      await ready;
      await expect.poll(() => heads.length, { timeout: 10_000 }).toBeGreaterThan(0);
      const at = heads[heads.length - 1]!.treeSize;
      await createUser(p1.url); // registration through process 1 appends an identity binding there
      await expect.poll(() => Math.max(...heads.map((h) => h.treeSize)), { timeout: 10_000 }).toBe(at + 1);
    } finally {
      ws.close();
    }
  });
});
