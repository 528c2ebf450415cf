// One way groups work (docs/PROTOCOL.md §12): a group conversation takes MLS group messages only
// (POST /v1/groups/{id}/messages, docs/PROTOCOL.md §12.8). These tests try to get a group message in any other
// way — a pairwise (1:1-style franked) envelope through POST /v1/messages, an MLS message from a non-member, a
// removed or suspended member, an MLS message into a 1:1 conversation — and check that each is refused with a
// problem+json code and that nothing was stored, stamped or delivered.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlsGroup } from '../../client/group/index.ts';
import { ApiError } from '../../client/transport/api.ts';
import { MAX_CIPHERTEXT_BYTES, MAX_RECIPIENTS } from '../../client/transport/contract/messages.ts';
import { type ApiResult, type EnvelopeJson, type TestServer, api, b64, frankAndSeal, isProblem, startTestServer } from '../server/_harness.ts';
import { ServerMember } from './_server-member.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => srv?.stop());

let n = 0;
const member = (name: string) => ServerMember.create(`sp-${name}-${++n}`, srv.url);

type Counted = 'envelope' | 'sendReceipt' | 'groupMessage';
const count = (table: Counted, where: Record<string, unknown>) =>
  (srv.services.db as unknown as Record<Counted, { count(a: unknown): Promise<number> }>)[table].count({ where });

/** A group made by `alice` with `others` added by Commit; everyone has joined (epoch 1). */
async function group(alice: ServerMember, others: ServerMember[]): Promise<string> {
  const conv = await alice.createGroup();
  await alice.add(conv, others.map((m) => m.id));
  for (const m of others) expect((await m.sync()).map((r) => r.event.kind)).toEqual(['joined']);
  return conv;
}

/** A really franked, really sealed 1:1-style send: what the removed pairwise fan-out sent, per member. */
function pairwise(conversationId: string, from: ServerMember, to: ServerMember[], text: string, clientMessageId?: string) {
  const { franked, ciphertext } = frankAndSeal(conversationId, from.id, 1, text);
  return {
    conversationId, commitment: b64(franked.commitment), ...(clientMessageId ? { clientMessageId } : {}),
    envelopes: to.map((m) => ({ recipientId: m.id, ciphertext: b64(ciphertext) })),
  };
}

const sendPairwise = (from: ServerMember, body: unknown) => api(srv.url, 'POST', '/v1/messages', body, from.user.token);
const oneToOneInbox = async (m: ServerMember) =>
  (await api<{ envelopes: EnvelopeJson[] }>(srv.url, 'GET', '/v1/messages?limit=500', undefined, m.user.token)).json.envelopes;
const texts = async (m: ServerMember) =>
  (await m.sync()).flatMap((r) => (r.event.kind === 'message' ? [new TextDecoder().decode(r.event.opened.body)] : []));

function expectProblem(r: ApiResult, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(isProblem(r)).toBe(true);
  expect(r.json.code).toBe(code);
  expect(r.json).not.toHaveProperty('stamp');
}

