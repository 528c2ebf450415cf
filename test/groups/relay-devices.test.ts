// The group relay with multi-device people on a real server and database (docs/PROTOCOL-devices.md D14.2): its roster
// is per leaf (accountId, deviceId), so a person's devices are added in one Commit (D14.3) and a newly linked one later
// by syncDevices (R2, D14.4); it stamps once per member account and stores one delivery per member device, the
// sender's own other devices included (sender stamp); each device fetches and acknowledges its own copies; a Commit
// adding a device that is not in the account's current logged list is refused (validation_failed); a device removed
// from its list gets nothing more at once, before the members' R1 Commit. Device lists are logged by the server; the
// members pin them from the accounts' own bytes (the key log's proofs are tested elsewhere).
// SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PinnedDeviceList } from '../../client/devices/index.ts';
import { nobleCryptoProvider } from '../../client/crypto/noble.ts';
import { fromBase64Url } from '../../client/index.ts';
import { type GeneratedKeyPackage, type GroupEvent, type GroupIdentity, MlsGroup, type PendingCommit, generateGroupKeyPackage } from '../../client/group/index.ts';
import type { DeviceListWant } from '../../client/group/device-members.ts';
// eslint-disable-next-line no-restricted-imports -- test/client's fan-out world: real signed device lists and device keys
import { Account, det, type Device } from '../client/_fanout-world.ts';
import { deviceLogin, type Keys, newId } from '../server/_devices.ts';
import { api, type ApiResult, b64, startTestServer, type TestServer } from '../server/_harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

const code = (r: ApiResult) => (r.json as { code?: string }).code;
const people = new Map<string, Account>();

interface Item { id: string; conversationId: string; senderId: string; kind: string; message: string; stamp?: { role: string; recipientId: string; tag: string } }

/** One device as a group member: its token, its MLS state, its pins of the members' lists (refreshed on demand, D5.4). */
class Member {
  readonly me: GroupIdentity;
  readonly kps = new Map<string, GeneratedKeyPackage>();
  readonly pins = new Map<string, PinnedDeviceList>();
  group?: MlsGroup;
  constructor(readonly device: Device, readonly token: string) {
    this.me = {
      accountId: device.accountId, identity: device.identity, deviceId: device.deviceId,
      credentialKey: { privateKey: det(`${device.accountId} device ${device.deviceId} credential`), publicKey: device.credentialKey },
    };
  }

  refresh(accountId: string): PinnedDeviceList | undefined {
    const p = people.get(accountId)?.pin();
    if (p) this.pins.set(accountId, p);
    return p;
  }

  get opts() {
    return {
      resolveIdentity: () => undefined,
      resolveDeviceList: (accountId: string, want?: DeviceListWant) => {
        const pin = this.pins.get(accountId);
        return pin && (!want || pin.listVersion >= want.listVersion) ? pin : this.refresh(accountId);
      },
    };
  }

  async keyPackage(): Promise<Uint8Array> {
    const kp = await generateGroupKeyPackage(this.me);
    this.kps.set(kp.ref, kp);
    return kp.bytes;
  }

  send(conv: string, body: { message: Uint8Array; welcome?: Uint8Array | undefined }): Promise<ApiResult> {
    return api(srv.url, 'POST', `/v1/groups/${conv}/messages`, { message: b64(body.message), ...(body.welcome ? { welcome: b64(body.welcome) } : {}) }, this.token);
  }

  /** Sends a pending Commit; applies it on 201, else discards it and returns the refusal. */
  async commit(conv: string, p: PendingCommit): Promise<ApiResult> {
    const r = await this.send(conv, { message: p.commit, welcome: p.welcome });
    if (r.status === 201) this.group!.confirmCommit();
    else this.group!.discardCommit();
    return r;
  }

  async inbox(): Promise<Item[]> {
    const r = await api<{ items: Item[] }>(srv.url, 'GET', '/v1/groups/inbox?wait=0', undefined, this.token);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json.items;
  }

  async ack(ids: string[]): Promise<number> {
    return (await api<{ deleted: number }>(srv.url, 'POST', '/v1/groups/inbox/ack', { ids }, this.token)).json.deleted;
  }

  /** Processes everything waiting for this device (joining by a Welcome), acknowledges it, returns what it read. */
  async sync(): Promise<Array<{ item: Item; event: GroupEvent | { kind: 'joined' } }>> {
    const out = [];
    const items = await this.inbox();
    for (const item of items) {
      const bytes = fromBase64Url(item.message);
      if (item.kind === 'welcome') {
        this.group = await MlsGroup.join(bytes, this.me, (ref) => this.kps.get(ref), this.opts);
        out.push({ item, event: { kind: 'joined' as const } });
      } else out.push({ item, event: await this.group!.receive(bytes) });
    }
    if (items.length) await this.ack(items.map((i) => i.id));
    return out;
  }
}

