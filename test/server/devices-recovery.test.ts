// Restoring an account from its recovery kit on a browser that holds nothing (docs/PROTOCOL-devices.md D6.5, D8.1):
// the new device reads the account's lists with their key-log proofs from GET /v1/devices/recovery/{accountId}
// without a token, verifies the chain from the genesis (D5.2), builds and signs the recovery list with the kit
// (counter-signed by itself), submits it with PUT /v1/devices/recovery, and then signs in per device (D8.2). A wrong
// kit is refused by D5.1 and nothing is logged; both unauthenticated paths count against rate limit `auth` per
// address. SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSignedDeviceList, fetchVerifiedDeviceLists, nextDeviceList, pinnedVerifiedList, recoveryKeyFromKit, signDeviceList } from '../../client/index.ts';
import { ApiClient } from '../../client/transport/api.ts';
import { ApiError } from '../../client/transport/api-error.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { ktClient } from '../transparency/_kt.ts';
import { Account, deviceLogin, keys, type Keys, newId } from './_devices.ts';
import { api, b64, startTestServer, type TestServer } from './_harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

const anonymous = () => new ApiClient({ baseUrl: srv.url, validateResponses: userOperations });

/** An account with a phone (device 1) and the public key of `kitSecret` in its genesis list (D2.4). */
async function accountWithKit(kitSecret: Uint8Array): Promise<{ acc: Account; phone: Keys }> {
  const phone = keys();
  const acc = new Account(newId('kit'));
  const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2, recoveryKey: recoveryKeyFromKit(kitSecret).publicKey }, { id: 1, key: phone });
  const r = await api(srv.url, 'POST', '/v1/accounts', { userId: acc.id, list: b64(genesis) });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  acc.accept(genesis);
  return { acc, phone };
}

/** What the restoring browser does (chat/src/engine/devices.ts restoreFromKit), with no token at any point before its sign-in. */
async function restore(accountId: string, kitSecret: Uint8Array, fresh: Keys) {
  const client = anonymous();
  const kt = await ktClient(srv.url);
  const source = { deviceLists: (id: string, from?: number) => client.recoveryDeviceLists(id, from) };
  const current = pinnedVerifiedList((await fetchVerifiedDeviceLists(source, kt, accountId, null)).pinned);
  const kit = recoveryKeyFromKit(kitSecret);
  const body = nextDeviceList(current, { remove: current.signed.list.devices.map((e) => e.deviceId), add: { identitySigningKey: fresh.entry(0).identitySigningKey, identityDhKey: fresh.dh, credentialKey: fresh.entry(0).credentialKey }, recoveryKey: null }, { now: Date.now(), kind: 'recovery' });
  const signed = encodeSignedDeviceList(signDeviceList(body, { kind: 'recovery', signingPrivateKey: kit.privateKey }, { cosignerPrivateKey: fresh.seed }));
  return { client, kt, body, signed, accepted: client.recoverDeviceList(signed) };
}