describe('POST /v1/messages refuses group conversations', () => {
  it('a member\'s pairwise envelopes into its group: 400 group_requires_mls, nothing stored, stamped or delivered; a retry too', async () => {
    const [alice, bob, carol] = await Promise.all([member('alice'), member('bob'), member('carol')]);
    const conv = await group(alice, [bob, carol]);
    const body = pairwise(conv, alice, [bob], 'PAIRWISE-CANARY into a group', 'cm-pairwise-1');
    const r = await sendPairwise(alice, body);
    expectProblem(r, 400, 'group_requires_mls');
    expectProblem(await sendPairwise(alice, pairwise(conv, alice, [carol], 'PAIRWISE-CANARY into a group', 'cm-pairwise-2')), 400, 'group_requires_mls');
    expect(r.json.title).toBe('A group takes MLS group messages only');
    expect(r.json.type).toBe('urn:franking-chat:problem:group_requires_mls');
    expect(String(r.json.detail)).toContain(`/v1/groups/`);
    // Nothing was written: no envelope, no idempotency receipt, no group message.
    expect(await count('envelope', { conversationId: conv })).toBe(0);
    expect(await count('sendReceipt', { senderId: alice.id })).toBe(0);
    expect(await count('groupMessage', { conversationId: conv, kind: 'application' })).toBe(0);
    // Nothing was delivered, through either inbox.
    for (const m of [bob, carol]) {
      expect(await oneToOneInbox(m)).toEqual([]);
      expect(await m.sync()).toEqual([]);
    }
    // A retry with the same clientMessageId is refused the same way (no receipt answers it with a stamp).
    expectProblem(await sendPairwise(alice, body), 400, 'group_requires_mls');
    // The content never reached the logs.
    expect(srv.logs.text).not.toContain('PAIRWISE-CANARY');
    expect(srv.logs.text).not.toContain(body.envelopes[0]!.ciphertext);
    // The group itself is unharmed: its MLS path works and delivers once.
    const sent = await alice.send(conv, 'through MLS');
    expect(sent.sent.stamp).toMatchObject({ role: 'sender', conversationId: conv });
    for (const m of [bob, carol]) expect(await texts(m)).toEqual(['through MLS']);
  });

  it('refused from any member to any member, and when the addressed member blocked the sender (never a silent 201)', async () => {
    const [alice, bob, carol] = await Promise.all([member('alice'), member('bob'), member('carol')]);
    const conv = await group(alice, [bob, carol]);
    expectProblem(await sendPairwise(bob, pairwise(conv, bob, [alice], 'just to the creator')), 400, 'group_requires_mls');
    expectProblem(await sendPairwise(alice, pairwise(conv, alice, [carol], 'just to carol')), 400, 'group_requires_mls');
    // Blocks drop envelopes before the relay: with every recipient blocking alice, none is left — still refused.
    for (const m of [bob, carol]) expect((await api(srv.url, 'PUT', `/v1/blocks/${alice.id}`, undefined, m.user.token)).status).toBe(200);
    for (const m of [bob, carol]) expectProblem(await sendPairwise(alice, pairwise(conv, alice, [m], 'to a blocker')), 400, 'group_requires_mls');
    expect(await count('envelope', { conversationId: conv })).toBe(0);
  });

  it('in a batch with 1:1 sends, only the group send is refused; the 1:1 sends are stored and delivered', async () => {
    const [alice, bob, carol] = await Promise.all([member('alice'), member('bob'), member('carol')]);
    const conv = await group(alice, [bob, carol]);
    const direct = (await alice.api.createConversation({ kind: 'direct', peerId: bob.id })).id;
    // Sent together, so the relay validates them in one group-commit batch.
    const [d1, g, d2] = await Promise.all([
      sendPairwise(alice, pairwise(direct, alice, [bob], 'direct one')),
      sendPairwise(alice, pairwise(conv, alice, [carol], 'group, pairwise')),
      sendPairwise(carol, pairwise(conv, carol, [bob], 'group, pairwise, from carol')),
    ]);
    expect(d1.status).toBe(201);
    expectProblem(g, 400, 'group_requires_mls');
    expectProblem(d2, 400, 'group_requires_mls');
    const mail = await oneToOneInbox(bob);
    expect(mail.map((e) => e.stamp.conversationId)).toEqual([direct]);
    expect(await oneToOneInbox(carol)).toEqual([]);
    expect(await count('envelope', { conversationId: conv })).toBe(0);
  });

  it('a non-member gets 403 not_a_member — the same answer as for a conversation that does not exist', async () => {
    const [alice, bob, eve] = await Promise.all([member('alice'), member('bob'), member('eve')]);
    const conv = await group(alice, [bob]);
    const intoGroup = await sendPairwise(eve, pairwise(conv, eve, [bob], 'let me in'));
    const intoNothing = await sendPairwise(eve, pairwise('c_no-such-conversation', eve, [alice], 'let me in'));
    expectProblem(intoGroup, 403, 'not_a_member');
    expectProblem(intoNothing, 403, 'not_a_member');
    expect(intoGroup.json.detail).toBe(intoNothing.json.detail); // the group's existence and kind stay hidden
    expect(await count('envelope', { conversationId: conv })).toBe(0);
    for (const m of [alice, bob]) expect(await oneToOneInbox(m)).toEqual([]);
  });
});

