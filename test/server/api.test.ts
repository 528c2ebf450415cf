// End-to-end behaviour of every endpoint group on a real server and database.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type EnvelopeJson, type TestServer, type TestUser, api, b64, concat, createUser, directConversation, isProblem, login,
  reportItem, sendText, startTestServer,
} from './_harness.ts';

let srv: TestServer;
let base: string;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let conv: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.url;
  [alice, bob, carol] = await Promise.all([createUser(base, 'alice'), createUser(base, 'bob'), createUser(base, 'carol')]);
  conv = await directConversation(base, alice, bob);
});
afterAll(async () => srv?.stop());

const fetchMail = async (u: TestUser, wait = 0) => api<{ envelopes: EnvelopeJson[] }>(base, 'GET', `/v1/messages?wait=${wait}`, undefined, u.token);

describe('accounts and auth', () => {
  it('rejects a duplicate user id and a bad registration signature', async () => {
    const r = await api(base, 'POST', '/v1/accounts', {
      userId: 'alice', identitySigningKey: b64(alice.signingKey), identityDhKey: b64(alice.dhKey), signature: b64(new Uint8Array(64)),
    });
    expect(r.status).toBe(401);
    expect((r.json as { code: string }).code).toBe('invalid_signature');
  });
  it('a challenge is single use and a wrong key cannot log in', async () => {
    const ch = await api<{ challenge: string }>(base, 'POST', '/v1/auth/challenge', { userId: 'alice' });
    const msg = concat(new TextEncoder().encode('franking-chat/v1/auth\0'), Buffer.from(ch.json.challenge, 'base64url'), new TextEncoder().encode('alice'));
    const wrong = ed25519.sign(msg, ed25519.utils.randomSecretKey());
    const bad = await api(base, 'POST', '/v1/auth/token', { userId: 'alice', challenge: ch.json.challenge, signature: b64(wrong) });
    expect(bad.status).toBe(401);
    const good = { userId: 'alice', challenge: ch.json.challenge, signature: b64(ed25519.sign(msg, alice.signingSecret)) };
    expect((await api(base, 'POST', '/v1/auth/token', good)).status).toBe(200);
    const replay = await api(base, 'POST', '/v1/auth/token', good);
    expect(replay.status).toBe(401);
    expect((replay.json as { code: string }).code).toBe('challenge_invalid');
  });
  it('GET /v1/accounts/me and logout', async () => {
    const me = await api(base, 'GET', '/v1/accounts/me', undefined, alice.token);
    expect(me.json).toMatchObject({ userId: 'alice', role: 'user', status: 'active' });
    const extra = await login(base, 'alice', alice.signingSecret);
    const t = extra.json.token as string;
    expect((await api(base, 'POST', '/v1/auth/logout', undefined, t)).status).toBe(200);
    expect((await api(base, 'GET', '/v1/accounts/me', undefined, t)).status).toBe(401);
  });
});

describe('key directory', () => {
  const spkSecret = x25519.utils.randomSecretKey();
  const spk = x25519.getPublicKey(spkSecret);
  const bundle = (u: TestUser, otks: number, sig?: Uint8Array) => {
    const idBytes = Buffer.alloc(4);
    idBytes.writeUInt32BE(7);
    const signature = sig ?? ed25519.sign(concat(new TextEncoder().encode('franking-chat/v1/signed-prekey\0'), idBytes, spk), u.signingSecret);
    return {
      identitySigningKey: b64(u.signingKey), identityDhKey: b64(u.dhKey),
      signedPreKey: { id: 7, publicKey: b64(spk), signature: b64(signature) },
      oneTimePreKeys: Array.from({ length: otks }, (_, i) => ({ id: i + 1, publicKey: b64(x25519.getPublicKey(x25519.utils.randomSecretKey())) })),
    };
  };
  it('verifies the signed prekey signature on publish', async () => {
    const r = await api(base, 'PUT', '/v1/keys', bundle(bob, 1, new Uint8Array(64)), bob.token);
    expect(r.status).toBe(401);
    expect((r.json as { code: string }).code).toBe('invalid_signature');
    const other = await api(base, 'PUT', '/v1/keys', bundle(alice, 1), bob.token);
    expect((other.json as { code: string }).code).toBe('identity_mismatch');
  });
  it('hands out each one-time prekey at most once under concurrent fetches', async () => {
    const pub = await api(base, 'PUT', '/v1/keys', bundle(bob, 20), bob.token);
    expect(pub.json).toEqual({ oneTimePreKeys: 20 });
    const fetchers = await Promise.all([alice, carol].map(() => createUser(base)));
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => api<{ oneTimePreKey?: { id: number }; signedPreKey: { id: number } }>(base, 'GET', '/v1/keys/bob', undefined, (fetchers[i % 2] as TestUser).token)),
    );
    for (const r of results) expect(r.status).toBe(200);
    const ids = results.map((r) => r.json.oneTimePreKey?.id).filter((x): x is number => x !== undefined);
    expect(ids.length).toBe(20);
    expect(new Set(ids).size).toBe(20);
    expect(results.filter((r) => !r.json.oneTimePreKey).length).toBe(10);
    expect(results[0]?.json.signedPreKey.id).toBe(7);
  });
  it('404 for a user without a bundle', async () => {
    expect((await api(base, 'GET', '/v1/keys/carol', undefined, alice.token)).status).toBe(404);
  });
});

