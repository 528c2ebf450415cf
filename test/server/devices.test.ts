// Device lists on a real server and database (docs/PROTOCOL-devices.md D7, D8, D13.6, D17; attacks of D19): lists
// are logged only on the way in, only as the next version the server itself verified (D5.1 by the SDK's own
// verifyListStep); every refusal leaves the log unchanged; fetches never append and never serve an unlogged row; a
// removed device's token stops working at once; the log audits clean afterwards. SQLite, or PostgreSQL with
// TEST_DATABASE=postgres.
import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceListHash, recoveryKeyFromKit, verifyListChain } from '../../client/devices/index.ts';
import { decodeLeaf, HttpLogSource, auditLog, keyProofFromJson, KIND_IDENTITY } from '../../client/transparency/index.ts';
import { ApiClient } from '../../client/transport/api.ts';
import { ApiError } from '../../client/transport/api-error.ts';
import type { IdentityKeyPair } from '../../client/session/identity.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import WebSocket from 'ws';
import { PushChannel, type WebSocketLike } from '../../client/transport/push.ts';
import { ktClient } from '../transparency/_kt.ts';
import { Account, deviceLogin as loginAs, type Keys, keys, newId } from './_devices.ts';
import { api, type ApiResult, b64, createUser, isProblem, login, startTestServer, type TestServer } from './_harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

const put = (list: Uint8Array, token?: string) => api(srv.url, 'PUT', '/v1/devices', { list: b64(list) }, token);
const recover = (list: Uint8Array) => api(srv.url, 'PUT', '/v1/devices/recovery', { list: b64(list) });

const deviceLogin = (userId: string, deviceId: number, k: Keys) => loginAs(srv.url, userId, deviceId, k);
async function tokenOf(userId: string, deviceId: number, k: Keys): Promise<string> {
  const r = await deviceLogin(userId, deviceId, k);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.token as string;
}

/** A new account registered with its genesis list (D8.2); device 1 = `phone`, signed in. */
async function register(phone: Keys, opts: { recoveryKey?: Uint8Array } = {}): Promise<{ acc: Account; token: string }> {
  const acc = new Account(newId('dev'));
  const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2, recoveryKey: opts.recoveryKey ?? null }, { id: 1, key: phone });
  const r = await api(srv.url, 'POST', '/v1/accounts', { userId: acc.id, list: b64(genesis) });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  acc.accept(genesis);
  return { acc, token: await tokenOf(acc.id, 1, phone) };
}

type ListsAnswer = { accountId: string; lists: string[]; proofs: unknown[]; linkedAt: Array<{ deviceId: number; acceptedAt: string }> };

/** GET /v1/devices/{id} as a client uses it: every proof checked by the SDK's log client, then the chain by D5.2. */
async function fetchVerified(viewerToken: string, accountId: string) {
  const r = await api<ListsAnswer>(srv.url, 'GET', `/v1/devices/${accountId}`, undefined, viewerToken);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  const kt = await ktClient(srv.url);
  const lists = r.json.lists.map((l) => new Uint8Array(Buffer.from(l, 'base64url')));
  const proven = new Set<string>();
  const heads = new Set<number>();
  for (const [i, l] of lists.entries()) {
    const p = keyProofFromJson(r.json.proofs[i]);
    heads.add(p.head.treeSize);
    const key = new Uint8Array(40);
    new DataView(key.buffer).setBigUint64(0, BigInt(i + 1));
    key.set(deviceListHash(l), 8);
    await kt.verifyKey(p, { accountId, kind: 'device-list', key });
    proven.add(`${i + 1}:${b64(deviceListHash(l))}`);
  }
  expect(heads.size).toBeLessThanOrEqual(1); // one head for every proof (D7.3)
  const chain = verifyListChain(null, lists, r.json.proofs, accountId, { verifyProof: (_a, v, h) => proven.has(`${v}:${b64(h)}`) });
  return { answer: r.json, chain };
}

const logSize = () => srv.services.transparency.size;
const deviceLeaves = async (accountId: string) => srv.services.transparency.leavesOf(accountId, 'device-list');
const code = (r: ApiResult) => (r.json as { code?: string }).code;

