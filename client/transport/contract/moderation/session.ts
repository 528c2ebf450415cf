// API contract, moderator API (operations and schemas; handlers in server/routes/mod-session.ts).
// Dashboard login / session / logout (docs/MODERATION.md "Staff accounts and sessions"). The session token
// travels only in the HttpOnly cookie; the JSON carries the CSRF token the dashboard echoes in X-CSRF-Token.
import { z } from 'zod';
import { IsoTime } from '../_common.ts';
import { defineOperation } from '../_operation.ts';
import { MAX_PASSWORD_LENGTH } from './vocabulary.ts';

export const ModeratorLogin = z.string().min(2).max(32).regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, 'expected [a-z0-9._-]{2,32}');
export const StaffRole = z.enum(['triage', 'moderator', 'admin']);
export const LoginRequest = z
  .strictObject({
    moderatorId: ModeratorLogin,
    password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
    totp: z.string().regex(/^\d{6}$/, 'expected the six-digit code').optional().meta({ description: 'TOTP code, when the account has a second factor' }),
  })
  .meta({ id: 'ModeratorLoginRequest' });
export const SessionResponse = z
  .strictObject({
    moderator: z.strictObject({
      id: z.string(), actorId: z.string(), displayName: z.string(), role: StaffRole,
      twoFactor: z.boolean().optional().meta({ description: 'a TOTP second factor is enrolled' }),
    }),
    csrfToken: z.string().nullable().meta({ description: 'echo in X-CSRF-Token on every POST (null for bearer callers)' }),
    expiresAt: IsoTime.nullable(),
  })
  .meta({ id: 'ModeratorSession' });
const Ok = z.strictObject({ ok: z.literal(true) });

export const modSessionOperations = {
  moderatorLogin: defineOperation({
    operationId: 'moderatorLogin', method: 'post', path: '/v1/mod/session', tag: 'moderation', auth: 'public', rateLimit: 'auth',
    summary: 'Dashboard login (password, plus a TOTP code when enrolled; failed attempts are throttled per name and address); sets the HttpOnly session cookie',
    body: LoginRequest, response: SessionResponse, statuses: [201],
    errors: ['validation_failed', 'invalid_credentials', 'totp_required', 'totp_invalid', 'totp_code_used', 'rate_limited'],
  }),
  moderatorSession: defineOperation({
    operationId: 'moderatorSession', method: 'get', path: '/v1/mod/session', tag: 'moderation', auth: 'triage',
    summary: 'The logged-in moderator and the CSRF token of this session', response: SessionResponse,
    errors: ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned'],
  }),
  moderatorLogout: defineOperation({
    operationId: 'moderatorLogout', method: 'post', path: '/v1/mod/session/logout', tag: 'moderation', auth: 'triage',
    summary: 'End the dashboard session (needs X-CSRF-Token) and clear the cookie', response: Ok,
    errors: ['unauthorized', 'invalid_token', 'forbidden', 'csrf_failed'],
  }),
} as const;
