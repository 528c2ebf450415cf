// Own-device monitoring against a real server (docs/PROTOCOL-devices.md D7.4): the owner's device scans the key log
// (monitorOwnKeys with ownDeviceLists) and checkOwnDeviceLists decides what each `device-list` leaf of its account
// means. A change made by one of the account's devices is a notice with its signer; the operator's moves — made with
// the log key and the database, as a malicious operator holds both — are alarms: a leaf whose list is not served, a
// logged list no device of the account signed, a second leaf for a version, a skipped version, a reset. SQLite, or
// PostgreSQL with TEST_DATABASE=postgres.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOwnDeviceLists, deviceListHash, fetchVerifiedDeviceLists, type PinnedDeviceList } from '../../client/devices/index.ts';
import { deviceListBindingKey, initialMonitorState, KIND_DEVICE_LIST, type MonitorState, monitorOwnKeys } from '../../client/transparency/index.ts';
import { ApiClient } from '../../client/transport/api.ts';
import { Account, deviceLogin, type Keys, keys, newId } from '../server/_devices.ts';
import { api, b64, startTestServer, type TestServer } from '../server/_harness.ts';
import { ktClient } from './_kt.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

/** One device of the account as its app runs D7.4: its pin, its monitor state, its API client and log client. */
class OwnDevice {
  monitor: MonitorState;
  constructor(readonly acc: Account, readonly deviceId: number, readonly api: ApiClient, public pinned: PinnedDeviceList, readonly kt: Awaited<ReturnType<typeof ktClient>>) {
    this.monitor = initialMonitorState(acc.id);
  }
  static async signIn(acc: Account, deviceId: number, k: Keys): Promise<OwnDevice> {
    const login = await deviceLogin(srv.url, acc.id, deviceId, k);
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    const client = new ApiClient({ baseUrl: srv.url, token: (login.json as { token: string }).token });
    const kt = await ktClient(srv.url);
    const { pinned } = await fetchVerifiedDeviceLists(client, kt, acc.id, null);
    const d = new OwnDevice(acc, deviceId, client, pinned, kt);
    expect((await d.pass()).alarms).toEqual([]); // the leaves already pinned are nothing new
    return d;
  }
  /** One monitoring pass (start, a new head, or the 10-minute backstop) and the D7.4 decision on what it found. */
  async pass() {
    const r = await monitorOwnKeys(this.kt, this.monitor, [], { ownDeviceLists: true });
    this.monitor = r.state;
    expect(r.fresh).toEqual([]); // device-list leaves are decided below, never as foreign keys
    const check = await checkOwnDeviceLists(r.deviceListLeaves, { pinned: this.pinned, deviceId: this.deviceId, source: this.api, logClient: this.kt });
    this.pinned = check.pinned;
    return check;
  }
}

async function register(phone: Keys): Promise<{ acc: Account; token: string }> {
  const acc = new Account(newId('own'));
  const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2 }, { id: 1, key: phone });
  expect((await api(srv.url, 'POST', '/v1/accounts', { userId: acc.id, list: b64(genesis) })).status).toBe(201);
  acc.accept(genesis);
  const login = await deviceLogin(srv.url, acc.id, 1, phone);
  return { acc, token: (login.json as { token: string }).token };
}

const put = (list: Uint8Array, token: string) => api(srv.url, 'PUT', '/v1/devices', { list: b64(list) }, token);

/** The operator: a leaf appended with the log key (and, when given, the row the directory serves for it). */
async function operatorLogs(accountId: string, listVersion: number, list: Uint8Array | null, hash = list ? deviceListHash(list) : randomBytes(32)) {
  const [leafIndex] = await srv.services.transparency.append([{ accountId, kind: KIND_DEVICE_LIST, key: deviceListBindingKey(listVersion, hash) }]);
  if (list === null) return;
  const { createDb } = await import('../../server/db.ts');
  const db = await createDb(srv.db.url);
  try {
    await db.deviceListVersion.create({ data: { accountId, listVersion, listHash: hash as Uint8Array<ArrayBuffer>, list: list as Uint8Array<ArrayBuffer>, leafIndex: leafIndex as number } });
  } finally {
    await db.$disconnect();
  }
}

