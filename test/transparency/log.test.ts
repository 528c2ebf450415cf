// Key transparency against a real server and database: every key fetch is proven, and each attack of
// docs/TRANSPARENCY.md §11 is caught by the client, the monitor, the gossip check or the auditor.
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  HttpLogSource, KIND_MLS_CREDENTIAL, TransparencyClient, TransparencyError, auditLog, cosignatureToJson, initialMonitorState, keyProofFromJson,
  monitorOwnKeys, treeHeadToJson, witnessPublicKey, witnessStep,
} from '../../client/transparency/index.ts';
import { PermissionError } from '../../server/errors.ts';
import { api, b64, createUser, isProblem, startTestServer, type TestServer } from '../server/_harness.ts';
import { IDENTITY, fetchProof, identityKeyOf, ktClient, userWithBundle } from './_kt.ts';

const witnessSecret = ed25519.utils.randomSecretKey();
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({
    transparency: { logKeySeed: b64(randomBytes(32)), logKeyFile: '/nonexistent/x.json', witnessesJson: JSON.stringify([{ name: 'test-witness', publicKey: b64(witnessPublicKey(witnessSecret)) }]), proofsOnFetch: true },
  });
});
afterAll(async () => srv?.stop());

describe('every key fetch carries a proof the SDK verifies', () => {
  test('registration logs the identity; the fetched bundle proves it against a signed head', async () => {
    const alice = await userWithBundle(srv.url);
    const bob = await createUser(srv.url);
    const { bundle, proof } = await fetchProof(srv.url, bob, alice.id);
    expect(bundle.identitySigningKey).toBe(b64(alice.signingKey));
    const client = await ktClient(srv.url);
    const proven = await client.verifyKey(proof, { accountId: alice.id, kind: IDENTITY, key: identityKeyOf(alice) });
    expect(proven.binding.accountId).toBe(alice.id);
    expect((await client.newestHead())?.treeSize).toBe(proof.head.treeSize);
  });

  test('a key that is not in the log is refused (the server substitutes its own key)', async () => {
    const alice = await userWithBundle(srv.url);
    const bob = await createUser(srv.url);
    const { proof } = await fetchProof(srv.url, bob, alice.id);
    const client = await ktClient(srv.url);
    const mallory = randomBytes(64);
    await expect(client.verifyKey(proof, { accountId: alice.id, kind: IDENTITY, key: mallory })).rejects.toMatchObject({ code: 'binding_mismatch' });
    // …or forges a leaf for its key: the audit path no longer leads to the signed root.
    const leaf = proof.leaf.slice();
    leaf.set(mallory, leaf.length - 64);
    await expect(client.verifyKey({ ...proof, leaf }, { accountId: alice.id, kind: IDENTITY, key: mallory })).rejects.toMatchObject({ code: 'inclusion_failed' });
    // …or a head it did not sign.
    const head = { ...proof.head, rootHash: randomBytes(32) };
    await expect(client.verifyKey({ ...proof, head }, { accountId: alice.id, kind: IDENTITY, key: identityKeyOf(alice) })).rejects.toMatchObject({ code: 'inclusion_failed' });
  });

  test('an MLS credential binding (generic kind) appended through the service API is provable', async () => {
    const alice = await createUser(srv.url);
    const credential = randomBytes(32);
    await srv.services.transparency.append([{ accountId: alice.id, kind: KIND_MLS_CREDENTIAL, key: credential }]);
    const p = await srv.services.transparency.proveBinding(alice.id, KIND_MLS_CREDENTIAL, credential);
    const client = await ktClient(srv.url);
    await expect(client.verifyKey(keyProofFromJson(p), { accountId: alice.id, kind: KIND_MLS_CREDENTIAL, key: credential })).resolves.toBeTruthy();
  });
});

