// docs/MODERATION.md "Policies and statements of reasons", "Appeals" and roles, through the API: every decision cites a
// policy; triage cannot restrict accounts; statements of reasons from admin templates; appeals decided by another
// moderator, an overturn restoring sending at once; assignment, early lifting, routing into named queues sorted by
// priority then waiting time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, api, createUser, isProblem, login, sendText, startTestServer } from '../server/_harness.ts';
import { type Staff, cheapPasswordHashing, createStaff, modApi, noticesOf, seedReport, signedChallenge } from './_mod.ts';

cheapPasswordHashing();
let srv: TestServer;
let base: string;
let mod1: Staff;
let mod2: Staff;
let triage: Staff;
let admin: Staff;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.url;
  [mod1, mod2, triage, admin] = await Promise.all([
    createStaff(srv, 'mod1', 'moderator'), createStaff(srv, 'mod2', 'moderator'), createStaff(srv, 'tri', 'triage'), createStaff(srv, 'boss', 'admin'),
  ]);
});
afterAll(async () => srv?.stop());

type Ev = { type: string; actorId: string | null; payload: Record<string, unknown> };
const code = (r: { json: unknown }) => (r.json as { code?: string }).code;
const events = async (subjectType: string, subjectId: string) =>
  (await modApi<{ events: Ev[] }>(base, mod1, 'GET', `/v1/mod/events?subjectType=${subjectType}&subjectId=${subjectId}`)).json.events;
async function canLogin(u: { id: string; signingSecret: Uint8Array }) {
  return (await login(base, u.id, u.signingSecret)).status;
}
async function expectProjection(reportId: string) {
  const p = await modApi<{ matches: boolean }>(base, mod1, 'GET', `/v1/mod/reports/${reportId}/projection`);
  expect(p.json.matches).toBe(true);
}

describe('policies', () => {
  it('a decision without a policy is refused, so is an unknown or archived one; nothing changes', async () => {
    const s = await seedReport(base, { category: 'spam' });
    const none = await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'ban' });
    expect(none.status).toBe(400);
    expect(isProblem(none)).toBe(true);
    expect(code(none)).toBe('policy_required');
    const unknown = await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'ban', policyId: 'no-such-policy' });
    expect(code(unknown)).toBe('unknown_policy');
    const bulk = await modApi<{ results: Array<{ ok: boolean; code: string }> }>(base, mod1, 'POST', '/v1/mod/reports/bulk', { reportIds: [s.reportId], op: 'decide', action: 'ban' });
    expect(bulk.json.results).toEqual([expect.objectContaining({ ok: false, code: 'policy_required' })]);

    const list = await modApi<{ policies: Array<{ id: string; archived: boolean }> }>(base, triage, 'GET', '/v1/mod/policies');
    expect(list.json.policies.map((p) => p.id).sort()).toEqual(['ban_evasion', 'harassment', 'hate', 'other', 'scam', 'self_harm', 'sexual', 'spam', 'threat']);
    expect((await modApi(base, mod1, 'POST', '/v1/mod/policies/spam', { archived: true })).status).toBe(403);
    expect((await modApi(base, admin, 'POST', '/v1/mod/policies/spam', { archived: true })).status).toBe(200);
    expect(code(await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'ban', policyId: 'spam' }))).toBe('unknown_policy');
    expect((await modApi(base, admin, 'POST', '/v1/mod/policies/spam', { archived: false })).status).toBe(200);

    // Nothing was decided or enforced by the refused attempts.
    expect(await canLogin(s.accused)).toBe(200);
    expect((await events('report', s.reportId)).map((e) => e.type)).toEqual(['report_filed', 'routed']);
    expect((await events('policy', 'spam')).map((e) => e.type)).toEqual(['policy_updated', 'policy_updated']);

    const created = await modApi(base, admin, 'POST', '/v1/mod/policies', {
      id: 'doxxing', name: 'Sharing private information', description: 'Publishing someone’s private data without consent.', defaultAction: 'ban', dsaCategory: 'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
    });
    expect(created.status).toBe(201);
    expect(code(await modApi(base, admin, 'POST', '/v1/mod/policies', { id: 'doxxing', name: 'x', description: 'y', defaultAction: 'ban', dsaCategory: 'STATEMENT_CATEGORY_VIOLENCE' }))).toBe('policy_exists');
    const ok = await modApi<{ outcome: string }>(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'warn', policyId: 'doxxing' });
    expect(ok.json.outcome).toBe('warned');
    expect((await events('report', s.reportId)).find((e) => e.type === 'decision')?.payload).toMatchObject({ action: 'warn', policyId: 'doxxing', automated: false });
    await expectProjection(s.reportId);
  });
});

