// The single-device send body (`envelopes`) beside the per-device one (docs/PROTOCOL-devices.md D17.3): between two
// accounts with a logged device list only copies pass (D11) — the single-device body is refused with 400
// validation_failed and nothing of it is stored, stamped or kept for idempotency — while toward an account without a
// list every sender may use it (that client reads nothing else, D17.2), and an account without a list (a legacy
// client, D17.1–D17.2) keeps sending it: it reaches device 1 of the recipient account only, also of an account with a
// list; when that list no longer has device 1 the send is refused with 409 device_mismatch naming the current list,
// which the legacy account then answers with copies. SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DevicePerson, devicePerson } from './_device-report.ts';
import { Account as ListChain, type Keys } from './_devices.ts';
import { api, type ApiResult, b64, createUser, isProblem, startTestServer, type TestServer, type TestUser } from './_harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

const code = (r: ApiResult) => (r.json as { code?: string }).code;
const send = (body: unknown, token: string) => api<{ messageId: string; stamp: { tag: string } }>(srv.url, 'POST', '/v1/messages', body, token);
type Env = { id: string; stamp: { messageId: string; role: string; recipientId: string }; targetDeviceId?: number };
const fetchAs = async (token: string): Promise<Env[]> => {
  const r = await api<{ envelopes: Env[] }>(srv.url, 'GET', '/v1/messages', undefined, token);
  expect(r.status).toBe(200);
  return r.json.envelopes;
};
async function conversation(token: string, peerId: string): Promise<string> {
  const r = await api<{ id: string }>(srv.url, 'POST', '/v1/conversations', { kind: 'direct', peerId }, token);
  expect([200, 201], JSON.stringify(r.json)).toContain(r.status);
  return r.json.id;
}
const single = (conversationId: string, recipientId: string, clientMessageId?: string) => ({
  conversationId, commitment: b64(randomBytes(32)), ...(clientMessageId ? { clientMessageId } : {}),
  envelopes: [{ recipientId, ciphertext: b64(randomBytes(24)) }],
});
const listOf = (p: DevicePerson) => ({ accountId: p.acc.accountId, listVersion: p.acc.current.signed.list.listVersion, listHash: b64(p.acc.current.listHash) });
const LEGACY_LIST = (accountId: string) => ({ accountId, listVersion: 0, listHash: b64(new Uint8Array(32)) });
const ids = (p: DevicePerson) => [...p.acc.devices.keys()].sort((a, b) => a - b);
/** What the relay wrote for a message: envelope rows, send receipts (idempotency) and undelivered records. */
async function stored(senderId: string, clientMessageId?: string) {
  const db = srv.services.db;
  return {
    envelopes: await db.envelope.count({ where: { senderId } }),
    receipts: clientMessageId ? await db.sendReceipt.count({ where: { senderId, clientMessageId } }) : 0,
    undelivered: await db.undeliveredRecord.count({ where: { senderId } }),
  };
}

