// The audit log (docs/MODERATION.md "The event log and the derived queue state"): every moderation event, newest
// first, filtered by type, actor or subject; and the check that a report's cached state is the fold of its events.
import type { SubjectType } from '../../data/moderation-events.ts';
import type { ModerationRepo } from '../../data/moderation.ts';
import { NotFoundError } from '../../errors.ts';
import { type ReportState, type StateEvent, foldReportEvents } from './state.ts';

export interface AuditQuery {
  before?: number | undefined;
  type?: string | undefined;
  actorId?: string | undefined;
  subjectType?: SubjectType | undefined;
  subjectId?: string | undefined;
  limit: number;
}

export async function auditLog(repo: ModerationRepo, f: AuditQuery) {
  const rows = await repo.audit({ ...f, limit: f.limit + 1 });
  const page = rows.slice(0, f.limit);
  return { events: page, nextBefore: rows.length > f.limit ? (page[page.length - 1]?.id ?? null) : null };
}

/** Recomputes the state from the log and compares it with the cached columns (audit / tests / ops). */
export async function verifyProjection(repo: ModerationRepo, reportId: string): Promise<{ matches: boolean; stored: ReportState; derived: ReportState }> {
  const [s, events] = await Promise.all([repo.state(reportId), repo.events('report', reportId, 100_000)]);
  if (!s) throw new NotFoundError('report');
  const derived = foldReportEvents(events as StateEvent[]);
  const stored: ReportState = {
    status: s.status, outcome: s.outcome, assigneeId: s.assigneeId, claimedAt: s.claimedAt, decidedAt: s.decidedAt, decidedBy: s.decidedBy, eventCount: s.eventCount,
  };
  const norm = (x: ReportState) => JSON.stringify({ ...x, claimedAt: x.claimedAt?.getTime() ?? null, decidedAt: x.decidedAt?.getTime() ?? null });
  return { matches: norm(stored) === norm(derived), stored, derived };
}
