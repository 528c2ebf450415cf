// The dashboard's HTTP client: same-origin JSON, the session cookie rides along (HttpOnly: never visible
// here), and every state change carries the session's CSRF token. Errors are RFC 9457 problems.
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

export const CATEGORIES = ['harassment', 'hate', 'threat', 'sexual', 'spam', 'scam', 'self_harm', 'other'] as const;
export const categoryLabel = (c: string) => c.replace('_', ' ');

export interface Me {
  moderator: { id: string; actorId: string; displayName: string; role: 'moderator' | 'admin' };
  csrfToken: string | null;
  expiresAt: string | null;
}

export interface QueueItem {
  id: string;
  reporterId: string;
  accusedId: string;
  category: string;
  verdict: 'verified' | 'unverified';
  status: 'received' | 'in_review' | 'resolved';
  outcome: string | null;
  assigneeId: string | null;
  claimedAt: string | null;
  decidedAt: string | null;
  createdAt: string;
  reportsAgainstAccused?: number;
}

export interface ModEvent {
  id: number;
  subjectType: string;
  subjectId: string;
  type: string;
  actorId: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface Message {
  position: number;
  isReported: boolean;
  messageId: string;
  senderId: string;
  role: string;
  serverTime: number;
  verdict: string;
  verdictText: string;
  detail: string | null;
  seq: number | null;
  sentAt: number | null;
  contentType: string | null;
  text: string | null;
  media: { mediaType: string; dataUrl: string; bytes: number } | null;
  attachments: Array<{ mediaType: string; size: number; blobId: string }>;
  bodyBytes: number;
}

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

export interface ReportDetail {
  report: {
    id: string; reporterId: string; accusedId: string; conversationId: string; messageId: string; category: string; comment: string | null;
    verdict: 'verified' | 'unverified'; status: QueueItem['status']; outcome: string | null; assigneeId: string | null;
    claimedAt: string | null; decidedAt: string | null; decidedBy: string | null; createdAt: string;
  };
  messages: Message[];
  context: { complete: boolean; senders: Array<{ senderId: string; conversationId: string; firstSeq: number; lastSeq: number; missing: number[]; chainIntact: boolean; complete: boolean; summary: string }> };
  events: ModEvent[];
  accused: { id: string; status: string; suspendedUntil: string | null; createdAt: string | null; reportsTotal: number; recentReports: QueueItem[]; recentActions: ModEvent[] };
  reporter: { id: string; reportsTotal: number; dismissed: number };
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
