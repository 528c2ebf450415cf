// Moderator queue and report workflow: queue (views, filters, keyset pagination), detail, exclusive claim,
// release, notes, decisions with enforcement, and the projection check (docs/MODERATION.md).
import type { z } from 'zod';
import type { Services } from '../services/index.ts';
import { type Principal, type Route, route } from './_route.ts';
import { modReportOperations as ops } from '../../client/transport/contract/moderation/reports.ts';
import type { Outcome, ReportStatus } from '../../client/transport/contract/moderation/vocabulary.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

const actor = (p: Principal) => ({ actorId: p.userId, isAdmin: p.role === 'admin', role: p.role });

const stateOut = (s: { status: string; outcome: string | null; assigneeId: string | null; claimedAt: Date | null; decidedAt: Date | null; decidedBy: string | null; eventCount: number }) => ({
  status: s.status as ReportStatus, outcome: s.outcome as Outcome | null, assigneeId: s.assigneeId,
  claimedAt: iso(s.claimedAt), decidedAt: iso(s.decidedAt), decidedBy: s.decidedBy, eventCount: s.eventCount,
});

const queueOut = <T extends { claimedAt: Date | null; decidedAt: Date | null; createdAt: Date; verdict: string; status: string; outcome: string | null }>(r: T) => ({
  ...r, verdict: r.verdict as 'verified' | 'unverified', status: r.status as ReportStatus, outcome: r.outcome as Outcome | null,
  claimedAt: iso(r.claimedAt), decidedAt: iso(r.decidedAt), createdAt: r.createdAt.toISOString(),
});

const eventOut = <T extends { createdAt: Date }>(e: T) => ({ ...e, createdAt: e.createdAt.toISOString() });

type Detail = Awaited<ReturnType<Services['moderation']['detail']>>;

export function detailOut(d: Detail): z.input<(typeof ops.moderationReport)['response']> {
  return {
    ...d,
    report: {
      ...d.report, verdict: d.report.verdict as 'verified' | 'unverified', status: d.report.status as ReportStatus,
      outcome: d.report.outcome as Outcome | null, claimedAt: iso(d.report.claimedAt), decidedAt: iso(d.report.decidedAt), createdAt: d.report.createdAt.toISOString(),
      contentPurgedAt: iso(d.report.contentPurgedAt),
    },
    events: d.events.map(eventOut),
    accused: {
      ...d.accused, suspendedUntil: iso(d.accused.suspendedUntil), createdAt: iso(d.accused.createdAt),
      recentReports: d.accused.recentReports.map(queueOut), recentActions: d.accused.recentActions.map(eventOut),
    },
  };
}

export function modReportRoutes(s: Services): Route[] {
  return [
    route(ops.moderationQueue, async ({ query, principal }) => {
      const r = await s.moderation.queue(query, actor(principal));
      return { reports: r.reports.map(queueOut), nextCursor: r.nextCursor };
    }),
    route(ops.moderationReport, async ({ params }) => detailOut(await s.moderation.detail(params.reportId))),
    route(ops.escalateReport, async ({ params, principal, body }) => stateOut(await s.moderation.escalate(params.reportId, actor(principal), body.reason))),
    route(ops.assignReport, async ({ params, principal, body }) => stateOut(await s.moderation.assign(params.reportId, actor(principal), body.to))),
    route(ops.bulkReports, async ({ body, principal }) => {
      const op = body.op === 'decide'
        ? { op: 'decide' as const, action: body.action ?? 'dismiss', suspendHours: body.suspendHours, reasonCategory: body.reasonCategory, note: body.note, policyId: body.policyId }
        : body.op === 'claim' ? { op: 'claim' as const } : { op: 'release' as const };
      return { results: await s.moderation.bulk(body.reportIds, actor(principal), op) };
    }),
    route(ops.claimReport, async ({ params, principal }) => stateOut(await s.moderation.claim(params.reportId, actor(principal)))),
    route(ops.releaseReport, async ({ params, principal }) => stateOut(await s.moderation.release(params.reportId, actor(principal)))),
    route(ops.addReportNote, async ({ params, principal, body }) => eventOut(await s.moderation.note(params.reportId, actor(principal), body.text))),
    route(ops.decideReport, async ({ params, principal, body }) => {
      const r = await s.moderation.decide(params.reportId, actor(principal), body);
      return { ...stateOut(r), accountStatus: r.accountStatus, suspendedUntil: iso(r.suspendedUntil) };
    }),
    route(ops.checkReportProjection, async ({ params }) => {
      const r = await s.moderation.verifyProjection(params.reportId);
      return { matches: r.matches, stored: stateOut(r.stored), derived: stateOut(r.derived) };
    }),
  ];
}
