// The relay with devices on a real server and database (docs/PROTOCOL-devices.md D12.1, D12.2, D13): a fan-out send
// is checked against the current logged lists of both accounts in D13.3's order and refused with D13.4's
// device_mismatch (nothing stored, nothing stamped); an accepted one gets one recipient stamp for the peer account
// and one sender stamp, stored per target device; fetch, ack and push are per device; a removed device gets nothing;
// the SDK's sendFanOut → planDeviceMismatch → resend round trip reaches every device's receiveCopy; a report from
// another device of the recipient verifies. SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { applyDeviceMismatchPlan, type CopyEnvelope, fanOutRequestBody, type FanOutSend, planDeviceMismatch, sendFanOut, type DeviceMismatchAccount } from '../../client/devices/index.ts';
import { reportItemToJson, SenderChain } from '../../client/franking/index.ts';
import { nobleCryptoProvider } from '../../client/crypto/noble.ts';
import { fromBase64Url, toBase64Url } from '../../client/index.ts';
import { ApiClient, type EnvelopeJson } from '../../client/transport/api.ts';
import { ApiError } from '../../client/transport/api-error.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
// eslint-disable-next-line no-restricted-imports -- test/client's own fan-out world (not an SDK internal): the same devices, lists and sessions as the fan-out suites
import { Account, type Device, receiveOn, sessionsFrom, type World } from '../client/_fanout-world.ts';
import { deviceLogin, type Keys, newId } from './_devices.ts';
import { api, type ApiResult, b64, createUser, isProblem, startTestServer, type TestServer } from './_harness.ts';

const crypto = nobleCryptoProvider;
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

const code = (r: ApiResult) => (r.json as { code?: string }).code;
const te = new TextEncoder();

/** Signs a device in (D8.2) with its identity signing key. */
async function tokenOf(d: Device): Promise<string> {
  const r = await deviceLogin(srv.url, d.accountId, d.deviceId, { seed: d.identity.signingPrivateKey } as Keys);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.token as string;
}

/** A registered account with `n` devices (genesis, then n − 1 links by device 1), every list logged by the server. */
interface Person { acc: Account; tokens: Map<number, string> }
async function person(prefix: string, n: number): Promise<Person> {
  const acc = new Account(newId(prefix), crypto);
  const now = Date.now();
  acc.genesis(now);
  const reg = await api(srv.url, 'POST', '/v1/accounts', { userId: acc.accountId, list: b64(acc.current.bytes) });
  expect(reg.status, JSON.stringify(reg.json)).toBe(201);
  const tokens = new Map<number, string>([[1, await tokenOf(acc.devices.get(1)!)]]);
  for (let i = 1; i < n; i++) await link(acc, tokens);
  return { acc, tokens };
}
async function putList(acc: Account, token: string): Promise<void> {
  const r = await api(srv.url, 'PUT', '/v1/devices', { list: b64(acc.current.bytes) }, token);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
}
async function link(acc: Account, tokens: Map<number, string>): Promise<Device> {
  const d = acc.link(1, Date.now());
  await putList(acc, tokens.get(1)!);
  tokens.set(d.deviceId, await tokenOf(d));
  return d;
}
async function conversation(a: Person, b: Person): Promise<string> {
  const r = await api<{ id: string }>(srv.url, 'POST', '/v1/conversations', { kind: 'direct', peerId: b.acc.accountId }, a.tokens.get(1)!);
  expect([200, 201]).toContain(r.status);
  return r.json.id;
}
const listOf = (acc: Account) => ({ accountId: acc.accountId, listVersion: acc.current.signed.list.listVersion, listHash: b64(acc.current.listHash) });
/** A raw D13.2 body: the relay never opens a copy, so opaque bytes stand in for sealed ones here. */
function rawBody(conversationId: string, from: Person, to: Person, targets: Array<[Account, number]>, opts: { lists?: unknown[]; clientMessageId?: string } = {}) {
  return {
    conversationId, commitment: b64(randomBytes(32)), clientMessageId: opts.clientMessageId ?? b64(randomBytes(16)),
    lists: opts.lists ?? [listOf(from.acc), listOf(to.acc)],
    copies: targets.map(([acc, deviceId]) => ({ accountId: acc.accountId, deviceId, ciphertext: b64(randomBytes(40)) })),
  };
}
const everyTarget = (from: Person, to: Person, senderDevice = 1): Array<[Account, number]> => [
  ...[...to.acc.devices.keys()].sort((x, y) => x - y).map((id) => [to.acc, id] as [Account, number]),
  ...[...from.acc.devices.keys()].filter((id) => id !== senderDevice).sort((x, y) => x - y).map((id) => [from.acc, id] as [Account, number]),
];
type Env = EnvelopeJson & { id: string; stamp: { role: string; recipientId: string; tag: string; messageId: string } };
const fetchAs = async (token: string): Promise<Env[]> => {
  const r = await api<{ envelopes: Env[] }>(srv.url, 'GET', '/v1/messages', undefined, token);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.envelopes;
};
const ack = async (token: string, ids: string[]) => (await api<{ deleted: number }>(srv.url, 'POST', '/v1/messages/ack', { ids }, token)).json.deleted;

