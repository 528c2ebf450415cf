// Keys are logged on the way in, never on the way out (docs/TRANSPARENCY.md §10.4) — also when the attacker writes the
// log's own tables. Someone who can write the database but does not hold the log key appends a leaf binding a key of
// its own to bob and a "signed" head over it (the right root, the log's key id, a signature it cannot make), and swaps
// bob's identity row. The server must never sign a head over that leaf: the next honest append does not extend it,
// and alice's client never gets the swapped key with a proof that verifies.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchedBundleJson } from '../../client/transport/api.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { KIND_IDENTITY, MerkleTree, encodeLeaf, hashLeaf, identityBindingKey, verifyTreeHead } from '../../client/transparency/index.ts';
import { asBytes } from '../../server/data/_bytes.ts';
import { nodeSha256 } from '../../server/services/transparency/hash.ts';
import { createLogger } from '../../server/logger.ts';
import { startServer } from '../../server/server.ts';
import { ChatTransparency, type MetaStore } from '../../chat/src/transparency.ts';
import { type TestServer, api, createUser, startTestServer } from '../server/_harness.ts';
import { userWithBundle } from './_kt.ts';

// One server per case: a forged head stops its log (docs/TRANSPARENCY.md §10.4).
let srv: TestServer;
let closed = false;
afterEach(async () => {
  if (closed) await srv.db.drop();
  else await srv?.stop();
  closed = false;
});

type Row = { index: number; leafHash: Uint8Array };
type Head = { treeSize: number; rootHash: Uint8Array; timestamp: bigint; signature: Uint8Array; logKeyId: Uint8Array };
type Prisma = {
  ktLeaf: { findMany(a: { orderBy: { index: 'asc' } }): Promise<Row[]>; create(a: { data: Record<string, unknown> }): Promise<unknown> };
  ktTreeHead: { findMany(a: { orderBy: { treeSize: 'asc' } }): Promise<Head[]>; findFirstOrThrow(a: { orderBy: { treeSize: 'desc' } }): Promise<Head>; create(a: { data: Head }): Promise<unknown> };
  account: { update(a: { where: { id: string }; data: Record<string, unknown> }): Promise<unknown> };
};
const db = () => srv.services.db as unknown as Prisma;
const memoryStore = (): MetaStore => {
  const m = new Map<string, unknown>();
  return { meta: async <T,>(k: string) => m.get(k) as T | undefined, saveMeta: async (k, v) => void m.set(k, v) };
};

describe("the log's tables written without the log key", () => {
  it.each([
    ["the log's key id", false],
    ['another key id', true],
  ] as const)('a leaf for bob and a head over it naming %s are never signed over; the swapped key never gets a proof that verifies', async (_name, otherKeyId) => {
    srv = await startTestServer({}, { logLevel: 'silent' });
    const bob = await userWithBundle(srv.url);
    const alice = await createUser(srv.url);
    const rogue = generateIdentity();
    const rogueKey = identityBindingKey(rogue.signingPublicKey, rogue.dhPublicKey);
    // The operator's move, in the database only: the next leaf binds the rogue key to bob, and a head over it with the
    // right root — but a signature it cannot make without the log key.
    const leaves = await db().ktLeaf.findMany({ orderBy: { index: 'asc' } });
    const tree = new MerkleTree(nodeSha256);
    for (const l of leaves) tree.appendLeafHash(l.leafHash);
    const newest = await db().ktTreeHead.findFirstOrThrow({ orderBy: { treeSize: 'desc' } });
    expect(newest.treeSize).toBe(leaves.length);
    const leaf = encodeLeaf({ accountId: bob.id, kind: KIND_IDENTITY, key: rogueKey, action: 'publish', timestamp: Number(newest.timestamp) + 1 });
    const leafHash = hashLeaf(leaf, nodeSha256);
    tree.appendLeafHash(leafHash);
    await db().ktLeaf.create({ data: { index: leaves.length, leaf: asBytes(leaf), leafHash: asBytes(leafHash), accountId: bob.id, kind: KIND_IDENTITY } });
    await db().ktTreeHead.create({ data: { treeSize: leaves.length + 1, rootHash: asBytes(tree.root()), timestamp: newest.timestamp + 1n, signature: asBytes(randomBytes(64)), logKeyId: otherKeyId ? asBytes(randomBytes(32)) : newest.logKeyId } });
    await db().account.update({ where: { id: bob.id }, data: { identitySigningKey: asBytes(rogue.signingPublicKey), identityDhKey: asBytes(rogue.dhPublicKey) } });

    // Honest traffic goes on: someone registers (an append), alice fetches bob's key.
    await createUser(srv.url).catch(() => undefined);
    const r = await api<FetchedBundleJson>(srv.url, 'GET', `/v1/keys/${bob.id}`, undefined, alice.token);

    // And alice's chat never takes the swapped key: no bundle, or one it refuses.
    if (r.status === 200) {
      expect(r.json.identitySigningKey).toBe(Buffer.from(rogue.signingPublicKey).toString('base64url'));
      const kt = new ChatTransparency(srv.url, memoryStore, () => {});
      await expect(kt.verifyBundle(bob.id, r.json)).rejects.toThrow();
    }
    // Every head signed by the log key covers only the leaves the log appended: none extends the forged leaf.
    const logKey = srv.services.transparency.logPublicKey;
    const heads = await db().ktTreeHead.findMany({ orderBy: { treeSize: 'asc' } });
    const signed = heads.filter((h) => {
      try {
        verifyTreeHead({ ...h, timestamp: Number(h.timestamp) }, logKey);
        return true;
      } catch {
        return false;
      }
    });
    expect(signed.length).toBeGreaterThan(0);
    expect(Math.max(...signed.map((h) => h.treeSize))).toBeLessThanOrEqual(leaves.length);
    // The server restarted on this database refuses to start rather than sign over the forged rows.
    await srv.close();
    closed = true;
    const again = await startServer(srv.config, createLogger('silent', new PassThrough())).then((s) => s.close().then(() => null), (e: unknown) => e);
    expect(again).toBeInstanceOf(Error);
    expect((again as Error).message).toMatch(otherKeyId ? /refusing to start: the key-transparency log in this database is signed by log key/ : /stored head \d+ names this log's key but its signature does not verify/);
  });
});