describe('registration with a genesis list and per-device sign-in (D8.2)', () => {
  it('logs the genesis as the account\'s one device-list leaf, with no identity leaf; device 1 signs in per device, never the legacy way', async () => {
    const phone = keys();
    const { acc, token } = await register(phone);
    const leaves = await deviceLeaves(acc.id);
    expect(leaves).toHaveLength(1);
    expect(await srv.services.transparency.hasBinding(acc.id, KIND_IDENTITY)).toBe(false);
    const { answer, chain } = await fetchVerified(token, acc.id);
    expect(chain.pinned.listVersion).toBe(1);
    expect(answer.linkedAt.map((d) => d.deviceId)).toEqual([1]);
    const me = await api(srv.url, 'GET', '/v1/accounts/me', undefined, token);
    expect(me.json).toMatchObject({ userId: acc.id, identitySigningKey: b64(phone.entry(1).identitySigningKey), deviceId: 1, deviceList: b64(acc.lists[0] as Uint8Array) });
    // The legacy sign-in (no device id) is refused for an account that has a list, even with device 1's key.
    const legacy = await login(srv.url, acc.id, phone.seed);
    expect(legacy.status).toBe(401);
    expect(code(legacy)).toBe('invalid_signature');
    // A device id that is not listed, and a wrong key for a listed one.
    expect(code(await deviceLogin(acc.id, 2, phone))).toBe('invalid_signature');
    expect(code(await deviceLogin(acc.id, 1, keys()))).toBe('invalid_signature');
  });

  it('refuses a genesis that does not verify, or for an id already taken, and logs nothing', async () => {
    const phone = keys();
    const acc = new Account(newId('bad'));
    const size = logSize();
    const other = new Account(newId('other'));
    const forOther = other.next({ devices: [phone.entry(1)], nextDeviceId: 2 }, { id: 1, key: phone });
    const r1 = await api(srv.url, 'POST', '/v1/accounts', { userId: acc.id, list: b64(forOther) });
    expect([r1.status, code(r1), (r1.json as { reason?: string }).reason]).toEqual([400, 'invalid_device_list', 'wrong_account']);
    const forged = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2 }, { id: 1, key: keys() });
    const r2 = await api(srv.url, 'POST', '/v1/accounts', { userId: acc.id, list: b64(forged) });
    expect([r2.status, (r2.json as { reason?: string }).reason]).toEqual([400, 'bad_signature']);
    const legacyUser = await createUser(srv.url);
    const taken = new Account(legacyUser.id).next({ devices: [phone.entry(1)], nextDeviceId: 2 }, { id: 1, key: phone });
    const r3 = await api(srv.url, 'POST', '/v1/accounts', { userId: legacyUser.id, list: b64(taken) });
    expect([r3.status, code(r3)]).toEqual([409, 'user_exists']);
    expect(isProblem(r1) && isProblem(r2) && isProblem(r3)).toBe(true);
    // Bad input at registration and sign-in: problem+json, never a 500.
    const bad = [
      await api(srv.url, 'POST', '/v1/accounts', { userId: acc.id, list: b64(new Uint8Array([1, 0, 0])) }),
      await api(srv.url, 'POST', '/v1/accounts', { userId: acc.id, list: b64(forged), identitySigningKey: b64(new Uint8Array(32)) }),
      await api(srv.url, 'POST', '/v1/accounts', { userId: acc.id, list: '' }),
      await api(srv.url, 'POST', '/v1/auth/challenge', { userId: acc.id, deviceId: 0 }),
      await api(srv.url, 'POST', '/v1/auth/token', { userId: acc.id, deviceId: 'x', challenge: b64(new Uint8Array(32)), signature: b64(new Uint8Array(64)) }),
      await api(srv.url, 'POST', '/v1/auth/token', { userId: acc.id, deviceId: 2 ** 32, challenge: b64(new Uint8Array(32)), signature: b64(new Uint8Array(64)) }),
      await api(srv.url, 'POST', '/v1/auth/token', { userId: acc.id, deviceId: 3, challenge: b64(new Uint8Array(32)), signature: b64(new Uint8Array(64)) }),
    ];
    expect(bad.map((r) => [r.status, code(r)])).toEqual([
      [400, 'invalid_device_list'], [400, 'validation_failed'], [400, 'validation_failed'], [400, 'validation_failed'], [400, 'validation_failed'], [400, 'validation_failed'],
      [401, 'invalid_signature'],
    ]);
    for (const r of bad) expect(isProblem(r)).toBe(true);
    expect(logSize()).toBe(size + 1); // only the legacy user's identity leaf
  });
});

describe('two genesis registrations of one id at once (D8.2 "only while none")', () => {
  it('one account, one genesis leaf; the other is user_exists', async () => {
    const id = newId('race');
    const lists = [keys(), keys(), keys()].map((k) => new Account(id).next({ devices: [k.entry(1)], nextDeviceId: 2 }, { id: 1, key: k }));
    const size = logSize();
    const answers = await Promise.all(lists.map((l) => api(srv.url, 'POST', '/v1/accounts', { userId: id, list: b64(l) })));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const r of answers) if (r.status === 409) expect([code(r), isProblem(r)]).toEqual(['user_exists', true]);
    expect(await deviceLeaves(id)).toHaveLength(1);
    expect(logSize()).toBe(size + 1);
  });
});

