// Context gaps say only what the server knows (docs/PROTOCOL.md §8.3.1, docs/MODERATION.md "Context gaps"):
// bob blocks alice, alice sends (refused, she is not told), bob unblocks, alice writes again, bob reports. The
// gap is "not delivered to the reporter (refused while blocked)", not the reporter's omission. A message bob
// received and left out stays "not included in the report"; one that expired on the server before bob's device
// collected it is "never delivered". The records hold no content and leave with the report window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EnvelopeJson, type TestServer, type TestUser, api, createUser, directConversation, reportItem, sendText, startTestServer,
} from '../server/_harness.ts';
import { type Staff, cheapPasswordHashing, createStaff, modApi } from './_mod.ts';

cheapPasswordHashing();
let srv: TestServer;
let mod: Staff;
beforeAll(async () => {
  srv = await startTestServer();
  mod = await createStaff(srv, 'gapmod', 'moderator');
});
afterAll(() => srv?.stop());

interface Gap { senderId: string; fromSeq: number; toSeq: number; count: number; refusedWhileBlocked: number; expiredUndelivered: number; notIncluded: number }

type Sent = Awaited<ReturnType<typeof sendText>> & { text: string };

/** Sends `text` as alice's message `seq`, chained to `prev`. */
async function send(from: TestUser, conv: string, to: TestUser, seq: number, text: string, prev?: Sent): Promise<Sent> {
  const s = await sendText(srv.url, from, conv, [to], seq, text, prev?.franked.commitment);
  expect(s.res.status).toBe(201);
  return { ...s, text };
}

async function inbox(u: TestUser): Promise<EnvelopeJson[]> {
  const r = await api<{ envelopes: EnvelopeJson[] }>(srv.url, 'GET', '/v1/messages?limit=500', undefined, u.token);
  return r.json.envelopes;
}

async function report(reporter: TestUser, envs: EnvelopeJson[], reported: Sent, context: Sent[]): Promise<string> {
  const item = (m: Sent) => {
    const env = envs.find((e) => e.stamp.messageId === (m.res.json as { messageId: string }).messageId);
    if (!env) throw new Error('not delivered');
    return reportItem(env.stamp, m.franked, m.text);
  };
  const r = await api<{ id: string }>(srv.url, 'POST', '/v1/reports', { category: 'harassment', reported: item(reported), context: context.map(item) }, reporter.token);
  expect(r.status).toBe(201);
  return r.json.id;
}

const gapsOf = async (reportId: string) =>
  (await modApi<{ context: { gaps: Gap[]; senders: Array<{ missing: number[] }> } }>(srv.url, mod, 'GET', `/v1/mod/reports/${reportId}`)).json.context;

