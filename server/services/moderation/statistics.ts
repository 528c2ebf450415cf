// Dashboard statistics (docs/MODERATION.md "Dashboard"): reports filed and decided per day, open/claimed/resolved
// counts, median time to decision, outcomes and decisions per moderator over the last `days` days.
import type { ModerationRepo } from '../../data/moderation.ts';

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

export async function reportStatistics(repo: ModerationRepo, days: number, now = new Date()) {
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (days - 1) * 86_400_000);
  const [filed, decided, statusCounts] = await Promise.all([repo.filedSince(since), repo.decidedSince(since), repo.statusCounts()]);
  const perDay = new Map<string, { day: string; filed: number; decided: number; decisionMs: number[] }>();
  for (let t = since.getTime(); t <= now.getTime(); t += 86_400_000) {
    const day = dayOf(new Date(t));
    perDay.set(day, { day, filed: 0, decided: 0, decisionMs: [] });
  }
  for (const c of filed) {
    const d = perDay.get(dayOf(c));
    if (d) d.filed++;
  }
  const outcomes: Record<string, number> = {};
  const byModerator: Record<string, number> = {};
  for (const r of decided) {
    const d = perDay.get(dayOf(r.decidedAt));
    if (d) {
      d.decided++;
      d.decisionMs.push(r.decidedAt.getTime() - r.createdAt.getTime());
    }
    if (r.outcome) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    if (r.decidedBy) byModerator[r.decidedBy] = (byModerator[r.decidedBy] ?? 0) + 1;
  }
  return {
    since, days,
    open: statusCounts.received ?? 0, claimed: statusCounts.in_review ?? 0, resolved: statusCounts.resolved ?? 0,
    medianDecisionMs: median(decided.map((r) => r.decidedAt.getTime() - r.createdAt.getTime())),
    perDay: [...perDay.values()].map((d) => ({ day: d.day, filed: d.filed, decided: d.decided, medianDecisionMs: median(d.decisionMs) })),
    outcomes, byModerator,
  };
}
