// API contract, moderator API (operations and schemas; handlers in server/routes/mod-evasion.ts).
// Ban evasion and the registration gate, for staff (docs/MODERATION.md "Registration network signal", "Ban
// evasion", "Registration gate"): the network signal of an account, the "ban evasion" action that cites the
// original decision, and invite codes (admin).
import { z } from 'zod';
import { Id, IsoTime } from '../_common.ts';
import { defineOperation } from '../_operation.ts';

const OriginalDecision = z
  .strictObject({
    eventId: z.number().int().meta({ description: 'moderation event id of the suspension or ban (account_status_changed)' }),
    accountId: Id,
    action: z.enum(['suspended', 'banned']),
    at: IsoTime,
    reportId: z.string().nullable(),
    statementId: z.string().nullable().meta({ description: 'the statement of reasons (DSA puid) the account was sent, if any' }),
  })
  .meta({ id: 'OriginalDecision' });
export const EvasionSignals = z
  .strictObject({
    userId: Id,
    networkMatches: z.array(OriginalDecision).meta({ description: 'accounts suspended or banned in the last 30 days that registered from the same network' }),
    windowDays: z.number().int(),
  })
  .meta({ id: 'EvasionSignals' });
export const BanEvasionRequest = z
  .strictObject({
    originalDecisionId: z.number().int().min(1).meta({ description: 'OriginalDecision.eventId: the suspension or ban being evaded' }),
    policyId: z.string().min(1).max(48),
    note: z.string().max(4000).optional().meta({ description: 'recorded in the log; never sent to anyone' }),
  })
  .meta({ id: 'BanEvasionRequest' });
export const BanEvasionResponse = z
  .strictObject({ userId: Id, status: z.literal('banned'), statementId: z.string(), original: OriginalDecision })
  .meta({ id: 'BanEvasionResponse' });
export const CreateInvitesRequest = z
  .strictObject({ count: z.number().int().min(1).max(100).default(1), ttlDays: z.number().int().min(1).max(365).optional() })
  .meta({ id: 'CreateInvitesRequest' });
export const CreatedInvites = z.strictObject({ codes: z.array(z.string()), expiresAt: IsoTime }).meta({ id: 'CreatedInvites' });
const Params = z.strictObject({ userId: Id });
const errors = ['unauthorized', 'invalid_token', 'forbidden', 'csrf_failed', 'account_suspended', 'account_banned', 'validation_failed'] as const;

export const modEvasionOperations = {
  getEvasionSignals: defineOperation({
    operationId: 'getEvasionSignals', method: 'get', path: '/v1/mod/accounts/{userId}/evasion-signals', tag: 'moderation', auth: 'triage',
    summary: 'Accounts actioned in the last 30 days that registered from the same network (keyed hash) as this one',
    params: Params, response: EvasionSignals, errors,
  }),
  banForEvasion: defineOperation({
    operationId: 'banForEvasion', method: 'post', path: '/v1/mod/accounts/{userId}/ban-evasion', tag: 'moderation', auth: 'moderator',
    summary: 'Ban an account for ban evasion, citing the original suspension or ban (statement of reasons sent)',
    params: Params, body: BanEvasionRequest, response: BanEvasionResponse, statuses: [201], errors: [...errors, 'not_found', 'policy_required', 'unknown_policy'],
  }),
  createInvites: defineOperation({
    operationId: 'createInvites', method: 'post', path: '/v1/mod/invites', tag: 'admin', auth: 'admin',
    summary: 'Create single-use registration invite codes (shown once; only their hashes are stored)',
    body: CreateInvitesRequest, response: CreatedInvites, statuses: [201], errors,
  }),
} as const;
