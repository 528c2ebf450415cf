// Ban evasion and the registration gate, for staff (docs/MODERATION.md "Registration network signal", "Ban
// evasion", "Registration gate"): the network signal of an account, the "ban evasion" action that cites the
// original decision, and invite codes (admin).
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { modEvasionOperations as ops } from '../../client/transport/contract/moderation/evasion.ts';

const decisionOut = (d: { eventId: number; accountId: string; action: 'suspended' | 'banned'; at: Date; reportId: string | null; statementId: string | null }) => ({ ...d, at: d.at.toISOString() });

export function modEvasionRoutes(s: Services): Route[] {
  return [
    route(ops.getEvasionSignals, async ({ params }) => ({
      userId: params.userId, networkMatches: (await s.banEvasion.signals(params.userId)).map(decisionOut), windowDays: 30,
    })),
    route(ops.banForEvasion, async ({ params, body, principal }) => {
      const r = await s.banEvasion.ban(params.userId, principal.userId, body);
      return { userId: r.accountId, status: r.status, statementId: r.statementId, original: decisionOut(r.original) };
    }),
    route(ops.createInvites, async ({ body, principal }) => {
      const r = await s.registration.createInvites(body.count, principal.userId, body.ttlDays ? body.ttlDays * 86_400_000 : undefined);
      return { codes: r.codes, expiresAt: r.expiresAt.toISOString() };
    }),
  ];
}
