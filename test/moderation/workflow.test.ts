// The moderation workflow on a real server and database: queue views and filters, report detail, exclusive
// claim under concurrency, release, notes, decisions with enforcement, notices, reporter outcome, and the
// derived state always equal to the fold of the append-only event log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertActive } from '../../server/services/accounts/index.ts';
import { type TestServer, api, createUser, isProblem, login, sendText, b64 } from '../server/_harness.ts';
import { type Seeded, type Staff, cheapPasswordHashing, createStaff, modApi, seedReport } from './_mod.ts';
import { ed25519 } from '@noble/curves/ed25519.js';

cheapPasswordHashing();
let srv: TestServer;
let base: string;
let mod1: Staff;
let mod2: Staff;
let admin: Staff;
let seeded: Seeded;

beforeAll(async () => {
  srv = await startServer();
  base = srv.url;
  [mod1, mod2, admin] = await Promise.all([createStaff(srv, 'mod1', 'moderator'), createStaff(srv, 'mod2', 'moderator'), createStaff(srv, 'boss', 'admin')]);
  seeded = await seedReport(base, { count: 5, reported: 3, comment: 'they keep doing this' });
});
afterAll(async () => srv?.stop());

async function startServer() {
  const { startTestServer } = await import('../server/_harness.ts');
  return startTestServer();
}

type Queue = { reports: Array<{ id: string; status: string; assigneeId: string | null; reportsAgainstAccused: number }>; nextCursor: string | null };
type State = { status: string; assigneeId: string | null; outcome: string | null; eventCount: number };

async function expectProjectionMatches(reportId: string) {
  const p = await modApi<{ matches: boolean; stored: State; derived: State }>(base, mod1, 'GET', `/v1/mod/reports/${reportId}/projection`);
  expect(p.status).toBe(200);
  expect(p.json.stored).toEqual(p.json.derived);
  expect(p.json.matches).toBe(true);
}

