// Four processes starting at once on a fresh PostgreSQL database, ten times (docs/SCALING.md "Starting N processes at
// once"): all start, one admin is created (and announced by exactly one process), every migration is applied once, and
// — with no key file yet — all four end up stamping with the one key that is in the file.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createUser, directConversation, sendText } from '../server/_harness.ts';
import { ROOT, type PgDb, type ServerProcess, clusterEnv, freshPg, spawnCluster } from './_cluster.ts';

const ROUNDS = Number(process.env.CLUSTER_START_ROUNDS ?? 10);
const PROCESSES = 4;
const migrations = fs.readdirSync(path.join(ROOT, 'prisma/postgres/migrations')).filter((d) => fs.existsSync(path.join(ROOT, 'prisma/postgres/migrations', d, 'migration.sql')));

let running: ServerProcess[] = [];
let db: PgDb | null = null;
afterEach(async () => {
  await Promise.all(running.map((s) => s.kill9()));
  running = [];
  await db?.drop();
  db = null;
});

describe(`${PROCESSES} processes starting together on a fresh database`, () => {
  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))('round %i: all start, one admin, migrations once, one stamping key', async () => {
    db = await freshPg();
    const env = clusterEnv(db); // no key file yet: the first start creates it
    running = await spawnCluster(env, PROCESSES);
    const admins = await db.query<{ id: string; role: string }>(`SELECT "id", "role" FROM "Moderator"`);
    expect(admins).toEqual([{ id: 'admin', role: 'admin' }]);
    expect(running.filter((s) => s.output().includes('First start: created the dashboard admin'))).toHaveLength(1);
    const applied = await db.query<{ migration_name: string; finished_at: Date | null }>(`SELECT "migration_name", "finished_at" FROM "_prisma_migrations" ORDER BY "migration_name"`);
    expect(applied.map((m) => m.migration_name)).toEqual([...migrations].sort());
    expect(applied.every((m) => m.finished_at !== null)).toBe(true);
    // one key file, and every process stamps with its active key
    const activeKid = (JSON.parse(fs.readFileSync(env.keyFile, 'utf8')) as { activeKid: string }).activeKid;
    const [a, b] = [await createUser(running[0]!.url), await createUser(running[1]!.url)];
    const c = await directConversation(running[0]!.url, a, b);
    for (const [i, s] of running.entries()) {
      const r = await sendText(s.url, a, c, [b], i + 1, `from ${i}`);
      expect(r.res.status).toBe(201);
      expect((r.res.json.stamp as { kid: string }).kid).toBe(activeKid);
    }
    for (const s of running) expect(s.output()).not.toMatch(/failed to start|unhandled/);
  });
});