describe('no pairwise fan-out left in the 1:1 relay', () => {
  it('one envelope per send (MAX_RECIPIENTS = 1): two are refused by the schema; a full-size 1:1 envelope still fits the body limit', async () => {
    const [alice, bob, carol] = await Promise.all([member('alice'), member('bob'), member('carol')]);
    const direct = (await alice.api.createConversation({ kind: 'direct', peerId: bob.id })).id;
    expect(MAX_RECIPIENTS).toBe(1);
    const two = pairwise(direct, alice, [bob, carol], 'fan-out');
    expectProblem(await sendPairwise(alice, two), 400, 'validation_failed');
    expect(await count('envelope', { conversationId: direct })).toBe(0);
    // The largest envelope the contract allows is accepted (the body limit was cut to fit one, not 255)...
    const { franked } = frankAndSeal(direct, alice.id, 1, 'x');
    const full = { conversationId: direct, commitment: b64(franked.commitment), envelopes: [{ recipientId: bob.id, ciphertext: b64(randomBytes(MAX_CIPHERTEXT_BYTES)) }] };
    expect((await sendPairwise(alice, full)).status).toBe(201);
    // ...and a body the size of a many-recipient fan-out is refused before it is parsed.
    const many = { ...full, envelopes: Array.from({ length: 3 }, () => full.envelopes[0]) };
    expectProblem(await sendPairwise(alice, many), 413, 'payload_too_large');
    expect(await count('envelope', { conversationId: direct })).toBe(1);
  });
});

describe('the relay follows groups up to GROUP_MAX_MEMBERS', () => {
  it('a Commit whose Adds would pass the cap is refused (nothing changes, no Welcome); after a removal the Add fits', async () => {
    const small = await startTestServer({ groupMaxMembers: 3 }, { logLevel: 'warn' });
    try {
      const [alice, bob, carol, dave, erin] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin'].map((x) => ServerMember.create(`cap-${x}`, small.url))) as ServerMember[] as [ServerMember, ServerMember, ServerMember, ServerMember, ServerMember];
      const conv = await alice.createGroup();
      // Four at once (1 + 3 > 3): refused, and the committer discards its pending Commit.
      const tooMany = await alice.add(conv, [bob.id, carol.id, dave.id]).catch((e: unknown) => e);
      expect(ApiError.is(tooMany, 'validation_failed')).toBe(true);
      expect((tooMany as ApiError).detail).toContain('at most 3');
      expect(alice.group(conv).hasPendingCommit).toBe(false);
      expect((await alice.api.roster(conv)).members.map((m) => m.accountId)).toEqual([alice.id]);
      await alice.add(conv, [bob.id, carol.id]); // exactly the cap
      const over = await alice.add(conv, [dave.id]).catch((e: unknown) => e);
      expect(ApiError.is(over, 'validation_failed')).toBe(true);
      expect((await alice.api.roster(conv)).epoch).toBe(1);
      expect(await dave.sync()).toEqual([]); // no Welcome reached the refused account
      // After a removal the Add fits; the next one is refused again.
      await bob.sync();
      await carol.sync();
      await alice.commit(conv, await alice.group(conv).remove([carol.id]));
      await alice.add(conv, [dave.id]);
      expect((await dave.sync()).map((r) => r.event.kind)).toEqual(['joined']);
      expect((await alice.api.roster(conv)).members.map((m) => m.accountId).sort()).toEqual([alice.id, bob.id, dave.id].sort());
      expect(ApiError.is(await alice.add(conv, [erin.id]).catch((e: unknown) => e), 'validation_failed')).toBe(true);
    } finally {
      await small.stop();
    }
  });
});