describe('linking and removing devices (D6.1, D6.2, D13.6)', () => {
  it('links a laptop, then the laptop removes the phone: the phone\'s token stops at once and it cannot sign in or sign lists', async () => {
    const phone = keys();
    const laptop = keys();
    const { acc, token: phoneToken } = await register(phone);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    const r = await put(v2, phoneToken);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    acc.accept(v2);
    expect(r.json).toMatchObject({ listVersion: 2, listHash: b64(deviceListHash(v2)) });
    const laptopToken = await tokenOf(acc.id, 2, laptop);
    const linked = await fetchVerified(laptopToken, acc.id);
    expect(linked.chain.pinned.listVersion).toBe(2);
    expect(linked.answer.linkedAt.map((d) => d.deviceId)).toEqual([1, 2]);

    const v3 = acc.next({ devices: [laptop.entry(2)], nextDeviceId: 3 }, { id: 2, key: laptop });
    const removed = await put(v3, laptopToken);
    expect(removed.status, JSON.stringify(removed.json)).toBe(201);
    acc.accept(v3);
    const gone = await api(srv.url, 'GET', '/v1/accounts/me', undefined, phoneToken);
    expect([gone.status, code(gone)]).toEqual([401, 'invalid_token']);
    expect(code(await deviceLogin(acc.id, 1, phone))).toBe('invalid_signature');
    const records = await srv.services.devices.records(acc.id);
    expect(records.map((x) => [x.deviceId, x.addedInVersion, x.removedInVersion])).toEqual([[1, 1, 3], [2, 2, null]]);
    expect((await fetchVerified(laptopToken, acc.id)).chain.pinned.listVersion).toBe(3);

    // D19 A4: the removed phone signs a list that adds a ghost — not a signer of version 3.
    const size = logSize();
    const ghost = keys();
    const byRemoved = acc.next({ devices: [phone.entry(1), laptop.entry(2), ghost.entry(3)], nextDeviceId: 4 }, { id: 1, key: phone }, ghost);
    const r4 = await put(byRemoved, laptopToken);
    expect([r4.status, code(r4), (r4.json as { reason?: string }).reason]).toEqual([400, 'invalid_device_list', 'not_a_signer']);
    expect(logSize()).toBe(size);
  });
});