const te = new TextEncoder();
const texts = (got: Awaited<ReturnType<Member['sync']>>) =>
  got.flatMap(({ event }) => (event.kind === 'message' ? [{ from: event.senderId, device: event.opened.header.senderDeviceId, text: new TextDecoder().decode(event.opened.body) }] : []));

async function tokenOf(d: Device): Promise<string> {
  const r = await deviceLogin(srv.url, d.accountId, d.deviceId, { seed: d.identity.signingPrivateKey } as Keys);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.token as string;
}
async function putList(acc: Account, token: string): Promise<void> {
  const r = await api(srv.url, 'PUT', '/v1/devices', { list: b64(acc.current.bytes) }, token);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
}
/** A registered account with `n` devices, every list logged by the server. */
async function person(prefix: string, n: number): Promise<{ acc: Account; devices: Member[] }> {
  const acc = new Account(newId(prefix), nobleCryptoProvider);
  people.set(acc.accountId, acc);
  acc.genesis(Date.now());
  const reg = await api(srv.url, 'POST', '/v1/accounts', { userId: acc.accountId, list: b64(acc.current.bytes) });
  expect(reg.status, JSON.stringify(reg.json)).toBe(201);
  const devices = [new Member(acc.devices.get(1)!, await tokenOf(acc.devices.get(1)!))];
  for (let i = 1; i < n; i++) devices.push(await link(acc, devices[0]!));
  return { acc, devices };
}
async function link(acc: Account, by: Member): Promise<Member> {
  const d = acc.link(1, Date.now());
  await putList(acc, by.token);
  return new Member(d, await tokenOf(d));
}
const deliveries = (where: Record<string, unknown>) =>
  (srv.services.db as unknown as { groupDelivery: { count(a: unknown): Promise<number> } }).groupDelivery.count({ where });