describe('roles and escalation', () => {
  it('triage claims, notes, dismisses and escalates — but cannot warn, suspend or ban, even in bulk', async () => {
    const s = await seedReport(base);
    expect((await modApi(base, triage, 'POST', `/v1/mod/reports/${s.reportId}/claim`)).status).toBe(200);
    expect((await modApi(base, triage, 'POST', `/v1/mod/reports/${s.reportId}/notes`, { text: 'looks serious' })).status).toBe(201);
    for (const action of ['suspend', 'ban', 'warn'] as const) {
      const r = await modApi(base, triage, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action, policyId: 'harassment' });
      expect(r.status).toBe(403);
      expect(code(r)).toBe('forbidden');
    }
    const bulk = await modApi<{ results: Array<{ ok: boolean; code: string }> }>(base, triage, 'POST', '/v1/mod/reports/bulk', { reportIds: [s.reportId], op: 'decide', action: 'ban', policyId: 'harassment' });
    expect(bulk.json.results).toEqual([expect.objectContaining({ ok: false, code: 'forbidden' })]);
    expect((await modApi(base, triage, 'POST', `/v1/mod/accounts/${s.accused.id}/status`, { status: 'banned' })).status).toBe(403);
    expect(await canLogin(s.accused)).toBe(200);

    const esc = await modApi<{ status: string; assigneeId: string | null }>(base, triage, 'POST', `/v1/mod/reports/${s.reportId}/escalate`, { reason: 'needs a moderator' });
    expect(esc.json).toMatchObject({ status: 'received', assigneeId: null });
    const q = await modApi<{ reports: Array<{ id: string; queue: string; priority: number }> }>(base, mod1, 'GET', '/v1/mod/queue?view=open&queue=escalation');
    expect(q.json.reports).toEqual([expect.objectContaining({ id: s.reportId, queue: 'escalation' })]);
    expect(q.json.reports[0]?.priority).toBeGreaterThanOrEqual(80);
    const banned = await modApi<{ accountStatus: string }>(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'ban', policyId: 'harassment' });
    expect(banned.json.accountStatus).toBe('banned');
    expect((await events('report', s.reportId)).map((e) => e.type)).toEqual(
      ['report_filed', 'routed', 'claimed', 'note', 'escalated', 'claimed', 'decision', 'action', 'statement_sent', 'outcome_sent'],
    );
    await expectProjection(s.reportId);

    const d = await seedReport(base);
    const dismissed = await modApi<{ outcome: string }>(base, triage, 'POST', `/v1/mod/reports/${d.reportId}/decision`, { action: 'dismiss', policyId: 'harassment' });
    expect(dismissed.json.outcome).toBe('dismissed');
    // Appeals, policies, assignment and metrics are for moderators and admins.
    for (const [m, p, b] of [['GET', '/v1/mod/metrics', undefined], ['POST', `/v1/mod/reports/${d.reportId}/assign`, { to: 'staff:mod1' }], ['POST', '/v1/mod/policies', {}]] as const)
      expect((await modApi(base, triage, m, p, b)).status).toBe(403);
  });

  it('assign to another moderator; admins reassign anyone’s; lifting a suspension early from the dashboard', async () => {
    const s = await seedReport(base);
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/claim`);
    expect(code(await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/assign`, { to: 'staff:nobody' }))).toBe('validation_failed');
    const a = await modApi<{ assigneeId: string }>(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/assign`, { to: 'staff:mod2' });
    expect(a.json.assigneeId).toBe('staff:mod2');
    expect(code(await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'warn', policyId: 'harassment' }))).toBe('already_claimed');
    expect(code(await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/assign`, { to: 'staff:mod1' }))).toBe('already_claimed');
    const forced = await modApi<{ assigneeId: string }>(base, admin, 'POST', `/v1/mod/reports/${s.reportId}/assign`, { to: 'staff:mod1' });
    expect(forced.json.assigneeId).toBe('staff:mod1');
    expect((await events('report', s.reportId)).filter((e) => e.type === 'assigned').map((e) => e.payload)).toEqual([
      { to: 'staff:mod2', from: 'staff:mod1' }, { to: 'staff:mod1', from: 'staff:mod2', forced: true },
    ]);
    const susp = await modApi<{ accountStatus: string }>(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'suspend', policyId: 'harassment' });
    expect(susp.json.accountStatus).toBe('suspended');
    expect(await canLogin(s.accused)).toBe(403);
    const lift = await modApi(base, mod2, 'POST', `/v1/mod/accounts/${s.accused.id}/status`, { status: 'active', reason: 'lifted early after review' });
    expect(lift.status).toBe(200);
    expect(await canLogin(s.accused)).toBe(200);
    await expectProjection(s.reportId);
  });
});

