// Keys are logged on the way in, never on the way out (docs/TRANSPARENCY.md §10.4), against a real server. The
// attacker can write the database (an operator, or whoever reaches it) but does not hold the log key: it swaps
// bob's identity row, signs in as bob with its own key, republishes, publishes group keys, deletes and re-registers
// bob. None of it may put a key into the log; what the directory holds that the log does not is served without a
// proof, and the chat refuses it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../client/transport/api.ts';
import type { FetchedBundleJson } from '../../client/transport/api.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { KIND_IDENTITY, KIND_MLS_CREDENTIAL, decodeLeaf, identityBindingKey } from '../../client/transparency/index.ts';
import { asBytes } from '../../server/data/_bytes.ts';
import { ChatTransparency, KeyTransparencyError, type MetaStore } from '../../chat/src/transparency.ts';
import { ServerMember } from '../groups/_server-member.ts';
import { type TestServer, api, b64, startTestServer } from '../server/_harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => srv?.stop());

let n = 0;
const member = (name: string) => ServerMember.create(`${name}-${++n}`, srv.url, 1);
type Prisma = {
  account: {
    update(a: { where: { id: string }; data: Record<string, unknown> }): Promise<unknown>;
    create(a: { data: Record<string, unknown> }): Promise<unknown>;
    delete(a: { where: { id: string } }): Promise<unknown>;
  };
  session: { deleteMany(a: { where: { accountId: string } }): Promise<unknown> };
  authChallenge: { deleteMany(a: { where: { accountId: string } }): Promise<unknown> };
  oneTimePreKey: { deleteMany(a: { where: { accountId: string } }): Promise<unknown> };
  keyPackage: { deleteMany(a: { where: { accountId: string } }): Promise<unknown> };
};
const db = () => srv.services.db as unknown as Prisma;
/** The operator's move: bob's identity row now holds a key pair of the operator's. */
async function swapIdentityRow(accountId: string) {
  const rogue = generateIdentity();
  await db().account.update({ where: { id: accountId }, data: { identitySigningKey: asBytes(rogue.signingPublicKey), identityDhKey: asBytes(rogue.dhPublicKey) } });
  return rogue;
}
/** Every leaf of the log, decoded (the public view of GET /v1/transparency/entries). */
async function logEntries() {
  const r = await api<{ entries: Array<{ index: number; leaf: string }> }>(srv.url, 'GET', '/v1/transparency/entries?start=0&limit=1000');
  return r.json.entries.map((e) => decodeLeaf(Buffer.from(e.leaf, 'base64url')));
}
const keysLoggedFor = async (accountId: string) => (await logEntries()).filter((b) => b.accountId === accountId).map((b) => `${b.kind}:${b64(b.key)}`);
const memoryStore = (): MetaStore => {
  const m = new Map<string, unknown>();
  return { meta: async <T,>(k: string) => m.get(k) as T | undefined, saveMeta: async (k, v) => void m.set(k, v) };
};