describe('the MLS send path refuses whoever is not a current, active member', () => {
  it('a non-member\'s MLS message (its own group under the same id) is refused with 404; nothing stored or delivered', async () => {
    const [alice, bob, eve] = await Promise.all([member('alice'), member('bob'), member('eve')]);
    const conv = await group(alice, [bob]);
    const fake = await MlsGroup.create(conv, eve.me, eve.opts);
    const forged = await fake.send(new TextEncoder().encode('I am not in this group'));
    const e = await eve.api.sendGroupMessage(conv, forged.message).catch((x: unknown) => x);
    expect(ApiError.is(e, 'not_found')).toBe(true);
    expect(await count('groupMessage', { conversationId: conv, kind: 'application' })).toBe(0);
    for (const m of [alice, bob]) expect(await m.sync()).toEqual([]);
    // Nor can she send as a member by re-uploading a member's message: the relay checks the caller, not the bytes.
    const real = await alice.group(conv).send(new TextEncoder().encode('members only'));
    expect(ApiError.is(await eve.api.sendGroupMessage(conv, real.message).catch((x: unknown) => x), 'not_found')).toBe(true);
    expect(await count('groupMessage', { conversationId: conv, kind: 'application' })).toBe(0);
  });

  it('a removed member: its MLS messages get 404 and its pairwise envelopes 403; the others receive nothing of it', async () => {
    const [alice, bob, carol] = await Promise.all([member('alice'), member('bob'), member('carol')]);
    const conv = await group(alice, [bob, carol]);
    const before = await carol.group(conv).send(new TextEncoder().encode('written before removal'));
    await alice.commit(conv, await alice.group(conv).remove([carol.id]));
    await bob.sync();
    expect(ApiError.is(await carol.api.sendGroupMessage(conv, before.message).catch((x: unknown) => x), 'not_found')).toBe(true);
    expectProblem(await sendPairwise(carol, pairwise(conv, carol, [bob], 'still here?')), 403, 'not_a_member');
    expect(await texts(alice)).toEqual([]);
    expect(await texts(bob)).toEqual([]);
    expect(await oneToOneInbox(bob)).toEqual([]);
  });

  it('a suspended member cannot send MLS messages (403 account_suspended, nothing stored); reinstated it can', async () => {
    const [alice, bob] = await Promise.all([member('alice'), member('bob')]);
    const conv = await group(alice, [bob]);
    await srv.services.enforcement.setStatus(bob.id, { status: 'suspended', suspendedUntil: new Date(Date.now() + 3_600_000), actorId: null });
    const s = await bob.group(conv).send(new TextEncoder().encode('written while suspended'));
    const r = await api(srv.url, 'POST', `/v1/groups/${conv}/messages`, { message: b64(s.message) }, bob.user.token);
    expectProblem(r, 403, 'account_suspended');
    // The 1:1 relay answers a suspended member with its standing first, as for any send.
    expectProblem(await sendPairwise(bob, pairwise(conv, bob, [alice], 'suspended, pairwise')), 403, 'account_suspended');
    expect(await count('envelope', { conversationId: conv })).toBe(0);
    expect(await count('groupMessage', { conversationId: conv, kind: 'application' })).toBe(0);
    expect(await alice.sync()).toEqual([]);
    await srv.services.enforcement.setStatus(bob.id, { status: 'active', actorId: null });
    await bob.api.login(bob.id, bob.me.identity);
    await bob.api.sendGroupMessage(conv, s.message);
    expect(await texts(alice)).toEqual(['written while suspended']);
  });

  it('an MLS message into a 1:1 conversation is refused (400): a 1:1 takes session envelopes only', async () => {
    const [alice, bob] = await Promise.all([member('alice'), member('bob')]);
    const direct = (await alice.api.createConversation({ kind: 'direct', peerId: bob.id })).id;
    const g = await MlsGroup.create(direct, alice.me, alice.opts); // an MLS group whose id is the 1:1 conversation
    await g.add([(await alice.api.claimKeyPackage(bob.id)).keyPackage]).then(() => g.confirmCommit());
    const s = await g.send(new TextEncoder().encode('mls into a 1:1'));
    const r = await api(srv.url, 'POST', `/v1/groups/${direct}/messages`, { message: b64(s.message) }, alice.user.token);
    expectProblem(r, 400, 'validation_failed');
    expect(await count('groupMessage', { conversationId: direct })).toBe(0);
    expect(await bob.sync()).toEqual([]);
  });
});
