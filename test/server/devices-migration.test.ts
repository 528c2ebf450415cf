// Migration of single-device data (docs/PROTOCOL-devices.md D17.1, D17.3, D17.4) on a database that existed before
// devices: the migrations up to the last one before `device_lists` are applied, rows are written as the server of
// that time wrote them (an account, its bearer session, a direct conversation, a queued envelope with its stamp, an
// undelivered record), then today's server starts on it and applies the rest. The old token is device 1's; the queued
// envelope is delivered to device 1 in the single-device shape and still reports as verified; the undelivered record
// is device 1's; the account migrates by a genesis of its own keys and keeps its token and its mail. SQLite, or
// PostgreSQL with TEST_DATABASE=postgres.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeStamp } from '../../client/franking/index.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { type RunningServer, startServer } from '../../server/server.ts';
import { Account, type Keys } from './_devices.ts';
import {
  api, b64, type EnvelopeJson, freshDatabase, frankAndSeal, LogCapture, reportItem, type TestDb, testKeyring, usePostgres,
} from './_harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROVIDER = usePostgres ? 'postgres' : 'sqlite';
/** The first migration of devices (D17.3): everything before it is the schema single-device servers ran. */
const FIRST_DEVICE_MIGRATION = fs.readdirSync(path.join(ROOT, 'prisma', PROVIDER, 'migrations')).find((n) => n.endsWith('_device_lists')) as string;

