// API contract, moderator API (operations and schemas; handlers in server/routes/mod-me.ts).
// The logged-in staff member's own account: password change and TOTP second factor (docs/MODERATION.md
// "Staff accounts and sessions"). Every call is a state change behind the cookie session, so it needs the
// CSRF token; bearer callers (chat accounts with a moderator role) have no staff password here. Every staff
// role (triage included) manages its own password and second factor (docs/MODERATION.md "Staff accounts").
import { z } from 'zod';
import { defineOperation } from '../_operation.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './vocabulary.ts';

const Code = z.string().regex(/^\d{6}$/, 'expected the six-digit code');
export const ChangePasswordRequest = z
  .strictObject({
    currentPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH),
    newPassword: z.string().min(MIN_PASSWORD_LENGTH, `expected at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH),
  })
  .meta({ id: 'ChangeOwnPasswordRequest' });
export const TotpEnrolment = z
  .strictObject({
    secret: z.string().meta({ description: 'base32 secret to type into an authenticator app' }),
    uri: z.string().meta({ description: 'otpauth://totp/… URI (paste into an app, or make a QR code of it offline)' }),
  })
  .meta({ id: 'TotpEnrolment' });
export const TotpConfirmRequest = z.strictObject({ code: Code }).meta({ id: 'TotpConfirmRequest' });
export const TotpDisableRequest = z.strictObject({ password: z.string().min(1).max(MAX_PASSWORD_LENGTH), code: Code }).meta({ id: 'TotpDisableRequest' });
const Ok = z.strictObject({ ok: z.literal(true) });
const errors = ['unauthorized', 'invalid_token', 'forbidden', 'csrf_failed', 'validation_failed'] as const;

export const modMeOperations = {
  changeOwnPassword: defineOperation({
    operationId: 'changeOwnPassword', method: 'post', path: '/v1/mod/me/password', tag: 'moderation', auth: 'triage', rateLimit: 'auth',
    summary: 'Change your own dashboard password (needs the current one; ends your other sessions)',
    body: ChangePasswordRequest, response: Ok, errors: [...errors, 'wrong_password', 'rate_limited'],
  }),
  startTotpEnrolment: defineOperation({
    operationId: 'startTotpEnrolment', method: 'post', path: '/v1/mod/me/totp', tag: 'moderation', auth: 'triage',
    summary: 'Begin TOTP enrolment: a new secret and its otpauth:// URI (active only after a code from it is confirmed)',
    response: TotpEnrolment, errors,
  }),
  confirmTotpEnrolment: defineOperation({
    operationId: 'confirmTotpEnrolment', method: 'post', path: '/v1/mod/me/totp/confirm', tag: 'moderation', auth: 'triage', rateLimit: 'auth',
    summary: 'Finish TOTP enrolment with a code from the new secret; from then on login needs a code',
    body: TotpConfirmRequest, response: Ok, errors: [...errors, 'totp_mismatch', 'stale_state', 'rate_limited'],
  }),
  disableTotp: defineOperation({
    operationId: 'disableTotp', method: 'post', path: '/v1/mod/me/totp/disable', tag: 'moderation', auth: 'triage', rateLimit: 'auth',
    summary: 'Turn your TOTP second factor off (password and a current code). Lost device: an admin password reset removes it',
    body: TotpDisableRequest, response: Ok, errors: [...errors, 'wrong_password', 'totp_mismatch', 'rate_limited'],
  }),
} as const;
