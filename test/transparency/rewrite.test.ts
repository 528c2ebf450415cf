// The server rewrites history in its database (and re-signs every head with the log key), then restarts:
// a client that kept its newest head and an auditor that kept its state both detect it. A rewrite that does
// not re-sign is refused by the server itself at start (the stored heads no longer match the stored leaves).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { HttpLogSource, KIND_IDENTITY, MemoryHeadStore, MerkleTree, TransparencyClient, auditLog, encodeLeaf, hashLeaf, logKeyId, signTreeHead } from '../../client/transparency/index.ts';
import { createLogger } from '../../server/logger.ts';
import { type RunningServer, startServer } from '../../server/server.ts';
import { LogCapture, b64, createUser, startTestServer, type TestServer } from '../server/_harness.ts';
import { userWithBundle } from './_kt.ts';

const seed = new Uint8Array(randomBytes(32));
let srv: TestServer;
let second: RunningServer | undefined;
beforeAll(async () => {
  srv = await startTestServer({ transparency: { logKeySeed: b64(seed), logKeyFile: '/nonexistent/x.json', witnessesJson: undefined, proofsOnFetch: true } });
});
afterAll(async () => {
  await second?.close();
  await srv?.stop();
});

test('rewritten and re-signed history is detected by a client with memory and by the auditor', async () => {
  for (let i = 0; i < 4; i++) await userWithBundle(srv.url);
  const store = new MemoryHeadStore();
  const source = new HttpLogSource(srv.url);
  const { publicKey } = await source.logKey();
  const client = new TransparencyClient({ logPublicKey: publicKey, source, store });
  await client.acceptHead((await source.head()).head);
  const before = await auditLog(source, publicKey);
  expect(before.ok).toBe(true);

  // The operator replaces entry 1 with a key of its own for that account and re-signs every head.
  const db = srv.services.db;
  const rows = await db.ktLeaf.findMany({ orderBy: { index: 'asc' } });
  const target = rows[1]!;
  const forged = encodeLeaf({ accountId: target.accountId, kind: KIND_IDENTITY, key: new Uint8Array(randomBytes(64)), action: 'publish', timestamp: Date.now() });
  await db.ktLeaf.update({ where: { index: 1 }, data: { leaf: new Uint8Array(forged), leafHash: new Uint8Array(hashLeaf(forged)) } });
  const tree = new MerkleTree();
  const heads = await db.ktTreeHead.findMany({ orderBy: { treeSize: 'asc' } });
  const leafHashes = (await db.ktLeaf.findMany({ orderBy: { index: 'asc' } })).map((r) => r.leafHash);
  for (const h of heads) {
    while (tree.size < h.treeSize) tree.appendLeafHash(leafHashes[tree.size]!);
    const s = signTreeHead({ logKeyId: logKeyId(ed25519.getPublicKey(seed)), treeSize: h.treeSize, rootHash: tree.root(), timestamp: Number(h.timestamp) }, seed);
    await db.ktTreeHead.update({ where: { treeSize: h.treeSize }, data: { rootHash: new Uint8Array(s.rootHash), signature: new Uint8Array(s.signature) } });
  }
  second = await startServer({ ...srv.config, port: 0 }, createLogger('warn', new LogCapture()), { migrate: false });
  await createUser(second.url); // the log grows on the rewritten history

  const src2 = new HttpLogSource(second.url);
  const client2 = new TransparencyClient({ logPublicKey: publicKey, source: src2, store });
  await expect(client2.acceptHead((await src2.head()).head)).rejects.toMatchObject({ code: 'consistency_failed' });
  const after = await auditLog(src2, publicKey, { previous: before.state! });
  expect(after.problems.map((p) => p.code)).toContain('history_rewritten');
});

test('a server refuses to start on leaves that do not match its signed heads', async () => {
  await srv.services.db.ktLeaf.update({ where: { index: 0 }, data: { leafHash: new Uint8Array(32) } });
  await expect(startServer({ ...srv.config, port: 0 }, createLogger('warn', new LogCapture()), { migrate: false })).rejects.toThrow(/does not match the stored leaves/);
});