describe('group commit', () => {
  test('a request refused inside the append transaction fails alone: the others of its batch are appended', async () => {
    // D6.6's reset refuses itself at commit when its release was revoked meanwhile (an AppError from its inTx): the
    // transaction rolls back, and the log appends the rest of the batch again without it, at once.
    const users = await Promise.all([createUser(srv.url), createUser(srv.url), createUser(srv.url)]);
    const keys = users.map(() => randomBytes(32));
    const before = srv.services.transparency.size;
    const refuse = async () => {
      throw new PermissionError('reset_not_allowed', 'refused at commit');
    };
    // One event-loop turn: the three calls join one group commit (docs/TRANSPARENCY.md §10.2).
    const results = await Promise.allSettled(users.map((u, i) =>
      srv.services.transparency.append([{ accountId: u.id, kind: KIND_MLS_CREDENTIAL, key: keys[i] as Uint8Array, ...(i === 1 ? { inTx: refuse } : {}) }])));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(PermissionError);
    for (const i of [0, 2]) await expect(srv.services.transparency.proveBinding((users[i] as { id: string }).id, KIND_MLS_CREDENTIAL, keys[i] as Uint8Array)).resolves.toBeTruthy();
    await expect(srv.services.transparency.proveBinding((users[1] as { id: string }).id, KIND_MLS_CREDENTIAL, keys[1] as Uint8Array)).rejects.toThrow();
    expect(srv.services.transparency.size).toBe(before + 2);
  });
});

describe('own-key monitoring', () => {
  test('a key published for alice that none of her devices created raises the alarm on her next check', async () => {
    const alice = await userWithBundle(srv.url);
    const client = await ktClient(srv.url);
    const published = [{ kind: IDENTITY, key: identityKeyOf(alice) }];
    const first = await monitorOwnKeys(client, initialMonitorState(alice.id), published);
    expect(first.alarms).toEqual([]);
    expect(first.missing).toEqual([]);
    // A compelled server publishes its own key for alice.
    const evil = randomBytes(64);
    await srv.services.transparency.append([{ accountId: alice.id, kind: IDENTITY, key: evil }]);
    const second = await monitorOwnKeys(client, first.state, published);
    expect(second.fresh).toHaveLength(1);
    expect(second.alarms[0]).toMatchObject({ kind: IDENTITY, key: b64(evil), action: 'publish' });
    expect(second.checkedSize).toBeGreaterThan(first.checkedSize);
    // The alarm stays until acknowledged; a later clean check does not clear it.
    const third = await monitorOwnKeys(client, second.state, published);
    expect(third.alarms).toHaveLength(1);
    expect(third.fresh).toHaveLength(0);
  });

  test('entries that do not hash to the signed head are refused', async () => {
    const alice = await userWithBundle(srv.url);
    const real = new HttpLogSource(srv.url);
    const { publicKey } = await real.logKey();
    const lying = Object.assign(Object.create(real) as HttpLogSource, {
      entries: async (start: number, limit: number) => (await real.entries(start, limit)).map((e, i) => (i === 0 && start === 0 ? { ...e, leaf: e.leaf.slice(0, -1) } : e)),
    });
    const client = new TransparencyClient({ logPublicKey: publicKey, source: lying });
    await expect(monitorOwnKeys(client, initialMonitorState(alice.id), [])).rejects.toBeInstanceOf(TransparencyError);
  });
});

describe('witness cosigning', () => {
  test('the witness checks consistency and cosigns; the server serves it; a client requiring a witness accepts only then', async () => {
    const alice = await userWithBundle(srv.url);
    const bob = await createUser(srv.url);
    const source = new HttpLogSource(srv.url);
    const { publicKey } = await source.logKey();
    const { proof } = await fetchProof(srv.url, bob, alice.id);
    const strict = new TransparencyClient({ logPublicKey: publicKey, source, witnesses: [{ name: 'test-witness', publicKey: witnessPublicKey(witnessSecret) }], minCosignatures: 1 });
    const want = { accountId: alice.id, kind: IDENTITY, key: identityKeyOf(alice) };
    await expect(strict.verifyKey(proof, want)).rejects.toMatchObject({ code: 'witness_missing' });
    const step = await witnessStep(source, publicKey, witnessSecret, { logs: {} });
    const posted = await api(srv.url, 'POST', '/v1/transparency/cosignatures', { head: treeHeadToJson(step.head), cosignature: cosignatureToJson(step.cosignature) });
    expect(posted.status).toBe(201);
    const again = await api(srv.url, 'POST', '/v1/transparency/cosignatures', { head: treeHeadToJson(step.head), cosignature: cosignatureToJson(step.cosignature) });
    expect(again.status).toBe(200);
    const ok = await strict.verifyKey(proof, want);
    expect(ok.witnesses).toEqual(['test-witness']);
    // A cosignature by a key the server does not know is refused with problem+json.
    const stranger = witnessStep(source, publicKey, ed25519.utils.randomSecretKey(), { logs: {} });
    const bad = await api(srv.url, 'POST', '/v1/transparency/cosignatures', { head: treeHeadToJson((await stranger).head), cosignature: cosignatureToJson((await stranger).cosignature) });
    expect(bad.status).toBe(401);
    expect(isProblem(bad)).toBe(true);
  });
});