describe('queue and detail', () => {
  it('a new verified report is in the open queue with its accused history count', async () => {
    const q = await modApi<Queue>(base, mod1, 'GET', '/v1/mod/queue?view=open');
    expect(q.status).toBe(200);
    const row = q.json.reports.find((r) => r.id === seeded.reportId);
    expect(row).toMatchObject({ status: 'received', assigneeId: null, verdict: 'verified', category: 'harassment', accusedId: seeded.accused.id, reportsAgainstAccused: 1 });
  });

  it('detail: the reported message in its verified context, completeness per sender, comment, events', async () => {
    const d = await modApi<{
      report: { comment: string; verdict: string };
      messages: Array<{ isReported: boolean; text: string; verdict: string; verdictText: string; seq: number; senderId: string }>;
      context: { complete: boolean; senders: Array<{ summary: string; senderId: string }> };
      events: Array<{ type: string }>;
      accused: { status: string; reportsTotal: number };
      reporter: { reportsTotal: number };
    }>(base, mod1, 'GET', `/v1/mod/reports/${seeded.reportId}`);
    expect(d.status).toBe(200);
    expect(d.json.report.comment).toBe('they keep doing this');
    expect(d.json.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    const reported = d.json.messages.filter((m) => m.isReported);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ seq: 3, text: `message 3 from ${seeded.accused.id}`, verdict: 'verified' });
    expect(reported[0]?.verdictText).toMatch(/^Verified/);
    expect(d.json.context.senders).toEqual([expect.objectContaining({ senderId: seeded.accused.id, summary: 'messages 1–5 complete' })]);
    expect(d.json.events.map((e) => e.type)).toEqual(['report_filed', 'routed']);
    expect(d.json.accused).toMatchObject({ status: 'active', reportsTotal: 0 });
  });

  it('unverified items carry the reason in words; gaps are described', async () => {
    const s = await seedReport(base, { count: 5, reported: 5 });
    // Report again as a fresh report with context that omits 2 and 4 and a tampered item.
    const d0 = await modApi<{ context: { senders: Array<{ summary: string }> } }>(base, mod1, 'GET', `/v1/mod/reports/${s.reportId}`);
    expect(d0.json.context.senders[0]?.summary).toBe('messages 1–5 complete');
    const conv = s.conversationId;
    const m = await sendText(base, s.accused, conv, [s.reporter], 6, 'six');
    const mail = await api<{ envelopes: Array<{ stamp: Record<string, unknown> & { messageId: string } }> }>(base, 'GET', '/v1/messages', undefined, s.reporter.token);
    const env = mail.json.envelopes.find((e) => e.stamp.messageId === m.res.json.messageId);
    const { reportItem } = await import('../server/_harness.ts');
    const tampered = reportItem(env?.stamp ?? {}, m.franked, 'not what was sent');
    const r = await api<{ id: string }>(base, 'POST', '/v1/reports', { category: 'spam', reported: tampered }, s.reporter.token);
    expect(r.status).toBe(201);
    const d = await modApi<{ report: { verdict: string }; messages: Array<{ verdict: string; verdictText: string }> }>(base, mod1, 'GET', `/v1/mod/reports/${r.json.id}`);
    expect(d.json.report.verdict).toBe('unverified');
    expect(d.json.messages[0]).toMatchObject({ verdict: 'commitment_mismatch', verdictText: 'Not verified: the revealed content is not what was sent (it does not open the commitment).' });
    const unverified = await modApi<Queue>(base, mod1, 'GET', '/v1/mod/queue?view=open&verdict=unverified');
    expect(unverified.json.reports.map((x) => x.id)).toEqual([r.json.id]);
    const spam = await modApi<Queue>(base, mod1, 'GET', `/v1/mod/queue?view=open&category=spam&accusedId=${s.accused.id}`);
    expect(spam.json.reports.map((x) => x.id)).toEqual([r.json.id]);
  });

  it('keyset pagination walks the whole queue once, in order, without duplicates', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const q: { json: Queue } = await modApi<Queue>(base, mod1, 'GET', `/v1/mod/queue?view=all&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...q.json.reports.map((r) => r.id));
      cursor = q.json.nextCursor;
    } while (cursor);
    const all = await modApi<Queue>(base, mod1, 'GET', '/v1/mod/queue?view=all&limit=200');
    expect(ids).toEqual(all.json.reports.map((r) => r.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(3);
  });
});

describe('claims', () => {
  it('concurrent claims: exactly one moderator wins, every other request gets 409 already_claimed', async () => {
    const s = await seedReport(base);
    const staff = [mod1, mod2, admin];
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => modApi<State>(base, staff[i % 3] as Staff, 'POST', `/v1/mod/reports/${s.reportId}/claim`)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(isProblem(r)).toBe(true);
      expect((r.json as unknown as { code: string }).code).toBe('already_claimed');
    }
    const events = await modApi<{ events: Array<{ type: string }> }>(base, mod1, 'GET', `/v1/mod/events?subjectType=report&subjectId=${s.reportId}`);
    expect(events.json.events.filter((e) => e.type === 'claimed')).toHaveLength(1);
    await expectProjectionMatches(s.reportId);
  });

  it('only the holder releases (admins may force); claimed and mine views follow the log', async () => {
    const s = await seedReport(base);
    expect((await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/claim`)).status).toBe(200);
    const mine = await modApi<Queue>(base, mod1, 'GET', '/v1/mod/queue?view=mine');
    expect(mine.json.reports.map((r) => r.id)).toContain(s.reportId);
    const notMine = await modApi<Queue>(base, mod2, 'GET', '/v1/mod/queue?view=mine');
    expect(notMine.json.reports.map((r) => r.id)).not.toContain(s.reportId);
    const byAssignee = await modApi<Queue>(base, mod2, 'GET', '/v1/mod/queue?view=claimed&assigneeId=staff:mod1');
    expect(byAssignee.json.reports.map((r) => r.id)).toContain(s.reportId);
    const steal = await modApi(base, mod2, 'POST', `/v1/mod/reports/${s.reportId}/release`);
    expect(steal.status).toBe(409);
    expect((steal.json as { code: string }).code).toBe('not_claimed');
    const decideOther = await modApi(base, mod2, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { policyId: 'harassment', action: 'dismiss' });
    expect((decideOther.json as { code: string }).code).toBe('already_claimed');
    const forced = await modApi<State>(base, admin, 'POST', `/v1/mod/reports/${s.reportId}/release`);
    expect(forced.json).toMatchObject({ status: 'received', assigneeId: null });
    const open = await modApi<Queue>(base, mod2, 'GET', '/v1/mod/queue?view=open');
    expect(open.json.reports.map((r) => r.id)).toContain(s.reportId);
    await expectProjectionMatches(s.reportId);
  });
});

