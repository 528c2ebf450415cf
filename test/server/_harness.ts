// Test harness: a real server on an ephemeral 127.0.0.1 port over a fresh real database — a temp SQLite
// file, or (TEST_DATABASE=postgres, `npm run test:pg`) a fresh PostgreSQL database dropped afterwards.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import pg from 'pg';
import { Keyring, frankMessage, sealFranked, toBase64Url, xchacha20poly1305Aead } from '../../client/protocol.ts';
import { type ServerConfig, loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { type RunningServer, startServer } from '../../server/server.ts';

export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const usePostgres = process.env.TEST_DATABASE === 'postgres';
export const b64 = (u: Uint8Array) => toBase64Url(u);
const utf8 = (s: string) => new TextEncoder().encode(s);

export interface TestDb {
  url: string;
  name: string;
  file?: string;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDb> {
  const name = `fc_test_${randomBytes(6).toString('hex')}`;
  if (!usePostgres) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-server-'));
    const file = path.join(dir, 'test.db');
    return { url: `file:${file}`, name, file, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.href,
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Captures every log line the server writes. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(chunk.toString('utf8'));
    cb();
  }
  get text() {
    return this.lines.join('');
  }
}

export interface TestServer extends RunningServer {
  db: TestDb;
  logs: LogCapture;
  config: ServerConfig;
  stop(): Promise<void>;
}

export function testKeyring(now = Date.now()): Keyring {
  return Keyring.create('k-test-1', randomBytes(32), now);
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}, opts: { logLevel?: string } = {}): Promise<TestServer> {
  const db = await freshDatabase();
  const config: ServerConfig = {
    ...loadConfig({}),
    port: 0,
    databaseUrl: db.url,
    keyringJson: JSON.stringify(testKeyring().toJSON()),
    keyringFile: '/nonexistent/never-written.json',
    transparency: { logKeySeed: b64(randomBytes(32)), logKeyFile: '/nonexistent/never-written.json', witnessesJson: undefined, proofsOnFetch: true },
    rateLimits: { auth: 100_000, send: 1_000_000, report: 100_000, windowMs: 60_000 },
    // Every simulated client is 127.0.0.1: no per-address registration limit unless a test sets one.
    registration: { ...loadConfig({}).registration, perAddressLimit: 0, secret: b64(randomBytes(32)) },
    ...overrides,
  };
  const logs = new LogCapture();
  const running = await startServer(config, createLogger(opts.logLevel ?? 'debug', logs));
  return {
    ...running,
    db,
    logs,
    config,
    async stop() {
      await running.close();
      await db.drop();
    },
  };
}

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  json: T;
}

export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  urlPath: string,
  body?: unknown,
  token?: string,
  extraHeaders: Record<string, string> = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + urlPath, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', json: json as T };
}

export interface TestUser {
  id: string;
  token: string;
  signingSecret: Uint8Array;
  signingKey: Uint8Array;
  dhKey: Uint8Array;
}

export function newIdentity() {
  const signingSecret = ed25519.utils.randomSecretKey();
  const dhSecret = x25519.utils.randomSecretKey();
  return { signingSecret, signingKey: ed25519.getPublicKey(signingSecret), dhKey: x25519.getPublicKey(dhSecret) };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

export async function login(base: string, id: string, signingSecret: Uint8Array): Promise<ApiResult> {
  const ch = await api<{ challenge: string }>(base, 'POST', '/v1/auth/challenge', { userId: id });
  const challenge = Buffer.from(ch.json.challenge, 'base64url');
  const signature = ed25519.sign(concat(utf8('franking-chat/v1/auth\0'), challenge, utf8(id)), signingSecret);
  return api(base, 'POST', '/v1/auth/token', { userId: id, challenge: ch.json.challenge, signature: b64(signature) });
}

export async function createUser(base: string, id = `u-${randomBytes(5).toString('hex')}`): Promise<TestUser> {
  const ident = newIdentity();
  const signature = ed25519.sign(concat(utf8('franking-chat/v1/register\0'), ident.dhKey, utf8(id)), ident.signingSecret);
  const reg = await api(base, 'POST', '/v1/accounts', {
    userId: id, identitySigningKey: b64(ident.signingKey), identityDhKey: b64(ident.dhKey), signature: b64(signature),
  });
  if (reg.status !== 201) throw new Error(`register ${id}: ${reg.status} ${JSON.stringify(reg.json)}`);
  const tok = await login(base, id, ident.signingSecret);
  if (tok.status !== 200) throw new Error(`login ${id}: ${tok.status} ${JSON.stringify(tok.json)}`);
  return { id, token: tok.json.token as string, ...ident };
}

export async function directConversation(base: string, a: TestUser, b: TestUser): Promise<string> {
  const r = await api<{ id: string }>(base, 'POST', '/v1/conversations', { kind: 'direct', peerId: b.id }, a.token);
  if (r.status !== 201 && r.status !== 200) throw new Error(`conversation: ${r.status}`);
  return r.json.id;
}

/** A really franked and encrypted message (the session key here is a fresh random AEAD key per test pair). */
export function frankAndSeal(conversationId: string, senderId: string, seq: number, text: string, prevCommitment?: Uint8Array, aeadKey = randomBytes(32)) {
  const franked = frankMessage({ conversationId, senderId, seq, ...(prevCommitment ? { prevCommitment } : {}) }, utf8(text));
  const ciphertext = sealFranked(xchacha20poly1305Aead(aeadKey), franked);
  return { franked, ciphertext };
}

export interface EnvelopeJson {
  id: string;
  ciphertext: string;
  commitment: string;
  stamp: Record<string, unknown> & { messageId: string; tag: string };
}

export async function sendText(base: string, from: TestUser, conversationId: string, to: TestUser[], seq: number, text: string, prev?: Uint8Array) {
  const { franked, ciphertext } = frankAndSeal(conversationId, from.id, seq, text, prev);
  const res = await api<{ messageId: string; stamp: Record<string, unknown> }>(base, 'POST', '/v1/messages', {
    conversationId, commitment: b64(franked.commitment), envelopes: to.map((u) => ({ recipientId: u.id, ciphertext: b64(ciphertext) })),
  }, from.token);
  return { res, franked };
}

/** Report item JSON for a received message: the recipient's stamp plus the opening. */
export function reportItem(stamp: Record<string, unknown>, franked: { commitment: Uint8Array; fk: Uint8Array; headerBytes: Uint8Array }, body: string) {
  return { stamp, commitment: b64(franked.commitment), fk: b64(franked.fk), header: b64(franked.headerBytes), body: b64(utf8(body)) };
}

export function isProblem(r: ApiResult): boolean {
  const j = r.json as { code?: unknown; status?: unknown; type?: unknown; title?: unknown };
  return r.contentType.startsWith('application/problem+json') && typeof j.code === 'string' && j.status === r.status && typeof j.type === 'string';
}
