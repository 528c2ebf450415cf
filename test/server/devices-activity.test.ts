// "Last active" of a device (docs/PROTOCOL-devices.md D8.3): recorded by an authenticated request or a push socket as the
// start of its 10-minute window, written at most once per window by all processes together, read only by the account's
// own devices (GET /v1/me/devices/activity), bad input a problem. SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { deviceActivityRepo } from '../../server/data/device-activity.ts';
import { ACTIVITY_WINDOW_MS, DeviceActivityService } from '../../server/services/devices/index.ts';
import { type DevicePerson, devicePerson } from './_device-report.ts';
import { api, b64, createUser, isProblem, startTestServer, type TestServer } from './_harness.ts';

const PATH = '/v1/me/devices/activity';
type Activity = { devices: Array<{ deviceId: number; lastSeenAt: string | null }> };
const windowOf = (t: number) => t - (t % ACTIVITY_WINDOW_MS);

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

const activity = async (token: string) => {
  const r = await api<Activity>(srv.url, 'GET', PATH, undefined, token);
  expect(r.status).toBe(200);
  return new Map(r.json.devices.map((d) => [d.deviceId, d.lastSeenAt]));
};

async function openSocket(token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/v1/stream`);
  const frames: Array<{ type: string }> = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'auth', token }));
  for (let i = 0; i < 300 && !frames.some((f) => f.type === 'ready'); i++) await new Promise((r) => setTimeout(r, 10));
  expect(frames.some((f) => f.type === 'ready')).toBe(true);
  return ws;
}

describe('last active is recorded on use (D8.3)', () => {
  let alice: DevicePerson;
  beforeAll(async () => {
    alice = await devicePerson(srv.url, 'seen', 3);
  });

  it('an authenticated request records its device, as the start of its 10-minute window; sign-in alone does not', async () => {
    const before = windowOf(Date.now());
    // Device 1 linked devices 2 and 3 with its token; 2 and 3 only signed in (a public request).
    const seen = await activity(alice.tokens.get(1)!);
    const after = windowOf(Date.now());
    expect([...seen.keys()]).toEqual([1, 2, 3]);
    const t1 = Date.parse(seen.get(1)!);
    expect(t1 === before || t1 === after).toBe(true);
    expect(t1 % ACTIVITY_WINDOW_MS).toBe(0);
    expect(seen.get(2)).toBeNull();
    expect(seen.get(3)).toBeNull();

    expect((await api(srv.url, 'GET', '/v1/accounts/me', undefined, alice.tokens.get(2)!)).status).toBe(200);
    const t2 = (await activity(alice.tokens.get(1)!)).get(2);
    expect(t2 && Date.parse(t2) % ACTIVITY_WINDOW_MS).toBe(0);
    expect(t2 && Date.parse(t2)).toBeGreaterThanOrEqual(before);
  });

  it('a push socket records its device', async () => {
    const ws = await openSocket(alice.tokens.get(3)!);
    try {
      const t3 = (await activity(alice.tokens.get(1)!)).get(3);
      expect(t3).not.toBeNull();
      expect(Date.parse(t3!)).toBe(windowOf(Date.parse(t3!)));
    } finally {
      ws.close();
    }
  });

  it('the SDK reads it (ApiClient.deviceActivity, answers checked against the contract)', async () => {
    const client = new ApiClient({ baseUrl: srv.url, token: alice.tokens.get(2)!, validateResponses: userOperations });
    const devices = await client.deviceActivity();
    expect(devices.map((d) => d.deviceId)).toEqual([1, 2, 3]);
    expect(devices.every((d) => d.lastSeenAt !== null)).toBe(true);
  });

  it('a removed device leaves the answer, is signed out, and is never written again', async () => {
    const p = await devicePerson(srv.url, 'gone', 2);
    expect((await api(srv.url, 'GET', '/v1/accounts/me', undefined, p.tokens.get(2)!)).status).toBe(200);
    p.acc.remove(1, [2], Date.now());
    expect((await api(srv.url, 'PUT', '/v1/devices', { list: b64(p.acc.current.bytes) }, p.tokens.get(1)!)).status).toBe(201);
    expect([...(await activity(p.tokens.get(1)!)).keys()]).toEqual([1]);
    const refused = await api(srv.url, 'GET', PATH, undefined, p.tokens.get(2)!);
    expect([refused.status, (refused.json as { code?: string }).code]).toEqual([401, 'invalid_token']);
    const later = new DeviceActivityService(deviceActivityRepo(srv.services.db));
    expect(await later.seen(p.acc.accountId, 2, Date.now() + 2 * ACTIVITY_WINDOW_MS)).toBe(false);
  });
});

describe('written at most once per window, by all processes together (D8.3)', () => {
  it('one process writes once per window; another process\'s write in the same window changes nothing; the next window writes', async () => {
    const p = await devicePerson(srv.url, 'throttle', 1);
    const id = p.acc.accountId;
    const repo = deviceActivityRepo(srv.services.db);
    let marks = 0;
    const counted = { ...repo, mark: (...a: Parameters<typeof repo.mark>) => (marks++, repo.mark(...a)) };
    const one = new DeviceActivityService(counted);
    const two = new DeviceActivityService(repo);
    // A window well after any the server itself recorded, so only these calls write.
    const t0 = windowOf(Date.now()) + 100 * ACTIVITY_WINDOW_MS;

    expect(await one.seen(id, 1, t0 + 1_000)).toBe(true);
    for (let i = 0; i < 50; i++) expect(one.seen(id, 1, t0 + 2_000 + i * 10_000)).toBeNull();
    expect(marks).toBe(1);
    expect(await two.seen(id, 1, t0 + 300_000)).toBe(false);
    // This process remembers a later window (no query); a fresh one whose clock lags never moves the time back.
    expect(two.seen(id, 1, t0 - ACTIVITY_WINDOW_MS)).toBeNull();
    expect(await new DeviceActivityService(repo).seen(id, 1, t0 - ACTIVITY_WINDOW_MS)).toBe(false);
    expect((await one.list(id))[0]?.lastSeenAt).toBe(new Date(t0).toISOString());

    expect(await one.seen(id, 1, t0 + ACTIVITY_WINDOW_MS + 5)).toBe(true);
    expect(marks).toBe(2);
    expect((await two.list(id))[0]?.lastSeenAt).toBe(new Date(t0 + ACTIVITY_WINDOW_MS).toISOString());
  });

  it('many requests of one device within a window leave one time, not one per request', async () => {
    const p = await devicePerson(srv.url, 'many', 1);
    const token = p.tokens.get(1)!;
    const first = (await activity(token)).get(1);
    await Promise.all(Array.from({ length: 20 }, () => api(srv.url, 'GET', '/v1/accounts/me', undefined, token)));
    const last = (await activity(token)).get(1);
    // Same window (or, if the test crossed a window boundary, the next one): never a request's own time.
    expect(Date.parse(last!) - Date.parse(first!)).toBeLessThanOrEqual(ACTIVITY_WINDOW_MS);
    expect(Date.parse(last!) % ACTIVITY_WINDOW_MS).toBe(0);
  });
});

describe('only the account\'s own devices read it (D8.1, D8.3)', () => {
  it('another account\'s token answers with that account\'s devices only; no path names an account', async () => {
    const alice = await devicePerson(srv.url, 'own-a', 2);
    const bob = await devicePerson(srv.url, 'own-b', 1);
    const bobs = await api<Activity>(srv.url, 'GET', PATH, undefined, bob.tokens.get(1)!);
    expect(bobs.json.devices.map((d) => d.deviceId)).toEqual([1]);
    expect(JSON.stringify(bobs.json)).not.toContain(alice.acc.accountId);
    // What any account may read of alice's devices (her public lists, D8.1) carries no activity.
    const lists = await api(srv.url, 'GET', `/v1/devices/${alice.acc.accountId}`, undefined, bob.tokens.get(1)!);
    expect(lists.status).toBe(200);
    expect(JSON.stringify(lists.json)).not.toMatch(/lastSeen/i);
    for (const path of [`${PATH}/${alice.acc.accountId}`, `/v1/devices/${alice.acc.accountId}/activity`]) {
      const r = await api(srv.url, 'GET', path, undefined, bob.tokens.get(1)!);
      expect(r.status).toBe(404);
      expect(isProblem(r)).toBe(true);
    }
  });

  it('an account without a device list has no devices here', async () => {
    const legacy = await createUser(srv.url);
    expect((await api<Activity>(srv.url, 'GET', PATH, undefined, legacy.token)).json).toEqual({ devices: [] });
  });
});

describe('bad input is a problem (RFC 9457), never a 500', () => {
  it.each([
    ['no token', undefined, '', 401, 'unauthorized'],
    ['a malformed token', 'not-a-token', '', 401, 'invalid_token'],
    ['an unknown token', 'A'.repeat(43), '', 401, 'invalid_token'],
    ['a query parameter', 'valid', '?accountId=someone', 400, 'validation_failed'],
  ])('%s', async (_name, token, query, status, code) => {
    const bob = token === 'valid' ? (await devicePerson(srv.url, 'bad', 1)).tokens.get(1)! : token;
    const r = await api(srv.url, 'GET', PATH + query, undefined, bob);
    expect([r.status, (r.json as { code?: string }).code]).toEqual([status, code]);
    expect(isProblem(r)).toBe(true);
  });
});
