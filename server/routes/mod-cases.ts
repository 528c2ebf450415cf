// Cases, legal holds, signed evidence packages and the moderation service's public key (docs/MODERATION.md
// "Cases and brigading", "Evidence packages", "Retention and legal hold").
import type { CaseRow } from '../services/cases/index.ts';
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { modCaseOperations as ops } from '../../client/transport/contract/moderation/cases.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

const caseOut = (c: CaseRow) => ({
  ...c, status: c.status as 'open' | 'closed', closedAt: iso(c.closedAt), purgeAfter: iso(c.purgeAfter), purgedAt: iso(c.purgedAt),
  createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(),
});

export function modCaseRoutes(s: Services): Route[] {
  const send = (res: { setHeader(n: string, v: string): unknown; status(n: number): { send(b: string): unknown } }, file: string, name: string, sha256: string) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${name}.json"`);
    res.setHeader('X-Evidence-SHA256', sha256);
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).send(file);
  };
  return [
    route(ops.moderationCases, async ({ query }) => ({
      cases: (await s.cases.list({ status: query.status, brigade: query.brigade === undefined ? undefined : query.brigade === 'true', limit: query.limit })).map(caseOut),
    })),
    route(ops.moderationCase, async ({ params }) => {
      const d = await s.cases.detail(params.caseId);
      return {
        ...d, case: caseOut(d.case),
        accused: { ...d.accused, suspendedUntil: iso(d.accused.suspendedUntil), createdAt: iso(d.accused.createdAt) },
        reporters: d.reporters.map((r) => ({ ...r, accountCreatedAt: iso(r.accountCreatedAt) })),
        reports: d.reports.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), decidedAt: iso(r.decidedAt) })),
        events: d.events.map((e) => ({ ...e, createdAt: e.createdAt.toISOString() })),
      };
    }),
    route(ops.setLegalHold, async ({ params, body, principal }) => caseOut(await s.cases.setHold(params.caseId, body.hold, body.reason, principal.userId))),
    route(ops.exportReportEvidence, async ({ params, body, principal, raw }) => {
      const p = await s.evidence.export({ type: 'report', id: params.reportId }, principal.userId, { purpose: body.purpose, requestReference: body.requestReference ?? null });
      send(raw.res, p.file, `evidence-${p.packageId}`, p.sha256);
      return null;
    }),
    route(ops.exportCaseEvidence, async ({ params, body, principal, raw }) => {
      const p = await s.evidence.export({ type: 'case', id: params.caseId }, principal.userId, { purpose: body.purpose, requestReference: body.requestReference ?? null });
      send(raw.res, p.file, `evidence-${p.packageId}`, p.sha256);
      return null;
    }),
    route(ops.moderationPublicKey, async () => s.evidence.publicKeyDocument()),
  ];
}
