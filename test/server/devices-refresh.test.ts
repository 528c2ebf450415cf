// The SDK's device-list refresh against a real server (docs/PROTOCOL-devices.md D5.4, D7.3): fetchVerifiedDeviceLists
// proves every list in the key log before the chain is verified. The operator's moves are made on the answer (a
// proxy between client and server): a list the log does not hold, a proof of another version, proofs against two
// heads, another account's answer, — each is refused (a row written into the database is never served: devices.test.ts), and the pinned state never
// moves to a list nobody's device signed into the log. SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeviceListsJson, type DeviceListSource, fetchVerifiedDeviceLists } from '../../client/index.ts';
import { deviceListHash } from '../../client/devices/index.ts';
import { deviceListBindingKey, parseDeviceListBindingKey } from '../../client/transparency/index.ts';
import { ApiClient } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { ktClient } from '../transparency/_kt.ts';
import { deviceLogin, keys, registerGenesis } from './_devices.ts';
import { api, b64, createUser, startTestServer, type TestServer } from './_harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

/** An account registered with its genesis (device 1 = phone), then a laptop linked (version 2). */
async function accountWithTwoDevices() {
  const { acc, phone } = await registerGenesis(srv.url, 'refresh', keys());
  const laptop = keys();
  const login = await deviceLogin(srv.url, acc.id, 1, phone);
  const token = (login.json as { token: string }).token;
  const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
  expect((await api(srv.url, 'PUT', '/v1/devices', { list: b64(v2) }, token)).status).toBe(201);
  acc.accept(v2);
  return { acc, phone, laptop, token };
}

async function viewer() {
  const u = await createUser(srv.url);
  return new ApiClient({ baseUrl: srv.url, token: u.token, validateResponses: userOperations });
}

/** A source that lets the operator rewrite each answer. */
const proxied = (api: ApiClient, edit: (a: DeviceListsJson) => DeviceListsJson): DeviceListSource => ({
  deviceLists: async (accountId, from) => edit(await api.deviceLists(accountId, from)),
});

describe('fetchVerifiedDeviceLists against the server', () => {
  it('proves every list in the log and pins the newest; a refresh from the pin is a no-op until the next version', async () => {
    const { acc, laptop } = await accountWithTwoDevices();
    const bob = await viewer();
    const kt = await ktClient(srv.url);
    const first = await fetchVerifiedDeviceLists(bob, kt, acc.id, null);
    expect(first.pinned.listVersion).toBe(2);
    expect(first.verified.map((v) => v.signed.list.devices.map((d) => d.deviceId))).toEqual([[1], [1, 2]]);
    expect(first.pinned.listHash).toBe(b64(acc.hash));
    const again = await fetchVerifiedDeviceLists(bob, kt, acc.id, first.pinned);
    expect(again.pinned).toEqual(first.pinned);
    expect(again.verified).toEqual([]);
    // The laptop removes the phone (version 3): the next refresh from the pin verifies exactly that step.
    const v3 = acc.next({ devices: [laptop.entry(2)], nextDeviceId: 3 }, { id: 2, key: laptop });
    const laptopToken = (await deviceLogin(srv.url, acc.id, 2, laptop)).json as { token: string };
    expect((await api(srv.url, 'PUT', '/v1/devices', { list: b64(v3) }, laptopToken.token)).status).toBe(201);
    acc.accept(v3);
    const third = await fetchVerifiedDeviceLists(bob, kt, acc.id, first.pinned);
    expect(third.pinned.listVersion).toBe(3);
    expect(third.verified.map((v) => v.signed.list.listVersion)).toEqual([3]);
    expect(third.pinned.listHashes).toEqual(acc.lists.map((l) => b64(deviceListHash(l))));
  });

  it('a validly signed list the log does not hold is refused (the server withholds logging and serves it anyway)', async () => {
    const { acc, phone } = await accountWithTwoDevices();
    const ghost = keys();
    // The phone's real signature over a version 3 that was never submitted, so never logged; the proxy serves it with
    // the proof of version 2 — and with a proof of version 2 relabelled as 3, which no leaf of the log is.
    const unlogged = acc.next({ devices: [phone.entry(1), ghost.entry(3)], nextDeviceId: 4 }, { id: 1, key: phone }, ghost);
    const bob = await viewer();
    const kt = await ktClient(srv.url);
    const withReusedProof = proxied(bob, (a) => ({ ...a, lists: [...a.lists, b64(unlogged)], proofs: [...a.proofs, a.proofs.at(-1) as DeviceListsJson['proofs'][number]] }));
    await expect(fetchVerifiedDeviceLists(withReusedProof, kt, acc.id, null)).rejects.toMatchObject({ code: 'binding_mismatch' });
    const withoutProof = proxied(bob, (a) => ({ ...a, lists: [...a.lists, b64(unlogged)] }));
    await expect(fetchVerifiedDeviceLists(withoutProof, kt, acc.id, null)).rejects.toMatchObject({ code: 'not_logged' });
    // The honest answer still verifies: nothing was pinned by the refused ones.
    expect((await fetchVerifiedDeviceLists(bob, kt, acc.id, null)).pinned.listVersion).toBe(2);
  });

  it('another account\'s answer, swapped proofs and proofs against two heads are refused', async () => {
    const { acc } = await accountWithTwoDevices();
    const other = await accountWithTwoDevices();
    const bob = await viewer();
    const kt = await ktClient(srv.url);
    const otherAnswer = await bob.deviceLists(other.acc.id);
    await expect(fetchVerifiedDeviceLists(proxied(bob, () => otherAnswer), kt, acc.id, null)).rejects.toMatchObject({ code: 'wrong_account' });
    // The other account's lists presented under this account's name: each proof binds the lists to their own account.
    await expect(fetchVerifiedDeviceLists(proxied(bob, (a) => ({ ...otherAnswer, accountId: a.accountId })), kt, acc.id, null)).rejects.toMatchObject({ code: 'binding_mismatch' });
    await expect(fetchVerifiedDeviceLists(proxied(bob, (a) => ({ ...a, proofs: [...a.proofs].reverse() })), kt, acc.id, null)).rejects.toMatchObject({ code: 'binding_mismatch' });
    // Version 1's proof taken from an answer fetched before version 2 of a third account grew the log: another head.
    const early = await bob.deviceLists(acc.id);
    await accountWithTwoDevices(); // the log grows
    const late = await bob.deviceLists(acc.id);
    expect(JSON.stringify(late.proofs[0])).not.toEqual(JSON.stringify(early.proofs[0]));
    await expect(fetchVerifiedDeviceLists(proxied(bob, () => ({ ...late, proofs: [early.proofs[0], late.proofs[1]] as DeviceListsJson['proofs'] })), kt, acc.id, null)).rejects.toMatchObject({ code: 'not_logged' });
  });
});

describe('the device-list leaf key (D7.1)', () => {
  it('is u64 version ‖ listHash, and parses back; version 0 and other lengths are not keys', () => {
    const h = new Uint8Array(32).fill(7);
    const k = deviceListBindingKey(258, h);
    expect(Buffer.from(k.subarray(0, 8)).toString('hex')).toBe('0000000000000102');
    expect(parseDeviceListBindingKey(k)).toEqual({ listVersion: 258, listHash: h });
    expect(parseDeviceListBindingKey(new Uint8Array(40))).toBeNull();
    expect(parseDeviceListBindingKey(new Uint8Array(39))).toBeNull();
    expect(() => deviceListBindingKey(0, h)).toThrow(RangeError);
    expect(() => deviceListBindingKey(1, new Uint8Array(31))).toThrow(RangeError);
  });
});