describe('statements of reasons', () => {
  it('the actioned account gets policy, action and duration, the messages, decided by a person, how to appeal — from the admin template', async () => {
    expect(code(await modApi(base, admin, 'POST', '/v1/mod/templates/suspend', { body: 'Suspended {oops} because {policy}' }))).toBe('validation_failed');
    expect((await modApi(base, mod1, 'POST', '/v1/mod/templates/suspend', { body: 'Suspended {duration} because of {policy}.' })).status).toBe(403);
    const put = await modApi(base, admin, 'POST', '/v1/mod/templates/suspend', {
      body: 'Suspended {duration} under "{policy}" for {messageCount} message(s): {messages}. {decidedBy} Appeal until {appealUntil}: {appealHow}.',
    });
    expect(put.status).toBe(200);
    const s = await seedReport(base, { count: 3, reported: 2, category: 'hate' });
    const d = await modApi<{ suspendedUntil: string; decidedAt: string }>(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'suspend', suspendHours: 48, policyId: 'hate' });
    const detail = await modApi<{ messages: Array<{ isReported: boolean; messageId: string }> }>(base, mod1, 'GET', `/v1/mod/reports/${s.reportId}`);
    const reportedId = detail.json.messages.find((m) => m.isReported)?.messageId;
    const notices = await noticesOf(base, s.accused);
    expect(notices).toHaveLength(1);
    const n = notices[0];
    expect(n).toMatchObject({ kind: 'suspension', reportId: null, until: d.json.suspendedUntil });
    expect(n?.statement).toMatchObject({
      decision_account: 'DECISION_ACCOUNT_SUSPENDED', decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT', incompatible_content_ground: 'Hateful conduct',
      category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH', content_type: ['CONTENT_TYPE_TEXT'], end_date_account_restriction: d.json.suspendedUntil,
      source_type: 'SOURCE_ARTICLE_16', automated_detection: 'No', automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED', decided_by_person: true,
      policy: { id: 'hate', name: 'Hateful conduct' }, action: 'suspend', messages: [expect.objectContaining({ messageId: reportedId })],
    });
    const st = n?.statement as { decision_facts: string; appeal: { until: string }; puid: string; application_date: string };
    expect(st.decision_facts).toMatch(/^Suspended until \d{4}-\d\d-\d\d \d\d:\d\d UTC under "Hateful conduct" for 1 message\(s\): sent .+ A person on our moderation team made this decision\. Appeal until .+: open this notice in the app/);
    expect(new Date(st.appeal.until).getTime() - new Date(st.application_date).getTime()).toBe(14 * 86_400_000);
    expect(st.puid).not.toContain(s.reportId);
    // The reporter's outcome notice carries no statement about the other person.
    const rep = await api<{ notices: Array<{ kind: string; statement?: unknown }> }>(base, 'GET', '/v1/me/notices', undefined, s.reporter.token);
    expect(rep.json.notices).toEqual([expect.objectContaining({ kind: 'report_outcome', statement: null })]);
  });
});

