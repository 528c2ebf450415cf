// deliverFanOut against a real server (docs/PROTOCOL-devices.md D11.2 step 4, D13.4, D18): the one SDK call that posts
// a fan-out send, and on device_mismatch refreshes the named accounts' lists from the server proven in the key log
// (fetchVerifiedDeviceLists), re-plans the copies and resends the same franked message — until the relay accepts it, or
// the third refusal (devices_unsettled), or a list the relay names that verification does not reach (ghost_device).
// SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CopyEnvelope, DeviceError, deliverFanOut, type DeliverFanOutOptions, type fanOutRequestBody, type FanOutSend, fetchVerifiedDeviceLists, type PinnedDeviceList,
  pinnedVerifiedList, sendFanOut, type VerifiedDeviceList,
} from '../../client/devices/index.ts';
import { SenderChain } from '../../client/franking/index.ts';
import { nobleCryptoProvider } from '../../client/crypto/noble.ts';
import { fromBase64Url, toBase64Url } from '../../client/index.ts';
import { ApiClient, type EnvelopeJson, type Sent } from '../../client/transport/api.ts';
import { ApiError } from '../../client/transport/api-error.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
// eslint-disable-next-line no-restricted-imports -- test/client's own fan-out world (not an SDK internal): the same devices, lists and sessions as the fan-out suites
import { Account, type Device, receiveOn, sessionsFrom, type World } from '../client/_fanout-world.ts';
import { ktClient } from '../transparency/_kt.ts';
import { deviceLogin, type Keys, newId } from './_devices.ts';
import { api, b64, startTestServer, type TestServer } from './_harness.ts';

const crypto = nobleCryptoProvider;
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());
const te = new TextEncoder();

async function tokenOf(d: Device): Promise<string> {
  const r = await deviceLogin(srv.url, d.accountId, d.deviceId, { seed: d.identity.signingPrivateKey } as Keys);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.token as string;
}

/** A registered account with `n` devices (genesis, then links by device 1), every list logged by the server. */
interface Person { acc: Account; tokens: Map<number, string> }
async function person(prefix: string, n: number): Promise<Person> {
  const acc = new Account(newId(prefix), crypto);
  acc.genesis(Date.now());
  const reg = await api(srv.url, 'POST', '/v1/accounts', { userId: acc.accountId, list: b64(acc.current.bytes) });
  expect(reg.status, JSON.stringify(reg.json)).toBe(201);
  const p = { acc, tokens: new Map<number, string>([[1, await tokenOf(acc.devices.get(1)!)]]) };
  for (let i = 1; i < n; i++) await link(p);
  return p;
}
async function link(p: Person): Promise<Device> {
  const d = p.acc.link(1, Date.now());
  const r = await api(srv.url, 'PUT', '/v1/devices', { list: b64(p.acc.current.bytes) }, p.tokens.get(1)!);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  p.tokens.set(d.deviceId, await tokenOf(d));
  return d;
}
async function conversation(a: Person, b: Person): Promise<string> {
  const r = await api<{ id: string }>(srv.url, 'POST', '/v1/conversations', { kind: 'direct', peerId: b.acc.accountId }, a.tokens.get(1)!);
  expect([200, 201]).toContain(r.status);
  return r.json.id;
}
const clientOf = (p: Person, deviceId: number) => new ApiClient({ baseUrl: srv.url, token: p.tokens.get(deviceId)!, validateResponses: userOperations });

/** D13.5 → the SDK's CopyEnvelope. */
function copyEnvelope(e: EnvelopeJson): CopyEnvelope {
  const bytes = (s: string | undefined) => fromBase64Url(s!);
  return {
    ciphertext: bytes(e.ciphertext), commitment: bytes(e.commitment), stamp: { ...e.stamp, tag: bytes(e.stamp.tag) },
    senderDeviceId: e.senderDeviceId!, copyKind: e.copyKind!, senderListVersion: e.senderListVersion!, senderListHash: bytes(e.senderListHash),
    targetAccountId: e.targetAccountId!, targetDeviceId: e.targetDeviceId!, targetListVersion: e.targetListVersion!, targetListHash: bytes(e.targetListHash),
  };
}