describe('a swapped identity row is never logged on the way out', () => {
  it('alice fetches bob after the swap: the bundle comes without proof and without a one-time prekey; the chat refuses it; the log is unchanged', async () => {
    const bob = await member('bob');
    const alice = await member('alice');
    const before = await keysLoggedFor(bob.id);
    const rogue = await swapIdentityRow(bob.id);
    const size = srv.services.transparency.size;
    for (let i = 0; i < 2; i++) {
      const r = await api<FetchedBundleJson>(srv.url, 'GET', `/v1/keys/${bob.id}`, undefined, alice.user.token);
      expect(r.status).toBe(200);
      expect(r.json.identitySigningKey).toBe(b64(rogue.signingPublicKey));
      expect(r.json.transparency).toBeUndefined();
      expect(r.json.oneTimePreKey).toBeUndefined();
      // The chat uses a fetched key only once proven (chat/src/transparency.ts verifyBundle).
      const kt = new ChatTransparency(srv.url, memoryStore, () => {});
      await expect(kt.verifyBundle(bob.id, r.json)).rejects.toThrow(KeyTransparencyError);
      await expect(kt.verifyBundle(bob.id, r.json)).rejects.toThrow(/without proof that it is in the public key log/);
    }
    expect(srv.services.transparency.size).toBe(size);
    expect(await keysLoggedFor(bob.id)).toEqual(before);
    expect(b64((await srv.services.transparency.loggedKey(bob.id, KIND_IDENTITY))!)).toBe(b64(identityBindingKey(bob.me.identity.signingPublicKey, bob.me.identity.dhPublicKey)));
  });

  it('signed in as bob with the swapped-in key, the operator republishes the bundle and publishes group keys: refused, nothing logged', async () => {
    const bob = await member('bob');
    const before = await keysLoggedFor(bob.id);
    const rogue = await swapIdentityRow(bob.id);
    const mallory = new ServerMember(bob.id, srv.url);
    (mallory.me as { identity: typeof rogue }).identity = rogue;
    await mallory.api.login(bob.id, rogue); // the login checks the database row: it succeeds
    const bundle = await mallory.publishBundleKeys().then(() => null, (e: unknown) => e);
    expect(bundle).toBeInstanceOf(ApiError);
    expect(bundle).toMatchObject({ status: 409, code: 'identity_mismatch' });
    const packages = await mallory.publish(1).then(() => null, (e: unknown) => e);
    expect(packages).toMatchObject({ status: 400, code: 'invalid_key_package' });
    expect(await keysLoggedFor(bob.id)).toEqual(before);
    expect(before.filter((k) => k.startsWith(`${KIND_MLS_CREDENTIAL}:`))).toEqual([`${KIND_MLS_CREDENTIAL}:${b64(bob.me.credentialKey.publicKey)}`]);
  });

  it('deleting bob and registering the id again under another key is refused: the log remembers the id', async () => {
    const bob = await member('bob');
    const before = await keysLoggedFor(bob.id);
    for (const t of ['session', 'authChallenge', 'oneTimePreKey', 'keyPackage'] as const) await db()[t].deleteMany({ where: { accountId: bob.id } });
    await db().account.delete({ where: { id: bob.id } });
    const mallory = new ServerMember(bob.id, srv.url);
    const again = await mallory.api.registerIdentity(bob.id, mallory.me.identity).then(() => null, (e: unknown) => e);
    expect(again).toMatchObject({ status: 409, code: 'user_exists' });
    expect(await keysLoggedFor(bob.id)).toEqual(before);
  });
});

describe('the owner publishes: the only way in', () => {
  it('an account whose registration never reached the log (a crash in between) is logged by its owner\'s bundle publication, then proven', async () => {
    const owner = new ServerMember(`heal-${++n}`, srv.url);
    const id = owner.me.identity;
    // The state a crash between the account write and the append leaves: a row, no log entry.
    await db().account.create({ data: { id: owner.id, handleKey: owner.id.toLowerCase(), identitySigningKey: asBytes(id.signingPublicKey), identityDhKey: asBytes(id.dhPublicKey) } });
    const viewer = await member('viewer');
    const unproven = await api<FetchedBundleJson>(srv.url, 'GET', `/v1/keys/${owner.id}`, undefined, viewer.user.token);
    expect(unproven.status).toBe(404); // no bundle yet
    await owner.api.login(owner.id, id);
    await owner.publishBundleKeys();
    expect(await keysLoggedFor(owner.id)).toEqual([`${KIND_IDENTITY}:${b64(identityBindingKey(id.signingPublicKey, id.dhPublicKey))}`]);
    const r = await api<FetchedBundleJson>(srv.url, 'GET', `/v1/keys/${owner.id}`, undefined, viewer.user.token);
    const kt = new ChatTransparency(srv.url, memoryStore, () => {});
    await expect(kt.verifyBundle(owner.id, r.json)).resolves.toBeUndefined();
  });
});