describe('appeals', () => {
  it('an overturn by another moderator restores sending at once; the log says so; the reporter learns only the changed outcome', async () => {
    const statementText = `I was quoting them back, canary-${Date.now()}`;
    const s = await seedReport(base, { category: 'threat' });
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'ban', policyId: 'threat' });
    expect(await canLogin(s.accused)).toBe(403);
    const [ban] = await noticesOf(base, s.accused);
    expect(ban?.kind).toBe('ban');

    expect((await api(base, 'POST', '/v1/me/appeals', { noticeId: ban?.id, statement: 'x' })).status).toBe(401);
    // Another account cannot appeal this notice; the reporter cannot appeal their own outcome notice.
    const [outcome] = (await api<{ notices: Array<{ id: number }> }>(base, 'GET', '/v1/me/notices', undefined, s.reporter.token)).json.notices;
    expect(code(await api(base, 'POST', '/v1/appeals', { ...(await signedChallenge(base, s.reporter)), noticeId: ban?.id, statement: 'mine' }))).toBe('appeal_not_allowed');
    expect(code(await api(base, 'POST', '/v1/me/appeals', { noticeId: outcome?.id, statement: 'mine' }, s.reporter.token))).toBe('appeal_not_allowed');
    expect(code(await api(base, 'POST', '/v1/appeals', { ...(await signedChallenge(base, s.accused)), noticeId: ban?.id, statement: '' }))).toBe('validation_failed');

    const filed = await api<{ id: string; status: string }>(base, 'POST', '/v1/appeals', { ...(await signedChallenge(base, s.accused)), noticeId: ban?.id, statement: statementText });
    expect(filed.status).toBe(201);
    expect(filed.json.status).toBe('pending');
    expect(code(await api(base, 'POST', '/v1/appeals', { ...(await signedChallenge(base, s.accused)), noticeId: ban?.id, statement: 'again' }))).toBe('appeal_exists');

    const queue = await modApi<{ appeals: Array<{ id: string; statement: string; originalDeciderId: string }> }>(base, mod2, 'GET', '/v1/mod/appeals?view=open');
    expect(queue.json.appeals).toEqual([expect.objectContaining({ id: filed.json.id, statement: statementText, originalDeciderId: 'staff:mod1' })]);
    const detail = await modApi<{ report: { report: { id: string } } }>(base, mod2, 'GET', `/v1/mod/appeals/${filed.json.id}`);
    expect(detail.json.report.report.id).toBe(s.reportId);

    expect(code(await modApi(base, mod1, 'POST', `/v1/mod/appeals/${filed.json.id}/claim`))).toBe('same_moderator');
    expect(code(await modApi(base, mod1, 'POST', `/v1/mod/appeals/${filed.json.id}/decision`, { result: 'overturned' }))).toBe('same_moderator');
    expect(code(await modApi(base, triage, 'POST', `/v1/mod/appeals/${filed.json.id}/decision`, { result: 'overturned' }))).toBe('forbidden');
    expect((await modApi(base, mod2, 'POST', `/v1/mod/appeals/${filed.json.id}/claim`)).status).toBe(200);
    const decided = await modApi<{ appeal: { status: string; decidedBy: string }; accountStatus: string }>(base, mod2, 'POST', `/v1/mod/appeals/${filed.json.id}/decision`, { result: 'overturned', note: 'context shows quoting' });
    expect(decided.status).toBe(200);
    expect(decided.json).toMatchObject({ appeal: { status: 'overturned', decidedBy: 'staff:mod2' }, accountStatus: 'active' });
    expect(code(await modApi(base, mod2, 'POST', `/v1/mod/appeals/${filed.json.id}/decision`, { result: 'upheld' }))).toBe('appeal_decided');

    // Sending works again at once.
    const tok = await login(base, s.accused.id, s.accused.signingSecret);
    expect(tok.status).toBe(200);
    const accused = { ...s.accused, token: (tok.json as { token: string }).token };
    const sent = await sendText(base, accused, s.conversationId, [s.reporter], 99, 'back again');
    expect(sent.res.status).toBe(201);

    const log = await events('report', s.reportId);
    expect(log.map((e) => e.type).slice(-4)).toEqual(['appeal_filed', 'appeal_decided', 'action_reversed', 'outcome_sent']);
    expect(log.map((e) => e.type)).toEqual(expect.arrayContaining(['appeal_filed', 'appeal_decided', 'action_reversed']));
    expect(log.find((e) => e.type === 'action_reversed')?.payload).toMatchObject({ appealId: filed.json.id, accountStatus: { from: 'banned', to: 'active' } });
    expect(log.find((e) => e.type === 'appeal_decided')?.payload).toMatchObject({ result: 'overturned' });
    expect(log.filter((e) => e.type === 'outcome_sent').at(-1)?.payload).toMatchObject({ outcome: 'dismissed', previousOutcome: 'banned', changedByAppeal: true });
    expect((await events('account', s.accused.id)).at(-1)?.payload).toMatchObject({ from: 'banned', to: 'active', reason: 'appeal_overturned' });
    expect(JSON.stringify(log)).not.toContain(statementText);
    await expectProjection(s.reportId);

    const rep = await api<{ notices: Array<{ kind: string; outcome: string; appealResult: string | null }> }>(base, 'GET', '/v1/me/notices', undefined, s.reporter.token);
    expect(rep.json.notices.map((n) => [n.kind, n.outcome, n.appealResult])).toEqual([['report_outcome', 'banned', null], ['report_outcome', 'dismissed', 'overturned']]);
    expect(JSON.stringify(rep.json)).not.toContain(statementText);
    expect((await api<{ outcome: string }>(base, 'GET', `/v1/reports/${s.reportId}`, undefined, s.reporter.token)).json.outcome).toBe('dismissed');
    const mine = await api<{ notices: Array<{ kind: string; appealResult: string | null }> }>(base, 'GET', '/v1/me/notices', undefined, accused.token);
    expect(mine.json.notices.at(-1)).toMatchObject({ kind: 'appeal_outcome', appealResult: 'overturned' });
  });

  it('an upheld appeal changes nothing and tells the reporter nothing; appeals close after the window', async () => {
    const s = await seedReport(base);
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'warn', policyId: 'harassment' });
    const [warning] = (await api<{ notices: Array<{ id: number; kind: string }> }>(base, 'GET', '/v1/me/notices', undefined, s.accused.token)).json.notices;
    expect(warning?.kind).toBe('warning');
    // The window is measured from the decision (MOD_APPEAL_DAYS, 14 by default).
    await expect(srv.services.appeals.file(s.accused.id, warning?.id ?? 0, 'late', new Date(Date.now() + 14 * 86_400_000 + 60_000))).rejects.toMatchObject({ code: 'appeal_window_closed' });
    const filed = await api<{ id: string }>(base, 'POST', '/v1/me/appeals', { noticeId: warning?.id, statement: 'it was a joke between friends' }, s.accused.token);
    expect(filed.status).toBe(201);
    const before = (await api<{ notices: unknown[] }>(base, 'GET', '/v1/me/notices', undefined, s.reporter.token)).json.notices.length;
    const r = await modApi<{ appeal: { status: string }; accountStatus: string | null }>(base, mod2, 'POST', `/v1/mod/appeals/${filed.json.id}/decision`, { result: 'upheld' });
    expect(r.json).toMatchObject({ appeal: { status: 'upheld' }, accountStatus: null });
    expect((await api<{ notices: unknown[] }>(base, 'GET', '/v1/me/notices', undefined, s.reporter.token)).json.notices).toHaveLength(before);
    expect((await api<{ outcome: string }>(base, 'GET', `/v1/reports/${s.reportId}`, undefined, s.reporter.token)).json.outcome).toBe('warned');
    expect((await api<{ notices: Array<{ kind: string; appealResult: string }> }>(base, 'GET', '/v1/me/notices', undefined, s.accused.token)).json.notices.at(-1))
      .toMatchObject({ kind: 'appeal_outcome', appealResult: 'upheld' });
    await expectProjection(s.reportId);
  });
});

