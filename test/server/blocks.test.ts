// Blocking (docs/API.md "Blocking, handles, quotas") against the real server: while bob blocks alice the relay stores
// nothing from alice for bob (fetch and push see nothing), alice's send still succeeds with her stamp (she is not
// told), others' messages still arrive, and after unblocking new messages arrive again. The list is bob's alone. In MLS
// groups (docs/PROTOCOL.md §12.8) the group relay applies the same list to application messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnvelopeJson, type TestServer, type TestUser, api, createUser, directConversation, isProblem, sendText, startTestServer } from './_harness.ts';
import { ServerMember } from '../groups/_server-member.ts';

let srv: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
beforeAll(async () => {
  srv = await startTestServer();
  [alice, bob, carol] = await Promise.all([createUser(srv.url, 'alice'), createUser(srv.url, 'bob'), createUser(srv.url, 'carol')]);
});
afterAll(() => srv.stop());

const inbox = async (u: Pick<TestUser, 'token'>) => {
  const r = await api<{ envelopes: EnvelopeJson[] }>(srv.url, 'GET', '/v1/messages?limit=500', undefined, u.token);
  await (r.json.envelopes.length ? api(srv.url, 'POST', '/v1/messages/ack', { ids: r.json.envelopes.map((e) => e.id) }, u.token) : null);
  return r.json.envelopes.map((e) => e.stamp.senderId as string);
};

describe('block list', () => {
  it('a blocked sender is not delivered; the send still succeeds; unblocking restores delivery', async () => {
    const ab = await directConversation(srv.url, alice, bob);
    const cb = await directConversation(srv.url, carol, bob);
    expect((await sendText(srv.url, alice, ab, [bob], 1, 'before')).res.status).toBe(201);
    expect(await inbox(bob)).toEqual(['alice']);

    const blocked = await api<{ userId: string; blockedAt: string }>(srv.url, 'PUT', '/v1/blocks/alice', undefined, bob.token);
    expect(blocked.status).toBe(200);
    expect(blocked.json.userId).toBe('alice');
    expect((await api(srv.url, 'PUT', '/v1/blocks/alice', undefined, bob.token)).status).toBe(200); // idempotent

    const during = await sendText(srv.url, alice, ab, [bob], 2, 'while blocked');
    expect(during.res.status).toBe(201);
    expect((during.res.json as { stamp?: { role?: string } }).stamp?.role).toBe('sender');
    expect((await sendText(srv.url, carol, cb, [bob], 1, 'from carol')).res.status).toBe(201);
    expect(await inbox(bob)).toEqual(['carol']);

    const list = await api<{ blocked: Array<{ userId: string }> }>(srv.url, 'GET', '/v1/blocks', undefined, bob.token);
    expect(list.json.blocked.map((b) => b.userId)).toEqual(['alice']);
    expect((await api<{ blocked: unknown[] }>(srv.url, 'GET', '/v1/blocks', undefined, alice.token)).json.blocked).toEqual([]);

    expect((await api(srv.url, 'DELETE', '/v1/blocks/alice', undefined, bob.token)).status).toBe(200);
    expect((await sendText(srv.url, alice, ab, [bob], 3, 'after')).res.status).toBe(201);
    expect(await inbox(bob)).toEqual(['alice']); // the message sent while blocked is not delivered later
  });

  it('in an MLS group, only the blocker stops receiving the blocked member; unblocking restores delivery', async () => {
    const [ga, gb, gc] = await Promise.all(['g-alice', 'g-bob', 'g-carol'].map((id) => ServerMember.create(id, srv.url))) as [ServerMember, ServerMember, ServerMember];
    const g = await ga.createGroup();
    await ga.add(g, [gb.id, gc.id]); // members join by MLS Commit
    for (const m of [gb, gc]) await m.sync();
    const texts = async (m: ServerMember) =>
      (await m.sync()).flatMap((r) => (r.event.kind === 'message' ? [`${r.event.senderId}: ${new TextDecoder().decode(r.event.opened.body)}`] : []));
    expect((await api(srv.url, 'PUT', `/v1/blocks/${ga.id}`, undefined, gc.user.token)).status).toBe(200);
    const during = await ga.send(g, 'group hello');
    expect(during.sent.stamp).toMatchObject({ role: 'sender', senderId: ga.id }); // alice is not told
    expect(await texts(gb)).toEqual([`${ga.id}: group hello`]);
    expect(await texts(gc)).toEqual([]);
    // the refusal is recorded for carol alone, without content (docs/PROTOCOL.md §8.3.1): a later gap is explained
    expect(await srv.services.db.undeliveredRecord.findMany({ where: { senderId: ga.id }, select: { recipientId: true, reason: true, messageId: true } }))
      .toEqual([{ recipientId: gc.id, reason: 'blocked', messageId: during.sent.stamp?.messageId }]);
    await gb.send(g, 'from bob'); // carol blocked alice only
    expect(await texts(gc)).toEqual([`${gb.id}: from bob`]);
    expect((await api(srv.url, 'DELETE', `/v1/blocks/${ga.id}`, undefined, gc.user.token)).status).toBe(200);
    await ga.send(g, 'after');
    expect(await texts(gc)).toEqual([`${ga.id}: after`]); // the message sent while blocked is not delivered later
    // Nothing of the group went through the 1:1 relay.
    for (const m of [gb, gc]) expect(await inbox(m.user)).toEqual([]);
  });

  it('bad requests: yourself → 400, unknown account → 404, no token → 401 (problem+json)', async () => {
    const self = await api(srv.url, 'PUT', '/v1/blocks/bob', undefined, bob.token);
    expect(self.status).toBe(400);
    expect(isProblem(self)).toBe(true);
    const unknown = await api(srv.url, 'PUT', '/v1/blocks/nobody-at-all', undefined, bob.token);
    expect(unknown.status).toBe(404);
    expect((await api(srv.url, 'GET', '/v1/blocks')).status).toBe(401);
    expect((await api(srv.url, 'PUT', '/v1/blocks/..%2Fx', undefined, bob.token)).status).toBe(400);
  });
});
