// API contract, moderator API (operations and schemas; handlers in server/routes/mod-metrics.ts).
// Metrics charts for the dashboard and the transparency report (JSON or CSV) for a period
// (docs/MODERATION.md "Metrics and transparency report").
import { z } from 'zod';
import { IsoTime } from '../_common.ts';
import { defineOperation } from '../_operation.ts';

export const MetricsQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(30) });
export const Metrics = z
  .strictObject({
    days: z.number().int(),
    medianFirstActionMs: z.number().nullable(),
    medianDecisionMs: z.number().nullable(),
    backlog: z.array(z.strictObject({ label: z.string(), count: z.number().int() })),
    decisionsByModerator: z.array(z.strictObject({ actorId: z.string(), decisions: z.number().int() })),
    decisionsByAction: z.record(z.string(), z.number().int()),
    appeals: z.strictObject({ filed: z.number().int(), upheld: z.number().int(), overturned: z.number().int(), overturnRate: z.number().nullable() }),
  })
  .meta({ id: 'ModerationMetrics' });
export const TransparencyQuery = z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime(), format: z.enum(['json', 'csv']).default('json') });
const Counts = z.record(z.string(), z.number().int());
export const TransparencyReportSchema = z
  .strictObject({
    period: z.strictObject({ from: IsoTime, to: IsoTime }),
    generatedAt: IsoTime,
    notices: z.strictObject({ total: z.number().int(), byCategory: Counts, byVerification: Counts }),
    decisions: z.strictObject({
      total: z.number().int(), byAction: Counts, byCategory: z.record(z.string(), Counts), automated: z.number().int(), manual: z.number().int(),
      medianHandlingMs: z.number().nullable(),
    }),
    appeals: z.strictObject({ filed: z.number().int(), decided: z.number().int(), upheld: z.number().int(), overturned: z.number().int(), overturnRate: z.number().nullable() }),
  })
  .meta({ id: 'TransparencyReport' });
const errors = ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned', 'validation_failed'] as const;

export const modMetricsOperations = {
  moderationMetrics: defineOperation({
    operationId: 'moderationMetrics', method: 'get', path: '/v1/mod/metrics', tag: 'moderation', auth: 'moderator',
    summary: 'Time to first action and to decision, backlog by age, decisions per moderator, appeal overturn rate',
    query: MetricsQuery, response: Metrics, errors,
  }),
  transparencyReport: defineOperation({
    operationId: 'transparencyReport', method: 'get', path: '/v1/mod/transparency', tag: 'moderation', auth: 'moderator',
    summary: 'Transparency report for [from, to): notices by category, decisions by action, automated vs manual, median handling time, appeals (JSON or ?format=csv)',
    query: TransparencyQuery, response: z.union([TransparencyReportSchema, z.null()]), errors,
  }),
} as const;
