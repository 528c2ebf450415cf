// Reports: submit (reported item + up to 50 context items, each verified), list own, read own.
import { z } from 'zod';
import type { ReportSummaryRow } from '../data/reports.ts';
import type { ReportView } from '../services/reports.ts';
import type { Services } from '../services/index.ts';
import { IsoTime, Id, StampJson, b64Exact, b64Max } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

export const MAX_REVEALED_BODY_BYTES = 64 * 1024;
export const MAX_HEADER_BYTES = 65_535;

export const ReportItemJson = z
  .strictObject({
    stamp: StampJson,
    commitment: b64Exact(32),
    fk: b64Exact(32),
    header: b64Max(MAX_HEADER_BYTES, 1).meta({ description: 'the encoded franked header, exactly as committed' }),
    body: b64Max(MAX_REVEALED_BODY_BYTES),
  })
  .meta({ id: 'ReportItem', description: 'A revealed message (client reportItemToJson)' });

export const REPORT_CATEGORIES = ['harassment', 'hate', 'threat', 'sexual', 'spam', 'scam', 'self_harm', 'other'] as const;

export const SubmitReportRequest = z
  .strictObject({
    category: z.enum(REPORT_CATEGORIES),
    comment: z.string().max(2000).optional(),
    reported: ReportItemJson,
    context: z.array(ReportItemJson).max(50).default([]),
  })
  .meta({ id: 'SubmitReportRequest' });

const Verdict = z.enum(['verified', 'malformed', 'not_a_party', 'unknown_key', 'retired_key', 'stamp_invalid', 'outside_window', 'commitment_mismatch', 'header_mismatch']);
export const ReportSummary = z
  .strictObject({
    id: Id,
    messageId: Id,
    conversationId: Id,
    accusedId: Id,
    category: z.string(),
    status: z.string().meta({ description: 'received | in_review | resolved' }),
    outcome: z.string().nullable().meta({ description: 'null until decided: dismissed | warned | suspended | banned' }),
    verdict: z.enum(['verified', 'unverified']),
    createdAt: IsoTime,
    updatedAt: IsoTime,
  })
  .meta({ id: 'ReportSummary' });
export const ReportDetail = ReportSummary.extend({
  duplicate: z.boolean().optional().meta({ description: 'true when this reporter had already reported this message' }),
  items: z.array(
    z.strictObject({
      position: z.number().int(),
      isReported: z.boolean(),
      messageId: Id,
      senderId: Id,
      serverTime: z.number().int(),
      verdict: Verdict,
      detail: z.string().nullable(),
    }),
  ),
  context: z.object({ senders: z.array(z.record(z.string(), z.unknown())), complete: z.boolean() }).meta({ description: 'client analyzeContext()' }),
}).meta({ id: 'ReportDetail' });
export const ReportList = z.strictObject({ reports: z.array(ReportSummary) }).meta({ id: 'ReportList' });
export const ReportParams = z.strictObject({ reportId: Id });

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