/**
 * alice's device 1 about to send to bob with the lists it pinned now; `delivery` is what an app passes deliverFanOut:
 * the relay through alice's ApiClient, the refresh through fetchVerifiedDeviceLists (proofs checked by the key log
 * client), the sessions of the fan-out world. `posts` records every body posted.
 */
async function sender(alice: Person, bob: Person, conv: string) {
  const world: World = { crypto, alice: alice.acc, bob: bob.acc, keyring: undefined as never };
  const a1 = alice.acc.devices.get(1)!;
  const kt = await ktClient(srv.url);
  const client = clientOf(alice, 1);
  const pins = new Map<string, PinnedDeviceList>([[alice.acc.accountId, alice.acc.pin()], [bob.acc.accountId, bob.acc.pin()]]);
  const lists: Record<string, VerifiedDeviceList> = { [alice.acc.accountId]: alice.acc.current, [bob.acc.accountId]: bob.acc.current };
  const posts: Array<ReturnType<typeof fanOutRequestBody>> = [];
  const refreshed: Array<[string, number]> = [];
  const delivery: DeliverFanOutOptions<Sent> = {
    post: (body) => {
      posts.push(body);
      return client.sendCopies(body);
    },
    refresh: async (accountId, listVersion) => {
      refreshed.push([accountId, listVersion]);
      const r = await fetchVerifiedDeviceLists(client, kt, accountId, pins.get(accountId)!);
      pins.set(accountId, r.pinned);
      lists[accountId] = pinnedVerifiedList(r.pinned);
      return lists[accountId];
    },
    sessionFor: (t) => sessionsFrom(world, a1, lists)(t),
  };
  const send = (body: string): FanOutSend =>
    sendFanOut({ chain: new SenderChain(conv, alice.acc.accountId, 1), body: te.encode(body), frank: { randomBytes: a1.random }, own: lists[alice.acc.accountId]!, peer: lists[bob.acc.accountId]!, sessionFor: delivery.sessionFor });
  return { world, delivery, send, posts, refreshed };
}