describe('own-device monitoring (D7.4)', () => {
  it('a device linked or removed by one of the account\'s devices is a notice with its signer; the removed device learns it was signed out', async () => {
    const phone = keys();
    const laptop = keys();
    const { acc, token } = await register(phone);
    const onPhone = await OwnDevice.signIn(acc, 1, phone);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect((await put(v2, token)).status).toBe(201);
    acc.accept(v2);
    const linked = await onPhone.pass();
    expect(linked).toMatchObject({ alarms: [], signedOut: false, notices: [{ listVersion: 2, signer: { kind: 'device', deviceId: 1 }, added: [2], removed: [] }] });
    expect(onPhone.pinned.listVersion).toBe(2);
    const onLaptop = await OwnDevice.signIn(acc, 2, laptop);
    const v3 = acc.next({ devices: [laptop.entry(2)], nextDeviceId: 3 }, { id: 2, key: laptop });
    expect((await put(v3, (await deviceLogin(srv.url, acc.id, 2, laptop)).json.token as string)).status).toBe(201);
    acc.accept(v3);
    expect(await onLaptop.pass()).toMatchObject({ alarms: [], signedOut: false, notices: [{ listVersion: 3, signer: { kind: 'device', deviceId: 2 }, removed: [1] }] });
    // The phone's token is revoked with the list; its last pass still reads the public log through another viewer.
    const phoneView = new OwnDevice(acc, 1, onLaptop.api, onPhone.pinned, onPhone.kt);
    phoneView.monitor = onPhone.monitor;
    expect(await phoneView.pass()).toMatchObject({ alarms: [], signedOut: true, notices: [{ listVersion: 3, removed: [1] }] });
  });

  it('a leaf whose list the server does not serve: device_list_unavailable; nothing is pinned', async () => {
    const phone = keys();
    const { acc } = await register(phone);
    const onPhone = await OwnDevice.signIn(acc, 1, phone);
    await operatorLogs(acc.id, 2, null);
    const r = await onPhone.pass();
    expect(r.alarms).toMatchObject([{ code: 'device_list_unavailable', listVersion: 2 }]);
    expect(r.notices).toEqual([]);
    expect(onPhone.pinned.listVersion).toBe(1);
  });

  it('a logged and served list no device of the account signed: device_list_unsigned with the D5.1 reason', async () => {
    const phone = keys();
    const ghost = keys();
    const { acc } = await register(phone);
    const onPhone = await OwnDevice.signIn(acc, 1, phone);
    // The ghost signs in its own name as device 1 would — not a signer of version 1 (its key is not device 1's).
    const forged = acc.next({ devices: [phone.entry(1), ghost.entry(2)], nextDeviceId: 3 }, { id: 1, key: ghost }, ghost);
    await operatorLogs(acc.id, 2, forged);
    const r = await onPhone.pass();
    expect(r.alarms).toMatchObject([{ code: 'device_list_unsigned', listVersion: 2, reason: 'bad_signature' }]);
    expect(onPhone.pinned.listVersion).toBe(1);
  });

  it('a second leaf for a logged version, and a skipped version: device_list_fork', async () => {
    const phone = keys();
    const { acc } = await register(phone);
    const onPhone = await OwnDevice.signIn(acc, 1, phone);
    await operatorLogs(acc.id, 1, null);
    expect((await onPhone.pass()).alarms).toMatchObject([{ code: 'device_list_fork', listVersion: 1 }]);
    await operatorLogs(acc.id, 3, null);
    expect((await onPhone.pass()).alarms).toMatchObject([{ code: 'device_list_fork', listVersion: 3, reason: 'version 2 was skipped' }]);
    expect(onPhone.pinned.listVersion).toBe(1);
  });

  it('a reset list logged for the account: account_reset on the old device, which is signed out', async () => {
    const phone = keys();
    const stranger = keys();
    const { acc } = await register(phone);
    const onPhone = await OwnDevice.signIn(acc, 1, phone);
    // A reset is signed by its one new device itself (D6.6): valid, but a new identity — never silent.
    const reset = acc.next({ kind: 'reset', devices: [stranger.entry(2)], nextDeviceId: 3 }, { id: 2, key: stranger });
    await operatorLogs(acc.id, 2, reset);
    const r = await onPhone.pass();
    expect(r.alarms).toMatchObject([{ code: 'account_reset', listVersion: 2 }]);
    expect(r.signedOut).toBe(true);
  });

  it('without ownDeviceLists (a single-device app) a device-list leaf is a foreign key, as before', async () => {
    const phone = keys();
    const { acc } = await register(phone);
    const kt = await ktClient(srv.url);
    const r = await monitorOwnKeys(kt, initialMonitorState(acc.id), []);
    expect(r.fresh.map((f) => f.binding.kind)).toEqual([KIND_DEVICE_LIST]);
    expect(r.deviceListLeaves).toEqual([]);
  });
});
