// API contract, moderator API (operations and schemas; handlers in server/routes/mod-appeals.ts).
// Appeals (EU DSA Art. 20; docs/MODERATION.md "Appeals"): the actioned account files from the chat (bearer token,
// or a signed challenge when suspended/banned); moderators work the appeal queue and decide upheld/overturned.
import { z } from 'zod';
import { IsoTime } from '../_common.ts';
import { defineOperation } from '../_operation.ts';
import { ReportDetailForModerator } from './reports.ts';
import { APPEAL_VIEWS } from './vocabulary.ts';

export const AppealStatus = z.enum(['pending', 'in_review', 'upheld', 'overturned']);
export const AppealForModerator = z
  .strictObject({
    id: z.string(), reportId: z.string(), appellantId: z.string(), statement: z.string(), status: AppealStatus,
    originalAction: z.string(), originalDeciderId: z.string(), assigneeId: z.string().nullable(), decidedBy: z.string().nullable(),
    decidedAt: IsoTime.nullable(), createdAt: IsoTime,
  })
  .meta({ id: 'AppealForModerator' });
const AppealParams = z.strictObject({ appealId: z.string().regex(/^ap_[A-Za-z0-9_-]{12}$/, 'an appeal id') });
export const AppealsQuery = z.strictObject({ view: z.enum(APPEAL_VIEWS).default('open'), limit: z.coerce.number().int().min(1).max(200).default(50) });
export const AppealDecisionRequest = z
  .strictObject({ result: z.enum(['upheld', 'overturned']), note: z.string().trim().max(4000).optional() })
  .meta({ id: 'AppealDecisionRequest' });
const modErrors = ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned', 'validation_failed', 'not_found'] as const;

export const modAppealOperations = {
  moderationAppeals: defineOperation({
    operationId: 'moderationAppeals', method: 'get', path: '/v1/mod/appeals', tag: 'moderation', auth: 'triage',
    summary: 'The appeal queue: open (oldest first) / pending / mine / decided / all',
    query: AppealsQuery, response: z.strictObject({ appeals: z.array(AppealForModerator) }).meta({ id: 'AppealList' }), errors: modErrors,
  }),
  moderationAppeal: defineOperation({
    operationId: 'moderationAppeal', method: 'get', path: '/v1/mod/appeals/{appealId}', tag: 'moderation', auth: 'triage',
    summary: 'An appeal with the appellant’s statement and the full report it contests',
    params: AppealParams, response: z.strictObject({ appeal: AppealForModerator, report: ReportDetailForModerator }).meta({ id: 'AppealDetail' }), errors: modErrors,
  }),
  claimAppeal: defineOperation({
    operationId: 'claimAppeal', method: 'post', path: '/v1/mod/appeals/{appealId}/claim', tag: 'moderation', auth: 'moderator',
    summary: 'Take an appeal (not the moderator who made the appealed decision: 403 same_moderator)',
    params: AppealParams, response: AppealForModerator, errors: [...modErrors, 'csrf_failed', 'same_moderator', 'already_claimed', 'appeal_decided'],
  }),
  decideAppeal: defineOperation({
    operationId: 'decideAppeal', method: 'post', path: '/v1/mod/appeals/{appealId}/decision', tag: 'moderation', auth: 'moderator',
    summary: 'Uphold or overturn; an overturn reverses the enforcement at once and tells the reporter the outcome changed',
    params: AppealParams, body: AppealDecisionRequest,
    response: z.strictObject({ appeal: AppealForModerator, accountStatus: z.enum(['active', 'suspended', 'banned']).nullable() }).meta({ id: 'AppealDecisionResult' }),
    errors: [...modErrors, 'csrf_failed', 'same_moderator', 'already_claimed', 'appeal_decided', 'report_resolved', 'stale_state'],
  }),
} as const;
