// API contract, moderator API (operations and schemas; handlers in server/routes/mod-audit.ts).
// The audit log (every moderation event, newest first, keyset on id) and queue statistics.
import { z } from 'zod';
import { Id, IsoTime } from '../_common.ts';
import { defineOperation } from '../_operation.ts';
import { ModerationEvent } from './event.ts';

export const AuditQuery = z.strictObject({
  before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'keyset: events with a smaller id' }),
  type: z.string().regex(/^[a-z_]{1,40}$/).optional(),
  actorId: z.string().min(1).max(80).optional(),
  subjectType: z.enum(['report', 'account', 'moderator']).optional(),
  subjectId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const AuditResponse = z.strictObject({ events: z.array(ModerationEvent), nextBefore: z.number().int().nullable() }).meta({ id: 'AuditLog' });
export const StatsQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(14) });
export const StatsResponse = z
  .strictObject({
    since: IsoTime, days: z.number().int(), open: z.number().int(), claimed: z.number().int(), resolved: z.number().int(),
    medianDecisionMs: z.number().nullable().meta({ description: 'median time from filing to decision, decisions in the window' }),
    perDay: z.array(z.strictObject({ day: z.string(), filed: z.number().int(), decided: z.number().int(), medianDecisionMs: z.number().nullable() })),
    outcomes: z.record(z.string(), z.number().int()), byModerator: z.record(z.string(), z.number().int()),
  })
  .meta({ id: 'ModerationStats' });
const authErrors = ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned', 'validation_failed'] as const;

export const modAuditOperations = {
  auditLog: defineOperation({
    operationId: 'auditLog', method: 'get', path: '/v1/mod/audit', tag: 'moderation', auth: 'moderator',
    summary: 'The append-only moderation event log (newest first; filter by type, actor, subject)', query: AuditQuery, response: AuditResponse, errors: authErrors,
  }),
  moderationStats: defineOperation({
    operationId: 'moderationStats', method: 'get', path: '/v1/mod/stats', tag: 'moderation', auth: 'moderator',
    summary: 'Queue counts, reports filed and decided per day, median time to decision', query: StatsQuery, response: StatsResponse, errors: authErrors,
  }),
} as const;
