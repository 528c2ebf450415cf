// The receive path of key transparency against a real server (docs/TRANSPARENCY.md §6.1): the identity key a session
// presents (an X3DH initial message names it) is used only when it is the key the log holds for the account. The
// operator's moves: present a key of its own (never published, so never logged), serve a bundle naming that key with
// the real proof beside it, or strip the proof — each refused; the real key passes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromBase64Url } from '../../client/protocol.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { TransparencyError, verifyPresentedIdentity } from '../../client/transparency/index.ts';
import { api, b64, createUser, startTestServer, type TestServer } from '../server/_harness.ts';
import { ktClient, userWithBundle } from './_kt.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ transparency: { logKeySeed: b64(randomBytes(32)), logKeyFile: '/nonexistent/x.json', witnessesJson: '[]', proofsOnFetch: true } });
});
afterAll(async () => srv?.stop());

async function bundleOf(viewerToken: string, owner: string) {
  const r = await api<{ identitySigningKey: string; identityDhKey: string; transparency?: unknown }>(srv.url, 'GET', `/v1/keys/${owner}`, undefined, viewerToken);
  expect(r.status).toBe(200);
  return { identitySigningKey: fromBase64Url(r.json.identitySigningKey), identityDhKey: fromBase64Url(r.json.identityDhKey), transparency: r.json.transparency };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'proven', (e: unknown) => (TransparencyError.is(e) ? e.code : String(e)));

describe('a sender identity key presented in a session', () => {
  test("alice's logged key is proven; a key of the operator's own, presented as alice's, is refused", async () => {
    const alice = await userWithBundle(srv.url);
    const bob = await createUser(srv.url);
    const fetched = await bundleOf(bob.token, alice.id);
    const client = await ktClient(srv.url);
    const proven = await verifyPresentedIdentity(client, alice.id, { signingKey: alice.signingKey, dhKey: alice.dhKey }, fetched);
    expect(proven.binding).toMatchObject({ accountId: alice.id, kind: 'identity' });
    const rogue = generateIdentity();
    expect(await codeOf(verifyPresentedIdentity(client, alice.id, { signingKey: rogue.signingPublicKey, dhKey: rogue.dhPublicKey }, fetched))).toBe('binding_mismatch');
  });

  test("a directory that names the operator's key beside alice's real proof, or sends no proof, is refused", async () => {
    const alice = await userWithBundle(srv.url);
    const bob = await createUser(srv.url);
    const fetched = await bundleOf(bob.token, alice.id);
    const client = await ktClient(srv.url);
    const rogue = generateIdentity();
    const presented = { signingKey: rogue.signingPublicKey, dhKey: rogue.dhPublicKey };
    // The proxy rewrites the bundle to name the rogue key and keeps alice's proof: the proven leaf binds another key.
    const lying = { ...fetched, identitySigningKey: rogue.signingPublicKey, identityDhKey: rogue.dhPublicKey };
    expect(await codeOf(verifyPresentedIdentity(client, alice.id, presented, lying))).toBe('binding_mismatch');
    // ...or strips the proof.
    expect(await codeOf(verifyPresentedIdentity(client, alice.id, { signingKey: alice.signingKey, dhKey: alice.dhKey }, { ...fetched, transparency: undefined }))).toBe('missing_proof');
    // ...or serves another account's proof for alice's key.
    const carol = await userWithBundle(srv.url);
    const other = await bundleOf(bob.token, carol.id);
    expect(await codeOf(verifyPresentedIdentity(client, alice.id, { signingKey: alice.signingKey, dhKey: alice.dhKey }, { ...fetched, transparency: other.transparency }))).toBe('binding_mismatch');
  });
});