describe('deliverFanOut: the SDK refreshes and resends on device_mismatch (D11.2 step 4)', () => {
  it('both accounts linked a device since the pin: one refusal, lists refreshed from the key log, the same message resent; every device opens it', async () => {
    const alice = await person('alice', 2);
    const bob = await person('bob', 2);
    const conv = await conversation(alice, bob);
    const s = await sender(alice, bob, conv);
    const first = s.send('hello, every device');
    expect(first.copies.map((c) => [c.accountId === bob.acc.accountId ? 'bob' : 'alice', c.deviceId])).toEqual([['bob', 1], ['bob', 2], ['alice', 2]]);
    await link(bob); // bob version 3 and alice version 3 on the server; alice's device 1 pinned both at version 2
    await link(alice);
    const seen: FanOutSend[] = [];
    const done = await deliverFanOut(first, { ...s.delivery, onSend: (x) => seen.push(x) });

    expect(done.refusals).toBe(1);
    expect(done.result.stamp.role).toBe('sender');
    expect(s.posts).toHaveLength(2);
    expect(s.refreshed.sort()).toEqual([[alice.acc.accountId, 3], [bob.acc.accountId, 3]].sort());
    expect(seen.map((x) => x.copies.length)).toEqual([3, 5]);
    // The same franked message: clientMessageId, c; the lists stated are the refreshed ones; every copy re-sealed.
    expect(new Set(s.posts.map((p) => `${p.clientMessageId}/${p.commitment}`)).size).toBe(1);
    expect(done.result.clientMessageId).toBe(toBase64Url(first.franked.header.clientMessageId));
    expect(s.posts[1]!.lists.map((l) => l.listVersion)).toEqual([3, 3]);
    expect(done.send.copies.map((c) => [c.accountId === bob.acc.accountId ? 'bob' : 'alice', c.deviceId])).toEqual([['bob', 1], ['bob', 2], ['bob', 3], ['alice', 2], ['alice', 3]]);
    for (const c of first.copies) expect(s.posts[1]!.copies.find((x) => x.accountId === c.accountId && x.deviceId === c.deviceId)!.ciphertext).not.toBe(toBase64Url(c.ciphertext));

    const pins = { [alice.acc.accountId]: alice.acc.pin(), [bob.acc.accountId]: bob.acc.pin() };
    for (const [p, ids] of [[bob, [1, 2, 3]], [alice, [2, 3]]] as const) {
      for (const id of ids) {
        const got = await clientOf(p, id).fetchMessages();
        expect(got).toHaveLength(1);
        const r = receiveOn(s.world, p.acc.devices.get(id)!, copyEnvelope(got[0]!), pins);
        expect(r.status).toBe('accepted');
        if (r.status === 'accepted') expect(new TextDecoder().decode(r.message.body)).toBe('hello, every device');
      }
    }
  });

  it('no refusal: one request, nothing refreshed', async () => {
    const alice = await person('alice', 1);
    const bob = await person('bob', 2);
    const s = await sender(alice, bob, await conversation(alice, bob));
    const done = await deliverFanOut(s.send('first try'), s.delivery);
    expect([done.refusals, s.posts.length, s.refreshed.length]).toEqual([0, 1, 0]);
  });

  it('lists that keep changing: the third refusal is devices_unsettled after three requests; nothing was stored', async () => {
    const alice = await person('alice', 1);
    const bob = await person('bob', 1);
    const s = await sender(alice, bob, await conversation(alice, bob));
    await link(bob);
    // Each refresh is overtaken by another link before the resend reaches the relay.
    const racing = { ...s.delivery, refresh: async (id: string, v: number) => { const l = await s.delivery.refresh(id, v); await link(bob); return l; } };
    const e = await deliverFanOut(s.send('never settles'), racing).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect((e as DeviceError).code).toBe('devices_unsettled');
    expect(s.posts).toHaveLength(3);
    expect(s.refreshed).toEqual([[bob.acc.accountId, 2], [bob.acc.accountId, 3]]); // no refresh after the third refusal
    for (const id of bob.acc.devices.keys()) expect(await clientOf(bob, id).fetchMessages()).toEqual([]);
  });

  it('a relay that names a list the key log does not prove (ghost_device): stopped after one request', async () => {
    const alice = await person('alice', 1);
    const bob = await person('bob', 2);
    const s = await sender(alice, bob, await conversation(alice, bob));
    await link(bob);
    // The operator's relay claims bob is at version 4 with a hash no list has; the verified chain reaches version 3.
    const lying = {
      ...s.delivery,
      post: async (body: ReturnType<typeof fanOutRequestBody>) => {
        try {
          return await s.delivery.post(body);
        } catch (x) {
          if (!ApiError.is(x, 'device_mismatch')) throw x;
          const problem = { ...x.problem!, accounts: [{ accountId: bob.acc.accountId, listVersion: 4, listHash: b64(new Uint8Array(32).fill(7)), missing: [9], extra: [], stale: true }] };
          throw new ApiError(problem as never, problem as never);
        }
      },
    };
    const e = await deliverFanOut(s.send('to a ghost'), lying).catch((x: unknown) => x);
    expect((e as DeviceError).code).toBe('ghost_device');
    expect(s.posts).toHaveLength(1);
  });

  it('any other refusal ends the delivery as it is (no refresh, no resend)', async () => {
    const alice = await person('alice', 1);
    const bob = await person('bob', 1);
    const carol = await person('carol', 1);
    const s = await sender(alice, bob, await conversation(bob, carol)); // alice is not a member of bob and carol's conversation
    const e = await deliverFanOut(s.send('not mine'), s.delivery).catch((x: unknown) => x);
    expect(ApiError.is(e, 'not_a_member')).toBe(true);
    expect([s.posts.length, s.refreshed.length]).toEqual([1, 0]);
  });
});
