// The moderator API answers what its contract says (client/transport/contract/moderation/): the dashboard's way of
// calling it — the SDK's invoke with the session cookie and CSRF token, every answer checked against its
// operation's schema — through a report's whole workflow and every read-only page of the dashboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../client/transport/api-error.ts';
import type { OperationHead } from '../../client/transport/contract/index.ts';
import { moderationOperations as ops } from '../../client/transport/contract/moderation/operations.ts';
import { type InvokeInput, invoke } from '../../client/transport/invoke.ts';
import { type TestServer, startTestServer } from '../server/_harness.ts';
import { type Staff, createStaff, seedReport } from './_mod.ts';

let srv: TestServer;
let admin: Staff;

/** As server/dashboard/src/api.ts sends it, from Node: the cookie by hand (no browser jar) and validation on. */
const call = <O extends OperationHead>(staff: Staff, op: O, input: InvokeInput<O>) =>
  invoke(op, input, {
    baseUrl: srv.url,
    headers: { cookie: staff.cookie, ...(op.method !== 'get' ? { 'x-csrf-token': staff.csrf } : {}) },
    validateResponse: true,
  });

beforeAll(async () => {
  srv = await startTestServer();
  admin = await createStaff(srv, 'contract-admin', 'admin');
});
afterAll(async () => srv?.stop());

describe('moderator API answers match the contract', () => {
  it('a report from the queue to a decision, with the session, notes, projection and the event log', async () => {
    const { reportId, accused } = await seedReport(srv.url, { count: 3, reported: 2 });
    const me = await call(admin, ops.moderatorSession, {});
    expect(me.moderator.role).toBe('admin');
    const queue = await call(admin, ops.moderationQueue, { query: { view: 'open' } });
    expect(queue.reports.map((r) => r.id)).toContain(reportId);
    const detail = await call(admin, ops.moderationReport, { params: { reportId } });
    expect(detail.report.id).toBe(reportId);
    await call(admin, ops.moderationReportAttachments, { params: { reportId } });
    await call(admin, ops.claimReport, { params: { reportId } });
    await call(admin, ops.addReportNote, { params: { reportId }, body: { text: 'checked' } });
    const policies = await call(admin, ops.listPolicies, {});
    const policyId = policies.policies[0]?.id;
    const decided = await call(admin, ops.decideReport, { params: { reportId }, body: { action: 'warn', ...(policyId ? { policyId } : {}) } });
    expect(decided.outcome).toBe('warned');
    expect((await call(admin, ops.checkReportProjection, { params: { reportId } })).matches).toBe(true);
    const events = await call(admin, ops.listModerationEvents, { query: { subjectType: 'report', subjectId: reportId } });
    expect(events.events.length).toBeGreaterThan(0);
    await call(admin, ops.getEvasionSignals, { params: { userId: accused.id } });
  });

  it('the read-only pages: audit, statistics, catalog, cases, appeals, metrics, transparency, staff', async () => {
    await call(admin, ops.auditLog, { query: { limit: 10 } });
    await call(admin, ops.moderationStats, { query: { days: 7 } });
    await call(admin, ops.listStatementTemplates, {});
    await call(admin, ops.listRoutingRules, {});
    const cases = await call(admin, ops.moderationCases, { query: {} });
    const caseId = cases.cases[0]?.id;
    if (caseId) await call(admin, ops.moderationCase, { params: { caseId } });
    await call(admin, ops.moderationAppeals, { query: { view: 'all' } });
    await call(admin, ops.moderationMetrics, { query: { days: 30 } });
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const report = await call(admin, ops.transparencyReport, { query: { from: new Date(Date.now() - 30 * 86_400_000).toISOString(), to } });
    expect(report?.decisions.total).toBeGreaterThanOrEqual(0);
    const staff = await call(admin, ops.listModerators, {});
    expect(staff.moderators.map((m) => m.id)).toContain('contract-admin');
    await call(admin, ops.moderationPublicKey, {});
  });

  it('a refused request is an ApiError whose code is in the contract (the check passes it through)', async () => {
    const e = await call(admin, ops.moderationReport, { params: { reportId: 'no-such-report' } }).catch((x: unknown) => x);
    expect(ApiError.is(e, 'not_found')).toBe(true);
  });
});