describe('a sender with a device list (D17.3, D11)', () => {
  it('writing to an account with a list is refused the single-device body with 400 validation_failed: no envelope, no stamp, no idempotency record; its copies are accepted', async () => {
    const alice = await devicePerson(srv.url, 'mig', 2);
    const bob = await devicePerson(srv.url, 'migb', 1);
    const conv = await conversation(alice.tokens.get(1)!, bob.acc.accountId);
    const cmid = b64(randomBytes(16));
    const stamp = vi.spyOn(srv.services.stamping, 'stamp');
    try {
      for (const device of [1, 2]) {
        const r = await send(single(conv, bob.acc.accountId, cmid), alice.tokens.get(device)!);
        expect([r.status, code(r)], JSON.stringify(r.json)).toEqual([400, 'validation_failed']);
        expect(isProblem(r)).toBe(true);
        expect((r.json as { detail?: string }).detail).toMatch(/device list.*one copy per device/);
      }
      expect(stamp).not.toHaveBeenCalled();
    } finally {
      stamp.mockRestore();
    }
    expect(await stored(alice.acc.accountId, cmid)).toEqual({ envelopes: 0, receipts: 0, undelivered: 0 });
    expect(await fetchAs(bob.tokens.get(1)!)).toEqual([]);
    // The same clientMessageId is free: the refusal kept nothing, so the copies are a new message (not client_message_id_reused).
    const copies = {
      conversationId: conv, commitment: b64(randomBytes(32)), clientMessageId: cmid, lists: [listOf(alice), listOf(bob)],
      copies: [{ accountId: bob.acc.accountId, deviceId: 1, ciphertext: b64(randomBytes(24)) }, { accountId: alice.acc.accountId, deviceId: 2, ciphertext: b64(randomBytes(24)) }],
    };
    const ok = await send(copies, alice.tokens.get(1)!);
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
    expect((await fetchAs(bob.tokens.get(1)!)).map((e) => [e.stamp.messageId, e.targetDeviceId])).toEqual([[ok.json.messageId, 1]]);
    expect((await fetchAs(alice.tokens.get(2)!)).map((e) => [e.stamp.messageId, e.stamp.role])).toEqual([[ok.json.messageId, 'sender']]);
  });

  it('to an account without a list it is accepted (the client of that account reads nothing else, D17.2) and reaches its one device', async () => {
    const carl = await devicePerson(srv.url, 'migc', 1);
    const old = await createUser(srv.url);
    const conv = await conversation(carl.tokens.get(1)!, old.id);
    const r = await send(single(conv, old.id), carl.tokens.get(1)!);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const got = await fetchAs(old.token);
    expect(got.map((e) => [e.stamp.messageId, e.targetDeviceId])).toEqual([[r.json.messageId, undefined]]);
  });

  it('a retry of a single-device send accepted before the account\'s genesis is answered as before (D13.3 step 4); a new one is refused', async () => {
    const dora = await createUser(srv.url);
    const peer = await createUser(srv.url);
    const conv = await conversation(dora.token, peer.id);
    const cmid = b64(randomBytes(16));
    const body = single(conv, peer.id, cmid);
    const first = await send(body, dora.token);
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    // Both migrate: from now on only copies pass between them.
    await migrate(dora);
    await migrate(peer);
    const again = await send(body, dora.token);
    expect(again.status, JSON.stringify(again.json)).toBe(201);
    expect([again.json.messageId, again.json.stamp.tag]).toEqual([first.json.messageId, first.json.stamp.tag]);
    const fresh = await send(single(conv, peer.id, b64(randomBytes(16))), dora.token);
    expect([fresh.status, code(fresh)]).toEqual([400, 'validation_failed']);
    expect(await stored(dora.id)).toMatchObject({ envelopes: 1 });
  });
});

/** D17.1: a legacy account signs its genesis with its own identity keys (device 1) and keeps its token. */
async function migrate(u: TestUser): Promise<void> {
  const k: Keys = { seed: u.signingSecret, dh: u.dhKey, entry: (id) => ({ deviceId: id, identitySigningKey: u.signingKey, identityDhKey: u.dhKey, credentialKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()), linkedAt: 1 }) };
  const chain = new ListChain(u.id);
  const genesis = chain.next({ devices: [k.entry(1)], nextDeviceId: 2 }, { id: 1, key: k });
  const r = await api(srv.url, 'PUT', '/v1/devices', { list: b64(genesis) }, u.token);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
}

