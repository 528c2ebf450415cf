// The dashboard's HTTP client: every request is an operation of the moderator API's contract
// (@franking-chat/sdk/contract/moderation), sent with the SDK's invoke. Same-origin JSON, the session cookie rides
// along (HttpOnly: never visible here), and every state change carries the session's CSRF token. Errors are the
// SDK's ApiError (RFC 9457 problem, `code` from the contract); each answer is checked against its schema.
import { ApiError, type InvokeInput, invoke } from '@franking-chat/sdk';
import { type OperationOutput, REPORT_CATEGORIES, expandPath } from '@franking-chat/sdk/contract';
import { type ModerationOperations, moderationOperations } from '@franking-chat/sdk/contract/moderation';
import { config as zodConfig } from 'zod';

// The dashboard's CSP allows no eval: zod must not probe for it (a refused probe is a CSP report) when it checks answers.
zodConfig({ jitless: true });

export { ApiError };

let csrfToken: string | null = null;

export function setCsrfToken(t: string | null): void {
  csrfToken = t;
}

export type OperationId = keyof ModerationOperations;
/** What an operation of the moderator API answers. */
export type Answer<K extends OperationId> = OperationOutput<ModerationOperations[K]>;

/** Sends one operation of the moderator API, e.g. `call('claimReport', { params: { reportId } })`. */
export function call<K extends OperationId>(id: K, input?: InvokeInput<ModerationOperations[K]>): Promise<Answer<K>> {
  const op = moderationOperations[id];
  return invoke(op, (input ?? {}) as InvokeInput<ModerationOperations[K]>, {
    credentials: 'same-origin',
    ...(op.method !== 'get' && csrfToken ? { headers: { 'x-csrf-token': csrfToken } } : {}),
    // The server validates what it sends with the same schemas; checking here too keeps the dashboard honest
    // about the contract (a mismatch is a TypeError, shown as a failed request).
    validateResponse: true,
  }) as Promise<Answer<K>>;
}

/** The path of an operation with its parameters filled in (for the evidence download, which is not JSON). */
export function operationPath<K extends OperationId>(id: K, params: Readonly<Record<string, string | number>>): string {
  return expandPath(moderationOperations[id].path, params);
}

/** A problem's detail as one sentence: capital first letter, full stop at the end. */
export function sentence(s: string): string {
  const t = s.trim();
  return t ? `${t[0]?.toUpperCase() ?? ''}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}` : t;
}

/** The report categories a reporter chooses from (the contract's list). */
export const CATEGORIES = REPORT_CATEGORIES;
export const categoryLabel = (c: string) => c.replace('_', ' ');

export type Me = Answer<'moderatorSession'>;
export type QueueItem = Answer<'moderationQueue'>['reports'][number];
export type ReportDetail = Answer<'moderationReport'>;
export type Message = ReportDetail['messages'][number];
export type ModEvent = ReportDetail['events'][number];
/** Verification status of each reported attachment. */
export type ReportAttachment = Answer<'moderationReportAttachments'>['attachments'][number];

export const fmtTime = (iso: string | number) => new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
export function fmtDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = m / 60;
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`;
}
