// Every endpoint: wrong types, missing and unknown fields, bad base64, oversize bodies, wrong auth and
// random bodies → 4xx problem+json, never 5xx; the server stays healthy.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResult, type TestServer, type TestUser, api, createUser, directConversation, isProblem, startTestServer } from './_harness.ts';

let srv: TestServer;
let base: string;
let alice: TestUser;
let bob: TestUser;
let conv: string;

beforeAll(async () => {
  srv = await startTestServer({}, { logLevel: 'info' });
  base = srv.url;
  [alice, bob] = await Promise.all([createUser(base, 'alice'), createUser(base, 'bob')]);
  conv = await directConversation(base, alice, bob);
});
afterAll(async () => srv?.stop());

const B32 = 'A'.repeat(43);
const B64 = 'A'.repeat(86);
const stamp = { messageId: 'm1', conversationId: 'c1', senderId: 'alice', recipientId: 'bob', role: 'recipient', serverTime: 1, kid: 'k', tag: B32 };
const item = { stamp, commitment: B32, fk: B32, header: 'AAAA', body: 'AAAA' };

interface Endpoint {
  method: string;
  path: string;
  auth: boolean;
  valid: () => Record<string, unknown> | undefined;
}
const endpoints = (): Endpoint[] => [
  { method: 'POST', path: '/v1/accounts', auth: false, valid: () => ({ userId: 'zed', identitySigningKey: B32, identityDhKey: B32, signature: B64 }) },
  { method: 'POST', path: '/v1/auth/challenge', auth: false, valid: () => ({ userId: 'alice' }) },
  { method: 'POST', path: '/v1/auth/token', auth: false, valid: () => ({ userId: 'alice', challenge: B32, signature: B64 }) },
  { method: 'PUT', path: '/v1/keys', auth: true, valid: () => ({ identitySigningKey: B32, identityDhKey: B32, signedPreKey: { id: 1, publicKey: B32, signature: B64 }, oneTimePreKeys: [] }) },
  { method: 'POST', path: '/v1/conversations', auth: true, valid: () => ({ kind: 'direct', peerId: 'bob' }) },
  { method: 'POST', path: '/v1/messages', auth: true, valid: () => ({ conversationId: conv, commitment: B32, envelopes: [{ recipientId: 'bob', ciphertext: 'AAAA' }] }) },
  { method: 'POST', path: '/v1/messages/ack', auth: true, valid: () => ({ ids: ['x'] }) },
  { method: 'POST', path: '/v1/reports', auth: true, valid: () => ({ category: 'spam', reported: item }) },
  { method: 'POST', path: '/v1/mod/accounts/bob/status', auth: true, valid: () => ({ status: 'banned' }) },
];
const getEndpoints = ['/v1/accounts/me', '/v1/keys/bob', '/v1/conversations', `/v1/conversations/x`, '/v1/messages', '/v1/reports', '/v1/reports/r1', '/v1/mod/events?subjectType=account&subjectId=bob'];

function expect4xxProblem(r: ApiResult, what: string) {
  expect(r.status, `${what}: ${JSON.stringify(r.json)}`).toBeGreaterThanOrEqual(400);
  expect(r.status, what).toBeLessThan(500);
  expect(isProblem(r), `${what}: problem+json`).toBe(true);
}

/** Mutations of a valid body that must all be refused. */
function mutations(valid: Record<string, unknown>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [['unknown field', { ...valid, extra: 1 }], ['array body', [valid]], ['null body', null], ['string body', 'hello']];
  for (const k of Object.keys(valid)) {
    const { [k]: _omit, ...rest } = valid;
    out.push([`missing ${k}`, rest]);
    out.push([`${k} wrong type (number)`, { ...valid, [k]: 12345 }]);
    out.push([`${k} wrong type (object)`, { ...valid, [k]: { a: 1 } }]);
    if (typeof valid[k] === 'string') out.push([`${k} bad base64/id`, { ...valid, [k]: '!!!not base64==' }]);
  }
  return out;
}

