// Metrics for the dashboard and the transparency report (EU DSA Art. 15/24; docs/MODERATION.md "Metrics and
// transparency report"). Counts come from the Report projection and Appeal rows, which the event log writes
// in the same transactions — test/moderation/appeals-metrics.test.ts recounts them from the log.
import type { ModerationMetricsRepo, Period } from '../../data/moderation-metrics.ts';
import { InputError } from '../../errors.ts';

export const BACKLOG_EDGES_MS = [3_600_000, 86_400_000, 7 * 86_400_000];
export const BACKLOG_LABELS = ['under 1 hour', '1–24 hours', '1–7 days', 'over 7 days'];
const MAX_PERIOD_MS = 400 * 86_400_000;

const counts = <K extends string>(rows: Array<Record<K, unknown> & { _count: { _all: number } }>, key: K) =>
  Object.fromEntries(rows.map((r) => [String(r[key] ?? 'none'), r._count._all])) as Record<string, number>;

export interface TransparencyReport {
  period: { from: string; to: string };
  generatedAt: string;
  notices: { total: number; byCategory: Record<string, number>; byVerification: Record<string, number> };
  decisions: {
    total: number;
    byAction: Record<string, number>;
    byCategory: Record<string, Record<string, number>>;
    automated: number;
    manual: number;
    medianHandlingMs: number | null;
  };
  appeals: { filed: number; decided: number; upheld: number; overturned: number; overturnRate: number | null };
}

export class MetricsService {
  constructor(private readonly repo: ModerationMetricsRepo) {}

  static period(from: Date, to: Date): Period {
    if (!(from < to)) throw new InputError('validation_failed', 'period: from must be before to', { issues: [{ path: 'query.from', message: 'must be before to' }] });
    if (to.getTime() - from.getTime() > MAX_PERIOD_MS) throw new InputError('validation_failed', 'period: at most 400 days', { issues: [{ path: 'query.to', message: 'period too long' }] });
    return { from, to };
  }

  async transparency(p: Period, now = new Date()): Promise<TransparencyReport> {
    const [filed, decided, appeals] = await Promise.all([this.repo.filedBy(p), this.repo.decisionsFor(p), this.repo.appeals(p)]);
    const byCategory: Record<string, Record<string, number>> = {};
    const byAction: Record<string, number> = {};
    const auto: Record<string, number> = {};
    let total = 0;
    for (const r of decided.rows) {
      const a = r.decisionAction ?? 'none';
      const c = (byCategory[r.category] ??= {});
      c[a] = (c[a] ?? 0) + r._count._all;
      byAction[a] = (byAction[a] ?? 0) + r._count._all;
      auto[String(r.automated)] = (auto[String(r.automated)] ?? 0) + r._count._all;
      total += r._count._all;
    }
    const ap = counts(appeals.decided, 'status');
    const upheld = ap.upheld ?? 0;
    const overturned = ap.overturned ?? 0;
    return {
      period: { from: p.from.toISOString(), to: p.to.toISOString() },
      generatedAt: now.toISOString(),
      notices: {
        total: filed.byCategory.reduce((n, r) => n + r._count._all, 0),
        byCategory: counts(filed.byCategory, 'category'), byVerification: counts(filed.byVerdict, 'verdict'),
      },
      decisions: {
        total, byAction, byCategory,
        automated: auto.true ?? 0, manual: auto.false ?? 0, medianHandlingMs: decided.medianHandlingMs,
      },
      appeals: { filed: appeals.filed, decided: upheld + overturned, upheld, overturned, overturnRate: upheld + overturned ? overturned / (upheld + overturned) : null },
    };
  }

  /** The same report as CSV: section,key,subkey,value (RFC 4180 quoting). */
  static toCsv(t: TransparencyReport): string {
    const q = (v: string | number | null) => {
      const s = v === null ? '' : String(v);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const rows: Array<[string, string, string, string | number | null]> = [
      ['period', 'from', '', t.period.from], ['period', 'to', '', t.period.to],
      ['notices', 'total', '', t.notices.total],
      ...Object.entries(t.notices.byCategory).map(([k, v]) => ['notices', 'category', k, v] as [string, string, string, number]),
      ...Object.entries(t.notices.byVerification).map(([k, v]) => ['notices', 'verification', k, v] as [string, string, string, number]),
      ['decisions', 'total', '', t.decisions.total],
      ...Object.entries(t.decisions.byAction).map(([k, v]) => ['decisions', 'action', k, v] as [string, string, string, number]),
      ...Object.entries(t.decisions.byCategory).flatMap(([c, acts]) => Object.entries(acts).map(([a, v]) => ['decisions', `category:${c}`, a, v] as [string, string, string, number])),
      ['decisions', 'automated', '', t.decisions.automated], ['decisions', 'manual', '', t.decisions.manual],
      ['decisions', 'median_handling_ms', '', t.decisions.medianHandlingMs],
      ['appeals', 'filed', '', t.appeals.filed], ['appeals', 'upheld', '', t.appeals.upheld], ['appeals', 'overturned', '', t.appeals.overturned],
      ['appeals', 'overturn_rate', '', t.appeals.overturnRate],
    ];
    return `section,key,subkey,value\r\n${rows.map((r) => r.map(q).join(',')).join('\r\n')}\r\n`;
  }

  /** Dashboard metrics over the last `days`. */
  async dashboard(days: number, now = new Date()) {
    const p = { from: new Date(now.getTime() - days * 86_400_000), to: new Date(now.getTime() + 1) };
    const [decided, firstAction, backlog, appeals] = await Promise.all([
      this.repo.decidedBy(p), this.repo.medianFirstActionMs(p), this.repo.backlogByAge(now, BACKLOG_EDGES_MS), this.repo.appeals(p),
    ]);
    const ap = counts(appeals.decided, 'status');
    const upheld = ap.upheld ?? 0;
    const overturned = ap.overturned ?? 0;
    return {
      days,
      medianFirstActionMs: firstAction,
      medianDecisionMs: decided.medianHandlingMs,
      backlog: BACKLOG_LABELS.map((label, i) => ({ label, count: backlog[i] ?? 0 })),
      decisionsByModerator: decided.byModerator.filter((r) => r.decidedBy).map((r) => ({ actorId: r.decidedBy as string, decisions: r._count._all })).sort((a, b) => b.decisions - a.decisions),
      decisionsByAction: counts(decided.byAction, 'decisionAction'),
      appeals: { filed: appeals.filed, upheld, overturned, overturnRate: upheld + overturned ? overturned / (upheld + overturned) : null },
    };
  }
}
