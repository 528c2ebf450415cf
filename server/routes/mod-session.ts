// Dashboard login / session / logout (docs/MODERATION.md "Staff accounts and sessions"). The session token
// travels only in the HttpOnly cookie; the JSON carries the CSRF token the dashboard echoes in X-CSRF-Token.
import { clearSessionCookie, sessionCookie } from '../cookies.ts';
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { modSessionOperations as ops } from '../../client/transport/contract/moderation/session.ts';

export function modSessionRoutes(s: Services): Route[] {
  return [
    route(ops.moderatorLogin, async ({ body, http, raw }) => {
      const r = await s.moderators.login(body.moderatorId, body.password, { address: raw.req.ip ?? raw.req.socket.remoteAddress ?? 'unknown', totp: body.totp });
      const secure = http.secure || s.moderators.config.cookieSecure === 'always';
      http.setCookie(sessionCookie(r.token, { maxAgeMs: r.expiresAt.getTime() - Date.now(), secure }));
      return {
        moderator: { id: r.moderator.id, actorId: `staff:${r.moderator.id}`, displayName: r.moderator.displayName, role: r.moderator.role, twoFactor: r.moderator.twoFactor },
        csrfToken: r.csrfToken, expiresAt: r.expiresAt.toISOString(),
      };
    }),
    route(ops.moderatorSession, async ({ principal }) => {
      if (principal.kind !== 'staff')
        return { moderator: { id: principal.userId, actorId: principal.userId, displayName: principal.userId, role: principal.role === 'admin' ? 'admin' as const : 'moderator' as const }, csrfToken: null, expiresAt: null };
      const p = await s.moderators.authenticate(principal.token, { roles: ['triage', 'moderator', 'admin'], csrf: null, csrfRequired: false });
      return {
        moderator: { id: p.moderatorId, actorId: p.actorId, displayName: p.displayName, role: p.role, twoFactor: p.twoFactor },
        csrfToken: s.moderators.csrfFor(principal.token), expiresAt: p.expiresAt.toISOString(),
      };
    }),
    route(ops.moderatorLogout, async ({ principal, http }) => {
      if (principal.kind === 'staff') {
        await s.moderators.logout(principal.token);
        http.setCookie(clearSessionCookie(http.secure || s.moderators.config.cookieSecure === 'always'));
      }
      return { ok: true as const };
    }),
  ];
}
