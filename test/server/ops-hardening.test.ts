// Security and operations (docs/API.md "Errors", "Privacy and logging"; docs/DEPLOY.md "Faults"), each against the real
// server: no-store on auth answers, unhandled errors logged with type/code/stack (once), a full disk answers 507 and
// logs at error, an aborted download is not an error, the per-account quota on undelivered bytes, reserved and
// case-insensitive ids, the OpenAPI requestBody of the octet-stream uploads, and the test preflight.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBlobServer, uploadBlob } from '../attachments/_server.ts';
import {
  type EnvelopeJson, type TestServer, type TestUser, api, b64, concat, createUser, directConversation, isProblem, newIdentity, sendText,
  startTestServer,
} from './_harness.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const code = (r: { json: unknown }) => (r.json as { code?: string }).code;
const logLines = (srv: TestServer) => srv.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown> & { level: number; msg: string });

function register(base: string, userId: string) {
  const ident = newIdentity();
  const signature = ed25519.sign(concat(new TextEncoder().encode('franking-chat/v1/register\0'), ident.dhKey, new TextEncoder().encode(userId)), ident.signingSecret);
  return api(base, 'POST', '/v1/accounts', { userId, identitySigningKey: b64(ident.signingKey), identityDhKey: b64(ident.dhKey), signature: b64(signature) });
}