describe('a removed device\'s live connection and the devices frame (D13.6)', () => {
  const open = async (token: string) => {
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/v1/stream`);
    const frames: Array<{ type: string; code?: string; accountId?: string; listVersion?: number }> = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (c, r) => resolve({ code: c, reason: r.toString() })));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'auth', token }));
    for (let i = 0; i < 200 && !frames.some((f) => f.type === 'ready'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(frames.some((f) => f.type === 'ready')).toBe(true);
    return { ws, frames, closed };
  };
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(cond()).toBe(true);
  };
  const devicesFrames = <F extends { type: string }>(frames: F[]) => frames.filter((f) => f.type === 'devices');

  it('its push socket closes at once with 4401 device_removed; every current device gets {type: devices, accountId, listVersion}', async () => {
    const phone = keys();
    const laptop = keys();
    const tablet = keys();
    const { acc, token: phoneToken } = await register(phone);
    const other = await register(keys()); // another account's socket hears nothing of this account's lists
    const otherWs = await open(other.token);
    const phoneWs = await open(phoneToken);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect((await put(v2, phoneToken)).status).toBe(201);
    acc.accept(v2);
    await until(() => devicesFrames(phoneWs.frames).length === 1);
    expect(devicesFrames(phoneWs.frames)).toEqual([{ type: 'devices', accountId: acc.id, listVersion: 2 }]);
    const laptopToken = await tokenOf(acc.id, 2, laptop);
    const laptopWs = await open(laptopToken);
    const v3 = acc.next({ devices: [phone.entry(1), laptop.entry(2), tablet.entry(3)], nextDeviceId: 4 }, { id: 2, key: laptop }, tablet);
    expect((await put(v3, laptopToken)).status).toBe(201);
    acc.accept(v3);
    const tabletWs = await open(await tokenOf(acc.id, 3, tablet));
    await until(() => devicesFrames(laptopWs.frames).length === 1 && devicesFrames(phoneWs.frames).length === 2);
    expect(devicesFrames(laptopWs.frames)).toEqual([{ type: 'devices', accountId: acc.id, listVersion: 3 }]);

    // The laptop removes the phone: the phone's socket ends as removed (not as a logout), the others hear version 4.
    const v4 = acc.next({ devices: [laptop.entry(2), tablet.entry(3)], nextDeviceId: 4 }, { id: 2, key: laptop });
    expect((await put(v4, laptopToken)).status).toBe(201);
    acc.accept(v4);
    expect(await phoneWs.closed).toEqual({ code: 4401, reason: 'device_removed' });
    expect(phoneWs.frames.find((f) => f.type === 'error')?.code).toBe('device_removed');
    expect(devicesFrames(phoneWs.frames).map((f) => f.listVersion)).toEqual([2, 3]); // nothing about the list that removed it
    await until(() => devicesFrames(laptopWs.frames).length === 2 && devicesFrames(tabletWs.frames).length === 1);
    expect(devicesFrames(laptopWs.frames).at(-1)).toEqual({ type: 'devices', accountId: acc.id, listVersion: 4 });
    expect(devicesFrames(tabletWs.frames)).toEqual([{ type: 'devices', accountId: acc.id, listVersion: 4 }]);
    expect([laptopWs.ws.readyState, tabletWs.ws.readyState]).toEqual([WebSocket.OPEN, WebSocket.OPEN]);
    expect(devicesFrames(otherWs.frames)).toEqual([]);
    for (const w of [laptopWs, tabletWs, otherWs]) w.ws.close();
  });

  it('a socket whose device was removed while the broadcast was missed ends as device_removed at its re-check', async () => {
    const phone = keys();
    const laptop = keys();
    const { acc, token: phoneToken } = await register(phone);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect((await put(v2, phoneToken)).status).toBe(201);
    acc.accept(v2);
    const laptopToken = await tokenOf(acc.id, 2, laptop);
    const ends: string[] = [];
    // The push channel's watcher, without the broadcast: the list is logged, then only the periodic re-check runs.
    const watch = srv.services.accounts.watchSession(laptopToken, { userId: acc.id, deviceId: 2 }, (c) => ends.push(c));
    const original = srv.services.accounts.forgetDevices;
    srv.services.accounts.forgetDevices = () => {}; // the lost broadcast
    try {
      const v3 = acc.next({ devices: [phone.entry(1)], nextDeviceId: 3 }, { id: 1, key: phone });
      expect((await put(v3, phoneToken)).status).toBe(201);
      acc.accept(v3);
    } finally {
      srv.services.accounts.forgetDevices = original;
    }
    expect(ends).toEqual([]);
    await watch.recheck();
    expect(ends).toEqual(['device_removed']);
  });

  it('the SDK\'s PushChannel hands the devices frame to onDevices and stops for device_removed instead of signing in again', async () => {
    const phone = keys();
    const laptop = keys();
    const { acc, token: phoneToken } = await register(phone);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect((await put(v2, phoneToken)).status).toBe(201);
    acc.accept(v2);
    const laptopToken = await tokenOf(acc.id, 2, laptop);
    const seen: Array<{ accountId: string; listVersion: number }> = [];
    const closes: Array<{ code: number; reason: string }> = [];
    const states: string[] = [];
    let tokenCalls = 0;
    const channel = new PushChannel({
      url: `${srv.url.replace('http', 'ws')}/v1/stream`,
      getToken: async () => (tokenCalls++, laptopToken),
      onEnvelopes: async () => [],
      onDevices: (d) => seen.push(d),
      onClose: (c) => closes.push(c),
      onState: (st) => states.push(st),
      createSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
      minDelayMs: 1,
      maxDelayMs: 5,
    });
    channel.start();
    try {
      await until(() => states.includes('live'));
      const tablet = keys();
      const v3 = acc.next({ devices: [phone.entry(1), laptop.entry(2), tablet.entry(3)], nextDeviceId: 4 }, { id: 1, key: phone }, tablet);
      expect((await put(v3, phoneToken)).status).toBe(201);
      acc.accept(v3);
      await until(() => seen.length === 1);
      expect(seen).toEqual([{ accountId: acc.id, listVersion: 3 }]);
      const v4 = acc.next({ devices: [phone.entry(1), tablet.entry(3)], nextDeviceId: 4 }, { id: 1, key: phone });
      expect((await put(v4, phoneToken)).status).toBe(201);
      await until(() => states.at(-1) === 'stopped');
      expect(closes).toEqual([{ code: 4401, reason: 'device_removed' }]);
      await new Promise((r) => setTimeout(r, 50));
      expect(tokenCalls).toBe(1); // no reconnect with a token of a removed device
    } finally {
      channel.stop();
    }
  });
});

describe('the SDK\'s ApiClient against the server', () => {
  it('registers a genesis, signs a device in, links a device, reads the lists, and gets the conflict as an ApiError', async () => {
    const phone = keys();
    const laptop = keys();
    const acc = new Account(newId('sdk'));
    // Only the signing half signs in; the DH private key is never used here.
    const identity = (k: Keys): IdentityKeyPair => ({ signingPrivateKey: k.seed, signingPublicKey: ed25519.getPublicKey(k.seed), dhPrivateKey: new Uint8Array(32), dhPublicKey: k.dh });
    const client = new ApiClient({ baseUrl: srv.url, validateResponses: userOperations });
    const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2 }, { id: 1, key: phone });
    expect((await client.registerDeviceList(acc.id, genesis)).userId).toBe(acc.id);
    acc.accept(genesis);
    await client.loginDevice(acc.id, 1, identity(phone));
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect(await client.putDeviceList(v2)).toMatchObject({ listVersion: 2, listHash: b64(deviceListHash(v2)) });
    acc.accept(v2);
    const lists = await client.deviceLists(acc.id);
    expect(lists.lists).toEqual([b64(genesis), b64(v2)]);
    expect((await client.deviceLists(acc.id, 2)).lists).toEqual([b64(v2)]);
    const err = await client.putDeviceList(genesis).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('device_list_conflict');
    expect((err as ApiError).problem?.current).toBe(b64(v2));
    const laptopClient = new ApiClient({ baseUrl: srv.url, validateResponses: userOperations });
    await laptopClient.loginDevice(acc.id, 2, identity(laptop));
    expect(await laptopClient.me()).toMatchObject({ userId: acc.id, deviceId: 2, deviceList: b64(v2) });
  });
});

describe('attacks on PUT /v1/devices (D19): refused, nothing logged', () => {
  it('an unsigned list, a replayed older list, a list for another account, a skipped version, a forced addition, a reset, bad input', async () => {
    const phone = keys();
    const laptop = keys();
    const { acc, token } = await register(phone);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect((await put(v2, token)).status).toBe(201);
    acc.accept(v2);
    const ghost = keys();
    const size = logSize();
    const leaves = (await deviceLeaves(acc.id)).length;
    const reason = (r: ApiResult) => [r.status, code(r), (r.json as { reason?: string }).reason];

    // A2: "signed" by a key that is no listed device (claims to be device 1).
    expect(reason(await put(acc.next({ devices: [phone.entry(1), laptop.entry(2), ghost.entry(3)], nextDeviceId: 4 }, { id: 1, key: ghost }, ghost), token)))
      .toEqual([400, 'invalid_device_list', 'bad_signature']);
    expect(reason(await put(acc.next({ devices: [phone.entry(1), laptop.entry(2), ghost.entry(3)], nextDeviceId: 4 }, { id: 7, key: ghost }, ghost), token)))
      .toEqual([400, 'invalid_device_list', 'not_a_signer']);
    // A3: the older list replayed, and the current one again: 409 with the current list.
    for (const old of [acc.lists[0] as Uint8Array, v2]) {
      const r = await put(old, token);
      expect([r.status, code(r)]).toEqual([409, 'device_list_conflict']);
      expect((r.json as { current?: string }).current).toBe(b64(v2));
    }
    // A list of another account, submitted with this account's token.
    const other = new Account(newId('x'));
    expect(reason(await put(other.next({ devices: [ghost.entry(1)], nextDeviceId: 2 }, { id: 1, key: ghost }), token))).toEqual([400, 'invalid_device_list', 'wrong_account']);
    // A skipped version (4 after 2).
    const skip = new Account(acc.id);
    skip.lists.push(...acc.lists, v2);
    expect(reason(await put(skip.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }), token))).toEqual([400, 'invalid_device_list', 'version_not_next']);
    // A5: a device added without its counter-signature.
    expect(reason(await put(acc.next({ devices: [phone.entry(1), laptop.entry(2), ghost.entry(3)], nextDeviceId: 4 }, { id: 1, key: phone }), token)))
      .toEqual([400, 'invalid_device_list', 'bad_cosignature']);
    // A8: an id reused with another key.
    expect(reason(await put(acc.next({ devices: [phone.entry(1), ghost.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, ghost), token)))
      .toEqual([400, 'invalid_device_list', 'entry_changed']);
    // A reset without the operator's release.
    const reset = acc.next({ kind: 'reset', devices: [ghost.entry(5)], nextDeviceId: 6 }, { id: 5, key: ghost });
    expect(reason(await put(reset, token)).slice(0, 2)).toEqual([403, 'reset_not_allowed']);
    // Bad input: never a 500, always problem+json.
    const bad: ApiResult[] = [
      await api(srv.url, 'PUT', '/v1/devices', { list: b64(new Uint8Array([1, 2, 3])) }, token),
      await api(srv.url, 'PUT', '/v1/devices', { list: 'not base64!' }, token),
      await api(srv.url, 'PUT', '/v1/devices', {}, token),
      await api(srv.url, 'PUT', '/v1/devices', { list: b64(v2), extra: 1 }, token),
      await api(srv.url, 'PUT', '/v1/devices', '{"list":', token),
      await api(srv.url, 'PUT', '/v1/devices', { list: 'A'.repeat(50_000) }, token),
      await api(srv.url, 'PUT', '/v1/devices', { list: 'A'.repeat(100_000) }, token),
      await put(v2),
      await recover(v2),
      await api(srv.url, 'GET', `/v1/devices/${acc.id}?from=0`, undefined, token),
      await api(srv.url, 'GET', `/v1/devices/${acc.id}?from=99`, undefined, token),
      await api(srv.url, 'GET', `/v1/devices/${acc.id}?from=x`, undefined, token),
      await api(srv.url, 'GET', '/v1/devices/nobody-here', undefined, token),
      await api(srv.url, 'GET', `/v1/devices/${acc.id}`),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 413, 401, 401, 400, 400, 400, 404, 401]);
    expect(reason(bad[0] as ApiResult)).toEqual([400, 'invalid_device_list', 'malformed']);
    for (const r of bad) expect(isProblem(r), JSON.stringify(r.json)).toBe(true);
    expect(logSize()).toBe(size);
    expect(await deviceLeaves(acc.id)).toHaveLength(leaves);
    expect((await fetchVerified(token, acc.id)).chain.pinned.listVersion).toBe(2);
  });

  it('concurrent changes from two devices: one 201, one 409 carrying the winner\'s list (D6.4, A6)', async () => {
    const phone = keys();
    const laptop = keys();
    const { acc, token: phoneToken } = await register(phone);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect((await put(v2, phoneToken)).status).toBe(201);
    acc.accept(v2);
    const laptopToken = await tokenOf(acc.id, 2, laptop);
    const tablet = keys();
    const watch = keys();
    const byPhone = acc.next({ devices: [phone.entry(1), laptop.entry(2), tablet.entry(3)], nextDeviceId: 4 }, { id: 1, key: phone }, tablet);
    const byLaptop = acc.next({ devices: [phone.entry(1), laptop.entry(2), watch.entry(3)], nextDeviceId: 4 }, { id: 2, key: laptop }, watch);
    const size = logSize();
    const [a, b] = await Promise.all([put(byPhone, phoneToken), put(byLaptop, laptopToken)]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const [won, lost] = a.status === 201 ? [byPhone, b] : [byLaptop, a];
    expect(code(lost)).toBe('device_list_conflict');
    expect((lost.json as { current?: string }).current).toBe(b64(won));
    expect(logSize()).toBe(size + 1);
    acc.accept(won);
    const { chain } = await fetchVerified(phoneToken, acc.id);
    expect(chain.pinned.listHash).toBe(b64(deviceListHash(won)));
  });

  it('many concurrent submissions of one version log exactly one', async () => {
    const phone = keys();
    const { acc, token } = await register(phone);
    const candidates = Array.from({ length: 6 }, () => {
      const k = keys();
      return acc.next({ devices: [phone.entry(1), k.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, k);
    });
    const size = logSize();
    const answers = await Promise.all(candidates.map((c) => put(c, token)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 409 && code(r) === 'device_list_conflict')).toHaveLength(5);
    expect(logSize()).toBe(size + 1);
    expect(await deviceLeaves(acc.id)).toHaveLength(2);
  });
});

describe('the stored lists are never served without their leaf (D7.3, D19 A1)', () => {
  it('a database row inserted for a ghost device is not served, and a swapped row is refused', async () => {
    const phone = keys();
    const { acc, token } = await register(phone);
    const ghost = keys();
    const forged = acc.next({ devices: [phone.entry(1), ghost.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, ghost);
    const { createDb } = await import('../../server/db.ts');
    const db = await createDb(srv.db.url);
    try {
      // A row for version 2 that was never logged (the server "adds" a device behind the log's back).
      await db.deviceListVersion.create({ data: { accountId: acc.id, listVersion: 2, listHash: deviceListHash(forged) as Uint8Array<ArrayBuffer>, list: forged as Uint8Array<ArrayBuffer>, leafIndex: 0 } });
      await db.deviceRecord.create({ data: { accountId: acc.id, deviceId: 2n, addedInVersion: 2, acceptedAt: new Date() } });
      const size = logSize();
      const { answer, chain } = await fetchVerified(token, acc.id);
      expect(answer.lists).toHaveLength(1);
      expect(chain.pinned.listVersion).toBe(1);
      expect(answer.linkedAt.map((d) => d.deviceId)).toEqual([1]);
      expect((await api(srv.url, 'GET', `/v1/devices/${acc.id}?from=2`, undefined, token)).status).toBe(400);
      // The ghost cannot sign in: it is not in the logged list.
      expect(code(await deviceLogin(acc.id, 2, ghost))).toBe('invalid_signature');
      expect(logSize()).toBe(size);
      // The owner's own next version replaces the unlogged row: the log decides what version 2 is.
      const laptop = keys();
      const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
      const accepted = await put(v2, token);
      expect(accepted.status, JSON.stringify(accepted.json)).toBe(201);
      acc.accept(v2);
      const after = await fetchVerified(token, acc.id);
      expect(after.answer.lists).toEqual([b64(acc.lists[0] as Uint8Array), b64(v2)]);
      expect(code(await deviceLogin(acc.id, 2, ghost))).toBe('invalid_signature');
      expect((await deviceLogin(acc.id, 2, laptop)).status).toBe(200);
      const records = await srv.services.devices.records(acc.id);
      expect(records.map((x) => [x.deviceId, x.addedInVersion, x.removedInVersion])).toEqual([[1, 1, null], [2, 2, null]]);
      // The logged version's row swapped for a list with the ghost: nothing is served in its place.
      await db.deviceListVersion.update({ where: { accountId_listVersion: { accountId: acc.id, listVersion: 2 } }, data: { list: forged as Uint8Array<ArrayBuffer> } });
      const swapped = await api(srv.url, 'GET', `/v1/devices/${acc.id}`, undefined, token);
      expect([swapped.status, code(swapped), isProblem(swapped)]).toEqual([404, 'not_found', true]);
      // …and no change can be made on top of a stored list that is not the logged one.
      const v3 = acc.next({ devices: [phone.entry(1)], nextDeviceId: 3 }, { id: 1, key: phone });
      const refused = await put(v3, token);
      expect([refused.status, isProblem(refused)]).toEqual([404, true]);
      expect(logSize()).toBe(size + 1);
    } finally {
      await db.$disconnect();
    }
  });
});

describe('recovery and legacy accounts (D6.5, D8.1, D17)', () => {
  it('a recovery list is accepted without a token; any other kind without a token is refused', async () => {
    const phone = keys();
    const kit = recoveryKeyFromKit(randomBytes(32));
    const { acc, token } = await register(phone, { recoveryKey: kit.publicKey });
    const fresh = keys();
    const change = acc.next({ devices: [phone.entry(1), fresh.entry(2)], nextDeviceId: 3, recoveryKey: kit.publicKey }, { id: 1, key: phone }, fresh);
    const noToken = await recover(change);
    expect([noToken.status, code(noToken)]).toEqual([401, 'unauthorized']);
    const rec = acc.next({ kind: 'recovery', devices: [fresh.entry(2)], nextDeviceId: 3, recoveryKey: kit.publicKey }, { recovery: kit.privateKey }, fresh);
    const r = await recover(rec);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    acc.accept(rec);
    expect((await api(srv.url, 'GET', '/v1/accounts/me', undefined, token)).status).toBe(401); // the lost phone's token went with it
    const freshToken = await tokenOf(acc.id, 2, fresh);
    expect((await fetchVerified(freshToken, acc.id)).chain.pinned.listVersion).toBe(2);
    // The same recovery list replayed: a conflict, nothing logged.
    const size = logSize();
    expect(code(await recover(rec))).toBe('device_list_conflict');
    expect(logSize()).toBe(size);
  });

  it('a legacy account signs in as before (device 1), has no list, and migrates by a genesis of its own keys (D17.1)', async () => {
    const user = await createUser(srv.url);
    expect((await api(srv.url, 'GET', '/v1/accounts/me', undefined, user.token)).json).toMatchObject({ deviceId: 1, deviceList: null });
    expect((await api<ListsAnswer>(srv.url, 'GET', `/v1/devices/${user.id}`, undefined, user.token)).json).toEqual({ accountId: user.id, lists: [], proofs: [], linkedAt: [] });
    const k: Keys = { seed: user.signingSecret, dh: user.dhKey, entry: (id) => ({ deviceId: id, identitySigningKey: user.signingKey, identityDhKey: user.dhKey, credentialKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()), linkedAt: 1 }) };
    const acc = new Account(user.id);
    const size = logSize();
    const wrong = acc.next({ devices: [keys().entry(1)], nextDeviceId: 2 }, { id: 1, key: keys() });
    // signed by its own (other) key: verifies as a genesis, but device 1 is not the logged identity
    const other = keys();
    const notMine = acc.next({ devices: [other.entry(1)], nextDeviceId: 2 }, { id: 1, key: other });
    expect((await put(wrong, user.token)).status).toBe(400);
    const mismatch = await put(notMine, user.token);
    expect([mismatch.status, code(mismatch)]).toEqual([409, 'identity_mismatch']);
    expect(logSize()).toBe(size);
    const genesis = acc.next({ devices: [k.entry(1)], nextDeviceId: 2 }, { id: 1, key: k });
    const r = await put(genesis, user.token);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    acc.accept(genesis);
    expect(logSize()).toBe(size + 2); // the device-list leaf and the revoke of the legacy identity binding
    const entries = await api<{ entries: Array<{ leaf: string }> }>(srv.url, 'GET', `/v1/transparency/entries?start=${size}&limit=2`);
    const decoded = entries.json.entries.map((e) => decodeLeaf(new Uint8Array(Buffer.from(e.leaf, 'base64url'))));
    expect(decoded.map((d) => [d.accountId, d.kind, d.action])).toEqual([[user.id, 'device-list', 'publish'], [user.id, 'identity', 'revoke']]);
    // The legacy token (device 1) keeps working; the legacy sign-in does not; the device sign-in does.
    expect((await api(srv.url, 'GET', '/v1/accounts/me', undefined, user.token)).status).toBe(200);
    expect(code(await login(srv.url, user.id, user.signingSecret))).toBe('invalid_signature');
    const token = await tokenOf(user.id, 1, k);
    expect((await fetchVerified(token, user.id)).chain.pinned.listVersion).toBe(1);
    // A second genesis is a conflict.
    expect(code(await put(genesis, token))).toBe('device_list_conflict');
  });
});

describe('the per-device key directory (D8.1)', () => {
  const bundle = (k: Keys, otks: number, signer: Keys = k) => {
    const spk = x25519.getPublicKey(x25519.utils.randomSecretKey());
    const id = Buffer.alloc(4);
    id.writeUInt32BE(9);
    const signature = ed25519.sign(Buffer.concat([Buffer.from('franking-chat/v1/signed-prekey\0'), id, spk]), signer.seed);
    return {
      identitySigningKey: b64(ed25519.getPublicKey(k.seed)), identityDhKey: b64(k.dh),
      signedPreKey: { id: 9, publicKey: b64(spk), signature: b64(signature) },
      oneTimePreKeys: Array.from({ length: otks }, (_, i) => ({ id: i + 1, publicKey: b64(x25519.getPublicKey(x25519.utils.randomSecretKey())) })),
    };
  };
  type DeviceBundle = { deviceId: number; listVersion: number; listHash: string; identitySigningKey: string; identityDhKey: string; oneTimePreKey?: { id: number }; transparency?: unknown };

  it('each device publishes its own bundle (nothing logged); fetches name the list entry; a removed device\'s keys are gone', async () => {
    const phone = keys();
    const laptop = keys();
    const { acc, token: phoneToken } = await register(phone);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect((await put(v2, phoneToken)).status).toBe(201);
    acc.accept(v2);
    const laptopToken = await tokenOf(acc.id, 2, laptop);
    const size = logSize();
    const wrongDevice = await api(srv.url, 'PUT', '/v1/keys', bundle(laptop, 1), phoneToken);
    expect([wrongDevice.status, code(wrongDevice)]).toEqual([409, 'identity_mismatch']);
    const badSig = await api(srv.url, 'PUT', '/v1/keys', bundle(phone, 1, laptop), phoneToken);
    expect([badSig.status, code(badSig)]).toEqual([401, 'invalid_signature']);
    expect((await api(srv.url, 'PUT', '/v1/keys', bundle(phone, 2), phoneToken)).json).toEqual({ oneTimePreKeys: 2 });
    expect((await api(srv.url, 'PUT', '/v1/keys', bundle(laptop, 1), laptopToken)).json).toEqual({ oneTimePreKeys: 1 });
    expect(logSize()).toBe(size); // the list proves device keys: a bundle logs nothing (D7.1)
    expect(await srv.services.transparency.hasBinding(acc.id, KIND_IDENTITY)).toBe(false);

    const viewer = await createUser(srv.url);
    const get = (d: string) => api<DeviceBundle>(srv.url, 'GET', `/v1/keys/${acc.id}/devices/${d}`, undefined, viewer.token);
    const p1 = await get('1');
    expect(p1.json).toMatchObject({ deviceId: 1, listVersion: 2, listHash: b64(deviceListHash(v2)), identitySigningKey: b64(ed25519.getPublicKey(phone.seed)), identityDhKey: b64(phone.dh) });
    const l1 = await get('2');
    expect(l1.json).toMatchObject({ deviceId: 2, identitySigningKey: b64(ed25519.getPublicKey(laptop.seed)), oneTimePreKey: { id: 1 } });
    expect((await get('2')).json.oneTimePreKey).toBeUndefined(); // its one prekey was handed out once
    expect((await get('1')).json.oneTimePreKey?.id).toBe(2);
    const bad = [await get('3'), await get('0'), await get('x'), await get('99999999999')];
    expect(bad.map((r) => r.status)).toEqual([404, 400, 400, 400]);
    for (const r of bad) expect(isProblem(r)).toBe(true);

    // Removing the laptop removes its prekeys with it (D13.6).
    expect((await api(srv.url, 'PUT', '/v1/keys', bundle(laptop, 3), laptopToken)).json).toEqual({ oneTimePreKeys: 3 });
    const v3 = acc.next({ devices: [phone.entry(1)], nextDeviceId: 3 }, { id: 1, key: phone });
    expect((await put(v3, phoneToken)).status).toBe(201);
    acc.accept(v3);
    expect((await get('2')).status).toBe(404);
    const { createDb } = await import('../../server/db.ts');
    const db = await createDb(srv.db.url);
    try {
      expect(await db.oneTimePreKey.count({ where: { accountId: acc.id, deviceId: 2n } })).toBe(0);
      expect(await db.deviceSignedPreKey.count({ where: { accountId: acc.id, deviceId: 2n } })).toBe(0);
    } finally {
      await db.$disconnect();
    }
    expect((await get('1')).json).toMatchObject({ deviceId: 1, listVersion: 3 });
  });

  it('an account without a list answers for device 1 only, with its identity proof and listVersion 0', async () => {
    const legacy = await createUser(srv.url);
    const k: Keys = { seed: legacy.signingSecret, dh: legacy.dhKey, entry: () => { throw new Error('unused'); } };
    expect((await api(srv.url, 'PUT', '/v1/keys', bundle(k, 1), legacy.token)).json).toEqual({ oneTimePreKeys: 1 });
    const viewer = await createUser(srv.url);
    const r = await api<DeviceBundle>(srv.url, 'GET', `/v1/keys/${legacy.id}/devices/1`, undefined, viewer.token);
    expect(r.json).toMatchObject({ deviceId: 1, listVersion: 0, listHash: b64(new Uint8Array(32)), identitySigningKey: b64(legacy.signingKey), oneTimePreKey: { id: 1 } });
    expect(r.json.transparency).toBeDefined();
    expect((await api(srv.url, 'GET', `/v1/keys/${legacy.id}/devices/2`, undefined, viewer.token)).status).toBe(404);
  });
});

describe('the log afterwards', () => {
  it('audits clean: every head recomputes from the leaves', async () => {
    const source = new HttpLogSource(srv.url);
    const report = await auditLog(source, (await source.logKey()).publicKey, { pageSize: 50 });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.kinds['device-list']).toBeGreaterThan(5);
  });
});
