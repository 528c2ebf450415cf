// The logged-in staff member's own account: password change and TOTP second factor (docs/MODERATION.md
// "Staff accounts and sessions"). Every call is a state change behind the cookie session, so it needs the
// CSRF token; bearer callers (chat accounts with a moderator role) have no staff password here. Every staff
// role (triage included) manages its own password and second factor (docs/MODERATION.md "Staff accounts").
import { PermissionError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import { type Principal, type Route, route } from './_route.ts';
import { modMeOperations as ops } from '../../client/transport/contract/moderation/me.ts';

function staffId(p: Principal): string {
  if (p.kind !== 'staff') throw new PermissionError('forbidden', 'only dashboard staff (cookie session) have a staff password');
  return p.userId.replace(/^staff:/, '');
}

export function modMeRoutes(s: Services): Route[] {
  return [
    route(ops.changeOwnPassword, async ({ principal, body }) => {
      await s.moderators.changeOwnPassword(staffId(principal), body.currentPassword, body.newPassword, principal.token);
      return { ok: true as const };
    }),
    route(ops.startTotpEnrolment, async ({ principal }) => s.moderators.startTotp(staffId(principal))),
    route(ops.confirmTotpEnrolment, async ({ principal, body }) => {
      await s.moderators.confirmTotp(staffId(principal), body.code);
      return { ok: true as const };
    }),
    route(ops.disableTotp, async ({ principal, body }) => {
      await s.moderators.disableTotp(staffId(principal), body.password, body.code);
      return { ok: true as const };
    }),
  ];
}
