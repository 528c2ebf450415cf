// What belongs to the account, not the device (docs/PROTOCOL-devices.md D1, D8.2, D13.1, D13.6): suspension and ban
// end every device's tokens and push sockets; rate limits, the undelivered-bytes quota and the attachment quota are
// counted per account, so a second device does not double them; removing device 1 takes the single-device envelopes
// only it could receive (D17.3). SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBlobServer, uploadBlob } from '../attachments/_server.ts';
import { cheapPasswordHashing, createStaff, modApi, type Staff } from '../moderation/_mod.ts';
import { type DevicePerson, devicePerson } from './_device-report.ts';
import { deviceLogin, type Keys } from './_devices.ts';
import { api, type ApiResult, b64, createUser, isProblem, type TestServer } from './_harness.ts';

cheapPasswordHashing();
const code = (r: ApiResult) => (r.json as { code?: string }).code;
const KiB = 1024;

let srv: TestServer;
let mod: Staff;
beforeAll(async () => {
  srv = await startBlobServer({ quotaBytes: 64 * KiB }, { rateLimits: { auth: 100_000, send: 6, report: 1, windowMs: 60_000 }, envelopeQuotaBytes: 48 * KiB });
  mod = await createStaff(srv, 'devacct', 'moderator');
});
afterAll(async () => srv?.stop());

const conversation = async (a: DevicePerson, b: DevicePerson) => {
  const r = await api<{ id: string }>(srv.url, 'POST', '/v1/conversations', { kind: 'direct', peerId: b.acc.accountId }, a.tokens.get(1)!);
  expect([200, 201]).toContain(r.status);
  return r.json.id;
};
const listOf = (p: DevicePerson) => ({ accountId: p.acc.accountId, listVersion: p.acc.current.signed.list.listVersion, listHash: b64(p.acc.current.listHash) });
/** A D13.2 body from `device` of `from` to every other device of both accounts, each copy `size` opaque bytes. */
function fanOut(conv: string, from: DevicePerson, to: DevicePerson, device: number, size = 16) {
  const targets: Array<[DevicePerson, number]> = [
    ...[...to.acc.devices.keys()].map((id) => [to, id] as [DevicePerson, number]),
    ...[...from.acc.devices.keys()].filter((id) => id !== device).map((id) => [from, id] as [DevicePerson, number]),
  ];
  return {
    conversationId: conv, commitment: b64(randomBytes(32)), clientMessageId: b64(randomBytes(16)), lists: [listOf(from), listOf(to)],
    copies: targets.map(([p, deviceId]) => ({ accountId: p.acc.accountId, deviceId, ciphertext: b64(randomBytes(size)) })),
  };
}
const send = (body: unknown, token: string) => api(srv.url, 'POST', '/v1/messages', body, token);

