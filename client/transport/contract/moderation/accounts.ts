// API contract, moderator API (operations and schemas; handlers in server/routes/mod-accounts.ts): enforcement on an
// account, the handle release for a reset and its revocation (docs/PROTOCOL-devices.md D6.6, docs/MODERATION.md
// "Account reset") and the event log of one subject (docs/MODERATION.md "Decisions, enforcement, notices").
import { z } from 'zod';
import { Id, IsoTime } from '../_common.ts';
import { defineOperation } from '../_operation.ts';
import { ModerationEvent } from './event.ts';

export const SetStatusRequest = z
  .strictObject({
    status: z.enum(['active', 'suspended', 'banned']),
    suspendedUntil: z.iso.datetime().optional().meta({ description: "only for 'suspended'; absent = indefinitely" }),
    reason: z.string().max(500).optional(),
  })
  .meta({ id: 'SetAccountStatusRequest' });
export const AccountStanding = z
  .strictObject({ userId: Id, status: z.enum(['active', 'suspended', 'banned']), suspendedUntil: IsoTime.nullable() })
  .meta({ id: 'AccountStanding' });
export const AccountParams = z.strictObject({ userId: Id });
export const EventsQuery = z.strictObject({ subjectType: z.enum(['report', 'account', 'case', 'appeal', 'policy', 'template', 'routing_rule', 'moderator']), subjectId: z.string().min(1).max(80) });
export const EventList = z
  .strictObject({
    events: z.array(ModerationEvent),
  })
  .meta({ id: 'ModerationEventList' });
/** D6.6: how long a handle release stays usable by default, and at most (docs/MODERATION.md "Account reset"). */
export const HANDLE_RELEASE_DEFAULT_DAYS = 7;
export const HANDLE_RELEASE_MAX_DAYS = 30;
export const HandleReleaseRequest = z
  .strictObject({
    fingerprint: z.string().transform((s) => s.replace(/\s+/g, '')).pipe(z.string().regex(/^\d{30}$/, 'expected the 30-digit reset code the new browser shows'))
      .meta({ description: "the new device's reset code: the 30-digit fingerprint of its keys under this account id (docs/PROTOCOL-devices.md D6.6); spaces are ignored" }),
    reason: z.string().trim().min(1).max(500).meta({ description: 'why support released the handle (how the person proved the account is theirs)' }),
    expiresInDays: z.number().int().min(1).max(HANDLE_RELEASE_MAX_DAYS).optional().meta({ description: `default ${HANDLE_RELEASE_DEFAULT_DAYS}` }),
  })
  .meta({ id: 'HandleReleaseRequest' });
export const HandleRelease = z
  .strictObject({
    releaseId: z.number().int().meta({ description: 'the id of its handle_released event' }),
    userId: Id, fingerprint: z.string(), reason: z.string(), expiresAt: IsoTime, releasedBy: z.string().nullable(),
  })
  .meta({ id: 'HandleRelease' });
/**
 * D6.6: an admin takes a live release back. POST with a verb path like every other state change of the moderator API
 * (…/claim, …/release, …/totp/disable): the revocation appends a `handle_release_revoked` event, it deletes nothing,
 * and its reason is a required body (a DELETE body has no defined meaning, RFC 9110 §9.3.5).
 */
export const RevokeHandleReleaseRequest = z
  .strictObject({
    reason: z.string().trim().min(1).max(500).meta({ description: 'why the release is taken back (e.g. released for the wrong code, support was deceived)' }),
  })
  .meta({ id: 'RevokeHandleReleaseRequest' });
export const RevokedHandleRelease = HandleRelease.extend({
  revokedAt: IsoTime, revokedBy: z.string().nullable(),
  revokeReason: z.string().meta({ description: 'the reason given for the revocation' }),
}).meta({ id: 'RevokedHandleRelease' });
export const LiveHandleRelease = z
  .strictObject({ release: HandleRelease.nullable().meta({ description: 'the newest release while it is unused, unrevoked and unexpired; null otherwise' }) })
  .meta({ id: 'LiveHandleRelease' });
const errors = ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned', 'validation_failed'] as const;

export const modAccountOperations = {
  setAccountStatus: defineOperation({
    operationId: 'setAccountStatus', method: 'post', path: '/v1/mod/accounts/{userId}/status', tag: 'moderation', auth: 'moderator',
    summary: 'Enforcement: suspend, ban or reinstate an account (recorded in the moderation event log)',
    params: AccountParams, body: SetStatusRequest, response: AccountStanding, errors: [...errors, 'not_found'],
  }),
  releaseHandle: defineOperation({
    operationId: 'releaseHandle', method: 'post', path: '/v1/mod/accounts/{userId}/handle-release', tag: 'admin', auth: 'admin',
    summary: 'Release the handle for a reset (docs/PROTOCOL-devices.md D6.6): one reset list naming this device fingerprint may be submitted until the release expires; recorded in the moderation event log (admin only)',
    params: AccountParams, body: HandleReleaseRequest, response: HandleRelease, statuses: [201], errors: [...errors, 'csrf_failed', 'not_found'],
  }),
  getHandleRelease: defineOperation({
    operationId: 'getHandleRelease', method: 'get', path: '/v1/mod/accounts/{userId}/handle-release', tag: 'moderation', auth: 'moderator',
    summary: 'The account\'s live handle release (docs/PROTOCOL-devices.md D6.6): the newest one while unused, unrevoked and unexpired, else null',
    params: AccountParams, response: LiveHandleRelease, errors,
  }),
  revokeHandleRelease: defineOperation({
    operationId: 'revokeHandleRelease', method: 'post', path: '/v1/mod/accounts/{userId}/handle-release/revoke', tag: 'admin', auth: 'admin',
    summary: 'Revoke the account\'s live handle release (docs/PROTOCOL-devices.md D6.6): from its commit on, no reset list is accepted under it; recorded as handle_release_revoked in the moderation event log (admin only). 404 no_live_release when nothing is live, 409 release_used when a reset already used it (the reset stands)',
    params: AccountParams, body: RevokeHandleReleaseRequest, response: RevokedHandleRelease, errors: [...errors, 'csrf_failed', 'no_live_release', 'release_used'],
  }),
  listModerationEvents: defineOperation({
    operationId: 'listModerationEvents', method: 'get', path: '/v1/mod/events', tag: 'moderation', auth: 'moderator',
    summary: 'The append-only moderation event log of one subject (oldest first)', query: EventsQuery, response: EventList, errors,
  }),
} as const;