describe('restore from the recovery kit without a token (D6.5, D8.1)', () => {
  it('reads the proven lists without a token, submits the kit-signed list, and the new device signs in; the lost phone is out', async () => {
    const kitSecret = randomBytes(32);
    const { acc, phone } = await accountWithKit(kitSecret);
    const phoneToken = (await deviceLogin(srv.url, acc.id, 1, phone)).json as { token: string };
    // The signed-in read and the public one answer the same.
    const signedIn = await api(srv.url, 'GET', `/v1/devices/${acc.id}`, undefined, phoneToken.token);
    const open = await api(srv.url, 'GET', `/v1/devices/recovery/${acc.id}`);
    expect(open.status).toBe(200);
    expect(open.json).toEqual(signedIn.json);

    const fresh = keys();
    const { client, kt, body, accepted } = await restore(acc.id, kitSecret, fresh);
    expect(await accepted).toMatchObject({ listVersion: 2 });
    const mine = body.devices.find((e) => e.deviceId === 2);
    expect(body.devices.map((e) => e.deviceId)).toEqual([2]);
    expect(mine).toBeDefined();
    // D8.2: the new device signs in with its own key; the phone's token is gone with its device (D13.6).
    const login = await deviceLogin(srv.url, acc.id, 2, fresh);
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    expect((await api(srv.url, 'GET', '/v1/accounts/me', undefined, phoneToken.token)).status).toBe(401);
    expect((await deviceLogin(srv.url, acc.id, 1, phone)).status).not.toBe(200);
    const chain = await fetchVerifiedDeviceLists({ deviceLists: (id, from) => client.recoveryDeviceLists(id, from) }, kt, acc.id, null);
    expect(chain.pinned.listVersion).toBe(2);
    expect(pinnedVerifiedList(chain.pinned).signed.list.kind).toBe('recovery');
  });

  it('a wrong kit is refused by D5.1 and nothing is logged; a used kit does not work twice', async () => {
    const kitSecret = randomBytes(32);
    const { acc } = await accountWithKit(kitSecret);
    const size = srv.services.transparency.size;
    const wrong = await restore(acc.id, randomBytes(32), keys());
    const e = await wrong.accepted.then(() => null, (x: unknown) => x);
    expect(ApiError.is(e, 'invalid_device_list')).toBe(true);
    expect((e as ApiError).status).toBe(400);
    expect(srv.services.transparency.size).toBe(size);
    // The right kit works; the list it logged drops the recovery key, so the same kit is then refused.
    await (await restore(acc.id, kitSecret, keys())).accepted;
    expect(srv.services.transparency.size).toBe(size + 1);
    const again = await (await restore(acc.id, kitSecret, keys())).accepted.then(() => null, (x: unknown) => x);
    expect(ApiError.is(again, 'invalid_device_list')).toBe(true);
    expect(srv.services.transparency.size).toBe(size + 1);
  });

  it('an unknown account is 404; both unauthenticated paths count against rate limit auth, the signed-in read does not', async () => {
    expect((await api(srv.url, 'GET', `/v1/devices/recovery/${newId('nobody')}`)).status).toBe(404);
    // A server of its own with a low limit per address (every test client is 127.0.0.1).
    const limit = 6;
    const low = await startTestServer({ rateLimits: { auth: limit, send: 1_000_000, report: 100_000, windowMs: 60_000 } });
    try {
      const { id, phone } = await accountWithKitOn(low.url);
      const login = await deviceLogin(low.url, id, 1, phone); // challenge and token: two requests under the same limit
      expect(login.status).toBe(200);
      const token = (login.json as { token: string }).token;
      const statuses: number[] = [];
      for (let i = 0; i < limit + 1; i++) statuses.push((await api(low.url, 'GET', `/v1/devices/recovery/${id}`)).status);
      expect(statuses).toContain(429);
      expect(statuses.slice(0, statuses.indexOf(429)).every((x) => x === 200)).toBe(true);
      const put = await api(low.url, 'PUT', '/v1/devices/recovery', { list: b64(randomBytes(64)) });
      expect([put.status, (put.json as { code?: string }).code]).toEqual([429, 'rate_limited']);
      // The signed-in read carries no auth limit (a device refreshes its lists often).
      expect((await api(low.url, 'GET', `/v1/devices/${id}`, undefined, token)).status).toBe(200);
    } finally {
      await low.stop();
    }
  });
});

/** An account registered on another server (registration is not under rate limit auth). */
async function accountWithKitOn(base: string): Promise<{ id: string; phone: Keys }> {
  const phone = keys();
  const acc = new Account(newId('kit'));
  const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2, recoveryKey: recoveryKeyFromKit(randomBytes(32)).publicKey }, { id: 1, key: phone });
  const r = await api(base, 'POST', '/v1/accounts', { userId: acc.id, list: b64(genesis) });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return { id: acc.id, phone };
}
