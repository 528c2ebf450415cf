// The registration network signal and the "ban evasion" action (docs/MODERATION.md "Registration network signal",
// "Ban evasion") through the API: clients at different addresses (X-Forwarded-For behind TRUST_PROXY=loopback),
// the signal shown only for accounts actioned in the last 30 days and gone once the hashes are 30 days old (and
// swept), no raw address stored or logged, and the ban-evasion decision recorded citing the original one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, type TestUser, api, createUser, login, startTestServer } from '../server/_harness.ts';
import { type Staff, cheapPasswordHashing, createStaff, modApi, noticesOf } from './_mod.ts';

cheapPasswordHashing();
let srv: TestServer;
let base: string;
let mod: Staff;
let triage: Staff;
const DAY = 86_400_000;

beforeAll(async () => {
  process.env.TRUST_PROXY = 'loopback';
  try {
    srv = await startTestServer();
  } finally {
    delete process.env.TRUST_PROXY;
  }
  base = srv.url;
  [mod, triage] = await Promise.all([createStaff(srv, 'mod', 'moderator'), createStaff(srv, 'tri', 'triage')]);
});
afterAll(async () => srv?.stop());

/** Registers `id` as a client at `address` (the harness's createUser, with the forwarded address). */
async function registerFrom(id: string, address: string): Promise<TestUser> {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => realFetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-for': address } });
  try {
    return await createUser(base, id);
  } finally {
    globalThis.fetch = realFetch;
  }
}

type Match = { eventId: number; accountId: string; action: string; at: string; reportId: string | null; statementId: string | null };
const signals = async (id: string, as: Staff = mod) => (await modApi<{ networkMatches: Match[]; windowDays: number }>(base, as, 'GET', `/v1/mod/accounts/${id}/evasion-signals`)).json;
const ban = (id: string, status = 'banned') => modApi<{ status: string }>(base, mod, 'POST', `/v1/mod/accounts/${id}/status`, { status, reason: 'harassment' });
const code = (r: { json: unknown }) => (r.json as { code?: string }).code;

describe('registration network signal', () => {
  it('names a recently banned account that registered from the same IPv4 /24, and nothing for other networks', async () => {
    const alice = await registerFrom('alice', '203.0.113.7');
    await registerFrom('bob', '198.51.100.9');
    expect((await ban(alice.id)).status).toBe(200);
    const again = await registerFrom('alice.again', '203.0.113.200');

    const s = await signals(again.id, triage); // triage sees it too
    expect(s.windowDays).toBe(30);
    expect(s.networkMatches).toHaveLength(1);
    const m = s.networkMatches[0] as Match;
    expect(m).toMatchObject({ accountId: 'alice', action: 'banned', reportId: null, statementId: null });
    const logged = (await modApi<{ events: Array<{ id: number; type: string }> }>(base, mod, 'GET', '/v1/mod/events?subjectType=account&subjectId=alice')).json.events;
    expect(m.eventId).toBe(logged.find((e) => e.type === 'account_status_changed')?.id);
    expect((await signals('bob')).networkMatches).toEqual([]);
    // symmetric: alice's page shows nothing actioned besides herself (alice.again is not actioned)
    expect((await signals('alice')).networkMatches).toEqual([]);

    // Never the address itself, in the database or the logs.
    const rows = await srv.services.db.registrationNetwork.findMany();
    expect(rows.length).toBeGreaterThan(0);
    const dump = JSON.stringify(rows);
    for (const leak of ['203.0.113', '198.51.100', 'cb0071']) expect(dump).not.toContain(leak);
    expect(srv.logs.text).not.toContain('203.0.113');
  });

  it('IPv6: the same /48 matches, another /48 does not; suspensions count too', async () => {
    await registerFrom('v6-orig', '2001:db8:1:aaaa::1');
    expect((await ban('v6-orig', 'suspended')).status).toBe(200);
    await registerFrom('v6-same48', '2001:db8:1:bbbb::2');
    await registerFrom('v6-other48', '2001:db8:2::1');
    expect((await signals('v6-same48')).networkMatches.map((m) => [m.accountId, m.action])).toEqual([['v6-orig', 'suspended']]);
    expect((await signals('v6-other48')).networkMatches).toEqual([]);
  });

  it('an action older than 30 days is no signal', async () => {
    await registerFrom('carol', '192.0.2.5');
    expect((await ban('carol')).status).toBe(200);
    await srv.services.db.moderationEvent.updateMany({ where: { subjectType: 'account', subjectId: 'carol' }, data: { createdAt: new Date(Date.now() - 31 * DAY) } });
    await registerFrom('carol2', '192.0.2.6');
    expect((await signals('carol2')).networkMatches).toEqual([]);
  });

  it('is gone 30 days after registration, and the retention sweep deletes the hashes', async () => {
    const later = new Date(Date.now() + 30 * DAY + 60_000);
    expect((await srv.services.banEvasion.signals('alice.again')).length).toBe(1);
    expect(await srv.services.banEvasion.signals('alice.again', later)).toEqual([]);
    const before = await srv.services.db.registrationNetwork.count();
    const swept = await srv.services.retention.sweep(later);
    expect(swept.networks).toBe(before);
    expect(await srv.services.db.registrationNetwork.count()).toBe(0);
  });
});

