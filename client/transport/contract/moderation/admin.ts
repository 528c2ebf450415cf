// API contract, moderator API (operations and schemas; handlers in server/routes/mod-admin.ts).
// Admin-only: dashboard staff accounts (list, create, change role, disable, reset password). Every change is
// a `moderator_*` event in the audit log; the last active admin cannot be demoted or disabled.
import { z } from 'zod';
import { IsoTime } from '../_common.ts';
import { defineOperation } from '../_operation.ts';
import { ModeratorLogin, StaffRole } from './session.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './vocabulary.ts';

const Password = z.string().min(MIN_PASSWORD_LENGTH, `expected at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH);
export const Moderator = z
  .strictObject({
    id: z.string(), displayName: z.string(), role: StaffRole, disabled: z.boolean(), failedLogins: z.number().int(),
    lockedUntil: IsoTime.nullable(), lastLoginAt: IsoTime.nullable(), createdAt: IsoTime,
    twoFactor: z.boolean().meta({ description: 'TOTP enrolled (an admin password reset removes it: the recovery path)' }),
  })
  .meta({ id: 'Moderator' });
export const CreateModeratorRequest = z
  .strictObject({ id: ModeratorLogin, displayName: z.string().trim().min(1).max(80), role: StaffRole, password: Password })
  .meta({ id: 'CreateModeratorRequest' });
export const UpdateModeratorRequest = z
  .strictObject({ role: StaffRole.optional(), disabled: z.boolean().optional(), password: Password.optional() })
  .refine((u) => u.role !== undefined || u.disabled !== undefined || u.password !== undefined, { message: 'nothing to change' })
  .meta({ id: 'UpdateModeratorRequest' });
export const ModeratorParams = z.strictObject({ moderatorId: ModeratorLogin });
const errors = ['unauthorized', 'invalid_token', 'forbidden', 'csrf_failed', 'account_suspended', 'account_banned', 'validation_failed'] as const;

export const modAdminOperations = {
  listModerators: defineOperation({
    operationId: 'listModerators', method: 'get', path: '/v1/mod/moderators', tag: 'admin', auth: 'admin',
    summary: 'Dashboard staff accounts (admin only)', response: z.strictObject({ moderators: z.array(Moderator) }), errors,
  }),
  createModerator: defineOperation({
    operationId: 'createModerator', method: 'post', path: '/v1/mod/moderators', tag: 'admin', auth: 'admin',
    summary: 'Create a moderator or admin (admin only)', body: CreateModeratorRequest, response: Moderator, statuses: [201],
    errors: [...errors, 'moderator_exists'],
  }),
  updateModerator: defineOperation({
    operationId: 'updateModerator', method: 'post', path: '/v1/mod/moderators/{moderatorId}', tag: 'admin', auth: 'admin',
    summary: 'Change role, disable/enable or reset the password (a reset also removes their TOTP second factor; ends their sessions; admin only)',
    params: ModeratorParams, body: UpdateModeratorRequest, response: Moderator, errors: [...errors, 'not_found', 'last_admin'],
  }),
} as const;
