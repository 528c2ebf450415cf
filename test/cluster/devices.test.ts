// Device lists across processes (docs/PROTOCOL-devices.md D7.2, D13.6; docs/SCALING.md): two server processes, one
// PostgreSQL database, one Redis. Submissions of one list version through different processes log exactly one (the
// log's append lock holds across processes); a list that removes a device, submitted through one process, closes that
// device's push socket on the other (4401 device_removed) and refuses its token there within 1 s, and every current
// device of the account, on either process, gets the `devices` frame of each logged version; a ban through one process
// closes every device's sockets on both (standing is the account's, D8.2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, deviceLogin, keys } from '../server/_devices.ts';
import { api, type ApiResult, b64, createUser } from '../server/_harness.ts';
import { type ClusterEnv, type PgDb, type ServerProcess, clusterEnv, freshPg, spawnCluster } from './_cluster.ts';
import { openPush } from './_socket.ts';

let db: PgDb;
let env: ClusterEnv;
let p: ServerProcess[];
let url: [string, string];

beforeAll(async () => {
  db = await freshPg();
  env = clusterEnv(db);
  p = await spawnCluster(env, 2);
  url = [p[0]!.url, p[1]!.url];
});
afterAll(async () => {
  await Promise.all((p ?? []).map((s) => s.stop()));
  await db?.drop();
});

const put = (base: string, list: Uint8Array, token: string) => api(base, 'PUT', '/v1/devices', { list: b64(list) }, token);
async function token(base: string, userId: string, deviceId: number, k: ReturnType<typeof keys>): Promise<string> {
  const r: ApiResult = await deviceLogin(base, userId, deviceId, k);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.token as string;
}
const deviceLeaves = async (accountId: string) =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "KtLeaf" WHERE "accountId" = $1 AND "kind" = 'device-list'`, [accountId]))[0]?.n);

describe('two processes, one database, one Redis', () => {
  it('one version submitted through both processes at once is logged once; the other gets the winner as current', async () => {
    const phone = keys();
    const acc = new Account(`cl-${Date.now().toString(36)}`);
    const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2 }, { id: 1, key: phone });
    expect((await api(url[0], 'POST', '/v1/accounts', { userId: acc.id, list: b64(genesis) })).status).toBe(201);
    acc.accept(genesis);
    const t = await token(url[1], acc.id, 1, phone);
    const candidates = Array.from({ length: 6 }, () => {
      const k = keys();
      return acc.next({ devices: [phone.entry(1), k.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, k);
    });
    const answers = await Promise.all(candidates.map((c, i) => put(url[i % 2] as string, c, t)));
    const won = answers.findIndex((r) => r.status === 201);
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    for (const [i, r] of answers.entries()) if (i !== won) expect([r.status, (r.json as { current?: string }).current]).toEqual([409, b64(candidates[won] as Uint8Array)]);
    expect(await deviceLeaves(acc.id)).toBe(2);
  });

  it('removing a device through process 1 closes its socket on process 2 as device_removed and refuses its token there within 1 s; the devices frame reaches both processes', async () => {
    const phone = keys();
    const laptop = keys();
    const acc = new Account(`cr-${Date.now().toString(36)}`);
    const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2 }, { id: 1, key: phone });
    expect((await api(url[0], 'POST', '/v1/accounts', { userId: acc.id, list: b64(genesis) })).status).toBe(201);
    acc.accept(genesis);
    const phoneToken = await token(url[0], acc.id, 1, phone);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect((await put(url[0], v2, phoneToken)).status).toBe(201);
    acc.accept(v2);
    const laptopToken = await token(url[1], acc.id, 2, laptop);
    expect((await api(url[1], 'GET', '/v1/me/notices', undefined, laptopToken)).status).toBe(200); // cached on process 2
    const s2 = await openPush(url[1], laptopToken);
    const phoneSocket = await openPush(url[1], phoneToken);
    const phoneSocket0 = await openPush(url[0], phoneToken);
    const v3 = acc.next({ devices: [phone.entry(1)], nextDeviceId: 3 }, { id: 1, key: phone });
    const t0 = Date.now();
    expect((await put(url[0], v3, phoneToken)).status).toBe(201);
    const c = await s2.closed;
    expect([c.code, c.reason]).toEqual([4401, 'device_removed']);
    expect(c.at - t0).toBeLessThan(1000);
    expect(s2.errorCode).toBe('device_removed');
    expect((await api(url[1], 'GET', '/v1/me/notices', undefined, laptopToken)).status).toBe(401);
    expect(Date.now() - t0).toBeLessThan(1500);
    // The device that stays keeps its socket and token, and hears of version 3 on both processes within 1 s.
    expect((await api(url[1], 'GET', '/v1/me/notices', undefined, phoneToken)).status).toBe(200);
    const devicesFrame = async (probe: typeof phoneSocket) => {
      for (let i = 0; i < 100 && !probe.frames.some((f) => f.type === 'devices'); i++) await new Promise((r) => setTimeout(r, 10));
      return probe.frames.filter((f) => f.type === 'devices');
    };
    for (const probe of [phoneSocket, phoneSocket0]) {
      const frames = await devicesFrame(probe);
      expect(frames.map(({ type, accountId, listVersion }) => ({ type, accountId, listVersion }))).toEqual([{ type: 'devices', accountId: acc.id, listVersion: 3 }]);
      expect((frames[0]?.at ?? Infinity) - t0).toBeLessThan(1000);
    }
    expect(s2.frames.filter((f) => f.type === 'devices')).toEqual([]); // the removed device is told nothing of the new list
    phoneSocket.close();
    phoneSocket0.close();
  });

  it('a ban through process 1 closes the sockets of every device of the account on both processes within 1 s and ends every device\'s session', async () => {
    const phone = keys();
    const laptop = keys();
    const acc = new Account(`cb-${Date.now().toString(36)}`);
    const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2 }, { id: 1, key: phone });
    expect((await api(url[0], 'POST', '/v1/accounts', { userId: acc.id, list: b64(genesis) })).status).toBe(201);
    acc.accept(genesis);
    const phoneToken = await token(url[0], acc.id, 1, phone);
    const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
    expect((await put(url[0], v2, phoneToken)).status).toBe(201);
    acc.accept(v2);
    const laptopToken = await token(url[1], acc.id, 2, laptop);
    const mod = await createUser(url[0]);
    await db.query(`UPDATE "Account" SET "role" = 'moderator' WHERE "id" = $1`, [mod.id]);
    const sockets = [await openPush(url[0], phoneToken), await openPush(url[1], phoneToken), await openPush(url[0], laptopToken), await openPush(url[1], laptopToken)];
    const t0 = Date.now();
    expect((await api(url[0], 'POST', `/v1/mod/accounts/${acc.id}/status`, { status: 'banned', reason: 'test' }, mod.token)).status).toBe(200);
    for (const sock of sockets) {
      const c = await sock.closed;
      expect([c.code, sock.errorCode]).toEqual([4403, 'account_banned']);
      expect(c.at - t0).toBeLessThan(1000);
    }
    expect(Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "Session" WHERE "accountId" = $1`, [acc.id]))[0]?.n)).toBe(0);
    for (const [u, t] of [[url[0], laptopToken], [url[1], phoneToken]] as const) expect((await api(u, 'GET', '/v1/me/notices', undefined, t)).status).toBe(401);
  });
});
