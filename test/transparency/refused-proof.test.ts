// A refused proof is evidence, not silence (docs/TRANSPARENCY.md §6.3, §8): against a real server whose operator holds
// the log key and puts a proxy in front of it. Bob is shown a forked head one entry shorter than the real log; the proxy
// then refuses him the consistency proof. The SDK must report that as consistency_unproven with both signed heads, in
// gossip and on a key fetch — while a network failure (no answer at all) stays an ordinary error.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  HttpLogSource, type SignedTreeHead, TransparencyError, signTreeHead, treeHeadToJson,
} from '../../client/transparency/index.ts';
import { b64, createUser, startTestServer, type TestServer } from '../server/_harness.ts';
import { IDENTITY, fetchProof, identityKeyOf, ktClient, userWithBundle } from './_kt.ts';

const seed = new Uint8Array(randomBytes(32));
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ transparency: { logKeySeed: b64(seed), logKeyFile: '/nonexistent/x.json', witnessesJson: '[]', proofsOnFetch: true } });
  for (let i = 0; i < 3; i++) await userWithBundle(srv.url);
});
afterAll(async () => srv?.stop());

type Answer = 'refuse' | 'missing' | 'malformed' | 'unreachable';
/** The operator's proxy in front of the real server: every other request passes; consistency proofs get `answer`. */
function proxy(answer: Answer): typeof fetch {
  return async (input, init) => {
    const url = String(input);
    if (!url.includes('/v1/transparency/consistency')) return fetch(input, init);
    if (answer === 'unreachable') throw new TypeError('fetch failed');
    if (answer === 'refuse') return new Response(JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, code: 'forbidden', detail: 'no' }), { status: 403, headers: { 'content-type': 'application/problem+json' } });
    if (answer === 'missing') return new Response(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found', detail: 'no such proof' }), { status: 404, headers: { 'content-type': 'application/problem+json' } });
    const real = (await (await fetch(input, init)).json()) as { first: number; second: number; proof: string[] };
    return new Response(JSON.stringify({ ...real, proof: [...real.proof, b64(randomBytes(7))] }), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

/** The operator signs, with the log key, a head one entry shorter than the real one over a root of its own: a fork. */
async function forkedShorterHead(): Promise<{ real: SignedTreeHead; forked: SignedTreeHead }> {
  const real = (await new HttpLogSource(srv.url).head()).head;
  const forked = signTreeHead({ logKeyId: real.logKeyId, treeSize: real.treeSize - 1, rootHash: new Uint8Array(randomBytes(32)), timestamp: real.timestamp - 1 }, seed);
  return { real, forked };
}

describe('a refused consistency proof between two signed heads', () => {
  test.each<Answer>(['refuse', 'missing', 'malformed'])('gossip: %s is an unproven verdict with both heads as evidence, not "nothing to compare"', async (answer) => {
    const { real, forked } = await forkedShorterHead();
    const bob = await ktClient(srv.url, { fetchImpl: proxy(answer) });
    await bob.acceptHead(forked); // what the server showed bob
    const verdicts = await bob.checkPeerHeads([real]); // alice's head, gossiped inside their conversation
    expect(verdicts).toHaveLength(1);
    const v = verdicts[0]!;
    expect(v.status).toBe('unproven');
    if (v.status !== 'unproven') return;
    expect(treeHeadToJson(v.ours)).toEqual(treeHeadToJson(forked));
    expect(treeHeadToJson(v.theirs)).toEqual(treeHeadToJson(real));
    expect(v.reason).toMatch(new RegExp(`would not prove that its head of size ${real.treeSize} extends its head of size ${forked.treeSize}`));
    // Nothing was accepted from the unproven head: bob's newest head is still the one he had.
    expect((await bob.newestHead())?.treeSize).toBe(forked.treeSize);
  });

  test("alice's side: bob's forked head against the server's real proof is a split view; refused, it is unproven", async () => {
    const { real, forked } = await forkedShorterHead();
    const alice = await ktClient(srv.url);
    await alice.acceptHead(real);
    expect((await alice.checkPeerHeads([forked]))[0]?.status).toBe('split_view');
    const refused = await ktClient(srv.url, { fetchImpl: proxy('refuse') });
    await refused.acceptHead(real);
    expect((await refused.checkPeerHeads([forked]))[0]?.status).toBe('unproven');
  });

  test('a key fetch whose head cannot be proven consistent is refused as consistency_unproven, with both heads', async () => {
    const alice = await userWithBundle(srv.url);
    const viewer = await createUser(srv.url);
    const { proof } = await fetchProof(srv.url, viewer, alice.id);
    const forked = signTreeHead({ logKeyId: proof.head.logKeyId, treeSize: proof.head.treeSize - 1, rootHash: new Uint8Array(randomBytes(32)), timestamp: proof.head.timestamp - 1 }, seed);
    const bob = await ktClient(srv.url, { fetchImpl: proxy('refuse') });
    await bob.acceptHead(forked);
    const e = await bob.verifyKey(proof, { accountId: alice.id, kind: IDENTITY, key: identityKeyOf(alice) }).then(() => null, (x: unknown) => x);
    expect(TransparencyError.is(e, 'consistency_unproven')).toBe(true);
    const evidence = (e as TransparencyError).evidence!;
    expect(treeHeadToJson(evidence.older)).toEqual(treeHeadToJson(forked));
    expect(treeHeadToJson(evidence.newer)).toEqual(treeHeadToJson(proof.head));
  });

  test('no answer at all (the network) is not evidence: the error passes through as it is', async () => {
    const { real, forked } = await forkedShorterHead();
    const bob = await ktClient(srv.url, { fetchImpl: proxy('unreachable') });
    await bob.acceptHead(forked);
    const e = await bob.acceptHead(real).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(TransparencyError.is(e)).toBe(false);
  });
});
