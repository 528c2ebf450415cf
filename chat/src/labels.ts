// Words the chat shows for server codes: report categories, queue states and outcomes, notices.
import type { NoticeJson, ReportCategory } from '@franking-chat/sdk';

export const CATEGORY_LABELS: Readonly<Record<ReportCategory, { label: string; hint: string }>> = {
  harassment: { label: 'Harassment or bullying', hint: 'Insults, intimidation, repeated unwanted contact' },
  hate: { label: 'Hate speech', hint: 'Attacks on people for who they are' },
  threat: { label: 'Threat of violence', hint: 'Threats to hurt you or someone else' },
  sexual: { label: 'Unwanted sexual content', hint: 'Sexual messages or images you did not want' },
  spam: { label: 'Spam', hint: 'Unwanted advertising or repeated junk' },
  scam: { label: 'Scam or fraud', hint: 'Attempts to get money, passwords or personal data' },
  self_harm: { label: 'Self-harm or suicide', hint: 'Someone may be at risk' },
  other: { label: 'Something else', hint: 'Tell the moderators in the comment' },
};
export const CATEGORIES = Object.keys(CATEGORY_LABELS) as ReportCategory[];

export const categoryLabel = (c: string): string => (CATEGORY_LABELS as Record<string, { label: string }>)[c]?.label ?? c;

export const STATUS_LABELS: Readonly<Record<string, string>> = {
  received: 'Waiting for a moderator',
  in_review: 'A moderator is reviewing it',
  resolved: 'Decided',
};

export const OUTCOME_LABELS: Readonly<Record<string, string>> = {
  dismissed: 'Reviewed: no rule was broken, no action taken',
  warned: 'The sender was warned',
  suspended: 'The sender was suspended',
  banned: 'The sender was banned',
};

/** One sentence about a decision that concerns this account itself. */
export function describeNotice(n: NoticeJson): string {
  const why = categoryLabel(n.reasonCategory).toLowerCase();
  switch (n.kind) {
    case 'warning':
      return `A moderator reviewed a report about your messages (${why}) and warned your account.`;
    case 'suspension':
      return `Your account is suspended${n.until ? ` until ${new Date(n.until).toLocaleString()}` : ''} after a report about your messages (${why}). You can read your chats but cannot send.`;
    case 'ban':
      return `Your account has been banned after a report about your messages (${why}). You can no longer send messages.`;
    case 'report_outcome':
      if (n.appealResult === 'overturned') return `The decision on your report (${why}) was reversed on appeal: ${OUTCOME_LABELS[n.outcome ?? ''] ?? 'see My reports'}.`;
      return `Your report (${why}) was decided: ${OUTCOME_LABELS[n.outcome ?? ''] ?? 'see My reports'}.`;
    case 'appeal_outcome':
      return n.appealResult === 'overturned'
        ? 'Your appeal was accepted: another moderator reversed the decision about your account.'
        : 'Your appeal was reviewed by another moderator, who confirmed the decision.';
  }
}

/** Why this account was restricted, for the banner under its title: the decision and the report category. */
export function describeRestriction(n: NoticeJson): string {
  const why = categoryLabel(n.reasonCategory).toLowerCase();
  if (n.kind === 'ban') return `A moderator reviewed a report about your messages (reason: ${why}) and banned this account. You can no longer send messages.`;
  if (n.kind === 'suspension')
    return `A moderator reviewed a report about your messages (reason: ${why}) and suspended this account${n.until ? ` until ${new Date(n.until).toLocaleString()}` : ''}. You cannot send messages until then.`;
  return describeNotice(n);
}

export function formatTime(ms: number): string {
  const d = new Date(ms);
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
