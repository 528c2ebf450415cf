// Quotas hold across processes (docs/SCALING.md "Quotas"): parallel sends and uploads by one account, spread over
// two server processes on one PostgreSQL database (1:1 envelopes, group messages, blobs), never store more than the quota — the check and the insert
// are one transaction under a per-account advisory lock. test/server/quotas.test.ts covers one process.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { uploadBlob } from '../attachments/_server.ts';
import { ServerMember } from '../groups/_server-member.ts';
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
  it('12 parallel group messages of one sender through two processes, to a member who never fetches: exactly what fits is stored, the rest get 429', async () => {
    const [a, b] = procs.map((p) => p.url) as [string, string];
    const tag = randomBytes(3).toString('hex');
    const [carol, bob] = await Promise.all([ServerMember.create(`cq-c-${tag}`, a), ServerMember.create(`cq-b-${tag}`, b)]);
    const conv = await carol.createGroup();
    await carol.add(conv, [bob.id]);
    expect((await bob.sync()).map((r) => r.event.kind)).toEqual(['joined']); // bob joins, then never fetches again
    // Encrypted one after another (MLS state), posted all at once, half through each process with the same token.
    const viaB = new ApiClient({ baseUrl: b, validateResponses: userOperations, token: carol.api.token });
    const g = carol.group(conv);
    const wires: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) wires.push((await g.send(new TextEncoder().encode('x'.repeat(12 * 1024)))).message);
    const settled = await Promise.allSettled(wires.map((w, i) => (i % 2 ? viaB : carol.api).sendGroupMessage(conv, w)));
    expect(settled.every((s) => s.status === 'fulfilled' || ApiError.is(s.reason, 'undelivered_quota_exceeded'))).toBe(true);
    const acceptedBytes = settled.reduce((n, s, i) => n + (s.status === 'fulfilled' ? (wires[i] as Uint8Array).length : 0), 0);
    const [row] = await db.query<{ n: string }>(`SELECT COALESCE(SUM(octet_length("ciphertext")), 0)::text AS n FROM "GroupMessage" WHERE "senderId" = $1 AND "kind" = 'application'`, [carol.id]);
    const stored = Number(row?.n);
    // Exact: what was accepted is what is stored, it is within the quota (together with the Commit that added bob), and
    // every refused message would not have fitted even at the end (pending bytes only grow: bob never fetches).
    expect(stored).toBe(acceptedBytes);
    const [all] = await db.query<{ n: string }>(`SELECT COALESCE(SUM(octet_length("ciphertext")), 0)::text AS n FROM "GroupMessage" WHERE "senderId" = $1`, [carol.id]);
    const pending = Number(all?.n);
    expect(pending).toBeLessThanOrEqual(LIMIT);
    const refused = wires.filter((_, i) => settled[i]?.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(12);
    for (const w of refused) expect(pending + w.length).toBeGreaterThan(LIMIT);
  });
});