describe('answers and logs', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(() => srv.stop());
  afterEach(() => vi.restoreAllMocks());

  it('Cache-Control: no-store on /v1/auth/challenge, /v1/auth/token and /v1/mod/session', async () => {
    const user = await createUser(srv.url, 'cachy');
    const challenge = await fetch(`${srv.url}/v1/auth/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: user.id }) });
    expect(challenge.status).toBe(200);
    expect(challenge.headers.get('cache-control')).toBe('no-store');
    const token = await fetch(`${srv.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(token.headers.get('cache-control')).toBe('no-store');
    await srv.services.moderators.create({ id: 'cachemod', displayName: 'C', role: 'moderator', password: 'a long cache password' }, null);
    const login = await fetch(`${srv.url}/v1/mod/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ moderatorId: 'cachemod', password: 'a long cache password' }) });
    expect(login.status).toBe(201);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const session = await fetch(`${srv.url}/v1/mod/session`, { headers: { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] as string } });
    expect(session.status).toBe(200);
    expect(session.headers.get('cache-control')).toBe('no-store');
  });

  it('an unhandled error is logged once with its type, code and stack frames (not {"type":"object"}), never its message', async () => {
    const user = await createUser(srv.url, 'boomer');
    // A bug, not a fault (P2022: a column the code expects does not exist); faults are test/server/faults.test.ts.
    class SchemaMismatch extends Error {
      code = 'P2022';
    }
    vi.spyOn(srv.services.accounts, 'lookup').mockRejectedValue(new SchemaMismatch('secret words from the request'));
    const r = await api(srv.url, 'GET', '/v1/accounts/lookup/someone', undefined, user.token);
    expect(r.status).toBe(500);
    expect(code(r)).toBe('internal');
    const line = logLines(srv).find((l) => l.msg === 'unhandled error');
    expect(line).toBeDefined();
    const err = line?.err as { type?: string; code?: string; stack?: string };
    expect(err.type).toBe('SchemaMismatch');
    expect(err.code).toBe('P2022');
    expect(err.stack).toMatch(/at .+ops-hardening\.test\.ts/);
    expect(line?.level).toBe(50);
    expect(srv.logs.text).not.toContain('secret words');
  });

  it('reserved ids: staff:…, STAFF:…, staff and system cannot be registered (400 id_reserved)', async () => {
    for (const id of ['staff:admin', 'STAFF:admin', 'Staff:mod', 'staff', 'system']) {
      const r = await register(srv.url, id);
      expect(r.status, id).toBe(400);
      expect(isProblem(r)).toBe(true);
      expect(code(r)).toBe('id_reserved');
    }
    expect((await register(srv.url, 'staffer')).status).toBe(201);
  });

  it('handles are case-insensitive: ALICE cannot register next to alice, and looking up ALICE finds alice', async () => {
    const alice = await createUser(srv.url, 'alice');
    const dup = await register(srv.url, 'ALICE');
    expect(dup.status).toBe(409);
    expect(code(dup)).toBe('user_exists');
    const found = await api<{ userId: string }>(srv.url, 'GET', '/v1/accounts/lookup/ALICE', undefined, alice.token);
    expect(found.status).toBe(200);
    expect(found.json.userId).toBe('alice');
    const Mixed = await createUser(srv.url, 'MixedCase');
    expect((await api<{ userId: string }>(srv.url, 'GET', '/v1/accounts/lookup/mixedcase', undefined, alice.token)).json.userId).toBe(Mixed.id);
    const none = await api(srv.url, 'GET', '/v1/accounts/lookup/nobody-here', undefined, alice.token);
    expect(none.status).toBe(404);
  });

  it('OpenAPI documents the octet-stream request bodies of both upload endpoints', async () => {
    const doc = (await api<{ paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { format?: string } }> } }>> }>(srv.url, 'GET', '/openapi.json')).json;
    for (const [p, m] of [['/v1/blobs', 'post'], ['/v1/reports/{reportId}/attachments/{position}/{index}', 'put']] as const) {
      const body = doc.paths[p]?.[m]?.requestBody;
      expect(body, `${m} ${p}`).toBeDefined();
      expect(body?.content?.['application/octet-stream']?.schema?.format).toBe('binary');
    }
  });
});

describe('blob storage', () => {
  let srv: TestServer & { blobDir: string };
  let alice: TestUser;
  let bob: TestUser;
  let conversation: string;
  beforeAll(async () => {
    srv = await startBlobServer();
    [alice, bob] = await Promise.all([createUser(srv.url, 'alice'), createUser(srv.url, 'bob')]);
    conversation = await directConversation(srv.url, alice, bob);
  });
  afterAll(() => srv.stop());
  afterEach(() => vi.restoreAllMocks());

  it('a full disk (ENOSPC from the kernel, /dev/full) answers 507 insufficient_storage and logs at error', async () => {
    const real = fs.createWriteStream;
    vi.spyOn(fs, 'createWriteStream').mockImplementation(((p: fs.PathLike, o?: unknown) =>
      String(p).endsWith('.part') ? real('/dev/full', { flags: 'w' }) : real(p, o as Parameters<typeof real>[1])) as typeof fs.createWriteStream);
    const r = await uploadBlob(srv.url, alice, conversation, new Uint8Array(256 * 1024));
    expect(r.status).toBe(507);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.json?.code).toBe('insufficient_storage');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    const line = logLines(srv).find((l) => l.msg === 'server error');
    expect(line?.level).toBe(50);
    expect((line?.err as { cause?: { code?: string } }).cause?.code).toBe('ENOSPC');
  });

  it('an aborted download is not logged as an error, and the blob stays for a retry', async () => {
    const size = 24 * 1024 * 1024;
    const up = await uploadBlob(srv.url, alice, conversation, new Uint8Array(size));
    expect(up.status).toBe(201);
    const blobId = up.json?.blobId as string;
    const before = srv.logs.lines.length;
    const controller = new AbortController();
    const res = await fetch(`${srv.url}/v1/blobs/${blobId}`, { headers: { authorization: `Bearer ${bob.token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await new Promise((r) => setTimeout(r, 500));
    const after = srv.logs.lines.slice(before).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(after.filter((l) => l.level >= 50)).toEqual([]);
    const again = await fetch(`${srv.url}/v1/blobs/${blobId}`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(again.status).toBe(200);
    expect((await again.arrayBuffer()).byteLength).toBe(size);
  });
});

describe('quota on undelivered envelope bytes', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ envelopeQuotaBytes: 20_000 });
  });
  afterAll(() => srv.stop());

  it('refuses with 429 undelivered_quota_exceeded (limit and pending bytes in the problem) and passes again once the mail is fetched', async () => {
    const [alice, bob, carol] = await Promise.all([createUser(srv.url, 'qa'), createUser(srv.url, 'qb'), createUser(srv.url, 'qc')]);
    const conv = await directConversation(srv.url, alice, bob);
    const text = 'x'.repeat(6000);
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof sendText>>['res'] | null = null;
    for (let seq = 1; seq <= 6 && !refused; seq++) {
      const { res } = await sendText(srv.url, alice, conv, [bob], seq, text);
      statuses.push(res.status);
      if (res.status !== 201) refused = res;
    }
    expect(statuses.slice(0, 3)).toEqual([201, 201, 201]);
    expect(refused?.status).toBe(429);
    expect(isProblem(refused as never)).toBe(true);
    const p = refused?.json as { code?: string; limitBytes?: number; pendingBytes?: number; detail?: string };
    expect(p.code).toBe('undelivered_quota_exceeded');
    expect(p.limitBytes).toBe(20_000);
    expect(p.pendingBytes).toBeGreaterThan(18_000);
    expect(p.detail).toMatch(/waiting/);
    // another account is not limited by alice's backlog
    const other = await directConversation(srv.url, carol, bob);
    expect((await sendText(srv.url, carol, other, [bob], 1, 'hello')).res.status).toBe(201);
    // bob fetches and acknowledges: alice can send again at once
    const mail = await api<{ envelopes: EnvelopeJson[] }>(srv.url, 'GET', '/v1/messages?limit=100', undefined, bob.token);
    await api(srv.url, 'POST', '/v1/messages/ack', { ids: mail.json.envelopes.map((e) => e.id) }, bob.token);
    expect((await sendText(srv.url, alice, conv, [bob], 10, text)).res.status).toBe(201);
  });
});