describe('conversations', () => {
  it('a direct conversation is unique per pair; a group starts with its creator alone (members join by MLS Commit)', async () => {
    const again = await api<{ id: string }>(base, 'POST', '/v1/conversations', { kind: 'direct', peerId: 'alice' }, bob.token);
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(conv);
    const g = await api<{ memberIds: string[] }>(base, 'POST', '/v1/conversations', { kind: 'group' }, alice.token);
    expect(g.status).toBe(201);
    expect(g.json.memberIds).toEqual(['alice']);
    // The server never adds members on its own say-so: a member list in the request is refused.
    const withMembers = await api<{ code: string }>(base, 'POST', '/v1/conversations', { kind: 'group', memberIds: ['bob', 'carol'] }, alice.token);
    expect(withMembers.status).toBe(400);
    expect(withMembers.json.code).toBe('validation_failed');
    const list = await api<{ conversations: unknown[] }>(base, 'GET', '/v1/conversations', undefined, carol.token);
    expect(list.json.conversations.length).toBe(0);
    expect((await api(base, 'GET', `/v1/conversations/${conv}`, undefined, carol.token)).status).toBe(404);
  });
});

describe('relay', () => {
  it('send returns the sender stamp; the recipient gets its stamp; ack deletes', async () => {
    const { res } = await sendText(base, alice, conv, [bob], 1, 'hello bob');
    expect(res.status).toBe(201);
    expect(res.json.stamp).toMatchObject({ role: 'sender', senderId: 'alice', recipientId: 'alice', conversationId: conv, kid: 'k-test-1' });
    const mail = await fetchMail(bob);
    expect(mail.json.envelopes.length).toBe(1);
    const env = mail.json.envelopes[0] as EnvelopeJson;
    expect(env.stamp).toMatchObject({ role: 'recipient', senderId: 'alice', recipientId: 'bob', messageId: res.json.messageId });
    expect(env.stamp.tag).not.toBe((res.json.stamp as { tag: string }).tag);
    expect((await fetchMail(alice)).json.envelopes.length).toBe(0);
    const ack = await api(base, 'POST', '/v1/messages/ack', { ids: [env.id] }, bob.token);
    expect(ack.json).toEqual({ deleted: 1 });
    expect((await fetchMail(bob)).json.envelopes.length).toBe(0);
  });
  it('refuses non-members and recipients outside the conversation', async () => {
    const r1 = await sendText(base, carol, conv, [bob], 1, 'x');
    expect(r1.res.status).toBe(403);
    expect((r1.res.json as unknown as { code: string }).code).toBe('not_a_member');
    const r2 = await sendText(base, alice, conv, [carol], 1, 'x');
    expect(r2.res.status).toBe(403);
  });
  it('long-poll returns as soon as a message arrives', async () => {
    const started = Date.now();
    const poll = fetchMail(bob, 10);
    await new Promise((r) => setTimeout(r, 200));
    await sendText(base, alice, conv, [bob], 2, 'wake up');
    const mail = await poll;
    expect(mail.json.envelopes.length).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    await api(base, 'POST', '/v1/messages/ack', { ids: mail.json.envelopes.map((e) => e.id) }, bob.token);
  });
  it('pushes over the WebSocket channel and accepts acks there', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/stream`);
    const frames: Array<{ type: string; envelopes?: EnvelopeJson[] }> = [];
    const next = (type: string) =>
      new Promise<{ type: string; envelopes?: EnvelopeJson[] }>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${type} frame`)), 5000);
        const check = () => {
          const i = frames.findIndex((f) => f.type === type);
          if (i >= 0) {
            clearTimeout(t);
            resolve(frames.splice(i, 1)[0] as (typeof frames)[number]);
          } else setTimeout(check, 10);
        };
        check();
      });
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'auth', token: bob.token }));
    await next('ready');
    await sendText(base, alice, conv, [bob], 3, 'pushed');
    const f = await next('envelopes');
    expect(f.envelopes?.length).toBe(1);
    ws.send(JSON.stringify({ type: 'ack', ids: [f.envelopes?.[0]?.id] }));
    await new Promise((r) => setTimeout(r, 200));
    expect((await fetchMail(bob)).json.envelopes.length).toBe(0);
    ws.close();
  });
  it('undelivered envelopes expire after the TTL', async () => {
    await sendText(base, alice, conv, [bob], 4, 'will expire');
    expect((await fetchMail(bob)).json.envelopes.length).toBe(1);
    const swept = await srv.services.relay.sweep(new Date(Date.now() + srv.config.envelopeTtlMs + 1000));
    expect(swept).toBe(1);
    expect((await fetchMail(bob)).json.envelopes.length).toBe(0);
  });
});