describe('decisions and enforcement', () => {
  it('ban: enforced at once, the accused cannot send or log in, gets a notice; the reporter sees the outcome', async () => {
    const note = await modApi<{ type: string }>(base, mod1, 'POST', `/v1/mod/reports/${seeded.reportId}/notes`, { text: 'checked the context' });
    expect(note.status).toBe(201);
    expect((await modApi(base, mod1, 'POST', `/v1/mod/reports/${seeded.reportId}/claim`)).status).toBe(200);
    const before = await api<{ reports: Array<{ id: string; status: string; outcome: string | null }> }>(base, 'GET', '/v1/reports', undefined, seeded.reporter.token);
    expect(before.json.reports.find((r) => r.id === seeded.reportId)).toMatchObject({ status: 'in_review', outcome: null });
    const d = await modApi<State & { accountStatus: string }>(base, mod1, 'POST', `/v1/mod/reports/${seeded.reportId}/decision`, { policyId: 'harassment', action: 'ban', note: 'clear harassment' });
    expect(d.status).toBe(200);
    expect(d.json).toMatchObject({ status: 'resolved', outcome: 'banned', accountStatus: 'banned', assigneeId: 'staff:mod1' });

    const send = await sendText(base, seeded.accused, seeded.conversationId, [seeded.reporter], 99, 'still here?');
    expect([401, 403]).toContain(send.res.status);
    const relogin = await login(base, seeded.accused.id, seeded.accused.signingSecret);
    expect(relogin.status).toBe(403);
    expect((relogin.json as { code: string }).code).toBe('account_banned');

    const after = await api<{ reports: Array<{ id: string; status: string; outcome: string | null }> }>(base, 'GET', '/v1/reports', undefined, seeded.reporter.token);
    expect(after.json.reports.find((r) => r.id === seeded.reportId)).toMatchObject({ status: 'resolved', outcome: 'banned' });
    const rn = await api<{ notices: Array<{ kind: string; outcome: string; reportId: string }> }>(base, 'GET', '/v1/me/notices', undefined, seeded.reporter.token);
    expect(rn.json.notices).toEqual([expect.objectContaining({ kind: 'report_outcome', outcome: 'banned', reportId: seeded.reportId, reasonCategory: 'harassment' })]);

    // The banned account has no token: it reads its notice with a signed challenge.
    const ch = await api<{ challenge: string }>(base, 'POST', '/v1/auth/challenge', { userId: seeded.accused.id });
    const msg = Buffer.concat([Buffer.from('franking-chat/v1/auth\0'), Buffer.from(ch.json.challenge, 'base64url'), Buffer.from(seeded.accused.id)]);
    const signed = await api<{ notices: Array<{ kind: string; reasonCategory: string; reportId: string | null }> }>(base, 'POST', '/v1/notices', {
      userId: seeded.accused.id, challenge: ch.json.challenge, signature: b64(ed25519.sign(msg, seeded.accused.signingSecret)),
    });
    expect(signed.status).toBe(200);
    expect(signed.json.notices).toEqual([expect.objectContaining({ kind: 'ban', reasonCategory: 'harassment', reportId: null })]);
    const replay = await api(base, 'POST', '/v1/notices', { userId: seeded.accused.id, challenge: ch.json.challenge, signature: b64(ed25519.sign(msg, seeded.accused.signingSecret)) });
    expect((replay.json as { code: string }).code).toBe('challenge_invalid');

    const detail = await modApi<{ events: Array<{ type: string; actorId: string }>; accused: { status: string; recentActions: Array<{ type: string }> } }>(base, mod2, 'GET', `/v1/mod/reports/${seeded.reportId}`);
    expect(detail.json.events.map((e) => e.type)).toEqual(['report_filed', 'routed', 'note', 'claimed', 'decision', 'action', 'statement_sent', 'outcome_sent']);
    expect(detail.json.accused.status).toBe('banned');
    expect(detail.json.accused.recentActions.map((e) => e.type)).toContain('account_status_changed');
    await expectProjectionMatches(seeded.reportId);

    const again = await modApi(base, mod1, 'POST', `/v1/mod/reports/${seeded.reportId}/decision`, { policyId: 'harassment', action: 'dismiss' });
    expect(again.status).toBe(409);
    expect((again.json as { code: string }).code).toBe('report_resolved');
    expect((await modApi(base, mod2, 'POST', `/v1/mod/reports/${seeded.reportId}/claim`)).status).toBe(409);
  });

  it('suspend (hours): refused while it lasts, lifts when it ends; decision without a prior claim claims implicitly', async () => {
    const s = await seedReport(base, { category: 'spam' });
    const d = await modApi<State & { suspendedUntil: string }>(base, mod2, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { policyId: 'harassment', action: 'suspend', suspendHours: 24, reasonCategory: 'scam' });
    expect(d.json).toMatchObject({ status: 'resolved', outcome: 'suspended', accountStatus: 'suspended' });
    const until = new Date(d.json.suspendedUntil);
    expect(Math.abs(until.getTime() - Date.now() - 24 * 3_600_000)).toBeLessThan(60_000);
    const relogin = await login(base, s.accused.id, s.accused.signingSecret);
    expect((relogin.json as { code: string }).code).toBe('account_suspended');
    const standing = await srv.services.accounts.get(s.accused.id);
    expect(() => assertActive(standing, new Date(until.getTime() - 1000))).toThrow(/suspended/);
    expect(() => assertActive(standing, new Date(until.getTime() + 1))).not.toThrow();
    const events = await modApi<{ events: Array<{ type: string; payload: { implicit?: boolean } }> }>(base, mod1, 'GET', `/v1/mod/events?subjectType=report&subjectId=${s.reportId}`);
    expect(events.json.events[2]).toMatchObject({ type: 'claimed', payload: { implicit: true } });
    await expectProjectionMatches(s.reportId);
  });

  it('a later suspension never downgrades a ban; the accused history lists the earlier report', async () => {
    const a = await seedReport(base, { category: 'threat' });
    const b = await seedReport(base, { accused: a.accused, category: 'spam' });
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${a.reportId}/decision`, { policyId: 'harassment', action: 'ban' });
    const d = await modApi<State & { accountStatus: string | null }>(base, mod1, 'POST', `/v1/mod/reports/${b.reportId}/decision`, { policyId: 'harassment', action: 'suspend', suspendHours: 2 });
    expect(d.json).toMatchObject({ outcome: 'suspended', accountStatus: null });
    expect((await srv.services.accounts.get(a.accused.id)).status).toBe('banned');
    const detail = await modApi<{ accused: { reportsTotal: number; recentReports: Array<{ id: string; outcome: string }> } }>(base, mod2, 'GET', `/v1/mod/reports/${b.reportId}`);
    expect(detail.json.accused.reportsTotal).toBe(1);
    expect(detail.json.accused.recentReports).toEqual([expect.objectContaining({ id: a.reportId, outcome: 'banned' })]);
    await expectProjectionMatches(b.reportId);
  });

  it('warn: the account stays active and gets a warning notice; dismiss: only the reporter hears back', async () => {
    const w = await seedReport(base, { category: 'hate' });
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${w.reportId}/claim`);
    const d = await modApi<State & { accountStatus: string | null }>(base, mod1, 'POST', `/v1/mod/reports/${w.reportId}/decision`, { policyId: 'harassment', action: 'warn' });
    expect(d.json).toMatchObject({ outcome: 'warned', accountStatus: null });
    const n = await api<{ notices: Array<{ kind: string; reasonCategory: string }> }>(base, 'GET', '/v1/me/notices', undefined, w.accused.token);
    expect(n.json.notices).toEqual([expect.objectContaining({ kind: 'warning', reasonCategory: 'hate' })]);
    expect((await sendText(base, w.accused, w.conversationId, [w.reporter], 4, 'ok')).res.status).toBe(201);
    const last = n.json.notices.length ? (n.json.notices as unknown as Array<{ id: number }>).at(-1)?.id : 0;
    expect((await api<{ notices: unknown[] }>(base, 'GET', `/v1/me/notices?after=${last}`, undefined, w.accused.token)).json.notices).toEqual([]);

    const x = await seedReport(base);
    await modApi(base, mod2, 'POST', `/v1/mod/reports/${x.reportId}/decision`, { policyId: 'harassment', action: 'dismiss' });
    expect((await api<{ notices: unknown[] }>(base, 'GET', '/v1/me/notices', undefined, x.accused.token)).json.notices).toEqual([]);
    const rn = await api<{ notices: Array<{ outcome: string }> }>(base, 'GET', '/v1/me/notices', undefined, x.reporter.token);
    expect(rn.json.notices.map((v) => v.outcome)).toEqual(['dismissed']);
  });
});