/** Applies the pre-device migrations with the project's own deploy script, run from a project root that has only them. */
async function deployOldMigrations(url: string): Promise<string[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-old-schema-'));
  try {
    fs.writeFileSync(path.join(tmp, 'package.json'), '{"type":"module"}');
    fs.mkdirSync(path.join(tmp, 'scripts'));
    fs.copyFileSync(path.join(ROOT, 'scripts/migrate-deploy.mjs'), path.join(tmp, 'scripts/migrate-deploy.mjs'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'));
    const from = path.join(ROOT, 'prisma', PROVIDER, 'migrations');
    const to = path.join(tmp, 'prisma', PROVIDER, 'migrations');
    fs.mkdirSync(to, { recursive: true });
    for (const n of fs.readdirSync(from).filter((n) => n < FIRST_DEVICE_MIGRATION)) fs.cpSync(path.join(from, n), path.join(to, n), { recursive: true });
    const { deployMigrations } = (await import(pathToFileURL(path.join(tmp, 'scripts/migrate-deploy.mjs')).href)) as { deployMigrations: (url: string, log: () => void) => Promise<string[]> };
    return await deployMigrations(url, () => {});
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Plain SQL on the old schema (`?` placeholders), as the server of that time wrote its rows. */
async function withSql<T>(url: string, fn: (run: (sql: string, params: unknown[]) => Promise<void>) => Promise<T>): Promise<T> {
  if (url.startsWith('file:')) {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(url.slice('file:'.length));
    try {
      return await fn(async (sql, params) => void db.prepare(sql).run(...params.map((p) => (p instanceof Date ? p.toISOString() : p instanceof Uint8Array ? Buffer.from(p) : p))));
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(async (sql, params) => {
      let i = 0;
      await c.query(sql.replace(/\?/g, () => `$${++i}`), params.map((p) => (p instanceof Uint8Array ? Buffer.from(p) : p)));
    });
  } finally {
    await c.end();
  }
}

const keyring = testKeyring();
let db: TestDb;
let running: RunningServer;
let url: string;
const user = (id: string) => {
  const signingSecret = ed25519.utils.randomSecretKey();
  return { id, signingSecret, signingKey: ed25519.getPublicKey(signingSecret), dhKey: x25519.getPublicKey(x25519.utils.randomSecretKey()), token: randomBytes(32).toString('base64url') };
};
const alice = user(`mig-alice-${randomBytes(3).toString('hex')}`);
const bob = user(`mig-bob-${randomBytes(3).toString('hex')}`);
const conversationId = `c-${randomBytes(8).toString('hex')}`;
const serverTime = Date.now() - 60_000;
const message = frankAndSeal(conversationId, alice.id, 1, 'sent before devices existed');
const messageId = `m-${randomBytes(8).toString('hex')}`;
const refusedId = `m-${randomBytes(8).toString('hex')}`;
const stamp = computeStamp(keyring, { messageId, conversationId, senderId: alice.id, recipientId: bob.id, role: 'recipient', serverTime }, message.franked.commitment);

beforeAll(async () => {
  db = await freshDatabase();
  const applied = await deployOldMigrations(db.url);
  expect(applied.length).toBeGreaterThan(5);
  expect(applied.at(-1)! < FIRST_DEVICE_MIGRATION).toBe(true);
  const now = new Date();
  await withSql(db.url, async (run) => {
    for (const u of [alice, bob]) {
      await run(`INSERT INTO "Account" ("id","identitySigningKey","identityDhKey","createdAt","updatedAt","handleKey") VALUES (?,?,?,?,?,?)`, [u.id, u.signingKey, u.dhKey, now, now, u.id.toLowerCase()]);
      await run(`INSERT INTO "Session" ("tokenHash","accountId","expiresAt","createdAt") VALUES (?,?,?,?)`, [createHash('sha256').update(u.token).digest('hex'), u.id, new Date(Date.now() + 3_600_000), now]);
    }
    await run(`INSERT INTO "Conversation" ("id","kind","directKey","createdBy","createdAt") VALUES (?,?,?,?,?)`, [conversationId, 'direct', [alice.id, bob.id].sort().join('|'), alice.id, now]);
    for (const u of [alice, bob]) await run(`INSERT INTO "ConversationMember" ("conversationId","accountId","joinedAt","role") VALUES (?,?,?,?)`, [conversationId, u.id, now, 'member']);
    await run(`INSERT INTO "Envelope" ("id","messageId","conversationId","senderId","recipientId","ciphertext","commitment","serverTime","kid","tag","expiresAt") VALUES (?,?,?,?,?,?,?,?,?,?,?)`, [
      `${messageId}.${bob.id}`, messageId, conversationId, alice.id, bob.id, message.ciphertext, message.franked.commitment, serverTime, stamp.kid, stamp.tag, new Date(Date.now() + 86_400_000),
    ]);
    await run(`INSERT INTO "UndeliveredRecord" ("messageId","recipientId","conversationId","senderId","serverTime","reason","expiresAt") VALUES (?,?,?,?,?,?,?)`, [
      refusedId, bob.id, conversationId, alice.id, serverTime - 1000, 'blocked', new Date(Date.now() + 86_400_000),
    ]);
  });
  const config = {
    ...loadConfig({}), port: 0, databaseUrl: db.url,
    keyringJson: JSON.stringify(keyring.toJSON()), keyringFile: '/nonexistent/never-written.json',
    transparency: { logKeySeed: b64(randomBytes(32)), logKeyFile: '/nonexistent/never-written.json', witnessesJson: undefined, proofsOnFetch: true },
    rateLimits: { auth: 100_000, send: 1_000_000, report: 100_000, windowMs: 60_000 },
    registration: { ...loadConfig({}).registration, perAddressLimit: 0, secret: b64(randomBytes(32)) },
  };
  running = await startServer(config, createLogger('warn', new LogCapture()));
  url = running.url;
});
afterAll(async () => {
  await running?.close();
  await db?.drop();
});

describe('a database from before devices, migrated by today\'s server (D17)', () => {
  it('the old session is device 1\'s; the queued envelope reaches device 1 in the single-device shape and reports as verified', async () => {
    const me = await api(url, 'GET', '/v1/accounts/me', undefined, bob.token);
    expect(me.status, JSON.stringify(me.json)).toBe(200);
    expect(me.json).toMatchObject({ deviceId: 1, deviceList: null });
    const got = await api<{ envelopes: EnvelopeJson[] }>(url, 'GET', '/v1/messages', undefined, bob.token);
    expect(got.json.envelopes.map((e) => [e.stamp.messageId, Object.keys(e).sort()])).toEqual([[messageId, ['ciphertext', 'commitment', 'id', 'stamp']]]);
    const rep = await api<{ items: Array<{ verdict: string }> }>(url, 'POST', '/v1/reports', { category: 'spam', reported: reportItem(got.json.envelopes[0]!.stamp, message.franked, 'sent before devices existed'), context: [] }, bob.token);
    expect(rep.status, JSON.stringify(rep.json)).toBe(201);
    expect(rep.json.items[0]!.verdict).toBe('verified');
  });

  it('the undelivered record and the session rows are device 1\'s', async () => {
    const services = running.services;
    expect((await services.db.undeliveredRecord.findMany({ where: { recipientId: bob.id } })).map((r) => [r.messageId, Number(r.senderDeviceId)])).toEqual([[refusedId, 1]]);
    expect((await services.db.session.findMany({ where: { accountId: { in: [alice.id, bob.id] } } })).map((s) => Number(s.deviceId))).toEqual([1, 1]);
    expect((await services.db.account.findMany({ where: { id: { in: [alice.id, bob.id] } } })).map((a) => a.deviceListVersion)).toEqual([null, null]);
  });

  it('the account migrates by a genesis of its own keys (D17.1) and keeps its token; its copies reach the unmigrated peer\'s old session (D17.2); its single-device body still reaches the peer without a list, and the peer\'s reaches it (D17.3)', async () => {
    // The identity binding is logged at its owner's next bundle publication (the server of that time logged it at
    // registration; this database was written without the log): alice publishes, then signs her genesis.
    const spk = x25519.getPublicKey(x25519.utils.randomSecretKey());
    const idBytes = Buffer.alloc(4);
    idBytes.writeUInt32BE(7);
    const spkSig = ed25519.sign(Buffer.concat([Buffer.from('franking-chat/v1/signed-prekey\0'), idBytes, spk]), alice.signingSecret);
    const pub = await api(url, 'PUT', '/v1/keys', { identitySigningKey: b64(alice.signingKey), identityDhKey: b64(alice.dhKey), signedPreKey: { id: 7, publicKey: b64(spk), signature: b64(spkSig) }, oneTimePreKeys: [] }, alice.token);
    expect(pub.status, JSON.stringify(pub.json)).toBe(200);
    const k: Keys = { seed: alice.signingSecret, dh: alice.dhKey, entry: (id) => ({ deviceId: id, identitySigningKey: alice.signingKey, identityDhKey: alice.dhKey, credentialKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()), linkedAt: 1 }) };
    const acc = new Account(alice.id);
    const genesis = acc.next({ devices: [k.entry(1)], nextDeviceId: 2 }, { id: 1, key: k });
    const r = await api(url, 'PUT', '/v1/devices', { list: b64(genesis) }, alice.token);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    acc.accept(genesis);
    expect((await api(url, 'GET', '/v1/accounts/me', undefined, alice.token)).status).toBe(200);
    // bob has no list, so his client reads only the single-device body: alice, migrated, may still send it to him
    // (D17.2, D17.3), and it reaches him in the single-device shape.
    const next = frankAndSeal(conversationId, alice.id, 2, 'after the migration', message.franked.commitment);
    const sent = await api<{ messageId: string }>(url, 'POST', '/v1/messages', { conversationId, commitment: b64(next.franked.commitment), envelopes: [{ recipientId: bob.id, ciphertext: b64(next.ciphertext) }] }, alice.token);
    expect(sent.status, JSON.stringify(sent.json)).toBe(201);
    const atBob = await api<{ envelopes: EnvelopeJson[] }>(url, 'GET', '/v1/messages', undefined, bob.token);
    expect(atBob.json.envelopes.filter((e) => e.stamp.messageId === sent.json.messageId).map((e) => Object.keys(e).sort())).toEqual([['ciphertext', 'commitment', 'id', 'stamp']]);
    // bob, still single-device, keeps his body: it reaches alice's device 1 (her old token), in the single-device shape.
    const back = frankAndSeal(conversationId, bob.id, 1, 'from the unmigrated peer');
    const fromBob = await api<{ messageId: string }>(url, 'POST', '/v1/messages', { conversationId, commitment: b64(back.franked.commitment), envelopes: [{ recipientId: alice.id, ciphertext: b64(back.ciphertext) }] }, bob.token);
    expect(fromBob.status, JSON.stringify(fromBob.json)).toBe(201);
    const atAlice = await api<{ envelopes: EnvelopeJson[] }>(url, 'GET', '/v1/messages', undefined, alice.token);
    expect(atAlice.json.envelopes.filter((e) => e.stamp.messageId === fromBob.json.messageId).map((e) => Object.keys(e).sort())).toEqual([['ciphertext', 'commitment', 'id', 'stamp']]);
    // A fan-out send naming bob as an account without a list (version 0, 32 zero bytes, device 1) reaches the same session.
    const copies = {
      conversationId, commitment: b64(randomBytes(32)), clientMessageId: b64(randomBytes(16)),
      lists: [{ accountId: alice.id, listVersion: 1, listHash: b64(acc.hash) }, { accountId: bob.id, listVersion: 0, listHash: b64(new Uint8Array(32)) }],
      copies: [{ accountId: bob.id, deviceId: 1, ciphertext: b64(randomBytes(24)) }],
    };
    const fan = await api<{ messageId: string }>(url, 'POST', '/v1/messages', copies, alice.token);
    expect(fan.status, JSON.stringify(fan.json)).toBe(201);
    const after = await api<{ envelopes: Array<EnvelopeJson & { targetDeviceId?: number; senderDeviceId?: number }> }>(url, 'GET', '/v1/messages', undefined, bob.token);
    expect(after.json.envelopes.filter((e) => e.stamp.messageId === fan.json.messageId).map((e) => [e.senderDeviceId, e.targetDeviceId])).toEqual([[1, 1]]);
  });
});
