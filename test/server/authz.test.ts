// Authorization matrix: a user cannot fetch another user's envelopes, report as someone else, read
// another's report or conversation, or reach moderator endpoints; moderators can.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type EnvelopeJson, type TestServer, type TestUser, api, createUser, directConversation, login, reportItem, sendText, startTestServer,
} from './_harness.ts';

let srv: TestServer;
let base: string;
let alice: TestUser;
let bob: TestUser;
let mallory: TestUser;
let mod: TestUser;
let conv: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.url;
  [alice, bob, mallory, mod] = (await Promise.all(['alice', 'bob', 'mallory', 'morgan'].map((id) => createUser(base, id)))) as [TestUser, TestUser, TestUser, TestUser];
  await srv.services.enforcement.setRole('morgan', 'moderator', null);
  conv = await directConversation(base, alice, bob);
});
afterAll(async () => srv?.stop());

const code = (r: { json: unknown }) => (r.json as { code?: string }).code;

describe('envelopes', () => {
  it("mallory cannot fetch, ack or stream bob's envelopes", async () => {
    await sendText(base, alice, conv, [bob], 1, 'for bob only');
    const own = await api<{ envelopes: EnvelopeJson[] }>(base, 'GET', '/v1/messages', undefined, mallory.token);
    expect(own.json.envelopes).toEqual([]);
    const bobs = await api<{ envelopes: EnvelopeJson[] }>(base, 'GET', '/v1/messages', undefined, bob.token);
    const id = (bobs.json.envelopes[0] as EnvelopeJson).id;
    expect((await api(base, 'POST', '/v1/messages/ack', { ids: [id] }, mallory.token)).json).toEqual({ deleted: 0 });
    expect((await api<{ envelopes: unknown[] }>(base, 'GET', '/v1/messages', undefined, bob.token)).json.envelopes.length).toBe(1);
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/stream`);
    const frames: Array<{ type: string; envelopes?: unknown[] }> = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'auth', token: mallory.token }));
    await new Promise((r) => setTimeout(r, 300));
    expect(frames.map((f) => f.type).filter((t) => t !== 'kt-head')).toEqual(['ready']); // kt-head: the key log's head, public
    ws.close();
    const bad = new WebSocket(`${base.replace('http', 'ws')}/v1/stream`);
    const closed = new Promise<number>((r) => bad.once('close', (c) => r(c)));
    await new Promise((r) => bad.once('open', r));
    bad.send(JSON.stringify({ type: 'ack', ids: [id] }));
    expect(await closed).toBe(4401);
  });
  it('mallory cannot send into a conversation she is not in, nor see it', async () => {
    const r = await sendText(base, mallory, conv, [bob], 1, 'intrude');
    expect(r.res.status).toBe(403);
    expect((await api(base, 'GET', `/v1/conversations/${conv}`, undefined, mallory.token)).status).toBe(404);
  });
});

describe('reports', () => {
  it('cannot report as someone else; cannot read another reporter’s report', async () => {
    const m = await sendText(base, alice, conv, [bob], 2, 'reportable');
    const env = (await api<{ envelopes: EnvelopeJson[] }>(base, 'GET', '/v1/messages', undefined, bob.token)).json.envelopes.find(
      (e) => e.stamp.messageId === m.res.json.messageId,
    ) as EnvelopeJson;
    const item = reportItem(env.stamp, m.franked, 'reportable');
    const asBob = await api(base, 'POST', '/v1/reports', { category: 'spam', reported: item }, mallory.token);
    expect(asBob.status).toBe(403);
    expect(code(asBob)).toBe('not_a_party');
    const relabelled = { ...item, stamp: { ...item.stamp, recipientId: 'mallory' } };
    const forged = await api<{ verdict: string; items: Array<{ verdict: string }> }>(base, 'POST', '/v1/reports', { category: 'spam', reported: relabelled }, mallory.token);
    expect(forged.json.verdict).toBe('unverified');
    expect(forged.json.items[0]?.verdict).toBe('stamp_invalid');
    const mine = await api<{ id: string }>(base, 'POST', '/v1/reports', { category: 'spam', reported: item }, bob.token);
    expect(mine.status).toBe(201);
    expect((await api(base, 'GET', `/v1/reports/${mine.json.id}`, undefined, mallory.token)).status).toBe(404);
    expect((await api<{ reports: unknown[] }>(base, 'GET', '/v1/reports', undefined, alice.token)).json.reports).toEqual([]);
  });
});

describe('moderator endpoints', () => {
  const modCalls = () => [
    ['POST', '/v1/mod/accounts/alice/status', { status: 'suspended' }],
    ['GET', '/v1/mod/events?subjectType=account&subjectId=alice', undefined],
  ] as const;
  it('users get 403 forbidden, anonymous 401', async () => {
    for (const [m, p, b] of modCalls()) {
      const u = await api(base, m, p, b, mallory.token);
      expect(u.status).toBe(403);
      expect(code(u)).toBe('forbidden');
      expect((await api(base, m, p, b)).status).toBe(401);
    }
  });
  it('a moderator suspends an account; its existing token stops working at once', async () => {
    const r = await api(base, 'POST', '/v1/mod/accounts/mallory/status', { status: 'suspended', suspendedUntil: new Date(Date.now() + 60_000).toISOString(), reason: 'test' }, mod.token);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ userId: 'mallory', status: 'suspended' });
    const after = await api(base, 'GET', '/v1/accounts/me', undefined, mallory.token);
    expect(after.status).toBe(401); // sessions are revoked on suspension
    const relog = await login(base, 'mallory', mallory.signingSecret);
    expect(code(relog)).toBe('account_suspended');
    const ev = await api<{ events: Array<{ type: string; actorId: string }> }>(base, 'GET', '/v1/mod/events?subjectType=account&subjectId=mallory', undefined, mod.token);
    expect(ev.json.events.map((e) => [e.type, e.actorId])).toEqual([['account_status_changed', 'morgan']]);
  });
});