describe('bulk triage', () => {
  it('mass reports of harmless messages: bulk-claim, bulk-dismiss; per-report results', async () => {
    const seeded5 = [];
    for (let i = 0; i < 4; i++) seeded5.push(await seedReport(base, { reporter: await createUser(base), category: 'spam', text: () => 'a perfectly normal message' }));
    const ids = seeded5.map((x) => x.reportId);
    expect((await modApi(base, mod2, 'POST', `/v1/mod/reports/${ids[0]}/claim`)).status).toBe(200);
    const claim = await modApi<{ results: Array<{ reportId: string; ok: boolean; code: string | null; status: string | null }> }>(base, mod1, 'POST', '/v1/mod/reports/bulk', { reportIds: ids, op: 'claim' });
    expect(claim.status).toBe(200);
    expect(claim.json.results).toEqual(ids.map((id, i) => i === 0
      ? { reportId: id, ok: false, code: 'already_claimed', status: null, outcome: null }
      : { reportId: id, ok: true, code: null, status: 'in_review', outcome: null }));
    const dismiss = await modApi<{ results: Array<{ ok: boolean; outcome: string | null }> }>(base, mod1, 'POST', '/v1/mod/reports/bulk', { reportIds: ids.slice(1), op: 'decide', action: 'dismiss', policyId: 'harassment', note: 'coordinated mass reporting' });
    expect(dismiss.json.results.map((r) => [r.ok, r.outcome])).toEqual([[true, 'dismissed'], [true, 'dismissed'], [true, 'dismissed']]);
    for (const x of seeded5.slice(1)) {
      const n = await api<{ notices: Array<{ outcome: string }> }>(base, 'GET', '/v1/me/notices', undefined, x.reporter.token);
      expect(n.json.notices.map((v) => v.outcome)).toEqual(['dismissed']);
      await expectProjectionMatches(x.reportId);
    }
    const bad = await modApi(base, mod1, 'POST', '/v1/mod/reports/bulk', { reportIds: ids, op: 'decide' });
    expect(bad.status).toBe(400);
    const none = await modApi<{ results: Array<{ code: string }> }>(base, mod1, 'POST', '/v1/mod/reports/bulk', { reportIds: ['nope'], op: 'claim' });
    expect(none.json.results[0]?.code).toBe('not_found');
    await modApi(base, mod2, 'POST', `/v1/mod/reports/${ids[0]}/release`);
  });
});