describe('every endpoint refuses bad input with 4xx problem+json', () => {
  it.each(endpoints().map((e) => [`${e.method} ${e.path}`, e] as const))('%s', async (_name, e) => {
    const token = e.auth ? alice.token : undefined;
    for (const [what, body] of mutations(e.valid() as Record<string, unknown>))
      expect4xxProblem(await api(base, e.method, e.path, JSON.stringify(body), token), `${e.path} ${what}`);
    expect4xxProblem(await api(base, e.method, e.path, '{"truncated": ', token), `${e.path} malformed json`);
    expect4xxProblem(await api(base, e.method, e.path, 'userId=x', token, { 'content-type': 'application/x-www-form-urlencoded' }), `${e.path} form body`);
    const huge = JSON.stringify({ ...e.valid(), pad: 'A'.repeat(e.path.includes('messages') || e.path.includes('reports') ? 25 * 1024 * 1024 : 100 * 1024) });
    const big = await api(base, e.method, e.path, huge, token);
    expect4xxProblem(big, `${e.path} oversize`);
    if (e.auth) {
      for (const bad of [undefined, 'Bearer', 'Bearer nonsense', `Bearer ${'A'.repeat(43)}`, `Basic ${alice.token}`]) {
        const r = await api(base, e.method, e.path, e.valid(), undefined, bad ? { authorization: bad } : {});
        expect4xxProblem(r, `${e.path} auth ${bad}`);
        expect(r.status).toBe(401);
      }
    }
  });
  it('GET endpoints: bad auth, bad params and bad query strings', async () => {
    for (const p of getEndpoints) {
      expect4xxProblem(await api(base, 'GET', p), `${p} no auth`);
      expect4xxProblem(await api(base, 'GET', `${p}${p.includes('?') ? '&' : '?'}unknown=1`, undefined, alice.token), `${p} unknown query`);
    }
    for (const q of ['limit=0', 'limit=abc', 'wait=-1', 'wait=1000', 'limit=1&limit=2'])
      expect4xxProblem(await api(base, 'GET', `/v1/messages?${q}`, undefined, alice.token), `fetch ${q}`);
    expect4xxProblem(await api(base, 'GET', '/v1/keys/%E0%A4%A', undefined, alice.token), 'bad percent-encoding');
    expect4xxProblem(await api(base, 'GET', `/v1/keys/${'x'.repeat(65)}`, undefined, alice.token), 'too-long id');
    expect4xxProblem(await api(base, 'GET', '/v1/nope', undefined, alice.token), 'unknown route');
  });
  it('a problem detail never echoes the input', async () => {
    const marker = 'SECRET-MARKER-12345';
    const r = await api(base, 'POST', '/v1/messages', `{"conversationId": "${marker}", "x": "${marker}`, alice.token);
    expect(JSON.stringify(r.json)).not.toContain(marker);
  });
});

describe('fuzz', () => {
  it('2,000+ random bodies across endpoints: 0 × 5xx, server healthy afterwards', async () => {
    const eps = endpoints();
    const jsonish = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ conversationId: fc.constantFrom(conv, 'c', ''), commitment: fc.string(), envelopes: fc.array(fc.record({ recipientId: fc.constantFrom('bob', 'alice', 'x'), ciphertext: fc.base64String() }), { maxLength: 3 }) }),
      fc.record({ category: fc.constantFrom('spam', 'x'), reported: fc.record({ stamp: fc.jsonValue({ maxDepth: 1 }), commitment: fc.string(), fk: fc.string(), header: fc.string(), body: fc.string() }) }),
      fc.record({ userId: fc.string({ maxLength: 70 }), challenge: fc.string(), signature: fc.string() }),
    );
    const arb = fc.tuple(fc.integer({ min: 0, max: eps.length - 1 }), fc.oneof(jsonish.map((j) => JSON.stringify(j)), fc.string({ maxLength: 200 })), fc.boolean());
    let count = 0;
    let fiveXX = 0;
    await fc.assert(
      fc.asyncProperty(arb, async ([i, body, withAuth]) => {
        const e = eps[i] as Endpoint;
        const r = await api(base, e.method, e.path, body, withAuth ? bob.token : undefined);
        count++;
        if (r.status >= 500) fiveXX++;
        return r.status < 500 && (r.status < 400 || isProblem(r));
      }),
      { numRuns: 2100, seed: 20261122 },
    );
    expect(count).toBeGreaterThanOrEqual(2000);
    expect(fiveXX).toBe(0);
    expect((await api(base, 'GET', '/healthz')).status).toBe(200);
    expect((await api(base, 'GET', '/v1/accounts/me', undefined, alice.token)).status).toBe(200);
    expect(srv.logs.text).not.toContain('"level":50');
  });
});
