// Three server processes on three ports, one PostgreSQL database, one Redis (docs/SCALING.md "What lives where"): users
// connected to different processes exchange 1:1 and group messages live; long-poll wakes across processes; a retried
// send is idempotent through any process; rate limits hold across processes; logout, suspension and ban through one
// process close the sockets and refuse the token on the others within 1 s; a stamp made by one process verifies in a
// report through another, and a key rotation by the admin command reaches every process.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestUser, api, b64, createUser, directConversation, frankAndSeal, login, reportItem, sendText } from '../server/_harness.ts';
import { type ClusterEnv, type PgDb, type ServerProcess, admin, clusterEnv, freshPg, sleep, spawnCluster, spawnServer } from './_cluster.ts';
import { openPush } from './_socket.ts';
import { ServerMember } from '../groups/_server-member.ts';

const SEND_LIMIT = 20;
let db: PgDb;
let env: ClusterEnv;
let p: ServerProcess[];
let url: [string, string, string];

beforeAll(async () => {
  db = await freshPg();
  env = clusterEnv(db, { extra: { RATE_LIMIT_SEND: String(SEND_LIMIT), KEYRING_CHECK_SECONDS: '60' } });
  p = await spawnCluster(env, 3);
  url = [p[0]!.url, p[1]!.url, p[2]!.url];
});
afterAll(async () => {
  await Promise.all((p ?? []).map((s) => s.stop()));
  await db?.drop();
});

const send = (base: string, from: TestUser, conversationId: string, to: TestUser[], seq: number, text: string) => sendText(base, from, conversationId, to, seq, text);

