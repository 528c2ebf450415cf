// Quotas hold across processes (docs/SCALING.md "Quotas"): parallel sends and uploads by one account, spread over
// two server processes on one PostgreSQL database, never store more than the quota — the check and the insert
// are one transaction under a per-account advisory lock. test/server/quotas.test.ts covers one process.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadBlob } from '../attachments/_server.ts';
import { api, b64, createUser, directConversation, frankAndSeal } from '../server/_harness.ts';
import { type PgDb, type ServerProcess, clusterEnv, freshPg, spawnCluster } from './_cluster.ts';

const LIMIT = 64 * 1024;
let db: PgDb;
let procs: ServerProcess[] = [];
let blobDir: string;
beforeAll(async () => {
  db = await freshPg();
  blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-cluster-blobs-'));
  procs = await spawnCluster(clusterEnv(db, { extra: { ENVELOPE_QUOTA_BYTES: String(LIMIT), BLOB_QUOTA_BYTES: String(1024 * 1024), BLOB_DIR: blobDir } }), 2);
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await db?.drop();
  if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
});

describe('quotas across two processes', () => {
  it('24 parallel 10 KiB sends through two processes: exactly what fits is stored, the rest get 429', async () => {
    const [a, b] = procs.map((p) => p.url) as [string, string];
    const [alice, bob] = await Promise.all([createUser(a), createUser(a)]);
    const conv = await directConversation(a, alice, bob);
    const ciphertext = b64(randomBytes(10 * 1024));
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const { franked } = frankAndSeal(conv, alice.id, i + 1, `m${i}`);
        return api(i % 2 ? b : a, 'POST', '/v1/messages', { conversationId: conv, commitment: b64(franked.commitment), envelopes: [{ recipientId: bob.id, ciphertext }] }, alice.token);
      }),
    );
    expect(results.filter((r) => r.status === 201).length).toBe(Math.floor(LIMIT / (10 * 1024)));
    expect(results.filter((r) => r.status === 429 && r.json.code === 'undelivered_quota_exceeded').length).toBe(24 - Math.floor(LIMIT / (10 * 1024)));
    const [row] = await db.query<{ n: string }>(`SELECT COALESCE(SUM(octet_length("ciphertext")), 0)::text AS n FROM "Envelope" WHERE "senderId" = $1`, [alice.id]);
    expect(Number(row?.n)).toBeLessThanOrEqual(LIMIT);
  });

  it('20 parallel 100 KiB uploads through two processes under a 1 MiB quota: 10 stored, 10 refused', async () => {
    const [a, b] = procs.map((p) => p.url) as [string, string];
    const [alice, bob] = await Promise.all([createUser(a), createUser(a)]);
    const conv = await directConversation(a, alice, bob);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => uploadBlob(i % 2 ? b : a, alice, conv, randomBytes(100 * 1024))));
    expect(results.filter((r) => r.status === 201).length).toBe(10);
    expect(results.filter((r) => r.status === 413 && r.json?.code === 'quota_exceeded').length).toBe(10);
    const [row] = await db.query<{ n: string }>(`SELECT COALESCE(SUM("size"), 0)::text AS n FROM "Blob" WHERE "uploaderId" = $1`, [alice.id]);
    expect(Number(row?.n)).toBe(10 * 100 * 1024);
    expect(fs.readdirSync(blobDir).filter((f) => f.startsWith('b_')).length).toBe(10);
  });
});