describe('test preflight', () => {
  it('without Chromium it fails at once and says what to install', async () => {
    const started = Date.now();
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'scripts/preflight.mjs'), '--only', 'chromium'], { env: { ...process.env, CHROMIUM_BIN: '/nonexistent/chromium' } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain('apt-get install -y chromium');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('without PostgreSQL or Redis it fails at once and says what to install', async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const preflight = (only: string, env: Record<string, string>) => new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'scripts/preflight.mjs'), '--only', only], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
    });
    const redis = await preflight('redis', { TEST_REDIS_URL: `redis://127.0.0.1:${closed}` });
    expect(redis.code).toBe(1);
    expect(redis.out).toContain(`Redis is not running on 127.0.0.1:${closed}`);
    expect(redis.out).toContain('sudo apt-get install -y redis-server');
    const pg = await preflight('postgres', { PG_PORT: String(closed) });
    expect(pg.code).toBe(1);
    expect(pg.out).toContain('sudo apt-get install -y postgresql');
    // and both pass on this machine (the services the suites use are up)
    expect((await preflight('redis', {})).code).toBe(0);
    expect((await preflight('postgres', {})).code).toBe(0);
  });

  // The README's one test command sets the machine up where it can: Debian's Chromium when root with apt-get.
  describe('installs Chromium when it may', () => {
    let dir: string;
    let bin: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-preflight-'));
      bin = path.join(dir, 'chromium');
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    afterEach(() => fs.rmSync(bin, { force: true }));
    /** What apt-get would do: put a runnable chromium at the default path. */
    const aptInstalls = (calls: string[][]) => (cmd: string, argv: string[]) => {
      calls.push([cmd, ...argv]);
      if (argv[0] === 'install') fs.writeFileSync(bin, '#!/bin/sh\necho "Chromium 140.0 built on Debian"\n', { mode: 0o755 });
    };

    it('as root with apt-get: runs apt-get update + install -y chromium, then checks that it runs', async () => {
      const { ensureChromium } = await import('../../scripts/preflight.mjs');
      const calls: string[][] = [];
      expect(ensureChromium({ bin, explicit: false, isRoot: true, allowed: true, hasApt: true, run: aptInstalls(calls), log: () => {} })).toBeNull();
      expect(calls).toEqual([['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', 'chromium']]);
    });

    it('not root, no apt-get, PREFLIGHT_INSTALL=0 or an explicit CHROMIUM_BIN: installs nothing and says plainly what to do', async () => {
      const { ensureChromium } = await import('../../scripts/preflight.mjs');
      const calls: string[][] = [];
      const base = { bin, explicit: false, isRoot: true, allowed: true, hasApt: true, run: aptInstalls(calls), log: () => {} };
      for (const deps of [{ isRoot: false }, { hasApt: false }, { allowed: false }, { explicit: true }]) {
        const msg = ensureChromium({ ...base, ...deps });
        expect(msg).toContain('sudo apt-get install -y chromium');
      }
      expect(ensureChromium({ ...base, isRoot: false })).toContain('when run as root');
      expect(calls).toEqual([]);
    });

    it('a failed apt-get is reported with what to do', async () => {
      const { ensureChromium } = await import('../../scripts/preflight.mjs');
      const msg = ensureChromium({ bin, explicit: false, isRoot: true, allowed: true, hasApt: true, log: () => {}, run: () => {
        throw new Error('E: Unable to locate package chromium');
      } });
      expect(msg).toMatch(/apt-get failed \(E: Unable to locate package chromium\).*sudo apt-get install -y chromium/);
    });
  });

  it('npm test runs the preflight first', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test?.startsWith('node scripts/preflight.mjs &&')).toBe(true);
  });
});