describe('a sender without a device list (D17.1, D17.2)', () => {
  it('keeps the single-device body; to an account with a list it reaches device 1 only, in the single-device shape', async () => {
    const old = await createUser(srv.url);
    const bob = await devicePerson(srv.url, 'tgt', 3);
    const conv = await conversation(old.token, bob.acc.accountId);
    const r = await send(single(conv, bob.acc.accountId, b64(randomBytes(16))), old.token);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const on1 = await fetchAs(bob.tokens.get(1)!);
    expect(on1.map((e) => [e.stamp.messageId, e.stamp.role, e.stamp.recipientId])).toEqual([[r.json.messageId, 'recipient', bob.acc.accountId]]);
    expect(Object.keys(on1[0]!).sort()).toEqual(['ciphertext', 'commitment', 'id', 'stamp']);
    expect(await fetchAs(bob.tokens.get(2)!)).toEqual([]);
    expect(await fetchAs(bob.tokens.get(3)!)).toEqual([]);
    // A legacy peer of a legacy account: unchanged.
    const other = await createUser(srv.url);
    const conv2 = await conversation(old.token, other.id);
    const r2 = await send(single(conv2, other.id), old.token);
    expect(r2.status).toBe(201);
    expect((await fetchAs(other.token)).map((e) => e.stamp.messageId)).toEqual([r2.json.messageId]);
  });

  it('to an account whose list no longer has device 1: 409 device_mismatch naming the current list, nothing stored; its copies to the listed devices are accepted', async () => {
    const old = await createUser(srv.url);
    const bob = await devicePerson(srv.url, 'gone', 3);
    const conv = await conversation(old.token, bob.acc.accountId);
    bob.acc.remove(2, [1], Date.now());
    expect((await api(srv.url, 'PUT', '/v1/devices', { list: b64(bob.acc.current.bytes) }, bob.tokens.get(2)!)).status).toBe(201);
    const cmid = b64(randomBytes(16));
    const r = await send(single(conv, bob.acc.accountId, cmid), old.token);
    expect([r.status, code(r)], JSON.stringify(r.json)).toEqual([409, 'device_mismatch']);
    expect((r.json as unknown as { accounts: unknown[] }).accounts).toEqual([
      { accountId: bob.acc.accountId, listVersion: listOf(bob).listVersion, listHash: listOf(bob).listHash, missing: ids(bob), extra: [1], stale: true },
    ]);
    expect(await stored(old.id, cmid)).toEqual({ envelopes: 0, receipts: 0, undelivered: 0 });
    // The legacy account answers with copies (its own list stated as version 0, D11.1), keeping the clientMessageId.
    const copies = {
      conversationId: conv, commitment: b64(randomBytes(32)), clientMessageId: cmid, lists: [LEGACY_LIST(old.id), listOf(bob)],
      copies: ids(bob).map((deviceId) => ({ accountId: bob.acc.accountId, deviceId, ciphertext: b64(randomBytes(24)) })),
    };
    const ok = await send(copies, old.token);
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
    for (const d of ids(bob)) expect((await fetchAs(bob.tokens.get(d)!)).map((e) => [e.stamp.messageId, e.targetDeviceId])).toEqual([[ok.json.messageId, d]]);
  });

  it('a non-member learns nothing from it: not_a_member, as for any account', async () => {
    const old = await createUser(srv.url);
    const stranger = await createUser(srv.url);
    const bob = await devicePerson(srv.url, 'gonen', 2);
    const conv = await conversation(old.token, bob.acc.accountId);
    bob.acc.remove(2, [1], Date.now());
    expect((await api(srv.url, 'PUT', '/v1/devices', { list: b64(bob.acc.current.bytes) }, bob.tokens.get(2)!)).status).toBe(201);
    const r = await send(single(conv, bob.acc.accountId), stranger.token);
    expect([r.status, code(r)]).toEqual([403, 'not_a_member']);
    // A member naming a recipient outside the conversation is told not_a_member too, not the recipient's list.
    const other = await devicePerson(srv.url, 'gonex', 2);
    other.acc.remove(2, [1], Date.now());
    expect((await api(srv.url, 'PUT', '/v1/devices', { list: b64(other.acc.current.bytes) }, other.tokens.get(2)!)).status).toBe(201);
    const r2 = await send(single(conv, other.acc.accountId), old.token);
    expect([r2.status, code(r2)]).toEqual([403, 'not_a_member']);
    expect(await stored(stranger.id)).toEqual({ envelopes: 0, receipts: 0, undelivered: 0 });
  });
});
