// Appeals (EU DSA Art. 20; docs/MODERATION.md "Appeals"): the actioned account files from the chat (bearer token,
// or a signed challenge when suspended/banned); moderators work the appeal queue and decide upheld/overturned.
import { z } from 'zod';
import type { AppealRow } from '../data/moderation-cases.ts';
import { APPEAL_VIEWS } from '../services/moderation/index.ts';
import type { Services } from '../services/index.ts';
import { AppealReceipt, AppealRequest, SignedAppealRequest } from '../../client/transport/contract/appeals.ts';
import { IsoTime, bytes } from './_schemas.ts';
import { type Principal, type Route, defineRoute } from './_route.ts';
import { ReportDetailForModerator, detailOut } from './mod-reports.ts';

const actor = (p: Principal) => ({ actorId: p.userId, isAdmin: p.role === 'admin', role: p.role });
const iso = (d: Date | null) => d?.toISOString() ?? null;

const AppealStatus = z.enum(['pending', 'in_review', 'upheld', 'overturned']);
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

const appealOut = (a: AppealRow) => ({ ...a, status: a.status as z.infer<typeof AppealStatus>, decidedAt: iso(a.decidedAt), createdAt: a.createdAt.toISOString() });
const receipt = (a: AppealRow, noticeId: number) => ({ id: a.id, noticeId, status: a.status as z.infer<typeof AppealStatus>, createdAt: a.createdAt.toISOString() });

const userErrors = ['validation_failed', 'appeal_not_allowed', 'appeal_window_closed', 'appeal_exists'] as const;
const modErrors = ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned', 'validation_failed', 'not_found'] as const;

export const fileAppealSpec = {
  operationId: 'fileAppeal', method: 'post', path: '/v1/me/appeals', tag: 'accounts', auth: 'user', standing: 'deferred', rateLimit: 'report',
  summary: 'Appeal a warning, suspension or ban notice of yours within the appeal window (a different moderator reviews it)',
  body: AppealRequest, response: AppealReceipt, statuses: [201], errors: ['unauthorized', 'invalid_token', ...userErrors],
} as const;
export const signedAppealSpec = {
  operationId: 'fileSignedAppeal', method: 'post', path: '/v1/appeals', tag: 'accounts', auth: 'public', rateLimit: 'auth',
  summary: 'Appeal without a token (suspended/banned accounts): prove the identity key with a signed challenge',
  body: SignedAppealRequest, response: AppealReceipt, statuses: [201], errors: ['invalid_signature', 'challenge_invalid', 'rate_limited', ...userErrors],
} as const;
export const listAppealsSpec = {
  operationId: 'moderationAppeals', method: 'get', path: '/v1/mod/appeals', tag: 'moderation', auth: 'triage',
  summary: 'The appeal queue: open (oldest first) / pending / mine / decided / all',
  query: AppealsQuery, response: z.strictObject({ appeals: z.array(AppealForModerator) }).meta({ id: 'AppealList' }), errors: modErrors,
} as const;
export const appealDetailSpec = {
  operationId: 'moderationAppeal', method: 'get', path: '/v1/mod/appeals/{appealId}', tag: 'moderation', auth: 'triage',
  summary: 'An appeal with the appellant’s statement and the full report it contests',
  params: AppealParams, response: z.strictObject({ appeal: AppealForModerator, report: ReportDetailForModerator }).meta({ id: 'AppealDetail' }), errors: modErrors,
} as const;
export const claimAppealSpec = {
  operationId: 'claimAppeal', method: 'post', path: '/v1/mod/appeals/{appealId}/claim', tag: 'moderation', auth: 'moderator',
  summary: 'Take an appeal (not the moderator who made the appealed decision: 403 same_moderator)',
  params: AppealParams, response: AppealForModerator, errors: [...modErrors, 'csrf_failed', 'same_moderator', 'already_claimed', 'appeal_decided'],
} as const;
export const decideAppealSpec = {
  operationId: 'decideAppeal', method: 'post', path: '/v1/mod/appeals/{appealId}/decision', tag: 'moderation', auth: 'moderator',
  summary: 'Uphold or overturn; an overturn reverses the enforcement at once and tells the reporter the outcome changed',
  params: AppealParams, body: AppealDecisionRequest,
  response: z.strictObject({ appeal: AppealForModerator, accountStatus: z.enum(['active', 'suspended', 'banned']).nullable() }).meta({ id: 'AppealDecisionResult' }),
  errors: [...modErrors, 'csrf_failed', 'same_moderator', 'already_claimed', 'appeal_decided', 'report_resolved', 'stale_state'],
} as const;

export function modAppealRoutes(s: Services): Route[] {
  return [
    defineRoute(fileAppealSpec, async ({ principal, body, setStatus }) => {
      setStatus(201);
      return receipt(await s.appeals.file(principal.userId, body.noticeId, body.statement), body.noticeId);
    }),
    defineRoute(signedAppealSpec, async ({ body, setStatus }) => {
      await s.notices.proveIdentity({ userId: body.userId, challenge: bytes(body.challenge), signature: bytes(body.signature) });
      setStatus(201);
      return receipt(await s.appeals.file(body.userId, body.noticeId, body.statement), body.noticeId);
    }),
    defineRoute(listAppealsSpec, async ({ query, principal }) => ({ appeals: (await s.appeals.list(query.view, actor(principal), query.limit)).map(appealOut) })),
    defineRoute(appealDetailSpec, async ({ params }) => {
      const a = await s.appeals.get(params.appealId);
      return { appeal: appealOut(a), report: detailOut(await s.moderation.detail(a.reportId)) };
    }),
    defineRoute(claimAppealSpec, async ({ params, principal }) => appealOut(await s.appeals.claim(params.appealId, actor(principal)))),
    defineRoute(decideAppealSpec, async ({ params, principal, body }) => {
      const r = await s.appeals.decide(params.appealId, actor(principal), body.result, body.note);
      return { appeal: appealOut(r.appeal), accountStatus: r.accountStatus };
    }),
  ];
}
