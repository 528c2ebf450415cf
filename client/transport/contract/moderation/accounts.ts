// API contract, moderator API (operations and schemas; handlers in server/routes/mod-accounts.ts): enforcement on an
// account and the event log of one subject (docs/MODERATION.md "Decisions, enforcement, notices").
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
const errors = ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned', 'validation_failed'] as const;

export const modAccountOperations = {
  setAccountStatus: defineOperation({
    operationId: 'setAccountStatus', method: 'post', path: '/v1/mod/accounts/{userId}/status', tag: 'moderation', auth: 'moderator',
    summary: 'Enforcement: suspend, ban or reinstate an account (recorded in the moderation event log)',
    params: AccountParams, body: SetStatusRequest, response: AccountStanding, errors: [...errors, 'not_found'],
  }),
  listModerationEvents: defineOperation({
    operationId: 'listModerationEvents', method: 'get', path: '/v1/mod/events', tag: 'moderation', auth: 'moderator',
    summary: 'The append-only moderation event log of one subject (oldest first)', query: EventsQuery, response: EventList, errors,
  }),
} as const;
