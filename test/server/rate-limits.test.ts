// Rate limits on auth (per client address), send and report (per account): the limit is enforced with a
// 429 problem+json `rate_limited`, and one account's burst does not limit another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiResult,
  type EnvelopeJson,
  type TestServer,
  type TestUser,
  api,
  createUser,
  directConversation,
  isProblem,
  reportItem,
  sendText,
  startTestServer,
} from './_harness.ts';

const rateLimited = (r: ApiResult) => r.status === 429 && isProblem(r) && (r.json as { code?: string }).code === 'rate_limited';

describe('auth rate limit (per address)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ rateLimits: { auth: 3, send: 1_000, report: 1_000, windowMs: 60_000 } });
  });
  afterAll(() => server.stop());

  it('the 4th auth request in the window is refused with 429 rate_limited', async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await api(server.url, 'POST', '/v1/auth/challenge', { userId: `nobody-${i}` }));
    expect(results.slice(0, 3).every((r) => r.status !== 429)).toBe(true);
    expect(rateLimited(results[3]!)).toBe(true);
  });
});

describe('send and report rate limits (per account)', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let conversation: string;
  beforeAll(async () => {
    server = await startTestServer({ rateLimits: { auth: 1_000, send: 3, report: 1, windowMs: 60_000 } });
    [alice, bob, carol] = await Promise.all([createUser(server.url, 'alice'), createUser(server.url, 'bob'), createUser(server.url, 'carol')]);
    conversation = await directConversation(server.url, alice, bob);
  });
  afterAll(() => server.stop());

  it('the 4th send of one account is refused; another account can still send', async () => {
    const statuses = [];
    for (let seq = 1; seq <= 4; seq++) statuses.push((await sendText(server.url, alice, conversation, [bob], seq, `m${seq}`)).res);
    expect(statuses.slice(0, 3).map((r) => r.status)).toEqual([201, 201, 201]);
    expect(rateLimited(statuses[3]!)).toBe(true);
    const carolConversation = await directConversation(server.url, carol, bob);
    expect((await sendText(server.url, carol, carolConversation, [bob], 1, 'hi')).res.status).toBe(201);
  });

  it('the 2nd report of one account in the window is refused', async () => {
    const mail = await api<{ envelopes: EnvelopeJson[] }>(server.url, 'GET', '/v1/messages', undefined, bob.token);
    const fromAlice = mail.json.envelopes.filter((e) => e.stamp.senderId === 'alice');
    expect(fromAlice.length).toBeGreaterThanOrEqual(2);
    // The opening is not needed for the limiter to count: a malformed item is refused after counting, too.
    const first = await api(server.url, 'POST', '/v1/reports', { category: 'spam', reported: reportItem(fromAlice[0]!.stamp, { commitment: new Uint8Array(32), fk: new Uint8Array(32), headerBytes: new Uint8Array(1) }, 'x') }, bob.token);
    expect(first.status).not.toBe(429);
    const second = await api(server.url, 'POST', '/v1/reports', { category: 'spam', reported: reportItem(fromAlice[1]!.stamp, { commitment: new Uint8Array(32), fk: new Uint8Array(32), headerBytes: new Uint8Array(1) }, 'y') }, bob.token);
    expect(rateLimited(second)).toBe(true);
  });
});