describe('the group relay routes per device (D14.2)', () => {
  it('adds a person with 2 devices in one Commit, delivers per device with the account stamp, syncs a new device, stops a removed one, refuses a ghost', async () => {
    const alice = await person('ga', 2);
    const bob = await person('gb', 2);
    const [a1, a2] = alice.devices as [Member, Member];
    const [b1, b2] = bob.devices as [Member, Member];
    const conv = (await api<{ id: string }>(srv.url, 'POST', '/v1/conversations', { kind: 'group' }, a1.token)).json.id;
    a1.group = await MlsGroup.create(conv, a1.me, a1.opts);

    // alice's own second device (R2 by her own device), then bob with both devices in one Commit (D14.3).
    expect((await a1.commit(conv, await a1.group.syncDevices(alice.acc.accountId, [await a2.keyPackage()]))).status).toBe(201);
    expect((await a2.sync()).map((r) => r.event.kind)).toEqual(['joined']);
    const addBob = await a1.group.addPerson(bob.acc.accountId, [await b1.keyPackage(), await b2.keyPackage()]);
    const added = await a1.commit(conv, addBob);
    expect(added.status, JSON.stringify(added.json)).toBe(201);
    expect((await a2.sync()).map((r) => r.event.kind)).toEqual(['membership']);
    for (const b of [b1, b2]) expect((await b.sync()).map((r) => r.event.kind)).toEqual(['joined']);
    for (const m of [a1, a2, b1, b2]) expect(m.group!.people().map((p) => [p.accountId, p.devices.map((d) => d.deviceId)])).toEqual([[alice.acc.accountId, [1, 2]], [bob.acc.accountId, [1, 2]]]);
    const roster = await api<{ members: Array<{ accountId: string }> }>(srv.url, 'GET', `/v1/conversations/${conv}/members`, undefined, b2.token);
    expect(roster.json.members.map((m) => m.accountId).sort()).toEqual([alice.acc.accountId, bob.acc.accountId].sort()); // members are accounts

    // bob's second device writes: one stamp per account, one delivery per other device, bob's device 1 included.
    const sent = await b2.group!.send(te.encode('from my laptop'));
    const r = await b2.send(conv, { message: sent.message });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const messageId = r.json.messageId as string;
    expect(await deliveries({ messageId })).toBe(3);
    const got = new Map<Member, Item>();
    for (const m of [a1, a2, b1]) {
      const items = await m.inbox();
      expect(items.map((i) => i.id)).toEqual([messageId]);
      got.set(m, items[0]!);
    }
    expect(got.get(a1)!.stamp).toMatchObject({ role: 'recipient', recipientId: alice.acc.accountId });
    expect(got.get(a2)!.stamp!.tag).toBe(got.get(a1)!.stamp!.tag); // the account's one stamp, with each device's copy
    expect(got.get(b1)!.stamp).toMatchObject({ role: 'sender', recipientId: bob.acc.accountId, tag: (r.json.stamp as { tag: string }).tag });
    // Per-device ack: a1's ack leaves a2's copy.
    expect(await a1.ack([messageId])).toBe(1);
    expect(await a1.ack([messageId])).toBe(0);
    expect((await a2.inbox()).map((i) => i.id)).toEqual([messageId]);
    for (const m of [a1]) expect(texts([{ item: got.get(m)!, event: await m.group!.receive(fromBase64Url(got.get(m)!.message)) }])).toEqual([{ from: bob.acc.accountId, device: 2, text: 'from my laptop' }]);
    for (const m of [a2, b1]) expect(texts(await m.sync())).toEqual([{ from: bob.acc.accountId, device: 2, text: 'from my laptop' }]);
    expect(await deliveries({ messageId })).toBe(0);

    // bob links a third device; his device 1 adds it (R2) through the relay; it reads what alice sends next.
    const b3 = await link(bob.acc, b1);
    b1.refresh(bob.acc.accountId);
    const sync = await b1.commit(conv, await b1.group!.syncDevices(bob.acc.accountId, [await b3.keyPackage()]));
    expect(sync.status, JSON.stringify(sync.json)).toBe(201);
    expect((await b3.sync()).map((r) => r.event.kind)).toEqual(['joined']);
    for (const m of [a1, a2, b2]) expect((await m.sync()).map((r) => r.event.kind)).toEqual(['membership']);
    const hello = await a1.group!.send(te.encode('hello three'));
    expect((await a1.send(conv, { message: hello.message })).status).toBe(201);
    for (const m of [a2, b1, b2, b3]) expect(texts(await m.sync())).toEqual([{ from: alice.acc.accountId, device: 1, text: 'hello three' }]);

    // bob removes device 2 (D13.6): before any member's R1 Commit, the relay already delivers nothing to it.
    bob.acc.remove(1, [2], Date.now());
    await putList(bob.acc, b1.token);
    const after = await a1.group!.send(te.encode('after the removal')); // a1 has not refreshed bob's list yet
    const s2 = await a1.send(conv, { message: after.message });
    expect(s2.status).toBe(201);
    expect(await deliveries({ messageId: s2.json.messageId, recipientId: bob.acc.accountId, deviceId: 2n })).toBe(0);
    expect(await deliveries({ messageId: s2.json.messageId })).toBe(3); // a2, b1, b3
    for (const m of [a2, b1, b3]) expect(texts(await m.sync())).toEqual([{ from: alice.acc.accountId, device: 1, text: 'after the removal' }]);
    a1.refresh(bob.acc.accountId);
    const r1 = await a1.group!.removeStaleDevices();
    expect(r1).not.toBeNull();
    expect((await a1.commit(conv, r1!)).status).toBe(201);
    for (const m of [a2, b1, b3]) expect((await m.sync()).map((r) => r.event.kind)).toEqual(['membership']);
    expect(a1.group!.people().find((p) => p.accountId === bob.acc.accountId)!.devices.map((d) => d.deviceId)).toEqual([1, 3]);

    // A ghost: a device bob's account signed but the server never logged. alice's client accepts it (its pin says so);
    // the relay, reading the current logged list, refuses the Commit and nothing changes.
    const ghost = new Member(bob.acc.link(1, Date.now()), b1.token);
    a1.refresh(bob.acc.accountId);
    const epoch = a1.group!.epoch;
    const refused = await a1.commit(conv, await a1.group!.syncDevices(bob.acc.accountId, [await ghost.keyPackage()]));
    expect(refused.status, JSON.stringify(refused.json)).toBe(400);
    expect(code(refused)).toBe('validation_failed');
    expect(a1.group!.epoch).toBe(epoch);
    const state = await api<{ epoch: number }>(srv.url, 'GET', `/v1/conversations/${conv}/members`, undefined, a1.token);
    expect(state.json.epoch).toBe(epoch);
    for (const m of [a2, b1, b3]) expect(await m.inbox()).toEqual([]);
  });
});
