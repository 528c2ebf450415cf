// The dashboard's HTTP client: same-origin JSON, the session cookie rides along (HttpOnly: never visible
// here), and every state change carries the session's CSRF token. Errors are RFC 9457 problems.
import type { z } from 'zod';
import type { QueueResponse, ReportDetailForModerator } from '@franking-chat/sdk/contract/moderation';

let csrfToken: string | null = null;

export function setCsrfToken(t: string | null): void {
  csrfToken = t;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const p = (json ?? {}) as { code?: string; detail?: string; title?: string };
    throw new ApiError(res.status, p.code ?? 'unknown', p.detail ?? p.title ?? `HTTP ${res.status}`);
  }
  return json as T;
}

/** A problem's detail as one sentence: capital first letter, full stop at the end. */
export function sentence(s: string): string {
  const t = s.trim();
  return t ? `${t[0]?.toUpperCase() ?? ''}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}` : t;
}

export const CATEGORIES = ['harassment', 'hate', 'threat', 'sexual', 'spam', 'scam', 'self_harm', 'other'] as const;
export const categoryLabel = (c: string) => c.replace('_', ' ');

export interface Me {
  moderator: { id: string; actorId: string; displayName: string; role: 'triage' | 'moderator' | 'admin'; twoFactor?: boolean };
  csrfToken: string | null;
  expiresAt: string | null;
}

// Response types come from the server's zod schemas (type-only imports: nothing of the server is bundled).
export type QueueItem = z.output<typeof QueueResponse>['reports'][number];
export type ReportDetail = z.output<typeof ReportDetailForModerator>;
export type Message = ReportDetail['messages'][number];
export type ModEvent = ReportDetail['events'][number];

/** GET /v1/mod/reports/{id}/attachments (server/routes/blobs.ts): verification status of each reported attachment. */
export interface ReportAttachment {
  position: number;
  index: number;
  blobId: string;
  status: 'awaiting_upload' | 'verified' | 'failed';
  failure: string | null;
  mediaType: string;
  size: number;
  verifiedAt: string | null;
}


export const fmtTime = (iso: string | number) => new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
export function fmtDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = m / 60;
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`;
}
