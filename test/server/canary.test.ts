// Privacy canary: 1,000 really franked and encrypted messages, each with a unique marker; 3 reported.
// Afterwards the database (SQLite file + WAL, or pg_dump of PostgreSQL) and the captured logs (level
// trace) contain exactly those 3 markers and no other.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type EnvelopeJson, type TestServer, type TestUser, api, createUser, directConversation, reportItem, sendText, startTestServer, usePostgres } from './_harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({}, { logLevel: 'trace' });
});
afterAll(async () => srv?.stop());

const N = 1000;
const REPORTED = [17, 500, 999];

function databaseBytes(): string {
  if (!usePostgres) {
    const file = srv.db.file as string;
    return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1')).join('\n');
  }
  const url = new URL(srv.db.url);
  return execFileSync('pg_dump', ['-h', url.hostname, '-p', url.port || '5432', '-U', 'postgres', '--data-only', srv.db.name], { maxBuffer: 1 << 30 }).toString('latin1');
}

it('only reported plaintext reaches the database; none reaches the logs', async () => {
  const base = srv.url;
  const [alice, bob] = (await Promise.all([createUser(base, 'alice'), createUser(base, 'bob')])) as [TestUser, TestUser];
  const conv = await directConversation(base, alice, bob);
  const tag = randomBytes(4).toString('hex');
  const markers = Array.from({ length: N }, (_, i) => `CANARY${tag}X${String(i).padStart(4, '0')}Z`);
  const sent: Array<Awaited<ReturnType<typeof sendText>>> = [];
  let prev: Uint8Array | undefined;
  // Sequential per sender: seq and the hash chain are per sender, as a real client would do.
  for (let i = 0; i < N; i++) {
    const s = await sendText(base, alice, conv, [bob], i + 1, `message ${markers[i]} end`, prev);
    expect(s.res.status).toBe(201);
    prev = s.franked.commitment;
    sent.push(s);
  }
  const received: EnvelopeJson[] = [];
  while (received.length < N) {
    const r = await api<{ envelopes: EnvelopeJson[] }>(base, 'GET', '/v1/messages?limit=500', undefined, bob.token);
    expect(r.json.envelopes.length).toBeGreaterThan(0);
    received.push(...r.json.envelopes);
    await api(base, 'POST', '/v1/messages/ack', { ids: r.json.envelopes.map((e) => e.id) }, bob.token);
  }
  const stampOf = new Map(received.map((e) => [e.stamp.messageId, e.stamp]));
  for (const i of REPORTED) {
    const s = sent[i] as (typeof sent)[number];
    const item = reportItem(stampOf.get(s.res.json.messageId) as Record<string, unknown>, s.franked, `message ${markers[i]} end`);
    const r = await api<{ verdict: string }>(base, 'POST', '/v1/reports', { category: 'harassment', reported: item }, bob.token);
    expect(r.status).toBe(201);
    expect(r.json.verdict).toBe('verified');
  }
  await new Promise((r) => setTimeout(r, 100));
  const dump = databaseBytes();
  const inDb = (m: string) => dump.includes(m) || dump.includes(Buffer.from(m).toString('hex'));
  const found = markers.map((m, i) => (inDb(m) ? i : -1)).filter((i) => i >= 0);
  expect(found).toEqual(REPORTED);
  const logs = srv.logs.text;
  expect(logs.length).toBeGreaterThan(1000); // trace logging really captured request lines
  const inLogs = markers.filter((m) => logs.includes(m) || logs.includes(Buffer.from(`message ${m} end`).toString('base64url')));
  expect(inLogs).toEqual([]);
  // Together: exactly the 3 reported markers.
  expect([...new Set([...found, ...inLogs.map((m) => markers.indexOf(m))])].sort((a, b) => a - b)).toEqual(REPORTED);
});
