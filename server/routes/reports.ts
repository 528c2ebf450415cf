// Reports: submit (reported item + up to 50 context items, each verified), list own, read own.
import type { z } from 'zod';
import type { ReportSummaryRow } from '../data/reports.ts';
import type { ReportView } from '../services/reports/index.ts';
import type { Services } from '../services/index.ts';
import { type Route, defineRoute } from './_route.ts';

import type { Verdict} from '../../client/transport/contract/reports.ts';
import { SubmitReportRequest, ReportDetail, ReportList, ReportParams } from '../../client/transport/contract/reports.ts';
const summary = (r: ReportSummaryRow) => ({
  id: r.id, messageId: r.messageId, conversationId: r.conversationId, accusedId: r.accusedId, category: r.category,
  status: r.status, outcome: r.outcome, verdict: r.verdict as 'verified' | 'unverified', createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
});
const detail = (r: ReportView) => ({
  ...summary(r),
  items: r.items.map((i) => ({ ...i, serverTime: Number(i.serverTime), verdict: i.verdict as z.infer<typeof Verdict> })),
  context: r.context as unknown as { senders: Record<string, unknown>[]; complete: boolean },
});
const authErrors = ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'] as const;

export const submitSpec = {
  operationId: 'submitReport', method: 'post', path: '/v1/reports', tag: 'reports', auth: 'user', rateLimit: 'report',
  bodyLimitBytes: 16 * 1024 * 1024,
  summary: 'Report a received message with context; 201 new, 200 when already reported by you',
  body: SubmitReportRequest, response: ReportDetail, statuses: [201, 200],
  errors: ['validation_failed', 'payload_too_large', 'not_a_party', 'invalid_reported_item', 'rate_limited', ...authErrors],
} as const;
export const listSpec = {
  operationId: 'listReports', method: 'get', path: '/v1/reports', tag: 'reports', auth: 'user',
  summary: "The caller's reports with status and outcome (newest first, at most 100)", response: ReportList, errors: authErrors,
} as const;
export const getSpec = {
  operationId: 'getReport', method: 'get', path: '/v1/reports/{reportId}', tag: 'reports', auth: 'user',
  summary: 'One of your reports, with per-item verdicts and context completeness', params: ReportParams, response: ReportDetail,
  errors: ['validation_failed', 'not_found', ...authErrors],
} as const;

export function reportRoutes(s: Services): Route[] {
  return [
    defineRoute(submitSpec, async ({ principal, body, setStatus }) => {
      const { report, duplicate } = await s.reports.submit(principal.userId, body);
      if (duplicate) setStatus(200);
      return { ...detail(report), duplicate };
    }),
    defineRoute(listSpec, async ({ principal }) => ({ reports: (await s.reports.list(principal.userId)).map(summary) })),
    defineRoute(getSpec, async ({ principal, params }) => detail(await s.reports.get(principal.userId, params.reportId))),
  ];
}
