// Notices for chat accounts: moderation decisions about them (warning / suspension / ban with the reason
// category) and the outcome of reports they filed. Poll with GET /v1/me/notices?after=<last id>; an account
// that is suspended or banned (no token) reads them with a signed challenge via POST /v1/notices.
import type { z } from 'zod';
import type { NoticeRow } from '../services/moderation/index.ts';
import type { Services } from '../services/index.ts';
import { bytes } from './_schemas.ts';
import { type Route, route } from './_route.ts';
import { type Notice, noticeOperations as ops } from '../../client/transport/contract/notices.ts';
const out = (n: NoticeRow) => ({
  // The report id is the reporter's handle on their own report; an actioned account never learns it.
  id: n.id, kind: n.kind, reasonCategory: n.reasonCategory, reportId: n.kind === 'report_outcome' ? n.reportId : null,
  outcome: n.outcome as z.infer<typeof Notice>['outcome'], until: n.until?.toISOString() ?? null, createdAt: n.createdAt.toISOString(),
  statement: n.statement ? (JSON.parse(n.statement) as z.infer<typeof Notice>['statement']) : null,
  appealResult: (n.appealResult ?? null) as z.infer<typeof Notice>['appealResult'],
});

export function noticeRoutes(s: Services): Route[] {
  return [
    route(ops.myNotices, async ({ principal, query }) => ({ notices: (await s.notices.forAccount(principal.userId, query.after, query.limit)).map(out) }), { standing: 'deferred' }),
    route(ops.signedNotices, async ({ body }) => ({
      notices: (await s.notices.withSignature({ userId: body.userId, challenge: bytes(body.challenge), signature: bytes(body.signature), afterId: body.after, limit: 100 })).map(out),
    })),
  ];
}