describe('a fan-out send to accounts with 3 devices each (D13.1–D13.5)', () => {
  it('stores one copy per target device, each fetched only by its device; one recipient stamp for the account, one sender stamp', async () => {
    const alice = await person('alice', 3);
    const bob = await person('bob', 3);
    const conv = await conversation(alice, bob);
    const body = rawBody(conv, alice, bob, everyTarget(alice, bob));
    const sent = await api<{ messageId: string; stamp: { tag: string; role: string } }>(srv.url, 'POST', '/v1/messages', body, alice.tokens.get(1)!);
    expect(sent.status, JSON.stringify(sent.json)).toBe(201);
    expect(sent.json.stamp.role).toBe('sender');

    const recipientTags = new Set<string>();
    for (const id of [1, 2, 3]) {
      const got = await fetchAs(bob.tokens.get(id)!);
      expect(got).toHaveLength(1);
      const e = got[0]!;
      expect(e).toMatchObject({
        senderDeviceId: 1, copyKind: 'recipient', targetAccountId: bob.acc.accountId, targetDeviceId: id,
        senderListVersion: 3, senderListHash: b64(alice.acc.current.listHash), targetListVersion: 3, targetListHash: b64(bob.acc.current.listHash),
        commitment: body.commitment, stamp: { role: 'recipient', recipientId: bob.acc.accountId, messageId: sent.json.messageId },
      });
      expect(e.ciphertext).toBe(body.copies.find((c) => c.accountId === bob.acc.accountId && c.deviceId === id)!.ciphertext);
      recipientTags.add(e.stamp.tag);
    }
    expect(recipientTags.size).toBe(1); // D12.1: one stamp for the account, shared by its copies
    for (const id of [2, 3]) {
      const got = await fetchAs(alice.tokens.get(id)!);
      expect(got.map((e) => [e.copyKind, e.targetDeviceId, e.stamp.role, e.stamp.tag])).toEqual([['own', id, 'sender', sent.json.stamp.tag]]);
      expect(got[0]).toMatchObject({ targetListVersion: 3, targetListHash: b64(alice.acc.current.listHash) });
    }
    expect(await fetchAs(alice.tokens.get(1)!)).toEqual([]); // the sending device gets no copy

    // A copy cannot be fetched or acknowledged by another device of the same account.
    const forB1 = (await fetchAs(bob.tokens.get(1)!))[0]!;
    expect(await ack(bob.tokens.get(2)!, [forB1.id])).toBe(0);
    expect((await fetchAs(bob.tokens.get(1)!)).map((e) => e.id)).toEqual([forB1.id]);
    expect(await ack(bob.tokens.get(1)!, [forB1.id])).toBe(1);
    expect(await fetchAs(bob.tokens.get(1)!)).toEqual([]);
    expect(await fetchAs(bob.tokens.get(2)!)).toHaveLength(1);

    // Idempotent by clientMessageId: the same send again is the same message, nothing stored twice.
    const again = await api<{ messageId: string; stamp: { tag: string } }>(srv.url, 'POST', '/v1/messages', body, alice.tokens.get(1)!);
    expect([again.status, again.json.messageId, again.json.stamp.tag]).toEqual([201, sent.json.messageId, sent.json.stamp.tag]);
    expect(await fetchAs(bob.tokens.get(3)!)).toHaveLength(1);
    expect(await fetchAs(bob.tokens.get(1)!)).toEqual([]);
  });

  it('pushes each device its own copies only, on its own socket', async () => {
    const alice = await person('alice', 1);
    const bob = await person('bob', 2);
    const conv = await conversation(alice, bob);
    const open = async (token: string) => {
      const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/v1/stream`);
      const frames: Array<{ type: string; envelopes?: Env[] }> = [];
      ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'auth', token }));
      for (let i = 0; i < 300 && !frames.some((f) => f.type === 'ready'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(frames.some((f) => f.type === 'ready')).toBe(true);
      return { ws, envelopes: () => frames.flatMap((f) => f.envelopes ?? []) };
    };
    const b1 = await open(bob.tokens.get(1)!);
    const b2 = await open(bob.tokens.get(2)!);
    try {
      const r = await api(srv.url, 'POST', '/v1/messages', rawBody(conv, alice, bob, everyTarget(alice, bob)), alice.tokens.get(1)!);
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      for (let i = 0; i < 300 && (b1.envelopes().length === 0 || b2.envelopes().length === 0); i++) await new Promise((res) => setTimeout(res, 10));
      expect(b1.envelopes().map((e) => e.targetDeviceId)).toEqual([1]);
      expect(b2.envelopes().map((e) => e.targetDeviceId)).toEqual([2]);
      await new Promise((res) => setTimeout(res, 100));
      expect(b1.envelopes()).toHaveLength(1);
      expect(b2.envelopes()).toHaveLength(1);
    } finally {
      b1.ws.close();
      b2.ws.close();
    }
  });
});

describe('device_mismatch (D13.3 step 5, D13.4): nothing stored, nothing stamped', () => {
  it('names missing, extra (ghost) and stale per account with the current list, in lists order', async () => {
    const alice = await person('alice', 2);
    const bob = await person('bob', 3);
    const conv = await conversation(alice, bob);
    const bobList = listOf(bob.acc);
    const problem = (r: ApiResult) => {
      expect(r.status, JSON.stringify(r.json)).toBe(409);
      expect(isProblem(r)).toBe(true);
      expect(r.json).toMatchObject({ type: 'urn:franking-chat:problem:device_mismatch', title: 'The copies do not match the current device lists', status: 409, code: 'device_mismatch' });
      return (r.json as { accounts: DeviceMismatchAccount[] }).accounts;
    };
    const send = (b: unknown) => api(srv.url, 'POST', '/v1/messages', b, alice.tokens.get(1)!);

    // Missing bob device 3.
    const cmid = b64(randomBytes(16));
    const missing = rawBody(conv, alice, bob, everyTarget(alice, bob).filter(([a, d]) => !(a === bob.acc && d === 3)), { clientMessageId: cmid });
    expect(problem(await send(missing))).toEqual([{ ...bobList, missing: [3], extra: [], stale: false }]);
    // A ghost device 9 the list never had, and alice's own device 1 (the sender) named as a target.
    const ghost = rawBody(conv, alice, bob, [...everyTarget(alice, bob), [bob.acc, 9], [alice.acc, 1]], { clientMessageId: cmid });
    expect(problem(await send(ghost))).toEqual([{ ...listOf(alice.acc), missing: [], extra: [1], stale: false }, { ...bobList, missing: [], extra: [9], stale: false }]);
    // A stale statement of bob's list (version 2) with the right ids, and a wrong hash for alice's.
    const stale = rawBody(conv, alice, bob, everyTarget(alice, bob), {
      clientMessageId: cmid,
      lists: [{ ...listOf(alice.acc), listHash: b64(randomBytes(32)) }, { ...bobList, listVersion: 2, listHash: b64(bob.acc.versions[1]!.listHash) }],
    });
    expect(problem(await send(stale))).toEqual([{ ...listOf(alice.acc), missing: [], extra: [], stale: true }, { ...bobList, missing: [], extra: [], stale: true }]);
    for (const p of [alice, bob]) for (const t of p.tokens.values()) expect(await fetchAs(t)).toEqual([]);

    // A refusal is not remembered: the same clientMessageId with the right copies is accepted, once.
    const ok = await send(rawBody(conv, alice, bob, everyTarget(alice, bob), { clientMessageId: cmid }));
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
    expect(await fetchAs(bob.tokens.get(3)!)).toHaveLength(1);
  });

  it('a removed device: a send still naming it is refused (stale, extra); its queued copies and token are gone', async () => {
    const alice = await person('alice', 1);
    const bob = await person('bob', 3);
    const conv = await conversation(alice, bob);
    const before = rawBody(conv, alice, bob, everyTarget(alice, bob));
    expect((await api(srv.url, 'POST', '/v1/messages', before, alice.tokens.get(1)!)).status).toBe(201);
    const oldList = listOf(bob.acc);
    bob.acc.remove(1, [3], Date.now());
    await putList(bob.acc, bob.tokens.get(1)!);
    const r = await api(srv.url, 'POST', '/v1/messages', rawBody(conv, alice, bob, [[bob.acc, 1], [bob.acc, 2], [bob.acc, 3]], { lists: [listOf(alice.acc), oldList] }), alice.tokens.get(1)!);
    expect([r.status, (r.json as { accounts?: unknown }).accounts]).toEqual([409, [{ ...listOf(bob.acc), missing: [], extra: [3], stale: true }]]);
    const gone = await api(srv.url, 'GET', '/v1/messages', undefined, bob.tokens.get(3)!);
    expect([gone.status, code(gone)]).toEqual([401, 'invalid_token']);
    // D13.6: its undelivered copy went with it; the other devices keep theirs.
    const rows = await srv.services.relay.pending(bob.acc.accountId, 100, 3);
    expect(rows).toEqual([]);
    expect(await fetchAs(bob.tokens.get(2)!)).toHaveLength(1);
    const after = await api(srv.url, 'POST', '/v1/messages', rawBody(conv, alice, bob, everyTarget(alice, bob)), alice.tokens.get(1)!);
    expect(after.status).toBe(201);
    expect(await srv.services.relay.pending(bob.acc.accountId, 100, 3)).toEqual([]);
  });

  it('malformed bodies and wrong accounts are problem+json 400, never a 500', async () => {
    const alice = await person('alice', 2);
    const bob = await person('bob', 1);
    const carol = await person('carol', 1);
    const conv = await conversation(alice, bob);
    const good = rawBody(conv, alice, bob, everyTarget(alice, bob));
    const cases: Array<[string, unknown, string]> = [
      ['one list', { ...good, lists: [good.lists[0]] }, 'validation_failed'],
      ['the same account twice', { ...good, lists: [good.lists[0], good.lists[0]] }, 'validation_failed'],
      ['a duplicate copy', { ...good, copies: [good.copies[0], good.copies[0]] }, 'validation_failed'],
      ['device 0', { ...good, copies: [{ ...good.copies[0], deviceId: 0 }] }, 'validation_failed'],
      ['a copy for an account not in lists', { ...good, copies: [...good.copies, { accountId: carol.acc.accountId, deviceId: 1, ciphertext: b64(randomBytes(8)) }] }, 'validation_failed'],
      ['a short listHash', { ...good, lists: [{ ...listOf(alice.acc), listHash: b64(randomBytes(31)) }, good.lists[1]] }, 'validation_failed'],
      ['16 copies', { ...good, copies: Array.from({ length: 16 }, (_, i) => ({ accountId: bob.acc.accountId, deviceId: i + 1, ciphertext: 'AA' })) }, 'validation_failed'],
      ['envelopes and copies', { ...good, envelopes: [{ recipientId: bob.acc.accountId, ciphertext: 'AA' }] }, 'validation_failed'],
      ['no clientMessageId', { ...good, clientMessageId: undefined }, 'validation_failed'],
      ['lists naming a non-member', { ...good, lists: [good.lists[0], listOf(carol.acc)], copies: [{ accountId: carol.acc.accountId, deviceId: 1, ciphertext: 'AA' }] }, 'validation_failed'],
    ];
    for (const [what, body, expected] of cases) {
      const r = await api(srv.url, 'POST', '/v1/messages', body, alice.tokens.get(1)!);
      expect([what, r.status, code(r)]).toEqual([what, 400, expected]);
      expect(isProblem(r)).toBe(true);
    }
    // Not a member of the conversation at all: 403, before any list is compared.
    const r = await api(srv.url, 'POST', '/v1/messages', { ...good, lists: [listOf(carol.acc), good.lists[1]], copies: good.copies.filter((c) => c.accountId === bob.acc.accountId) }, carol.tokens.get(1)!);
    expect([r.status, code(r)]).toEqual([403, 'not_a_member']);
    for (const t of bob.tokens.values()) expect(await fetchAs(t)).toEqual([]);
  });

  it('the single-device body of an account without a list still works beside it (delivered to device 1, no device fields; D17.3)', async () => {
    const alice = await person('alice', 1);
    const bob = await person('bob', 2);
    const conv = await conversation(alice, bob);
    const old = await createUser(srv.url);
    const oldConv = (await api<{ id: string }>(srv.url, 'POST', '/v1/conversations', { kind: 'direct', peerId: bob.acc.accountId }, old.token)).json.id;
    const r = await api(srv.url, 'POST', '/v1/messages', { conversationId: oldConv, commitment: b64(randomBytes(32)), envelopes: [{ recipientId: bob.acc.accountId, ciphertext: b64(randomBytes(10)) }] }, old.token);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const got = await fetchAs(bob.tokens.get(1)!);
    expect(got).toHaveLength(1);
    expect(Object.keys(got[0]!).sort()).toEqual(['ciphertext', 'commitment', 'id', 'stamp']);
    expect(await fetchAs(bob.tokens.get(2)!)).toEqual([]);
    // Each body keeps its own limit (D13.2): copies of full-size ciphertexts pass where one envelope's 128 KiB would not.
    const big = rawBody(conv, alice, bob, everyTarget(alice, bob));
    for (const c of big.copies) c.ciphertext = b64(randomBytes(60 * 1024));
    const sentBig = await api(srv.url, 'POST', '/v1/messages', big, alice.tokens.get(1)!);
    expect(sentBig.status, JSON.stringify(sentBig.json)).toBe(201);
    expect((await fetchAs(bob.tokens.get(2)!)).map((e) => e.ciphertext)).toEqual([big.copies[1]!.ciphertext]);
  });
});

describe('blocks and undelivered records per sending device (D13.3 step 6, D10.3, D17.3)', () => {
  const records = (recipientId: string) => srv.services.db.undeliveredRecord.findMany({ where: { recipientId }, orderBy: { serverTime: 'asc' } });

  it('a peer that blocked the sender gets no copy, the sender\'s own devices do; the refusal is recorded with the sending device', async () => {
    const alice = await person('alice', 2);
    const bob = await person('bob', 2);
    const conv = await conversation(alice, bob);
    expect((await api(srv.url, 'PUT', `/v1/blocks/${alice.acc.accountId}`, undefined, bob.tokens.get(1)!)).status).toBe(200);
    const r = await api<{ messageId: string }>(srv.url, 'POST', '/v1/messages', rawBody(conv, alice, bob, everyTarget(alice, bob, 2)), alice.tokens.get(2)!);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    for (const id of [1, 2]) expect(await fetchAs(bob.tokens.get(id)!)).toEqual([]);
    const own = await fetchAs(alice.tokens.get(1)!);
    expect(own.map((e) => [e.stamp.messageId, e.copyKind, e.senderDeviceId])).toEqual([[r.json.messageId, 'own', 2]]);
    const rows = await records(bob.acc.accountId);
    expect(rows.map((x) => [x.messageId, x.senderId, Number(x.senderDeviceId), x.reason])).toEqual([[r.json.messageId, alice.acc.accountId, 2, 'blocked']]);
    // The single-device body (an account without a list, D17.3) carries a version 1/2 header: device 1's chain (D17.4).
    const old = await createUser(srv.url);
    const oldConv = (await api<{ id: string }>(srv.url, 'POST', '/v1/conversations', { kind: 'direct', peerId: bob.acc.accountId }, old.token)).json.id;
    expect((await api(srv.url, 'PUT', `/v1/blocks/${old.id}`, undefined, bob.tokens.get(2)!)).status).toBe(200);
    const legacy = await api<{ messageId: string }>(srv.url, 'POST', '/v1/messages', { conversationId: oldConv, commitment: b64(randomBytes(32)), envelopes: [{ recipientId: bob.acc.accountId, ciphertext: b64(randomBytes(10)) }] }, old.token);
    expect(legacy.status).toBe(201);
    expect((await records(bob.acc.accountId)).map((x) => [x.messageId, x.senderId, Number(x.senderDeviceId)])).toEqual([[r.json.messageId, alice.acc.accountId, 2], [legacy.json.messageId, old.id, 1]]);
  });

  it('a copy that expires undelivered is recorded with its sending device', async () => {
    const alice = await person('alice', 2);
    const bob = await person('bob', 1);
    const conv = await conversation(alice, bob);
    const r = await api<{ messageId: string }>(srv.url, 'POST', '/v1/messages', rawBody(conv, alice, bob, everyTarget(alice, bob, 2)), alice.tokens.get(2)!);
    expect(r.status).toBe(201);
    await srv.services.db.envelope.updateMany({ where: { messageId: r.json.messageId, recipientId: bob.acc.accountId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await srv.services.undelivered.recordExpired(new Date())).toBeGreaterThanOrEqual(1);
    expect((await records(bob.acc.accountId)).map((x) => [x.messageId, Number(x.senderDeviceId), x.reason])).toEqual([[r.json.messageId, 2, 'expired']]);
  });

  it('an expired copy records the message only when no device of the account collected its copy (D10.3)', async () => {
    const alice = await person('alice', 1);
    const bob = await person('bob', 3);
    const conv = await conversation(alice, bob);
    const sendOne = async () => {
      const r = await api<{ messageId: string }>(srv.url, 'POST', '/v1/messages', rawBody(conv, alice, bob, everyTarget(alice, bob)), alice.tokens.get(1)!);
      expect(r.status).toBe(201);
      return r.json.messageId;
    };
    const collected = await sendOne(); // bob's device 2 collects its copy; devices 1 and 3 never do
    const nobody = await sendOne(); // no device collects
    const removedOnly = await sendOne(); // only device 3 "collects" — by being removed, which deletes its copy unread
    const own = (await fetchAs(bob.tokens.get(2)!)).filter((e) => e.stamp.messageId === collected);
    expect(await ack(bob.tokens.get(2)!, own.map((e) => e.id))).toBe(1);
    bob.acc.remove(1, [3], Date.now());
    await putList(bob.acc, bob.tokens.get(1)!);
    await srv.services.db.envelope.updateMany({ where: { recipientId: bob.acc.accountId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await srv.services.undelivered.recordExpired(new Date());
    expect((await records(bob.acc.accountId)).map((x) => x.messageId).sort()).toEqual([nobody, removedOnly].sort());
  });

  it('a gap is explained only by the records of its own device chain', async () => {
    const alice = await person('alice', 2);
    const bob = await person('bob', 1);
    const conv = await conversation(alice, bob);
    const t = Date.now();
    // Two chains of alice at once (D10.2): device 1 and device 2 each sent seq 1..3; seq 2 of each is missing from the
    // report. Only device 2's seq 2 was refused (bob had blocked alice); device 1's was received and left out.
    const entry = (deviceId: number, seq: number, at: number) => ({
      stamp: { conversationId: conv, senderId: alice.acc.accountId, serverTime: at, messageId: `m-${deviceId}-${seq}-${randomBytes(4).toString('hex')}` },
      header: { version: 3, conversationId: conv, senderId: alice.acc.accountId, senderDeviceId: deviceId, seq },
      commitment: new Uint8Array(32),
    });
    const verified = [entry(1, 1, t), entry(1, 3, t + 30), entry(2, 1, t + 1), entry(2, 3, t + 31)];
    await srv.services.undelivered.refused({ messageId: `refused-${randomBytes(4).toString('hex')}`, conversationId: conv, senderId: alice.acc.accountId, senderDeviceId: 2, serverTime: t + 15, recipientIds: [bob.acc.accountId] });
    const chain = (deviceId: number) => ({ conversationId: conv, senderId: alice.acc.accountId, senderDeviceId: deviceId, firstSeq: 1, lastSeq: 3, present: [1, 3], protocol: [], missing: [2], chainIntact: false, complete: false, issues: [] });
    const context = { senders: [chain(1), chain(2)], complete: false } as unknown as Parameters<typeof srv.services.undelivered.explainGaps>[1];
    const gaps = await srv.services.undelivered.explainGaps(bob.acc.accountId, context, verified as unknown as Parameters<typeof srv.services.undelivered.explainGaps>[2]);
    expect(gaps.map((g) => [g.senderDeviceId, g.refusedWhileBlocked, g.notIncluded])).toEqual([[1, 0, 1], [2, 1, 0]]);
  });
});

/** D13.5 → the SDK's CopyEnvelope. */
function copyEnvelope(e: EnvelopeJson): CopyEnvelope {
  const bytes = (s: string | undefined) => fromBase64Url(s!);
  return {
    ciphertext: bytes(e.ciphertext), commitment: bytes(e.commitment),
    stamp: { ...e.stamp, tag: bytes(e.stamp.tag) },
    senderDeviceId: e.senderDeviceId!, copyKind: e.copyKind!, senderListVersion: e.senderListVersion!, senderListHash: bytes(e.senderListHash),
    targetAccountId: e.targetAccountId!, targetDeviceId: e.targetDeviceId!, targetListVersion: e.targetListVersion!, targetListHash: bytes(e.targetListHash),
  };
}

describe('the SDK round trip through the relay (D11.2 step 4, D11.3, D12.1, D12.2)', () => {
  it('sendFanOut with a stale view → device_mismatch → planDeviceMismatch → resend with the same clientMessageId → 201; every device opens its copy; a report from another device verifies', async () => {
    const alice = await person('alice', 2);
    const bob = await person('bob', 2);
    const conv = await conversation(alice, bob);
    const world: World = { crypto, alice: alice.acc, bob: bob.acc, keyring: undefined as never };
    // alice's device 1 pins bob at version 2; bob then links device 3 — the server's list is at version 3.
    const pinnedBob = bob.acc.current;
    await link(bob.acc, bob.tokens);
    const a1 = alice.acc.devices.get(1)!;
    const chain = new SenderChain(conv, alice.acc.accountId, 1);
    const lists = { [alice.acc.accountId]: alice.acc.current, [bob.acc.accountId]: pinnedBob };
    let send: FanOutSend = sendFanOut({ chain, body: te.encode('hello, all of bob'), frank: { randomBytes: a1.random }, own: alice.acc.current, peer: pinnedBob, sessionFor: sessionsFrom(world, a1, lists) });
    expect(send.copies.map((c) => [c.accountId === bob.acc.accountId ? 'bob' : 'alice', c.deviceId])).toEqual([['bob', 1], ['bob', 2], ['alice', 2]]);

    const client = new ApiClient({ baseUrl: srv.url, token: alice.tokens.get(1)!, validateResponses: userOperations });
    const refused = await client.sendCopies(fanOutRequestBody(send)).catch((e: unknown) => e);
    expect(ApiError.is(refused, 'device_mismatch')).toBe(true);
    const answer = ((refused as ApiError).problem as { accounts: DeviceMismatchAccount[] }).accounts;
    expect(answer).toEqual([{ ...listOf(bob.acc), missing: [3], extra: [], stale: true }]);
    // The SDK refreshes and verifies bob's list (here: the chain it already verified) and plans the resend.
    const plan = planDeviceMismatch(send, answer, { [bob.acc.accountId]: bob.acc.current }, 1);
    expect(plan.add.map((t) => t.deviceId)).toEqual([3]);
    send = applyDeviceMismatchPlan(send, plan, sessionsFrom(world, a1, { ...lists, [bob.acc.accountId]: bob.acc.current }));
    const body = fanOutRequestBody(send);
    const sent = await client.sendCopies(body);
    expect(sent.clientMessageId).toBe(toBase64Url(send.franked.header.clientMessageId));
    expect(sent.stamp.role).toBe('sender');

    const pins = { [alice.acc.accountId]: alice.acc.pin(), [bob.acc.accountId]: bob.acc.pin() };
    const opened = new Map<number, ReturnType<typeof receiveOn>>();
    const delivered = new Map<number, CopyEnvelope>();
    for (const id of [1, 2, 3]) {
      const dev = new ApiClient({ baseUrl: srv.url, token: bob.tokens.get(id)!, validateResponses: userOperations });
      const got = await dev.fetchMessages();
      expect(got).toHaveLength(1);
      const r = receiveOn(world, bob.acc.devices.get(id)!, copyEnvelope(got[0]!), pins);
      expect(r.status).toBe('accepted');
      if (r.status !== 'accepted') continue;
      expect(new TextDecoder().decode(r.message.body)).toBe('hello, all of bob');
      expect(r.deliveredToDeviceId).toBe(id);
      opened.set(id, r);
      delivered.set(id, copyEnvelope(got[0]!));
      expect(await dev.ack([got[0]!.id])).toBe(1);
    }
    const a2 = new ApiClient({ baseUrl: srv.url, token: alice.tokens.get(2)!, validateResponses: userOperations });
    const own = await a2.fetchMessages();
    const ownReceipt = receiveOn(world, alice.acc.devices.get(2)!, copyEnvelope(own[0]!), pins);
    expect([ownReceipt.status, ownReceipt.status === 'accepted' && ownReceipt.copyKind]).toEqual(['accepted', 'own']);

    // D12.1/D12.2: the message delivered to bob's device 1 is reported from his device 2 — one stamp per account.
    const r1 = opened.get(1)!;
    if (r1.status !== 'accepted') throw new Error('not accepted');
    expect(new Set([1, 2, 3].map((id) => b64(delivered.get(id)!.stamp.tag))).size).toBe(1);
    const stamp = delivered.get(1)!.stamp;
    const item = { ...reportItemToJson({ stamp, commitment: r1.message.commitment, fk: r1.message.fk, header: r1.message.headerBytes, body: r1.message.body }), deliveredToDeviceId: 1 };
    const rep = await api<{ id: string; items: Array<{ verdict: string; deliveredToDeviceId?: number }>; reportedFromDeviceId?: number }>(
      srv.url, 'POST', '/v1/reports', { category: 'spam', reported: item, context: [] }, bob.tokens.get(2)!,
    );
    expect(rep.status, JSON.stringify(rep.json)).toBe(201);
    expect(rep.json.items[0]!.verdict).toBe('verified');
    // D12.2: the server records the device the report came from (the token's), beside the device the app states.
    expect([rep.json.reportedFromDeviceId, rep.json.items[0]!.deliveredToDeviceId]).toEqual([2, 1]);
    // D12.3: the moderator sees the sending device from the verified header with when it was linked.
    const mod = await srv.services.moderation.detail(rep.json.id);
    expect(mod.report.reportedFromDeviceId).toBe(2);
    const records = await srv.services.devices.records(alice.acc.accountId);
    expect(mod.messages[0]).toMatchObject({
      senderId: alice.acc.accountId, deliveredToDeviceId: 1,
      senderDevice: { deviceId: 1, linkedAt: records.find((x) => x.deviceId === 1)!.acceptedAt.toISOString(), removedAt: null },
    });
  });
});
