// "My reports" badge (chat/README.md "My reports badge"): counts outcomes this user has not seen yet, not every report. Seen outcomes are
// remembered per account in localStorage; opening My reports marks the current ones seen.
import type { ReportSummaryJson } from '@franking-chat/sdk';

const key = (me: string) => `franking-chat/seen-outcomes/${me}`;

function seen(me: string): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(key(me)) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

/** Reports whose outcome arrived since the user last opened My reports. */
export function unreadOutcomes(me: string | null, reports: readonly ReportSummaryJson[]): number {
  if (!me) return 0;
  const s = seen(me);
  return reports.filter((r) => r.outcome !== null && !s.has(`${r.id}:${r.outcome}`)).length;
}

export function markOutcomesSeen(me: string | null, reports: readonly ReportSummaryJson[]): void {
  if (!me) return;
  const s = seen(me);
  for (const r of reports) if (r.outcome !== null) s.add(`${r.id}:${r.outcome}`);
  localStorage.setItem(key(me), JSON.stringify([...s]));
}
