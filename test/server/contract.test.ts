// The HTTP API is written down once (client/transport/contract/, docs/API.md "Endpoints"): the server mounts exactly
// the contract's operations, the SDK's zod-free heads are those operations' heads, every error code the server can
// send is in the contract's union, and invoke refuses an answer that breaks the contract when asked to check.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../client/transport/api.ts';
import { ApiError } from '../../client/transport/api-error.ts';
import { ERROR_CODES } from '../../client/transport/contract/errors.ts';
import { endpoints } from '../../client/transport/contract/endpoints.ts';
import { moderationOperations } from '../../client/transport/contract/moderation/operations.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { ProblemSchema } from '../../client/transport/contract/problem.ts';
import { invoke } from '../../client/transport/invoke.ts';
import { createApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { ERROR_CODES as SERVER_ERROR_CODES } from '../../server/errors.ts';
import { problemFor } from '../../server/problem.ts';
import type { Services } from '../../server/services/index.ts';
import { allRoutes } from '../../server/routes/index.ts';

const operations = { ...userOperations, ...moderationOperations };
const toExpressPath = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');

/** Services that are never called: building the app and its routes only reads their shape. */
function stubServices(): Services {
  const stub: unknown = new Proxy(function () {}, {
    get: (_t, k) => (k === 'then' ? undefined : k === Symbol.toPrimitive ? () => 0 : stub),
    apply: () => stub,
  });
  // No shared rate-limit store: each limiter keeps its own in memory, as a single process does.
  const shared = { rateLimitStore: () => undefined };
  return new Proxy({}, { get: (_t, k) => (k === 'config' ? loadConfig({}) : k === 'shared' ? shared : stub) }) as Services;
}

describe('the server mounts the contract', () => {
  it('every mounted API route is a contract operation and every operation is mounted, once', () => {
    const app = createApp(stubServices()) as unknown as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } };
    const mounted = app.router.stack
      .flatMap((l) => (l.route ? Object.keys(l.route.methods).map((m) => `${m} ${l.route?.path}`) : []))
      .filter((r) => / \/(v1|\.well-known)\//.test(r));
    const declared = Object.values(operations).map((op) => `${op.method} ${toExpressPath(op.path)}`);
    expect(new Set(mounted).size).toBe(mounted.length);
    expect([...mounted].sort()).toEqual([...declared].sort());
  });

  it("each route's method, path, auth, errors and schemas are its operation's (the same objects)", () => {
    const routes = allRoutes(stubServices());
    expect(routes.map((r) => r.spec.operationId).sort()).toEqual(Object.keys(operations).sort());
    for (const { spec } of routes) {
      const op = operations[spec.operationId as keyof typeof operations];
      expect(op.operationId).toBe(spec.operationId);
      for (const k of ['method', 'path', 'auth', 'errors', 'statuses', 'summary', 'tag', 'rateLimit', 'params', 'query', 'body', 'rawBody', 'response'] as const)
        expect(spec[k as keyof typeof spec], `${spec.operationId}.${k}`).toBe(op[k as keyof typeof op]);
    }
  });

  it('operation ids are unique across the user and moderator APIs, and keyed by their own id', () => {
    const ids = [...Object.keys(userOperations), ...Object.keys(moderationOperations)];
    expect(new Set(ids).size).toBe(ids.length);
    for (const [id, op] of Object.entries(operations)) expect(op.operationId).toBe(id);
  });
});

describe("the SDK's operation heads", () => {
  it('are exactly the heads of the user operations (the SDK sends what the server mounts)', () => {
    expect(Object.keys(endpoints).sort()).toEqual(Object.keys(userOperations).sort());
    for (const [id, head] of Object.entries(endpoints)) {
      const op = userOperations[id as keyof typeof userOperations];
      expect({ operationId: op.operationId, method: op.method, path: op.path, auth: op.auth, errors: op.errors, ...('statuses' in op ? { statuses: op.statuses } : {}) }).toEqual(head);
    }
  });
});

describe('error codes', () => {
  it("the server's codes are the contract's list, and each maps to an HTTP status and a valid problem document", () => {
    expect(SERVER_ERROR_CODES).toBe(ERROR_CODES);
    for (const code of ERROR_CODES) {
      const p = problemFor(code, 'detail');
      expect(ProblemSchema.safeParse(p).success, code).toBe(true);
      expect(p.status).toBeGreaterThanOrEqual(400);
    }
  });
  it("every operation's named errors are contract codes", () => {
    for (const op of Object.values(operations)) for (const code of op.errors) expect(ERROR_CODES, `${op.operationId}: ${code}`).toContain(code);
  });
});