describe('three processes, one database, one Redis', () => {
  it('answers /healthz and /readyz (database and Redis reachable)', async () => {
    for (const u of url) {
      expect((await api(u, 'GET', '/healthz')).status).toBe(200);
      const r = await api<{ checks: Record<string, string> }>(u, 'GET', '/readyz');
      expect(r.status).toBe(200);
      expect(r.json.checks).toEqual({ database: 'ok', redis: 'ok', storage: 'ok' });
    }
  });

  it('users on different processes exchange 1:1 messages live (within 2 s)', async () => {
    const [alice, bob, carol] = [await createUser(url[0]), await createUser(url[1]), await createUser(url[2])];
    const ab = await directConversation(url[0], alice, bob);
    const pushA = await openPush(url[0], alice.token);
    const pushB = await openPush(url[1], bob.token);
    const pushC = await openPush(url[2], carol.token);
    // 1:1: alice sends through process 1, bob listens on process 2, and back.
    const t0 = Date.now();
    for (let i = 1; i <= 5; i++) expect((await send(url[0], alice, ab, [bob], i, `a${i}`)).res.status).toBe(201);
    // a later message through process 2 does not make the earlier ones wait
    expect((await send(url[1], alice, ab, [bob], 6, 'a6')).res.status).toBe(201);
    await pushB.waitFor(6, 2000);
    expect(Math.max(...pushB.envelopes.map((e) => e.at)) - t0).toBeLessThan(2000);
    expect(new Set(pushB.envelopes.map((e) => e.stamp.messageId)).size).toBe(6);
    expect((await send(url[1], bob, ab, [alice], 1, 'b1')).res.status).toBe(201);
    await pushA.waitFor(1, 2000);
    for (const s of [pushA, pushB, pushC]) s.close();
  });

  it('MLS group members on different processes: commits and messages through one process wake long-polls on the others (within 2 s)', async () => {
    // carol creates the group on process 3 and adds alice (process 1) and bob (process 2) by Commit (docs/PROTOCOL.md §12).
    const tag = randomBytes(4).toString('hex');
    const [alice, bob, carol] = [
      await ServerMember.create(`ga-${tag}`, url[0]), await ServerMember.create(`gb-${tag}`, url[1]), await ServerMember.create(`gc-${tag}`, url[2]),
    ];
    const conv = await carol.createGroup();
    await carol.add(conv, [alice.id, bob.id]);
    await alice.sync(); // Welcome
    await bob.sync();
    // bob long-polls his group inbox on process 2; alice sends through process 1.
    const t0 = Date.now();
    const poll = bob.api.groupInbox({ wait: 20 });
    await sleep(300);
    await alice.send(conv, 'hello group');
    const items = await poll;
    expect(Date.now() - t0).toBeLessThan(2300);
    expect(items.map((i) => i.kind)).toContain('application');
    const got = (await bob.sync()).flatMap((r) => (r.event.kind === 'message' ? [new TextDecoder().decode(r.event.opened.body)] : []));
    expect(got).toEqual(['hello group']);
    // carol on process 3 receives the same single ciphertext with her own stamp.
    const forCarol = (await carol.sync()).flatMap((r) => (r.event.kind === 'message' ? [r] : []));
    expect(forCarol).toHaveLength(1);
    expect(forCarol[0]!.item.stamp?.recipientId).toBe(carol.id);
  });

  it('long-poll on one process returns as soon as a message is sent through another', async () => {
    const [dave, erin] = [await createUser(url[1]), await createUser(url[2])];
    const c = await directConversation(url[2], erin, dave);
    const started = Date.now();
    const poll = api<{ envelopes: unknown[] }>(url[1], 'GET', '/v1/messages?wait=20', undefined, dave.token);
    await sleep(300);
    expect((await send(url[2], erin, c, [dave], 1, 'wake up')).res.status).toBe(201);
    const r = await poll;
    expect(r.json.envelopes).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('a retried send with the same clientMessageId, through any process, returns the original result and creates no second message', async () => {
    const [frank, gina] = [await createUser(url[0]), await createUser(url[1])];
    const c = await directConversation(url[0], frank, gina);
    const { franked, ciphertext } = frankAndSeal(c, frank.id, 1, 'once only');
    const body = { conversationId: c, commitment: b64(franked.commitment), clientMessageId: `cm-${randomBytes(6).toString('hex')}`, envelopes: [{ recipientId: gina.id, ciphertext: b64(ciphertext) }] };
    // the same send through all three processes at once, then once more
    const results = await Promise.all(url.map((u) => api<{ messageId: string; serverTime: number; stamp: { tag: string } }>(u, 'POST', '/v1/messages', body, frank.token)));
    results.push(await api(url[2], 'POST', '/v1/messages', body, frank.token));
    for (const r of results) expect(r.status).toBe(201);
    expect(new Set(results.map((r) => r.json.messageId)).size).toBe(1);
    expect(new Set(results.map((r) => r.json.stamp.tag)).size).toBe(1);
    expect(new Set(results.map((r) => r.json.serverTime)).size).toBe(1);
    const mail = await api<{ envelopes: unknown[] }>(url[1], 'GET', '/v1/messages', undefined, gina.token);
    expect(mail.json.envelopes).toHaveLength(1);
    // the same id for a different message is refused, never stored
    const other = frankAndSeal(c, frank.id, 2, 'another one');
    const reused = await api<{ code: string }>(url[1], 'POST', '/v1/messages', { ...body, commitment: b64(other.franked.commitment) }, frank.token);
    expect(reused.status).toBe(409);
    expect(reused.json.code).toBe('client_message_id_reused');
  });

  it(`the send rate limit (${SEND_LIMIT} per window) holds across processes`, async () => {
    const [hank, ivy] = [await createUser(url[0]), await createUser(url[1])];
    const c = await directConversation(url[0], hank, ivy);
    const results = await Promise.all(Array.from({ length: 2 * SEND_LIMIT }, (_, i) => send(url[i % 3]!, hank, c, [ivy], i + 1, `m${i}`)));
    const accepted = results.filter((r) => r.res.status === 201).length;
    expect(accepted).toBe(SEND_LIMIT);
    expect(results.filter((r) => r.res.status === 429)).toHaveLength(SEND_LIMIT);
  });

  it('logout through process 1 closes the sockets on processes 2 and 3 and refuses the token there within 1 s', async () => {
    const jack = await createUser(url[0]);
    // the token is cached on 2 and 3 (used there)
    for (const u of url) expect((await api(u, 'GET', '/v1/me/notices', undefined, jack.token)).status).toBe(200);
    const s2 = await openPush(url[1], jack.token);
    const s3 = await openPush(url[2], jack.token);
    const t0 = Date.now();
    expect((await api(url[0], 'POST', '/v1/auth/logout', undefined, jack.token)).status).toBe(200);
    const [c2, c3] = await Promise.all([s2.closed, s3.closed]);
    for (const c of [c2, c3]) {
      expect(c.code).toBe(4401);
      expect(c.at - t0).toBeLessThan(1000);
    }
    expect(s2.errorCode).toBe('invalid_token');
    for (const u of [url[1], url[2]]) expect((await api(u, 'GET', '/v1/me/notices', undefined, jack.token)).status).toBe(401);
    expect(Date.now() - t0).toBeLessThan(1000 + 500);
  });

  async function moderator(): Promise<TestUser> {
    const m = await createUser(url[0]);
    await db.query(`UPDATE "Account" SET "role" = 'moderator' WHERE "id" = $1`, [m.id]);
    return m;
  }

  it('a ban through process 1 closes the sockets on 2 and 3 (4403 account_banned) and refuses the token within 1 s', async () => {
    const [kim, mod] = [await createUser(url[0]), await moderator()];
    const s2 = await openPush(url[1], kim.token);
    const s3 = await openPush(url[2], kim.token);
    const t0 = Date.now();
    const r = await api(url[0], 'POST', `/v1/mod/accounts/${kim.id}/status`, { status: 'banned', reason: 'test' }, mod.token);
    expect(r.status).toBe(200);
    const [c2, c3] = await Promise.all([s2.closed, s3.closed]);
    for (const c of [c2, c3]) {
      expect(c.code).toBe(4403);
      expect(c.at - t0).toBeLessThan(1000);
    }
    expect(s2.errorCode).toBe('account_banned');
    expect(s3.errorCode).toBe('account_banned');
    for (const u of [url[1], url[2]]) expect((await api(u, 'GET', '/v1/me/notices', undefined, kim.token)).status).toBeGreaterThanOrEqual(401);
  });

  it('a token ended by a suspension stays refused after reinstatement on a process that had cached it', async () => {
    const [leo, mod] = [await createUser(url[0]), await moderator()];
    expect((await api(url[1], 'GET', '/v1/me/notices', undefined, leo.token)).status).toBe(200); // cached on process 2
    const s2 = await openPush(url[1], leo.token);
    expect((await api(url[0], 'POST', `/v1/mod/accounts/${leo.id}/status`, { status: 'suspended', reason: 'test' }, mod.token)).status).toBe(200);
    expect((await s2.closed).code).toBe(4403);
    expect(s2.errorCode).toBe('account_suspended');
    expect((await api(url[0], 'POST', `/v1/mod/accounts/${leo.id}/status`, { status: 'active', reason: 'appeal' }, mod.token)).status).toBe(200);
    expect((await api(url[1], 'GET', '/v1/me/notices', undefined, leo.token)).status).toBe(401);
    expect((await login(url[1], leo.id, leo.signingSecret)).status).toBe(200);
  });

  it('a message stamped by process 1 and reported through process 2 verifies; a key rotation by the admin command reaches every process', async () => {
    const [mia, ned] = [await createUser(url[0]), await createUser(url[1])];
    const c = await directConversation(url[0], mia, ned);
    const first = await send(url[0], mia, c, [ned], 1, 'stamped by one');
    expect(first.res.status).toBe(201);
    const oldKid = (first.res.json.stamp as { kid: string }).kid;
    const mail = await api<{ envelopes: Array<{ stamp: Record<string, unknown> }> }>(url[1], 'GET', '/v1/messages', undefined, ned.token);
    const report = (stamp: Record<string, unknown>, franked: typeof first.franked, text: string, via: string) =>
      api<{ verdict: string; items: Array<{ verdict: string }> }>(via, 'POST', '/v1/reports', { category: 'spam', reported: reportItem(stamp, franked, text) }, ned.token);
    const r1 = await report(mail.json.envelopes[0]!.stamp, first.franked, 'stamped by one', url[1]);
    expect(r1.status).toBe(201);
    expect(r1.json.items[0]!.verdict).toBe('verified');

    const rotated = admin(env, 'keys', 'rotate');
    expect(rotated.status, rotated.out).toBe(0);
    const newKid = /active kid (\S+)/.exec(rotated.out)?.[1]?.replace(/[.;]$/, '');
    expect(newKid).toBeTruthy();
    expect(rotated.out).toContain('Every running process has been told');
    // Every process stamps with the new key within a second (KEYRING_CHECK_SECONDS=60 here: the Redis announcement did it).
    await sleep(500);
    const sends = [];
    for (const [i, u] of url.entries()) sends.push(await send(u, mia, c, [ned], 2 + i, `after rotation ${i}`));
    for (const s of sends) expect((s.res.json.stamp as { kid: string }).kid).toBe(newKid);
    expect(newKid).not.toBe(oldKid);
    const after = await api<{ envelopes: Array<{ stamp: Record<string, unknown> }> }>(url[0], 'GET', '/v1/messages', undefined, ned.token);
    expect(after.json.envelopes).toHaveLength(4); // the first one was fetched but not acknowledged
    // each new stamp reported through a process other than the one that stamped it verifies
    for (const [i, s] of sends.entries()) {
      const env3 = after.json.envelopes.find((e) => e.stamp.messageId === s.res.json.messageId)!;
      const r = await report(env3.stamp, s.franked, `after rotation ${i}`, url[(i + 1) % 3]!);
      expect(r.json.items[0]!.verdict).toBe('verified');
    }
  });

  it('refuses a process without REDIS_URL on the same PostgreSQL database, with a clear error', async () => {
    const lone = spawnServer({ ...env, redisUrl: undefined }, { timeoutMs: 60_000 });
    await expect(lone).rejects.toThrow(/REDIS_URL is not set/);
  });
});
