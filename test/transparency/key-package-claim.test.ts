// Key transparency for MLS key packages on a real server (docs/TRANSPARENCY.md §6.4): every claim carries the
// inclusion proof of the credential key inside the package it hands out — derived from the stored bytes, never
// appended on the way out — and the SDK refuses a package whose key the log does not hold. The attack: the key
// package rows are swapped directly in the database, as an operator (or whoever reaches the database) could.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentialKey, generateGroupKeyPackage, verifyClaimedKeyPackage } from '../../client/group/index.ts';
import { KIND_MLS_CREDENTIAL, TransparencyError, auditLog, decodeLeaf } from '../../client/transparency/index.ts';
import { fromBase64Url } from '../../client/protocol.ts';
import { asBytes } from '../../server/data/_bytes.ts';
import { ServerMember } from '../groups/_server-member.ts';
import { ClaimedKeyPackage } from '../../client/transport/contract/keys.ts';
import { type TestServer, api, startTestServer } from '../server/_harness.ts';
import { ktClient } from './_kt.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => srv?.stop());

let n = 0;
const member = (name: string, kps = 2) => ServerMember.create(`${name}-${++n}`, srv.url, kps);
const db = () => srv.services.db as unknown as {
  keyPackage: { updateMany(a: { where: Record<string, unknown>; data: { data: Uint8Array } }): Promise<{ count: number }> };
};
/** Replaces the bytes of every key package row of `accountId` (one-time and last resort). */
const swapRows = async (accountId: string, bytes: Uint8Array) => (await db().keyPackage.updateMany({ where: { accountId }, data: { data: asBytes(bytes) } })).count;

describe('claim responses carry the credential key proof', () => {
  it('each claimed package (one-time and last resort) is proven for its account; claims append nothing to the log', async () => {
    const bob = await member('claim-bob', 1);
    const alice = await member('claim-alice');
    const kt = await ktClient(srv.url);
    const size = srv.services.transparency.size;
    const oneTime = await alice.api.claimKeyPackage(bob.id);
    const last = await alice.api.claimKeyPackage(bob.id);
    expect([oneTime.lastResort, last.lastResort]).toEqual([false, true]);
    for (const claimed of [oneTime, last]) {
      expect(claimed.transparency).toBeDefined();
      const binding = decodeLeaf(fromBase64Url(claimed.transparency!.leaf));
      expect(binding).toMatchObject({ accountId: bob.id, kind: KIND_MLS_CREDENTIAL, action: 'publish' });
      expect(binding.key).toEqual(bob.me.credentialKey.publicKey);
      const ok = await verifyClaimedKeyPackage(kt, bob.id, claimed);
      expect(ok.credentialKey).toEqual(bob.me.credentialKey.publicKey);
    }
    expect(srv.services.transparency.size).toBe(size);
    // On the wire: the contract's shape, the same KeyInclusionProof as an identity fetch; documented in the OpenAPI.
    await bob.publish(1);
    const raw = await api(srv.url, 'POST', `/v1/key-packages/${bob.id}/claim`, undefined, (alice.api as unknown as { tokenValue: string }).tokenValue);
    expect(raw.status).toBe(200);
    expect(ClaimedKeyPackage.parse(raw.json).transparency).toMatchObject({ leafIndex: expect.any(Number), head: { treeSize: expect.any(Number) } });
    const doc = await api<{ components: { schemas: Record<string, { properties: Record<string, unknown> }> } }>(srv.url, 'GET', '/openapi.json');
    expect(Object.keys(doc.json.components.schemas.ClaimedKeyPackage!.properties)).toContain('transparency');
    // …and the verified package is what the add uses.
    const conv = await alice.createGroup();
    const verified = await verifyClaimedKeyPackage(kt, bob.id, await alice.api.claimKeyPackage(bob.id));
    const added = await alice.commit(conv, await alice.group(conv).add([verified.keyPackage]));
    expect(added.change.added).toEqual([bob.id]);
  });
});

describe('a key package row swapped in the database', () => {
  it('under a credential key nobody logged: served without proof, refused by the client, and not laundered into the log', async () => {
    const bob = await member('swap-bob');
    const alice = await member('swap-alice');
    // The strongest form: a package that names bob and is signed by bob's identity key, under a credential key
    // that was never published through the directory (and so never logged).
    const rogueKey = generateCredentialKey();
    const rogue = (await generateGroupKeyPackage({ ...bob.me, credentialKey: rogueKey })).bytes;
    expect(await swapRows(bob.id, rogue)).toBe(3);
    const size = srv.services.transparency.size;
    const claimed = await alice.api.claimKeyPackage(bob.id);
    expect(claimed.keyPackage).toEqual(rogue);
    expect(claimed.transparency).toBeUndefined();
    expect(srv.services.transparency.size).toBe(size); // not appended to make a proof
    // MLS alone would add it (bob's identity vouches for the credential): only the log check stops it.
    const conv = await alice.createGroup();
    const pending = await alice.group(conv).add([claimed.keyPackage]);
    expect(pending.welcome).toBeInstanceOf(Uint8Array);
    alice.group(conv).discardCommit();
    const kt = await ktClient(srv.url);
    const e = await verifyClaimedKeyPackage(kt, bob.id, claimed).catch((x: unknown) => x);
    expect(TransparencyError.is(e, 'missing_proof')).toBe(true);
    expect((e as Error).message).toMatch(new RegExp(`key package of ${bob.id} came without proof`));
    // The honest proof of bob's real key does not cover the rogue package either.
    const honest = await srv.services.transparency.proveBinding(bob.id, KIND_MLS_CREDENTIAL, bob.me.credentialKey.publicKey);
    expect(await verifyClaimedKeyPackage(kt, bob.id, { ...claimed, transparency: honest }).catch((x: unknown) => (x as TransparencyError).code)).toBe('binding_mismatch');
    // The log still audits clean and holds no binding of the rogue key.
    const audit = await auditLog(kt.source, srv.services.transparency.logPublicKey);
    expect(audit.problems).toEqual([]);
    const entries = await kt.source.entries(0, 1000);
    expect(entries.length).toBe(srv.services.transparency.size);
    expect(entries.filter((x) => Buffer.from(decodeLeaf(x.leaf).key).equals(rogueKey.publicKey))).toEqual([]);
  });

  it("with another account's package (whose key is logged, for that account): served without proof for bob, refused", async () => {
    const bob = await member('swap2-bob');
    const mallory = await member('swap2-mallory');
    const alice = await member('swap2-alice');
    const malloryKp = (await generateGroupKeyPackage(mallory.me)).bytes;
    await swapRows(bob.id, malloryKp);
    const claimed = await alice.api.claimKeyPackage(bob.id);
    expect(claimed.transparency).toBeUndefined(); // (bob, mls-credential, mallory's key) is not in the log
    const kt = await ktClient(srv.url);
    const e = await verifyClaimedKeyPackage(kt, bob.id, claimed).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'binding_mismatch', message: expect.stringContaining(`names another account (${mallory.id})`) });
  });

  it('with bytes that are no key package: served without proof, refused as malformed (no 500)', async () => {
    const bob = await member('swap3-bob');
    const alice = await member('swap3-alice');
    await swapRows(bob.id, new Uint8Array([0, 1, 0, 5, 1, 2, 3]));
    const claimed = await alice.api.claimKeyPackage(bob.id);
    expect(claimed.transparency).toBeUndefined();
    const e = await verifyClaimedKeyPackage(await ktClient(srv.url), bob.id, claimed).catch((x: unknown) => x);
    expect(TransparencyError.is(e, 'malformed')).toBe(true);
  });
});