describe('routing', () => {
  it('rules put reports in named queues with priorities; open queues sort by priority, then longest waiting', async () => {
    const rules = await modApi<{ rules: Array<{ id: string; queue: string }> }>(base, triage, 'GET', '/v1/mod/routing-rules');
    expect(rules.json.rules.map((r) => r.id)).toEqual(['urgent-safety', 'repeat-offender', 'trusted-reporter', 'unverified-poor-record']);
    expect((await modApi(base, mod1, 'POST', '/v1/mod/routing-rules', { name: 'x', position: 1, conditions: {}, queue: 'x', priority: 1 })).status).toBe(403);
    const rule = await modApi<{ id: string }>(base, admin, 'POST', '/v1/mod/routing-rules', { name: 'Spam desk', position: 5, conditions: { categories: ['spam'] }, queue: 'spam-desk', priority: 30 });
    expect(rule.status).toBe(201);
    expect(code(await modApi(base, admin, 'POST', '/v1/mod/routing-rules', { name: 'bad', position: 1, conditions: { categories: ['nope'] }, queue: 'Bad Name', priority: 500 }))).toBe('validation_failed');

    const spam = await seedReport(base, { category: 'spam' });
    const threat = await seedReport(base, { category: 'threat' });
    const plain = await seedReport(base, { category: 'harassment' });
    const routed = async (id: string) => (await events('report', id)).find((e) => e.type === 'routed')?.payload;
    expect(await routed(spam.reportId)).toMatchObject({ queue: 'spam-desk', priority: 30, ruleId: rule.json.id });
    expect(await routed(threat.reportId)).toMatchObject({ queue: 'urgent', priority: 90, ruleId: 'urgent-safety' });
    expect(await routed(plain.reportId)).toMatchObject({ queue: 'general', priority: 50, ruleId: null });

    const q = await modApi<{ reports: Array<{ id: string; priority: number; createdAt: string; queue: string }> }>(base, mod1, 'GET', '/v1/mod/queue?view=open&limit=200');
    const rows = q.json.reports;
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1], rows[i]] as [typeof rows[0], typeof rows[0]];
      expect(a.priority > b.priority || (a.priority === b.priority && a.createdAt <= b.createdAt)).toBe(true);
    }
    expect(rows.findIndex((r) => r.id === threat.reportId)).toBeLessThan(rows.findIndex((r) => r.id === plain.reportId));
    expect(rows.findIndex((r) => r.id === plain.reportId)).toBeLessThan(rows.findIndex((r) => r.id === spam.reportId));
    // Keyset pages over the priority order give the same sequence.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { reports: Array<{ id: string }>; nextCursor: string | null } } = await modApi(base, mod1, 'GET', `/v1/mod/queue?view=open&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.json.reports.map((r) => r.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(paged).toEqual(rows.map((r) => r.id));
    const only = await modApi<{ reports: Array<{ queue: string }> }>(base, mod1, 'GET', '/v1/mod/queue?view=open&queue=spam-desk');
    expect(only.json.reports.length).toBeGreaterThan(0);
    expect(new Set(only.json.reports.map((r) => r.queue))).toEqual(new Set(['spam-desk']));

    // Disabled rules route nothing.
    expect((await modApi(base, admin, 'POST', `/v1/mod/routing-rules/${rule.json.id}`, { enabled: false })).status).toBe(200);
    const later = await seedReport(base, { category: 'spam' });
    expect(await routed(later.reportId)).toMatchObject({ queue: 'general', ruleId: null });
  });

  it('the reporter’s track record (share upheld) and the accused’s history route reports', async () => {
    const reporter = await createUser(base, `trusted-${Date.now().toString(36)}`);
    for (let i = 0; i < 3; i++) {
      const s = await seedReport(base, { reporter });
      await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'warn', policyId: 'harassment' });
    }
    const next = await seedReport(base, { reporter });
    const detail = await modApi<{ reporter: { upheldShare: number; decided: number }; report: { queue: string; priority: number } }>(base, mod1, 'GET', `/v1/mod/reports/${next.reportId}`);
    expect(detail.json.reporter).toMatchObject({ upheldShare: 1, decided: 3 });
    expect(detail.json.report).toMatchObject({ queue: 'general', priority: 60 });
  });
});