describe('a gap says only what is known', () => {
  it('block → send → unblock → send → report: the gap is "refused while the reporter had blocked the sender", not an omission', async () => {
    const [alice, bob] = await Promise.all([createUser(srv.url, 'gap-alice'), createUser(srv.url, 'gap-bob')]);
    const conv = await directConversation(srv.url, alice, bob);
    const m1 = await send(alice, conv, bob, 1, 'hello bob');
    expect((await api(srv.url, 'PUT', `/v1/blocks/${alice.id}`, undefined, bob.token)).status).toBe(200);
    const m2 = await send(alice, conv, bob, 2, 'the refused one', m1); // alice is not told
    expect((await api(srv.url, 'DELETE', `/v1/blocks/${alice.id}`, undefined, bob.token)).status).toBe(200);
    const m3 = await send(alice, conv, bob, 3, 'abuse after the unblock', m2);
    const envs = await inbox(bob);
    expect(envs.map((e) => e.stamp.messageId)).not.toContain((m2.res.json as { messageId: string }).messageId);

    const ctx = await gapsOf(await report(bob, envs, m3, [m1]));
    expect(ctx.senders[0]?.missing).toEqual([2]);
    expect(ctx.gaps).toEqual([{ conversationId: conv, senderId: alice.id, fromSeq: 2, toSeq: 2, count: 1, refusedWhileBlocked: 1, expiredUndelivered: 0, notIncluded: 0 }]);

    // the record holds metadata only: no ciphertext, no commitment, no text
    const rows = await srv.services.db.undeliveredRecord.findMany({ where: { recipientId: bob.id } });
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0] as object).sort()).toEqual(['conversationId', 'expiresAt', 'messageId', 'reason', 'recipientId', 'senderDeviceId', 'senderId', 'serverTime']);
    expect(rows[0]?.reason).toBe('blocked');
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('refused one');
    // kept exactly as long as the report window
    expect(rows[0]?.expiresAt.getTime()).toBe(Number(rows[0]?.serverTime) + srv.config.reportWindowMs);
  });

  it('a message the reporter received and left out is "not included in the report"; a refused one in the same gap is counted apart', async () => {
    const [alice, bob] = await Promise.all([createUser(srv.url, 'gap-alice2'), createUser(srv.url, 'gap-bob2')]);
    const conv = await directConversation(srv.url, alice, bob);
    const m1 = await send(alice, conv, bob, 1, 'one');
    const m2 = await send(alice, conv, bob, 2, 'two (received, left out)', m1);
    await api(srv.url, 'PUT', `/v1/blocks/${alice.id}`, undefined, bob.token);
    const m3 = await send(alice, conv, bob, 3, 'three (refused)', m2);
    await api(srv.url, 'DELETE', `/v1/blocks/${alice.id}`, undefined, bob.token);
    const m4 = await send(alice, conv, bob, 4, 'four', m3);
    const envs = await inbox(bob);
    const ctx = await gapsOf(await report(bob, envs, m4, [m1]));
    expect(ctx.gaps).toEqual([expect.objectContaining({ fromSeq: 2, toSeq: 3, count: 2, refusedWhileBlocked: 1, expiredUndelivered: 0, notIncluded: 1 })]);
  });

  it('another reporter\'s refusals, or refusals outside the gap, explain nothing', async () => {
    const [alice, bob, carol] = await Promise.all([createUser(srv.url, 'gap-alice3'), createUser(srv.url, 'gap-bob3'), createUser(srv.url, 'gap-carol3')]);
    const conv = await directConversation(srv.url, alice, bob);
    const other = await directConversation(srv.url, alice, carol);
    await api(srv.url, 'PUT', `/v1/blocks/${alice.id}`, undefined, carol.token);
    await api(srv.url, 'PUT', `/v1/blocks/${alice.id}`, undefined, bob.token);
    await send(alice, conv, bob, 1, 'refused before the window the report shows');
    await api(srv.url, 'DELETE', `/v1/blocks/${alice.id}`, undefined, bob.token);
    const m2 = await send(alice, conv, bob, 2, 'two');
    await send(alice, other, carol, 1, 'refused to carol');
    const m4 = await send(alice, conv, bob, 4, 'four (3 was never sent to bob: left out by nobody the server knows)', m2);
    const ctx = await gapsOf(await report(bob, await inbox(bob), m4, [m2]));
    expect(ctx.gaps).toEqual([expect.objectContaining({ fromSeq: 3, toSeq: 3, refusedWhileBlocked: 0, expiredUndelivered: 0, notIncluded: 1 })]);
  });

  it('an envelope that expired before the reporter collected it is recorded by the sweeper and counted as never delivered', async () => {
    const [alice, bob] = await Promise.all([createUser(srv.url, 'gap-alice4'), createUser(srv.url, 'gap-bob4')]);
    const conv = await directConversation(srv.url, alice, bob);
    const m1 = await send(alice, conv, bob, 1, 'one');
    const early = await inbox(bob);
    await api(srv.url, 'POST', '/v1/messages/ack', { ids: early.map((e) => e.id) }, bob.token);
    const m2 = await send(alice, conv, bob, 2, 'two, never collected', m1);
    // the sweeper runs after the envelope's time to live: it records, then deletes
    const later = new Date(Date.now() + srv.config.envelopeTtlMs + 1000);
    expect(await srv.services.undelivered.recordExpired(later)).toBeGreaterThanOrEqual(1);
    await srv.services.relay.sweep(later);
    const m3 = await send(alice, conv, bob, 3, 'three', m2);
    const envs = [...early, ...(await inbox(bob))];
    expect(envs.map((e) => e.stamp.messageId)).not.toContain((m2.res.json as { messageId: string }).messageId);
    const ctx = await gapsOf(await report(bob, envs, m3, [m1]));
    expect(ctx.gaps).toEqual([expect.objectContaining({ fromSeq: 2, toSeq: 2, refusedWhileBlocked: 0, expiredUndelivered: 1, notIncluded: 0 })]);
  });

  it('records leave with the report window; the report keeps its account of the gap', async () => {
    const [alice, bob] = await Promise.all([createUser(srv.url, 'gap-alice5'), createUser(srv.url, 'gap-bob5')]);
    const conv = await directConversation(srv.url, alice, bob);
    const m1 = await send(alice, conv, bob, 1, 'one');
    await api(srv.url, 'PUT', `/v1/blocks/${alice.id}`, undefined, bob.token);
    const m2 = await send(alice, conv, bob, 2, 'two', m1);
    await api(srv.url, 'DELETE', `/v1/blocks/${alice.id}`, undefined, bob.token);
    const m3 = await send(alice, conv, bob, 3, 'three', m2);
    const reportId = await report(bob, await inbox(bob), m3, [m1]);
    await srv.services.undelivered.sweep(new Date(Date.now() + srv.config.reportWindowMs + 1000));
    expect(await srv.services.db.undeliveredRecord.count({ where: { recipientId: bob.id } })).toBe(0);
    expect((await gapsOf(reportId)).gaps).toEqual([expect.objectContaining({ refusedWhileBlocked: 1, notIncluded: 0 })]);
  });

  it('a report stored before gaps and protocol messages were recorded still opens for the moderator and the reporter', async () => {
    const [alice, bob] = await Promise.all([createUser(srv.url, 'old-alice'), createUser(srv.url, 'old-bob')]);
    const conv = await directConversation(srv.url, alice, bob);
    const m1 = await send(alice, conv, bob, 1, 'first');
    const m2 = await send(alice, conv, bob, 2, 'left out', m1);
    const m3 = await send(alice, conv, bob, 3, 'third', m2);
    const reportId = await report(bob, await inbox(bob), m3, [m1]);
    // The analysis as an earlier version stored it: no `gaps`, no per-sender `protocol` list.
    const row = await srv.services.db.report.findUniqueOrThrow({ where: { id: reportId } });
    const stored = JSON.parse(row.contextSummary) as { gaps?: unknown; senders: Array<Record<string, unknown>> };
    delete stored.gaps;
    for (const sender of stored.senders) delete sender.protocol;
    await srv.services.db.report.update({ where: { id: reportId }, data: { contextSummary: JSON.stringify(stored) } });

    const view = await modApi<{ context: { gaps: Gap[]; senders: Array<{ summary: string }> } }>(srv.url, mod, 'GET', `/v1/mod/reports/${reportId}`);
    expect(view.status).toBe(200);
    expect(view.json.context.senders[0]?.summary).toMatch(/1 missing|missing.*2/);
    expect(view.json.context.gaps).toEqual([expect.objectContaining({ fromSeq: 2, toSeq: 2, notIncluded: 1, refusedWhileBlocked: 0 })]);
    const own = await api<{ context: { senders: Array<{ protocol: number[] }> } }>(srv.url, 'GET', `/v1/reports/${reportId}`, undefined, bob.token);
    expect(own.status).toBe(200);
    expect(own.json.context.senders[0]?.protocol).toEqual([]);
  });
});
