// The audit log (every moderation event, newest first, keyset on id) and queue statistics.
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { modAuditOperations as ops } from '../../client/transport/contract/moderation/audit.ts';

export function modAuditRoutes(s: Services): Route[] {
  return [
    route(ops.auditLog, async ({ query }) => {
      const r = await s.moderation.audit(query);
      return { events: r.events.map((e) => ({ ...e, createdAt: e.createdAt.toISOString() })), nextBefore: r.nextBefore };
    }),
    route(ops.moderationStats, async ({ query }) => {
      const r = await s.moderation.stats(query.days);
      return { ...r, since: r.since.toISOString() };
    }),
  ];
}
