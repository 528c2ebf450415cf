// Durability: a report acknowledged with 201 survives `kill -9` of the server process and a restart
// (SQLite WAL with synchronous=NORMAL / PostgreSQL commit). The server runs as a real child process.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type EnvelopeJson, type TestDb, api, createUser, directConversation, freshDatabase, login, reportItem, sendText, testKeyring } from './_harness.ts';

let db: TestDb;
let dataDir: string;
const keyring = JSON.stringify(testKeyring().toJSON());
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-durable-'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await db.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function spawnServer(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', DATABASE_URL: db.url, STAMP_KEYRING: keyring, DATA_DIR: dataDir, LOG_LEVEL: 'warn', RATE_LIMIT_AUTH: '1000', REGISTRATION_LIMIT_PER_ADDRESS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Chat:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out); // server/main.ts start-up banner
      if (m?.[1]) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
  return { child, base };
}

it('an acknowledged report and an undelivered envelope survive kill -9 and restart', async () => {
  const first = await spawnServer();
  const alice = await createUser(first.base, 'alice');
  const bob = await createUser(first.base, 'bob');
  const conv = await directConversation(first.base, alice, bob);
  const m = await sendText(first.base, alice, conv, [bob], 1, 'abusive text');
  const env = (await api<{ envelopes: EnvelopeJson[] }>(first.base, 'GET', '/v1/messages', undefined, bob.token)).json.envelopes[0] as EnvelopeJson;
  const pending = await sendText(first.base, alice, conv, [bob], 2, 'not yet fetched', m.franked.commitment);
  expect(pending.res.status).toBe(201);
  const rep = await api<{ id: string }>(first.base, 'POST', '/v1/reports', { category: 'threat', reported: reportItem(env.stamp, m.franked, 'abusive text') }, bob.token);
  expect(rep.status).toBe(201);
  first.child.kill('SIGKILL'); // immediately after the acknowledgement
  await new Promise((r) => first.child.once('exit', r));
  expect(first.child.signalCode).toBe('SIGKILL');

  const second = await spawnServer();
  const tok = await login(second.base, 'bob', bob.signingSecret);
  expect(tok.status).toBe(200);
  const token = tok.json.token as string;
  const got = await api<{ id: string; verdict: string }>(second.base, 'GET', `/v1/reports/${rep.json.id}`, undefined, token);
  expect(got.status).toBe(200);
  expect(got.json).toMatchObject({ id: rep.json.id, verdict: 'verified' });
  const mail = await api<{ envelopes: EnvelopeJson[] }>(second.base, 'GET', '/v1/messages', undefined, token);
  expect(mail.json.envelopes.map((e) => e.stamp.messageId)).toContain(pending.res.json.messageId);
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));
});
