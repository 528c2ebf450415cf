// Several server processes on one database (docs/TRANSPARENCY.md §10.2): each keeps the tree in memory, appends
// go through the database's lock, and a process catches up with what the others appended. Two services on two
// database clients stand in for two processes. PostgreSQL only: several processes is the PostgreSQL deployment
// (DESIGN "Scale"); two synchronous SQLite clients in one Node process would block each other's event loop.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { KIND_IDENTITY, type LogSource, MemoryHeadStore, TransparencyClient, auditLog, keyProofFromJson, treeHeadFromJson } from '../../client/transparency/index.ts';
import { deployMigrations } from '../../scripts/migrate-deploy.mjs';
import { type Db, createDb } from '../../server/db.ts';
import { transparencyRepo } from '../../server/data/transparency.ts';
import { TransparencyService, logSignerFromSeed } from '../../server/services/transparency/index.ts';
import pg from 'pg';
import { PG_ADMIN_URL, type TestDb } from '../server/_harness.ts';

async function pgDatabase(): Promise<TestDb> {
  const name = `fc_kt_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.href, name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe.each([['postgres', pgDatabase]] as const)('%s', (_name, makeDb: () => Promise<TestDb>) => {
  test('two processes append concurrently without conflicting indexes, catch up, and agree on every head', async () => {
    const tdb = await makeDb();
    cleanup.push(() => tdb.drop());
    await deployMigrations(tdb.url, () => {});
    const seed = randomBytes(32);
    const dbs: Db[] = [await createDb(tdb.url), await createDb(tdb.url)];
    cleanup.push(async () => {
      for (const d of dbs) await d.$disconnect();
    });
    const [a, b] = dbs.map((d) => new TransparencyService(transparencyRepo(d), logSignerFromSeed(seed), [])) as [TransparencyService, TransparencyService];
    await Promise.all([a.init(), b.init()]);
    const keys = Array.from({ length: 60 }, (_, i) => ({ accountId: `acct-${i}`, kind: KIND_IDENTITY, key: new Uint8Array(randomBytes(64)) }));
    const results = await Promise.all(keys.map((k, i) => (i % 2 ? a : b).append([k])));
    const indexes = results.flat();
    expect(new Set(indexes).size).toBe(60);
    expect(Math.max(...indexes)).toBe(59);
    // Process a has not seen b's appends yet; proving one of b's bindings makes it catch up from the database.
    const fromB = keys[0] as (typeof keys)[number];
    const proof = keyProofFromJson(await a.proveBinding(fromB.accountId, fromB.kind, fromB.key));
    await b.refresh();
    expect(a.size).toBe(60);
    expect(b.size).toBe(60);
    expect(a.currentHead().rootHash).toEqual(b.currentHead().rootHash);
    const client = new TransparencyClient({ logPublicKey: ed25519.getPublicKey(seed), source: fakeSource(a), store: new MemoryHeadStore() });
    await expect(client.verifyKey(proof, fromB)).resolves.toBeTruthy();
    // Every head either process signed is on one history.
    const report = await auditLog(fakeSource(b), ed25519.getPublicKey(seed));
    expect(report.problems).toEqual([]);
    expect(report.entries).toBe(60);
  });
});

/** The service's own read API as a LogSource (what the HTTP routes expose). */
function fakeSource(s: TransparencyService): LogSource {
  const b = (x: string) => new Uint8Array(Buffer.from(x, 'base64url'));
  return {
    async head() {
      return { head: treeHeadFromJson((await s.headWithCosignatures()).head), cosignatures: [] };
    },
    async consistency(first, second) {
      return (await s.consistency(first, second)).map(b);
    },
    async entries(start, limit) {
      return (await s.entries(start, limit)).map((e) => ({ index: e.index, leaf: b(e.leaf) }));
    },
    async heads(after, limit) {
      return (await s.heads(after, limit)).map(treeHeadFromJson);
    },
  };
}
