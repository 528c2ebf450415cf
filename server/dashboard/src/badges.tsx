// Small status badges. Words, not only colour, carry the meaning (accessibility).
const OUTCOME: Record<string, string> = { dismissed: 'Dismissed', warned: 'Warned', suspended: 'Suspended', banned: 'Banned' };
const STATUS: Record<string, string> = { received: 'Open', in_review: 'Claimed', resolved: 'Resolved' };

export function VerdictBadge({ verdict, title }: { verdict: string; title?: string }) {
  const ok = verdict === 'verified';
  return <span className={ok ? 'badge ok' : 'badge bad'} title={title}>{ok ? '✓ Verified' : '✗ Not verified'}</span>;
}
export const StatusBadge = ({ status }: { status: string }) => <span className={`badge status-${status}`}>{STATUS[status] ?? status}</span>;
export const OutcomeBadge = ({ outcome }: { outcome: string }) => <span className={`badge outcome-${outcome}`}>{OUTCOME[outcome] ?? outcome}</span>;