async function openSocket(token: string) {
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/v1/stream`);
  const frames: Array<{ type: string; code?: string }> = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (c, r) => resolve({ code: c, reason: r.toString() })));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'auth', token }));
  for (let i = 0; i < 300 && !frames.some((f) => f.type === 'ready'); i++) await new Promise((r) => setTimeout(r, 10));
  expect(frames.some((f) => f.type === 'ready')).toBe(true);
  return { ws, closed };
}

describe('suspension and ban act on every device (D8.2, D13.6)', () => {
  it('a suspension closes every device\'s socket (4403) and ends every device\'s session and sign-in; a ban likewise', async () => {
    const alice = await devicePerson(srv.url, 'susp', 3);
    const sockets = await Promise.all([1, 2, 3].map((id) => openSocket(alice.tokens.get(id)!)));
    const suspended = await modApi(srv.url, mod, 'POST', `/v1/mod/accounts/${alice.acc.accountId}/status`, { status: 'suspended', reason: 'test' });
    expect(suspended.status, JSON.stringify(suspended.json)).toBe(200);
    for (const s of sockets) expect(await s.closed).toEqual({ code: 4403, reason: 'account_suspended' });
    // A suspension ends the account's sessions, every device's (API.md "Authentication").
    expect(await srv.services.db.session.count({ where: { accountId: alice.acc.accountId } })).toBe(0);
    for (const id of [1, 2, 3]) {
      const r = await api(srv.url, 'GET', '/v1/me/notices', undefined, alice.tokens.get(id)!);
      expect([id, r.status, code(r)]).toEqual([id, 401, 'invalid_token']);
    }
    const d = alice.acc.devices.get(3)!;
    const signIn = await deviceLogin(srv.url, alice.acc.accountId, 3, { seed: d.identity.signingPrivateKey } as Keys);
    expect([signIn.status, code(signIn)]).toEqual([403, 'account_suspended']);

    // Reinstated, every device signs in again; a ban then ends every device's socket and session the same way.
    expect((await modApi(srv.url, mod, 'POST', `/v1/mod/accounts/${alice.acc.accountId}/status`, { status: 'active' })).status).toBe(200);
    const tokens = await Promise.all([1, 2, 3].map(async (id) => {
      const r = await deviceLogin(srv.url, alice.acc.accountId, id, { seed: alice.acc.devices.get(id)!.identity.signingPrivateKey } as Keys);
      expect(r.status).toBe(200);
      return r.json.token as string;
    }));
    const again = await Promise.all(tokens.map((t) => openSocket(t)));
    const banned = await modApi(srv.url, mod, 'POST', `/v1/mod/accounts/${alice.acc.accountId}/status`, { status: 'banned', reason: 'test' });
    expect(banned.status, JSON.stringify(banned.json)).toBe(200);
    for (const s of again) expect(await s.closed).toEqual({ code: 4403, reason: 'account_banned' });
    expect(await srv.services.db.session.count({ where: { accountId: alice.acc.accountId } })).toBe(0);
    for (const t of tokens) expect((await api(srv.url, 'GET', '/v1/me/notices', undefined, t)).status).toBe(401);
    const bannedSignIn = await deviceLogin(srv.url, alice.acc.accountId, 2, { seed: alice.acc.devices.get(2)!.identity.signingPrivateKey } as Keys);
    expect([bannedSignIn.status, code(bannedSignIn)]).toEqual([403, 'account_banned']);
  });
});

describe('limits and quotas per account, not per device (D1, D13.1)', () => {
  it('sends from two devices share one send limit; another account is not limited', async () => {
    const alice = await devicePerson(srv.url, 'rl', 2);
    const bob = await devicePerson(srv.url, 'rlb', 1);
    const conv = await conversation(alice, bob);
    const statuses: number[] = [];
    // Three sends from each device; the limit is 6 per account and window — and conversation creation is not a send.
    for (let i = 0; i < 3; i++) for (const device of [1, 2]) statuses.push((await send(fanOut(conv, alice, bob, device), alice.tokens.get(device)!)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
    for (const device of [1, 2]) {
      const r = await send(fanOut(conv, alice, bob, device), alice.tokens.get(device)!);
      expect([device, r.status, code(r), isProblem(r)]).toEqual([device, 429, 'rate_limited', true]);
    }
    expect((await send(fanOut(conv, bob, alice, 1), bob.tokens.get(1)!)).status).toBe(201);
  });

  it('reports from two devices share one report limit', async () => {
    const carol = await devicePerson(srv.url, 'rep', 2);
    // The limit is counted before the body is read: two malformed reports are enough to show whose counter it is.
    const first = await api(srv.url, 'POST', '/v1/reports', {}, carol.tokens.get(1)!);
    expect(first.status).toBe(400);
    const second = await api(srv.url, 'POST', '/v1/reports', {}, carol.tokens.get(2)!);
    expect([second.status, code(second)]).toEqual([429, 'rate_limited']);
  });

  it('the undelivered-bytes quota counts every copy from every device against the sending account', async () => {
    const dave = await devicePerson(srv.url, 'quota', 2);
    const erin = await devicePerson(srv.url, 'quotb', 2);
    const conv = await conversation(dave, erin);
    // 48 KiB for the account: one send from device 1 carries three 10 KiB copies (erin 1, erin 2, dave 2) = 30 KiB.
    expect((await send(fanOut(conv, dave, erin, 1, 10 * KiB), dave.tokens.get(1)!)).status).toBe(201);
    // Device 2's send (erin 1, erin 2, dave 1) would bring the account to 60 KiB: refused, though device 2 stored nothing yet.
    const r = await send(fanOut(conv, dave, erin, 2, 10 * KiB), dave.tokens.get(2)!);
    expect([r.status, code(r)]).toEqual([429, 'undelivered_quota_exceeded']);
    expect(await srv.services.envelopeQuota['repo'].pendingBytes(dave.acc.accountId, new Date())).toBe(30 * KiB);
  });

  it('the attachment quota is the account\'s: a second device cannot upload past it', async () => {
    const fay = await devicePerson(srv.url, 'blob', 2);
    const gus = await devicePerson(srv.url, 'blobg', 1);
    const conv = await conversation(fay, gus);
    expect((await uploadBlob(srv.url, { id: fay.acc.accountId, token: fay.tokens.get(1)! }, conv, randomBytes(40 * KiB))).status).toBe(201);
    const second = await uploadBlob(srv.url, { id: fay.acc.accountId, token: fay.tokens.get(2)! }, conv, randomBytes(40 * KiB));
    expect([second.status, (second.json as { code?: string }).code]).toEqual([413, 'quota_exceeded']);
  });
});

describe('removing device 1 (D13.6, D17.3)', () => {
  it('takes the single-device envelopes queued for it: no other device receives them, nothing is kept', async () => {
    const hal = await devicePerson(srv.url, 'one', 1);
    const ivy = await devicePerson(srv.url, 'onei', 2);
    const conv = await conversation(hal, ivy);
    // The single-device body comes from an account without a device list (D17.3: hal, with a list, sends copies).
    const old = await createUser(srv.url);
    const oldConv = (await api<{ id: string }>(srv.url, 'POST', '/v1/conversations', { kind: 'direct', peerId: ivy.acc.accountId }, old.token)).json.id;
    const legacy = await send({ conversationId: oldConv, commitment: b64(randomBytes(32)), envelopes: [{ recipientId: ivy.acc.accountId, ciphertext: b64(randomBytes(10)) }] }, old.token);
    expect(legacy.status).toBe(201);
    const copy = await send(fanOut(conv, hal, ivy, 1), hal.tokens.get(1)!);
    expect(copy.status).toBe(201);
    expect(await srv.services.db.envelope.count({ where: { recipientId: ivy.acc.accountId } })).toBe(3); // legacy + copies for 1 and 2
    ivy.acc.remove(2, [1], Date.now());
    expect((await api(srv.url, 'PUT', '/v1/devices', { list: b64(ivy.acc.current.bytes) }, ivy.tokens.get(2)!)).status).toBe(201);
    const left = await srv.services.db.envelope.findMany({ where: { recipientId: ivy.acc.accountId }, select: { targetDeviceId: true } });
    expect(left.map((e) => Number(e.targetDeviceId))).toEqual([2]);
  });
});
