// The command-line tools as a user runs them: `npm run kt:audit -- --server URL` against a live server (exit 0,
// then exit 1 once the log's history no longer matches the saved state), and the witness process cosigning.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { api, b64, startTestServer, type TestServer } from '../server/_harness.ts';
import { userWithBundle } from './_kt.ts';

const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-cli-'));
const witnessSeed = new Uint8Array(randomBytes(32));
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({
    transparency: { logKeySeed: b64(randomBytes(32)), logKeyFile: '/nonexistent/x.json', witnessesJson: JSON.stringify([{ name: 'cli-witness', publicKey: b64(ed25519.getPublicKey(witnessSeed)) }]), proofsOnFetch: true },
  });
  for (let i = 0; i < 3; i++) await userWithBundle(srv.url);
});
afterAll(async () => {
  await srv?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('kt:audit audits a live server and keeps state; a rewritten entry makes it fail', async () => {
  const state = path.join(dir, 'audit.json');
  const ok = await run(tsx, ['scripts/kt-audit.ts', '--server', srv.url, '--state', state, '--json']);
  const report = JSON.parse(ok.stdout) as { ok: boolean; entries: number };
  expect(report.ok).toBe(true);
  expect(report.entries).toBeGreaterThanOrEqual(3);
  expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toMatchObject({ treeSize: report.entries });
  // The operator edits an entry in place (heads untouched): the next audit exits 1 and names the problem.
  await srv.services.db.ktLeaf.update({ where: { index: 1 }, data: { leaf: new Uint8Array([...(await srv.services.db.ktLeaf.findUniqueOrThrow({ where: { index: 1 } })).leaf.slice(0, -1), 0]) } });
  const bad = await run(tsx, ['scripts/kt-audit.ts', '--server', srv.url, '--state', state]).then(() => null, (e: { code: number; stdout: string }) => e);
  expect(bad?.code).toBe(1);
  expect(bad?.stdout).toMatch(/root_mismatch|history_rewritten/);
}, 120_000);

test('kt:witness cosigns the newest head; the server then serves the cosignature', async () => {
  const key = path.join(dir, 'witness-key.json');
  fs.writeFileSync(key, JSON.stringify({ algorithm: 'Ed25519', seed: b64(witnessSeed) }));
  const out = await run(tsx, ['scripts/kt-witness.ts', 'run', '--server', srv.url, '--key', key, '--state', path.join(dir, 'witness.json'), '--once']);
  expect(out.stdout).toMatch(/cosigned size \d+: server answered 201/);
  const head = await api<{ cosignatures: unknown[] }>(srv.url, 'GET', '/v1/transparency/head');
  expect(head.json.cosignatures).toHaveLength(1);
}, 120_000);