describe('audit log and statistics', () => {
  it('the audit log only grows: earlier events are unchanged after more actions; filters and keyset paging work', async () => {
    const first = await modApi<{ events: Array<{ id: number }> }>(base, mod1, 'GET', '/v1/mod/audit?limit=200');
    const s = await seedReport(base);
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/claim`);
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/release`);
    const second = await modApi<{ events: Array<{ id: number }> }>(base, mod1, 'GET', '/v1/mod/audit?limit=200');
    expect(second.json.events.slice(-first.json.events.length)).toEqual(first.json.events);
    expect(second.json.events.length).toBeGreaterThan(first.json.events.length);
    const claims = await modApi<{ events: Array<{ type: string; actorId: string }> }>(base, mod1, 'GET', '/v1/mod/audit?type=claimed&actorId=staff:mod1');
    expect(claims.json.events.length).toBeGreaterThan(0);
    expect(claims.json.events.every((e) => e.type === 'claimed' && e.actorId === 'staff:mod1')).toBe(true);
    const page1 = await modApi<{ events: Array<{ id: number }>; nextBefore: number }>(base, mod1, 'GET', '/v1/mod/audit?limit=3');
    const page2 = await modApi<{ events: Array<{ id: number }> }>(base, mod1, 'GET', `/v1/mod/audit?limit=3&before=${page1.json.nextBefore}`);
    expect(page2.json.events[0]?.id).toBeLessThan(page1.json.events[2]?.id as number);
  });

  it('no endpoint can edit or delete events: the API has no PUT/DELETE/PATCH under /v1/mod and none names events', async () => {
    const doc = (await api<{ paths: Record<string, Record<string, unknown>> }>(base, 'GET', '/openapi.json')).json;
    for (const [p, ops] of Object.entries(doc.paths)) {
      if (!p.startsWith('/v1/mod')) continue;
      for (const m of Object.keys(ops)) expect(['get', 'post']).toContain(m);
      if (/event|audit/.test(p)) expect(Object.keys(ops)).toEqual(['get']);
    }
    for (const m of ['PUT', 'DELETE', 'PATCH']) {
      const r = await modApi(base, admin, m, '/v1/mod/events', { id: 1 });
      expect(r.status).toBe(404);
    }
  });

  it('every report in the database has a projection equal to the fold of its log', async () => {
    const all = await modApi<Queue>(base, mod1, 'GET', '/v1/mod/queue?view=all&limit=200');
    for (const r of all.json.reports) await expectProjectionMatches(r.id);
  });

  it('statistics: counts per day and the median time to decision', async () => {
    const st = await modApi<{ open: number; resolved: number; medianDecisionMs: number; perDay: Array<{ day: string; filed: number; decided: number }>; outcomes: Record<string, number> }>(base, mod1, 'GET', '/v1/mod/stats?days=7');
    expect(st.status).toBe(200);
    expect(st.json.perDay).toHaveLength(7);
    const today = st.json.perDay.at(-1);
    expect(today?.day).toBe(new Date().toISOString().slice(0, 10));
    const all = await modApi<Queue>(base, mod1, 'GET', '/v1/mod/queue?view=all&limit=200');
    expect(today?.filed).toBe(all.json.reports.length);
    expect(today?.decided).toBe(st.json.resolved);
    expect(st.json.outcomes).toMatchObject({ banned: 2, suspended: 2, dismissed: 4 });
    expect(st.json.medianDecisionMs).toBeGreaterThan(0);
  });
});