describe('reports', () => {
  let reportId = '';
  it('verifies a reported message and its context, once per reporter and message', async () => {
    const m1 = await sendText(base, alice, conv, [bob], 1, 'first');
    const m2 = await sendText(base, alice, conv, [bob], 2, 'you are awful', m1.franked.commitment);
    const mail = (await fetchMail(bob)).json.envelopes;
    const byId = new Map(mail.map((e) => [e.stamp.messageId, e]));
    const item1 = reportItem(byId.get(m1.res.json.messageId)!.stamp, m1.franked, 'first');
    const item2 = reportItem(byId.get(m2.res.json.messageId)!.stamp, m2.franked, 'you are awful');
    const forged = { ...item1, body: b64(new TextEncoder().encode('forged text')) };
    const r = await api<{ id: string; verdict: string; duplicate: boolean; items: Array<{ verdict: string }>; context: { complete: boolean } }>(
      base, 'POST', '/v1/reports', { category: 'harassment', comment: 'please look', reported: item2, context: [item1, forged] }, bob.token,
    );
    expect(r.status).toBe(201);
    expect(r.json.verdict).toBe('verified');
    expect(r.json.duplicate).toBe(false);
    expect(r.json.items.map((i) => i.verdict)).toEqual(['verified', 'verified', 'commitment_mismatch']);
    expect(r.json.context.complete).toBe(true);
    reportId = r.json.id;
    const again = await api<{ id: string; duplicate: boolean }>(base, 'POST', '/v1/reports', { category: 'spam', reported: item2 }, bob.token);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id: reportId, duplicate: true });
    const tampered = { ...item2, stamp: { ...item2.stamp, messageId: 'm-other' } };
    const t = await api<{ verdict: string; items: Array<{ verdict: string }> }>(base, 'POST', '/v1/reports', { category: 'spam', reported: tampered }, bob.token);
    expect(t.status).toBe(201);
    expect(t.json.verdict).toBe('unverified');
    expect(t.json.items[0]?.verdict).toBe('stamp_invalid');
  });
  it('the reporter lists reports with status and outcome', async () => {
    const list = await api<{ reports: Array<{ id: string; status: string; outcome: null }> }>(base, 'GET', '/v1/reports', undefined, bob.token);
    expect(list.json.reports.find((x) => x.id === reportId)).toMatchObject({ status: 'received', outcome: null });
    const one = await api(base, 'GET', `/v1/reports/${reportId}`, undefined, bob.token);
    expect(one.status).toBe(200);
    const events = await srv.services.moderationEvents.forSubject('report', reportId);
    expect(events.map((e) => e.type)).toEqual(['report_filed', 'routed']);
  });
});

describe('enforcement', () => {
  it('a suspended account cannot send or log in; a banned one neither; reinstated works again', async () => {
    const dave = await createUser(base, 'dave');
    const c = await directConversation(base, dave, alice);
    await srv.services.enforcement.setStatus('dave', { status: 'suspended', suspendedUntil: new Date(Date.now() + 3_600_000), actorId: null });
    const s = await sendText(base, dave, c, [alice], 1, 'hi');
    expect(s.res.status).toBe(403);
    expect(isProblem(s.res as never)).toBe(true);
    expect((s.res.json as unknown as { code: string; suspendedUntil: string }).code).toBe('account_suspended');
    const l = await login(base, 'dave', dave.signingSecret);
    expect(l.status).toBe(403);
    expect((l.json as { code: string }).code).toBe('account_suspended');
    await srv.services.enforcement.setStatus('dave', { status: 'banned', actorId: null });
    expect(((await login(base, 'dave', dave.signingSecret)).json as { code: string }).code).toBe('account_banned');
    await srv.services.enforcement.setStatus('dave', { status: 'active', actorId: null });
    const relog = await login(base, 'dave', dave.signingSecret);
    expect(relog.status).toBe(200);
    const ok = await sendText(base, { ...dave, token: relog.json.token as string }, c, [alice], 1, 'hi again');
    expect(ok.res.status).toBe(201);
    const events = await srv.services.moderationEvents.forSubject('account', 'dave');
    expect(events.map((e) => (e.payload as { to: string }).to)).toEqual(['suspended', 'banned', 'active']);
  });
});

describe('documentation', () => {
  it('serves the OpenAPI 3.1 document and the API index', async () => {
    const doc = await api<{ openapi: string; paths: Record<string, unknown> }>(base, 'GET', '/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    expect(Object.keys(doc.json.paths)).toContain('/v1/messages');
    const html = await fetch(`${base}/docs`);
    expect(html.status).toBe(200);
  });
});
