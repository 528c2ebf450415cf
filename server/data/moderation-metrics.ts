// Aggregates for the metrics dashboard and the transparency report (docs/MODERATION.md "Metrics"). Only
// indexed aggregates over the Report projection and Appeal rows: no scan of the event log, no message content.
import type { Db } from '../db.ts';

export interface Period {
  from: Date;
  to: Date;
}

export function moderationMetricsRepo(db: Db) {
  /** Median of an Int column over the rows matching `where` (sort + offset in the database; portable). */
  async function medianOf(where: Record<string, unknown>, column: 'handlingMs'): Promise<number | null> {
    const w = { ...where, [column]: { not: null } };
    const n = await db.report.count({ where: w });
    if (!n) return null;
    const rows = await db.report.findMany({ where: w, orderBy: { [column]: 'asc' }, skip: (n - 1) >> 1, take: n % 2 ? 1 : 2, select: { [column]: true } });
    const vals = rows.map((r) => Number((r as Record<string, unknown>)[column]));
    return vals.length === 2 ? ((vals[0] as number) + (vals[1] as number)) / 2 : (vals[0] ?? null);
  }

  return {
    medianOf,

    /** One pass (covering index Report(createdAt, category, verdict)): counts per category × verdict. */
    async filedBy(p: Period) {
      const rows = await db.report.groupBy({ by: ['category', 'verdict'], where: { createdAt: { gte: p.from, lt: p.to } }, _count: { _all: true } });
      const sum = (key: 'category' | 'verdict') => {
        const m = new Map<string, number>();
        for (const r of rows) m.set(r[key], (m.get(r[key]) ?? 0) + r._count._all);
        return [...m].map(([k, n]) => ({ [key]: k, _count: { _all: n } }) as { category: string; verdict: string; _count: { _all: number } });
      };
      return { byCategory: sum('category'), byVerdict: sum('verdict') };
    },

    /** One pass (covering index Report(decidedAt, category, decisionAction, automated, handlingMs)) plus the median. */
    async decisionsFor(p: Period) {
      const where = { decidedAt: { gte: p.from, lt: p.to } };
      const [rows, medianHandlingMs] = await Promise.all([
        db.report.groupBy({ by: ['category', 'decisionAction', 'automated'], where, _count: { _all: true } }),
        medianOf(where, 'handlingMs'),
      ]);
      return { rows, medianHandlingMs };
    },

    async decidedBy(p: Period) {
      const where = { decidedAt: { gte: p.from, lt: p.to } };
      const [byAction, byCategoryAction, byAutomated, byModerator] = await Promise.all([
        db.report.groupBy({ by: ['decisionAction'], where, _count: { _all: true } }),
        db.report.groupBy({ by: ['category', 'decisionAction'], where, _count: { _all: true } }),
        db.report.groupBy({ by: ['automated'], where, _count: { _all: true } }),
        db.report.groupBy({ by: ['decidedBy'], where, _count: { _all: true } }),
      ]);
      return { byAction, byCategoryAction, byAutomated, byModerator, medianHandlingMs: await medianOf(where, 'handlingMs') };
    },

    /** Median ms from filing to the first claim/decision/escalation, for reports first acted on in the period. */
    async medianFirstActionMs(p: Period): Promise<number | null> {
      const rows = await db.report.findMany({ where: { firstActionAt: { gte: p.from, lt: p.to } }, select: { createdAt: true, firstActionAt: true }, take: 200_000 });
      const xs = rows.map((r) => (r.firstActionAt as Date).getTime() - r.createdAt.getTime()).sort((a, b) => a - b);
      if (!xs.length) return null;
      const m = xs.length >> 1;
      return xs.length % 2 ? (xs[m] as number) : ((xs[m - 1] as number) + (xs[m] as number)) / 2;
    },

    async backlogByAge(now: Date, edgesMs: number[]): Promise<number[]> {
      // Buckets [0, e1), [e1, e2), ..., [eLast, ∞) of open work by time waited.
      const bounds = [0, ...edgesMs];
      return Promise.all(bounds.map((lo, i) => {
        const hi = bounds[i + 1];
        return db.report.count({
          where: { status: { in: ['received', 'in_review'] }, createdAt: { lte: new Date(now.getTime() - lo), ...(hi !== undefined ? { gt: new Date(now.getTime() - hi) } : {}) } },
        });
      }));
    },

    /**
     * Open work by named queue and age bucket (Prometheus, docs/METRICS.md "Cost of a scrape"): bucket i holds
     * reports waiting at least edges[i-1] (0 for bucket 0) and less than edges[i] (the last bucket is open-ended).
     * One grouped count per bucket, in parallel: measured faster on PostgreSQL than a single GROUP BY over a CASE
     * (docs/BENCHMARKS.md "Metrics scrape at 1,000,000 reports").
     */
    async backlogByQueueAndAge(now: Date, edgesMs: readonly number[]): Promise<Array<{ queue: string; bucket: number; count: number }>> {
      const bounds = [0, ...edgesMs];
      const perBucket = await Promise.all(bounds.map((lo, i) => {
        const hi = bounds[i + 1];
        return db.report.groupBy({
          by: ['queue'], _count: { _all: true },
          where: { status: { in: ['received', 'in_review'] }, createdAt: { lte: new Date(now.getTime() - lo), ...(hi !== undefined ? { gt: new Date(now.getTime() - hi) } : {}) } },
        });
      }));
      return perBucket.flatMap((rows, bucket) => rows.map((r) => ({ queue: r.queue, bucket, count: r._count._all })));
    },

    async appeals(p: Period) {
      const [filed, decided] = await Promise.all([
        db.appeal.count({ where: { createdAt: { gte: p.from, lt: p.to } } }),
        db.appeal.groupBy({ by: ['status'], where: { decidedAt: { gte: p.from, lt: p.to } }, _count: { _all: true } }),
      ]);
      return { filed, decided };
    },
  };
}
export type ModerationMetricsRepo = ReturnType<typeof moderationMetricsRepo>;
