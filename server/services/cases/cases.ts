// Cases: every report against one account while any is open is one case (docs/MODERATION.md "Cases and
// brigading"). The case page shows the reports in it, who reported (with each reporter's track record), the
// categories and outcomes, and the case's own events (opened, brigade suspected, closed, holds, exports).
import type { ModerationCasesRepo } from '../../data/moderation-cases.ts';
import type { ModerationRepo } from '../../data/moderation.ts';
import { NotFoundError } from '../../errors.ts';
import type { ModerationConfig } from '../../moderation-config.ts';
import { MIN_DECIDED_FOR_RECORD } from '../reports/routing.ts';

const CASE_PAGE_REPORTS = 100;

export class CasesService {
  constructor(
    private readonly cases: ModerationCasesRepo,
    private readonly mod: ModerationRepo,
    private readonly cfg: Pick<ModerationConfig, 'retentionMs'>,
  ) {}

  async list(f: { status?: 'open' | 'closed' | undefined; brigade?: boolean | undefined; limit: number }) {
    return this.cases.caseList(f);
  }

  async detail(caseId: string) {
    const c = await this.cases.find(caseId);
    if (!c) throw new NotFoundError('case');
    // The reporters' track records need the reporters first: that chain runs beside the other reads, not after them.
    const withReporters = async () => {
      const counts = await this.cases.caseCounts(caseId);
      const [records, created] = await Promise.all([this.cases.reporterRecords(counts.reporters), this.cases.accountCreated(counts.reporters)]);
      return { counts, records, created };
    };
    const [reports, { counts, records, created }, events, accused] = await Promise.all([
      this.cases.caseReports(caseId, CASE_PAGE_REPORTS),
      withReporters(),
      this.mod.events('case', caseId, 200),
      this.mod.accountStanding(c.accusedId),
    ]);
    const reporterIds = counts.reporters;
    const byOutcome: Record<string, number> = {};
    let open = 0;
    for (const r of counts.byStatus) {
      if (r.status !== 'resolved') open += r._count._all;
      else byOutcome[r.outcome ?? 'none'] = (byOutcome[r.outcome ?? 'none'] ?? 0) + r._count._all;
    }
    return {
      case: c,
      accused: { id: c.accusedId, status: accused?.status ?? 'unknown', suspendedUntil: accused?.suspendedUntil ?? null, createdAt: accused?.createdAt ?? null },
      open,
      byOutcome,
      byCategory: Object.fromEntries(counts.byCategory.map((r) => [r.category, r._count._all])),
      reporters: reporterIds.map((id) => {
        const rec = records.get(id) ?? { decided: 0, upheld: 0 };
        return {
          id, accountCreatedAt: created.get(id)?.createdAt ?? null, decided: rec.decided, upheld: rec.upheld,
          upheldShare: rec.decided >= MIN_DECIDED_FOR_RECORD ? rec.upheld / rec.decided : null,
        };
      }),
      reports,
      reportsShown: reports.length,
      events,
    };
  }

  /** Legal hold (admins): while held the case's revealed content is never deleted; lifting it restarts the clock from the close. */
  async setHold(caseId: string, hold: boolean, reason: string, actorId: string) {
    const c = await this.cases.find(caseId);
    if (!c) throw new NotFoundError('case');
    return this.cases.setHold(caseId, hold, this.cfg.retentionMs, {
      subjectType: 'case', subjectId: caseId, type: hold ? 'legal_hold_set' : 'legal_hold_lifted', actorId, payload: { reason },
    });
  }
}
