// Split keyrings (docs/SCALING.md "One keyring per deployment"), with real server processes: a second process on the
// same database with its own data directory — so its own stamping key file and its own key-log key — refuses to
// start, and its error names the setting to fix. On PostgreSQL + Redis (the multi-process deployment) and on one
// SQLite file. With the deployment's keys it starts, and a report of a message stamped by the other process verifies.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { api, createUser, directConversation, reportItem, sendText } from '../server/_harness.ts';
import { type ClusterEnv, type PgDb, type ServerProcess, clusterEnv, freshPg, spawnServer } from './_cluster.ts';

let running: ServerProcess[] = [];
let db: PgDb | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.kill9()));
  running = [];
  await db?.drop();
  db = null;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Another data directory for the same deployment: by default its own stamping key file and its own log key. */
function secondDir(first: ClusterEnv, share: { keyring?: boolean; logKey?: boolean } = {}): ClusterEnv {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-split-'));
  dirs.push(dataDir);
  if (share.logKey) fs.copyFileSync(path.join(first.dataDir, 'kt-log-key.json'), path.join(dataDir, 'kt-log-key.json'));
  return { ...first, dataDir, keyFile: share.keyring ? first.keyFile : path.join(dataDir, 'stamp-keys.json') };
}

/** Starts a process expected to refuse; resolves with its output. */
async function refused(env: ClusterEnv): Promise<string> {
  const r = await spawnServer(env, { timeoutMs: 60_000 }).then(
    (s) => {
      running.push(s);
      return null;
    },
    (e: unknown) => (e as Error).message,
  );
  expect(r, 'the process started').not.toBeNull();
  return r as string;
}

async function reportAcross(stamper: string, reporterVia: string) {
  const [mia, ned] = [await createUser(stamper), await createUser(stamper)];
  const c = await directConversation(stamper, mia, ned);
  const sent = await sendText(stamper, mia, c, [ned], 1, 'stamped on one process');
  expect(sent.res.status).toBe(201);
  const mail = await api<{ envelopes: Array<{ stamp: Record<string, unknown> }> }>(reporterVia, 'GET', '/v1/messages', undefined, ned.token);
  return api<{ items: Array<{ verdict: string; reason?: string }> }>(reporterVia, 'POST', '/v1/reports', { category: 'spam', reported: reportItem(mail.json.envelopes[0]!.stamp, sent.franked, 'stamped on one process') }, ned.token);
}

describe('PostgreSQL + Redis: a second process with keys of its own', () => {
  it('with its own data directory (own stamping key file and log key): refuses to start, naming both settings', async () => {
    db = await freshPg();
    const first = clusterEnv(db);
    dirs.push(first.dataDir);
    running.push(await spawnServer(first));
    const out = await refused(secondDir(first));
    expect(out).toMatch(/refusing to start/);
    expect(out).toMatch(/STAMP_KEYRING_FILE/);
    expect(out).toMatch(/KT_LOG_KEY_FILE/);
    // The deployment keeps serving.
    expect((await fetch(`${running[0]!.url}/readyz`)).status).toBe(200);
  });

  it('only the stamping keyring differs: refuses, naming STAMP_KEYRING_FILE; only the log key differs: refuses, naming KT_LOG_KEY_FILE', async () => {
    db = await freshPg();
    const first = clusterEnv(db);
    dirs.push(first.dataDir);
    running.push(await spawnServer(first));
    const keyringOnly = await refused(secondDir(first, { logKey: true }));
    expect(keyringOnly).toMatch(/STAMP_KEYRING_FILE/);
    expect(keyringOnly).not.toMatch(/KT_LOG_KEY/);
    const logKeyOnly = await refused(secondDir(first, { keyring: true }));
    expect(logKeyOnly).toMatch(/KT_LOG_KEY_FILE/);
    expect(logKeyOnly).not.toMatch(/STAMP_KEYRING/);
  });

  it('with the deployment\'s keys (same key file, same log key, another data directory) it starts, and a report stamped on the other process verifies', async () => {
    db = await freshPg();
    const first = clusterEnv(db);
    dirs.push(first.dataDir);
    running.push(await spawnServer(first));
    running.push(await spawnServer(secondDir(first, { keyring: true, logKey: true })));
    const r = await reportAcross(running[0]!.url, running[1]!.url);
    expect(r.status).toBe(201);
    expect(r.json.items[0]!.verdict).toBe('verified');
  });
});

describe('SQLite: two processes on one database file, each with its own data directory', () => {
  it('the second refuses to start, naming the settings', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-split-sqlite-'));
    dirs.push(dir);
    const first: ClusterEnv = { databaseUrl: `file:${path.join(dir, 'one.db')}`, redisPrefix: `fc-split-${randomBytes(4).toString('hex')}:`, keyFile: path.join(dir, 'stamp-keys.json'), dataDir: dir };
    running.push(await spawnServer(first));
    const out = await refused(secondDir(first));
    expect(out).toMatch(/STAMP_KEYRING_FILE/);
    expect(out).toMatch(/KT_LOG_KEY_FILE/);
    expect((await fetch(`${running[0]!.url}/readyz`)).status).toBe(200);
  });
});