describe('invoke checks answers against the contract', () => {
  let server: http.Server;
  let base: string;
  /** What the tiny server answers next: status and JSON body. */
  let next: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(next.status, { 'content-type': next.status < 400 ? 'application/json' : 'application/problem+json' });
      res.end(JSON.stringify(next.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a success body of the wrong shape when validating, and passes it through when not', async () => {
    next = { status: 200, body: { userId: 42 } };
    const input = { params: { handle: 'alice' } };
    await expect(invoke(userOperations.lookupAccount, input, { baseUrl: base, token: 't', validateResponse: true })).rejects.toThrow(TypeError);
    await expect(invoke(userOperations.lookupAccount, input, { baseUrl: base, token: 't', validateResponse: true })).rejects.toThrow(/lookupAccount.*userId/);
    await expect(invoke(userOperations.lookupAccount, input, { baseUrl: base, token: 't' })).resolves.toEqual({ userId: 42 });
    next = { status: 200, body: { userId: 'alice' } };
    await expect(invoke(userOperations.lookupAccount, input, { baseUrl: base, token: 't', validateResponse: true })).resolves.toEqual({ userId: 'alice' });
  });

  it('refuses an extra member (the response schemas are strict) and a moderator answer of the wrong shape', async () => {
    next = { status: 200, body: { ok: true, extra: 1 } };
    await expect(invoke(userOperations.logout, {}, { baseUrl: base, token: 't', validateResponse: true })).rejects.toThrow(TypeError);
    next = { status: 200, body: { moderators: [{ id: 'x' }] } };
    await expect(invoke(moderationOperations.listModerators, {}, { baseUrl: base, validateResponse: true })).rejects.toThrow(/listModerators/);
  });

  it('turns a problem into an ApiError, and refuses a code the contract does not name when validating', async () => {
    next = { status: 409, body: { type: 'urn:x', title: 'Taken', status: 409, detail: 'taken', code: 'user_exists' } };
    const e = await invoke(userOperations.register, { body: { userId: 'a', identitySigningKey: '', identityDhKey: '', signature: '' } }, { baseUrl: base, validateResponse: true }).catch((x: unknown) => x);
    expect(ApiError.is(e, 'user_exists')).toBe(true);
    next = { status: 409, body: { type: 'urn:x', title: 'New', status: 409, detail: 'new', code: 'not_in_the_contract' } };
    await expect(invoke(userOperations.getMe, {}, { baseUrl: base, token: 't', validateResponse: true })).rejects.toThrow(/not_in_the_contract/);
    const loose = await invoke(userOperations.getMe, {}, { baseUrl: base, token: 't' }).catch((x: unknown) => x);
    expect(loose).toBeInstanceOf(ApiError);
  });

  it("ApiClient's validateResponses checks every answer of its methods", async () => {
    next = { status: 200, body: { conversations: [{ id: 'c1' }] } };
    const checked = new ApiClient({ baseUrl: base, token: 't', validateResponses: userOperations });
    await expect(checked.listConversations()).rejects.toThrow(/listConversations/);
    const unchecked = new ApiClient({ baseUrl: base, token: 't' });
    await expect(unchecked.listConversations()).resolves.toEqual([{ id: 'c1' }]);
  });

  it('fills path templates and query from the input, URI-encoded', async () => {
    let seen = '';
    const fetchSpy: typeof fetch = async (url) => {
      seen = String(url);
      return new Response(JSON.stringify({ userId: 'a b' }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    await invoke(userOperations.lookupAccount, { params: { handle: 'a b/c' } }, { baseUrl: 'http://h', token: 't', fetch: fetchSpy });
    expect(seen).toBe('http://h/v1/accounts/lookup/a%20b%2Fc');
    await invoke(endpoints.fetchMessages, { query: { limit: 5, wait: undefined } }, { baseUrl: 'http://h', token: 't', fetch: fetchSpy });
    expect(seen).toBe('http://h/v1/messages?limit=5');
    // A missing path parameter is the caller's mistake, not a network failure.
    await expect(invoke(endpoints.lookupAccount, {}, { baseUrl: 'http://h', fetch: fetchSpy })).rejects.toThrow(TypeError);
  });
});
