// Admin-only: dashboard staff accounts (list, create, change role, disable, reset password). Every change is
// a `moderator_*` event in the audit log; the last active admin cannot be demoted or disabled.
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { modAdminOperations as ops } from '../../client/transport/contract/moderation/admin.ts';

type Row = { lockedUntil: Date | null; lastLoginAt: Date | null; createdAt: Date };

const out = <T extends Row>(m: T) => ({ ...m, lockedUntil: m.lockedUntil?.toISOString() ?? null, lastLoginAt: m.lastLoginAt?.toISOString() ?? null, createdAt: m.createdAt.toISOString() });

export function modAdminRoutes(s: Services): Route[] {
  return [
    route(ops.listModerators, async () => ({ moderators: (await s.moderators.list()).map(out) })),
    route(ops.createModerator, async ({ body, principal }) => out(await s.moderators.create(body, principal.userId))),
    route(ops.updateModerator, async ({ params, body, principal }) => out(await s.moderators.update(params.moderatorId, body, principal.userId))),
  ];
}