describe('privacy', () => {
  it('revealed text, comments, notes and passwords never reach the server log', async () => {
    const canary = `canary-${Date.now()}-xyzzy`;
    const s = await seedReport(base, { comment: `comment ${canary}`, text: (i) => `text ${i} ${canary}` });
    await modApi(base, mod1, 'GET', `/v1/mod/reports/${s.reportId}`);
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/notes`, { text: `note ${canary}` });
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { policyId: 'harassment', action: 'warn', note: `decision ${canary}` });
    await api(base, 'POST', '/v1/mod/session', { moderatorId: 'mod1', password: `wrong ${canary}` });
    await api(base, 'POST', '/v1/mod/reports/x/notes', `{"text": "${canary}`, undefined, { cookie: mod1.cookie, 'x-csrf-token': mod1.csrf, 'content-type': 'application/json' });
    const logs = srv.logs.text;
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).not.toContain(canary);
    expect(logs).not.toContain(mod1.csrf);
    expect(logs).not.toContain(mod1.cookie.split('=')[1] as string);
  });
});

describe('reporters and users', () => {
  it('a chat user sees only their own notices', async () => {
    const u = await createUser(base);
    expect((await api<{ notices: unknown[] }>(base, 'GET', '/v1/me/notices', undefined, u.token)).json.notices).toEqual([]);
  });
});
