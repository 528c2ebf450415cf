// Moderator endpoints for accounts: enforcement (suspend, ban, reinstate), the handle release for a reset and its
// revocation (admin, docs/PROTOCOL-devices.md D6.6) and the event log of one subject
// (docs/MODERATION.md "Decisions, enforcement, notices"). Each group of mod-*.ts mounts the operations of
// client/transport/contract/moderation/ and is registered in server/routes/index.ts.
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { modAccountOperations as ops } from '../../client/transport/contract/moderation/accounts.ts';

export function modAccountRoutes(s: Services): Route[] {
  return [
    route(ops.setAccountStatus, async ({ principal, params, body }) => {
      const st = await s.enforcement.setStatus(params.userId, {
        status: body.status, suspendedUntil: body.suspendedUntil ? new Date(body.suspendedUntil) : null, reason: body.reason, actorId: principal.userId,
      });
      s.accounts.forgetSessions(params.userId);
      return { userId: st.id, status: st.status, suspendedUntil: st.suspendedUntil?.toISOString() ?? null };
    }),
    // D6.6: admin only (the operation's auth); recorded as a handle_released event with the admin as actor.
    route(ops.releaseHandle, async ({ principal, params, body }) => {
      const r = await s.handleReleases.release(params.userId, body, principal.userId);
      return { ...r, expiresAt: r.expiresAt.toISOString() };
    }),
    route(ops.getHandleRelease, async ({ params }) => {
      const r = await s.handleReleases.live(params.userId);
      return { release: r ? { ...r, expiresAt: r.expiresAt.toISOString() } : null };
    }),
    // D6.6 "Revocation": admin only; a handle_release_revoked event with the admin as actor.
    route(ops.revokeHandleRelease, async ({ principal, params, body }) => {
      const r = await s.handleReleases.revoke(params.userId, body.reason, principal.userId);
      return { ...r, expiresAt: r.expiresAt.toISOString(), revokedAt: r.revokedAt.toISOString() };
    }),
    route(ops.listModerationEvents, async ({ query }) => ({
      events: (await s.moderationEvents.forSubject(query.subjectType, query.subjectId)).map((e) => ({ ...e, createdAt: e.createdAt.toISOString() })),
    })),
  ];
}
