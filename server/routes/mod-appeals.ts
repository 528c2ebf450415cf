// Appeals (EU DSA Art. 20; docs/MODERATION.md "Appeals"): the actioned account files from the chat (bearer token,
// or a signed challenge when suspended/banned); moderators work the appeal queue and decide upheld/overturned.
import type { z } from 'zod';
import type { AppealRow } from '../services/moderation/index.ts';
import type { Services } from '../services/index.ts';
import { bytes } from './_schemas.ts';
import { type Principal, type Route, route } from './_route.ts';
import { type AppealStatus, modAppealOperations as ops } from '../../client/transport/contract/moderation/appeals.ts';
import { appealOperations } from '../../client/transport/contract/appeals.ts';
import { detailOut } from './mod-reports.ts';

const actor = (p: Principal) => ({ actorId: p.userId, isAdmin: p.role === 'admin', role: p.role });

const iso = (d: Date | null) => d?.toISOString() ?? null;

const appealOut = (a: AppealRow) => ({ ...a, status: a.status as z.infer<typeof AppealStatus>, decidedAt: iso(a.decidedAt), createdAt: a.createdAt.toISOString() });

const receipt = (a: AppealRow, noticeId: number) => ({ id: a.id, noticeId, status: a.status as z.infer<typeof AppealStatus>, createdAt: a.createdAt.toISOString() });

export function modAppealRoutes(s: Services): Route[] {
  return [
    route(appealOperations.fileAppeal, async ({ principal, body, setStatus }) => {
      setStatus(201);
      return receipt(await s.appeals.file(principal.userId, body.noticeId, body.statement), body.noticeId);
    }, { standing: 'deferred' }),
    route(appealOperations.fileSignedAppeal, async ({ body, setStatus }) => {
      await s.notices.proveIdentity({ userId: body.userId, challenge: bytes(body.challenge), signature: bytes(body.signature) });
      setStatus(201);
      return receipt(await s.appeals.file(body.userId, body.noticeId, body.statement), body.noticeId);
    }),
    route(ops.moderationAppeals, async ({ query, principal }) => ({ appeals: (await s.appeals.list(query.view, actor(principal), query.limit)).map(appealOut) })),
    route(ops.moderationAppeal, async ({ params }) => {
      const a = await s.appeals.get(params.appealId);
      return { appeal: appealOut(a), report: detailOut(await s.moderation.detail(a.reportId)) };
    }),
    route(ops.claimAppeal, async ({ params, principal }) => appealOut(await s.appeals.claim(params.appealId, actor(principal)))),
    route(ops.decideAppeal, async ({ params, principal, body }) => {
      const r = await s.appeals.decide(params.appealId, actor(principal), body.result, body.note);
      return { appeal: appealOut(r.appeal), accountStatus: r.accountStatus };
    }),
  ];
}
