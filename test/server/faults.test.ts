// Faults answer as faults (docs/DEPLOY.md "Faults"): a full SQLite disk and a PostgreSQL outage are answered with
// problem+json 507 `insufficient_storage` / 503 `not_ready` and a Retry-After header — never 500 `internal` — and
// /readyz reports them, and franking_db_errors_total counts them (docs/METRICS.md). Real faults: SQLite really
// refuses to grow (max_page_count at the file's size: SQLITE_FULL from SQLite itself), and the server reaches its
// fresh PostgreSQL database through a TCP proxy this test cuts for 4 s (the shared PostgreSQL server is never stopped).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_ADMIN_URL, type TestServer, type TestUser, b64, concat, createUser, directConversation, frankAndSeal, newIdentity, startTestServer } from './_harness.ts';

interface Answer {
  status: number;
  type: string;
  retryAfter: string | null;
  code: string | undefined;
}

async function call(base: string, method: string, p: string, body?: unknown, token?: string): Promise<Answer> {
  const res = await fetch(base + p, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), code };
}

function registration(userId: string) {
  const ident = newIdentity();
  const signature = ed25519.sign(concat(new TextEncoder().encode('franking-chat/v1/register\0'), ident.dhKey, new TextEncoder().encode(userId)), ident.signingSecret);
  return { userId, identitySigningKey: b64(ident.signingKey), identityDhKey: b64(ident.dhKey), signature: b64(signature) };
}

const METRICS_TOKEN = `faults-${randomBytes(12).toString('hex')}`;

/** franking_db_errors_total summed over its kinds, from the server's metrics listener (docs/METRICS.md). */
async function dbErrorsCounted(srv: TestServer): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${srv.metricsPort}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  return [...text.matchAll(/^franking_db_errors_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

let seq = 0;
function send(base: string, from: TestUser, to: TestUser, conv: string, size = 0): Promise<Answer> {
  const { franked, ciphertext } = frankAndSeal(conv, from.id, ++seq, `fault test ${seq} ${'x'.repeat(size)}`);
  return call(base, 'POST', '/v1/messages', { conversationId: conv, commitment: b64(franked.commitment), envelopes: [{ recipientId: to.id, ciphertext: b64(ciphertext) }] }, from.token);
}

const readyz = async (base: string) => {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, checks: ((await res.json()) as { checks?: Record<string, string> }).checks ?? {} };
};

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a full SQLite disk', () => {
  let srv: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-full-'));
    srv = await startTestServer({ databaseUrl: `file:${path.join(dir, 'full.db')}`, metrics: { port: 0, host: '127.0.0.1', token: METRICS_TOKEN } }, { logLevel: 'fatal' });
  });
  afterAll(async () => {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses sends and registrations with 507 insufficient_storage + Retry-After (never 500), /readyz reports it, the metrics count it, and all works again once there is room', async () => {
    const [alice, bob] = await Promise.all([createUser(srv.url), createUser(srv.url)]);
    const conv = await directConversation(srv.url, alice, bob);
    expect((await send(srv.url, alice, bob, conv)).status).toBe(201);
    const db = srv.services.db;
    await db.$executeRawUnsafe('VACUUM'); // no free pages left to reuse
    const [row] = await db.$queryRawUnsafe<Array<{ n: number | bigint }>>('SELECT page_count AS n FROM pragma_page_count()');
    await db.$queryRawUnsafe(`PRAGMA max_page_count = ${Number(row?.n)}`);
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i++) answers.push(await send(srv.url, alice, bob, conv, 32 * 1024));
    // A registration may still fit into a page with room; the disk is full once a page must be added.
    for (let i = 0; i < 60 && answers.length < 4; i++) {
      const a = await call(srv.url, 'POST', '/v1/accounts', registration(`full-${randomBytes(4).toString('hex')}`));
      if (a.status !== 201) answers.push(a);
    }
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.length).toBe(4);
    for (const a of refused) {
      expect(a).toMatchObject({ status: 507, code: 'insufficient_storage' });
      expect(a.type).toMatch(/^application\/problem\+json/);
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
    }
    const r = await readyz(srv.url);
    expect(r.status).toBe(503);
    expect(r.checks.storage).toBe('full');
    expect(await dbErrorsCounted(srv)).toBeGreaterThanOrEqual(refused.length);

    await db.$queryRawUnsafe('PRAGMA max_page_count = 1073741823');
    expect((await send(srv.url, alice, bob, conv)).status).toBe(201);
    expect((await call(srv.url, 'POST', '/v1/accounts', registration(`room-${randomBytes(4).toString('hex')}`))).status).toBe(201);
    expect((await until(() => readyz(srv.url), (x) => x.status === 200)).checks.storage).toBe('ok');
  });
});

/** A TCP proxy in front of PostgreSQL that the test can cut (connections dropped, new ones refused) and restore. */
class CutProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async up(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  async cut(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const c of this.sockets) c.destroy();
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
}

describe('a PostgreSQL outage', () => {
  let srv: TestServer;
  let proxy: CutProxy;
  let dbName: string;
  beforeAll(async () => {
    dbName = `fc_fault_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    const target = new URL(PG_ADMIN_URL);
    proxy = new CutProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.up();
    const u = new URL(PG_ADMIN_URL);
    u.host = `127.0.0.1:${proxy.port}`;
    u.pathname = `/${dbName}`;
    srv = await startTestServer({ databaseUrl: u.href, metrics: { port: 0, host: '127.0.0.1', token: METRICS_TOKEN } }, { logLevel: 'fatal' });
  });
  afterAll(async () => {
    await srv?.stop();
    await proxy?.cut();
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  });

  it('4 s without the database: sends get 503 not_ready + Retry-After (never 500) while /readyz says 503, each counted in franking_db_errors_total, and succeed again after', async () => {
    const [alice, bob] = await Promise.all([createUser(srv.url), createUser(srv.url)]);
    const conv = await directConversation(srv.url, alice, bob);
    const answers: Answer[] = [];
    const ready: number[] = [];
    let stop = false;
    const senders = Array.from({ length: 4 }, async () => {
      while (!stop) answers.push(await send(srv.url, alice, bob, conv));
    });
    const poller = (async () => {
      while (!stop) {
        ready.push((await readyz(srv.url)).status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await until(async () => answers.filter((a) => a.status === 201).length, (n) => n >= 20);
    await proxy.cut();
    const cutAt = answers.length;
    await new Promise((r) => setTimeout(r, 4000));
    await proxy.up();
    const after = await until(async () => answers.slice(cutAt).filter((a) => a.status === 201).length, (n) => n >= 20, 30_000);
    stop = true;
    await Promise.all([...senders, poller]);

    expect(after).toBeGreaterThanOrEqual(20); // the server recovered by itself
    const failed = answers.filter((a) => a.status !== 201);
    expect(failed.length).toBeGreaterThan(0);
    for (const a of failed) {
      expect(a).toMatchObject({ status: 503, code: 'not_ready' });
      expect(a.type).toMatch(/^application\/problem\+json/);
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
    }
    expect(ready).toContain(503);
    expect(ready.at(-1)).toBe(200);
    // The operator sees the outage in the metrics (docs/METRICS.md): every refused send counted as a database error.
    expect(await dbErrorsCounted(srv)).toBeGreaterThanOrEqual(failed.length);
  });
});