describe('auditor', () => {
  test('recomputes every head of an honest log', async () => {
    await userWithBundle(srv.url);
    const source = new HttpLogSource(srv.url);
    const report = await auditLog(source, (await source.logKey()).publicKey, { pageSize: 7 });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.entries).toBe(srv.services.transparency.size);
    expect(report.kinds[IDENTITY]).toBeGreaterThan(0);
  });
});

describe('a lying or broken log server', () => {
  test('truncated, malformed and oversized answers are TransparencyError("malformed"), never a crash or an accept', async () => {
    const real = await new HttpLogSource(srv.url).head();
    const good = treeHeadToJson(real.head);
    const answers: Array<[string, (s: HttpLogSource) => Promise<unknown>]> = [
      ['{"head":', (s) => s.head()],
      [JSON.stringify({ head: { ...good, rootHash: good.rootHash.slice(1) }, cosignatures: [] }), (s) => s.head()],
      [JSON.stringify({ head: { ...good, treeSize: 2 ** 60 }, cosignatures: [] }), (s) => s.head()],
      [JSON.stringify({ head: good, cosignatures: [], extra: 1 }), (s) => s.head()],
      [JSON.stringify({ first: 1, second: 2, proof: Array.from({ length: 107 }, () => good.rootHash) }), (s) => s.consistency(1, 2)],
      [JSON.stringify({ first: 1, second: 3, proof: [] }), (s) => s.consistency(1, 2)],
      [JSON.stringify({ entries: [{ index: 0, leaf: 'A'.repeat(5000) }] }), (s) => s.entries(0, 1)],
      ['x'.repeat(2_000_001), (s) => s.entries(0, 1)],
      ['null', (s) => s.heads(0, 1)],
    ];
    for (const [body, call] of answers) {
      const source = new HttpLogSource('http://log.invalid', async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }));
      await expect(call(source)).rejects.toMatchObject({ name: 'TransparencyError', code: 'malformed' });
    }
    const down = new HttpLogSource('http://log.invalid', async () => new Response('{}', { status: 503 }));
    await expect(down.head()).rejects.toBeInstanceOf(TransparencyError);
  });

  test('a bundle without a proof, or with a malformed one, is refused', async () => {
    const alice = await userWithBundle(srv.url);
    const bob = await createUser(srv.url);
    const r = await api<{ transparency: Record<string, unknown> }>(srv.url, 'GET', `/v1/keys/${alice.id}`, undefined, bob.token);
    expect(() => keyProofFromJson(undefined)).toThrow(TransparencyError);
    expect(() => keyProofFromJson({ ...r.json.transparency, leafIndex: -1 })).toThrow(TransparencyError);
    expect(() => keyProofFromJson({ ...r.json.transparency, proof: ['short'] })).toThrow(TransparencyError);
    expect(() => keyProofFromJson({ ...r.json.transparency, head: {} })).toThrow(TransparencyError);
  });
});

describe('HTTP edge', () => {
  test.each([
    ['/v1/transparency/consistency?first=5&second=2'],
    ['/v1/transparency/consistency?first=1&second=99999999'],
    ['/v1/transparency/consistency?first=-1&second=2'],
    ['/v1/transparency/consistency?first=1'],
    ['/v1/transparency/inclusion?index=abc&treeSize=1'],
    ['/v1/transparency/inclusion?index=3&treeSize=3'],
    ['/v1/transparency/entries?start=0&limit=99999999999999999999'],
    ['/v1/transparency/entries?start=0&extra=1'],
    ['/v1/transparency/heads?after=1e3'],
  ])('%s → 400 problem+json', async (path) => {
    const r = await api(srv.url, 'GET', path);
    expect(r.status).toBe(400);
    expect(isProblem(r)).toBe(true);
  });

  test('malformed, truncated and oversized cosignature bodies → problem+json, never 500', async () => {
    for (const body of ['{', '{"head":{}}', JSON.stringify({ head: { logKeyId: 'A'.repeat(43), treeSize: 1, rootHash: 'A', timestamp: 1, signature: 'x' }, cosignature: {} }), 'x'.repeat(10_000)]) {
      const r = await api(srv.url, 'POST', '/v1/transparency/cosignatures', body);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(isProblem(r)).toBe(true);
    }
  });
});