describe('the "ban evasion" action', () => {
  it('bans the account, cites the original decision in the log and in the statement of reasons', async () => {
    const orig = await registerFrom('mallory', '100.64.0.1');
    expect((await ban(orig.id)).status).toBe(200);
    const evader = await registerFrom('mallory2', '100.64.0.77');
    const [m] = (await signals(evader.id)).networkMatches as [Match];

    // triage may not; the cited event must be a suspension or ban of another account; a policy is required
    expect((await modApi(base, triage, 'POST', `/v1/mod/accounts/${evader.id}/ban-evasion`, { originalDecisionId: m.eventId, policyId: 'ban_evasion' })).status).toBe(403);
    const notAction = await modApi(base, mod, 'POST', `/v1/mod/accounts/${evader.id}/ban-evasion`, { originalDecisionId: 1, policyId: 'ban_evasion' });
    expect([notAction.status, code(notAction)]).toEqual([400, 'validation_failed']);
    expect(code(await modApi(base, mod, 'POST', `/v1/mod/accounts/${evader.id}/ban-evasion`, { originalDecisionId: m.eventId, policyId: 'nope' }))).toBe('unknown_policy');
    expect(code(await modApi(base, mod, 'POST', '/v1/mod/accounts/nobody-here/ban-evasion', { originalDecisionId: m.eventId, policyId: 'ban_evasion' }))).toBe('not_found');

    const r = await modApi<{ status: string; statementId: string; original: Match }>(base, mod, 'POST', `/v1/mod/accounts/${evader.id}/ban-evasion`, { originalDecisionId: m.eventId, policyId: 'ban_evasion', note: 'same phrasing' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ status: 'banned', original: { eventId: m.eventId, accountId: 'mallory', action: 'banned' } });

    // enforced: no new token
    const tok = await login(base, evader.id, evader.signingSecret);
    expect([tok.status, code(tok)]).toEqual([403, 'account_banned']);

    // the log: a decision citing the original, then the status change, then the statement
    const events = (await modApi<{ events: Array<{ type: string; actorId: string; payload: Record<string, unknown> }> }>(base, mod, 'GET', `/v1/mod/events?subjectType=account&subjectId=${evader.id}`)).json.events;
    const decision = events.find((e) => e.type === 'decision');
    expect(decision).toMatchObject({ actorId: 'staff:mod', payload: { action: 'ban', reason: 'ban_evasion', policyId: 'ban_evasion', originalDecisionId: m.eventId, originalAccountId: 'mallory', statementId: r.json.statementId, note: 'same phrasing' } });
    expect(events.find((e) => e.type === 'account_status_changed')?.payload).toMatchObject({ to: 'banned', reason: 'ban_evasion', banEvasionOf: m.eventId });

    // the statement of reasons the evader gets names the original decision
    const notices = await noticesOf(base, evader);
    const n = notices.find((x) => x.kind === 'ban');
    const st = n?.statement as { puid: string; decision_facts: string; ban_evasion: { original_decision: string; original_account: string } } | undefined;
    expect(st?.puid).toBe(r.json.statementId);
    expect(st?.ban_evasion).toMatchObject({ original_decision: `event ${m.eventId}`, original_account: 'mallory' });
    expect(st?.decision_facts).toContain('ban evasion');
    expect(st?.decision_facts).toContain(`decision event ${m.eventId}`);
    // the banned evader is now a recently actioned account itself: the next one from that network is signalled
    await registerFrom('mallory3', '100.64.0.200');
    expect((await signals('mallory3')).networkMatches.map((x) => x.accountId).sort()).toEqual(['mallory', 'mallory2']);
  });
});

describe('the original decision made on a report', () => {
  it('is cited by its statement id (the puid the original account was sent)', async () => {
    const { seedReport } = await import('./_mod.ts');
    const reporter = await createUser(base, 'victim');
    const accused = await registerFrom('troll', '172.16.5.5');
    const { reportId } = await seedReport(base, { reporter, accused });
    const d = await modApi(base, mod, 'POST', `/v1/mod/reports/${reportId}/decision`, { action: 'ban', policyId: 'harassment' });
    expect(d.status).toBe(200);
    await registerFrom('troll.again', '172.16.5.9');
    const [m] = (await signals('troll.again')).networkMatches as [Match];
    expect(m).toMatchObject({ accountId: 'troll', action: 'banned', reportId });
    expect(m.statementId).toMatch(/^sor_/);
    const r = await modApi<{ statementId: string }>(base, mod, 'POST', '/v1/mod/accounts/troll.again/ban-evasion', { originalDecisionId: m.eventId, policyId: 'ban_evasion' });
    expect(r.status).toBe(201);
    const ev = (await api<{ events: Array<{ type: string; payload: Record<string, unknown> }> }>(base, 'GET', '/v1/mod/events?subjectType=account&subjectId=troll.again', undefined, undefined, { cookie: mod.cookie })).json.events;
    expect(ev.find((e) => e.type === 'decision')?.payload).toMatchObject({ originalReportId: reportId, originalStatementId: m.statementId });
  });
});
