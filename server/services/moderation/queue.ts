// The moderation queue (docs/MODERATION.md "Endpoints", "Dashboard"): views over the Report projection, ordered for open work by
// routing priority then waiting time and for history newest first, paged by an opaque cursor, each row with the
// number of reports against its accused and a short text preview.
import type { ModerationRepo, QueueRow } from '../../data/moderation.ts';
import type { Actor } from './actor.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { QUEUE_VIEWS } from '../../../client/transport/contract/moderation/vocabulary.ts';

export { QUEUE_VIEWS };

export type QueueView = (typeof QUEUE_VIEWS)[number];

export interface QueueQuery {
  view: QueueView;
  category?: string | undefined;
  verdict?: 'verified' | 'unverified' | undefined;
  accusedId?: string | undefined;
  assigneeId?: string | undefined;
  queue?: string | undefined;
  caseId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export type { QueueRow };

export async function listQueue(repo: ModerationRepo, q: QueueQuery, me: Actor) {
  const status = { open: 'received', claimed: 'in_review', mine: 'in_review', resolved: 'resolved', all: undefined }[q.view] as
    | 'received' | 'in_review' | 'resolved' | undefined;
  const assigneeId = q.view === 'mine' ? me.actorId : q.assigneeId;
  const direction = q.view === 'resolved' || q.view === 'all' ? 'desc' : 'asc';
  // Open work: priority (routing) high→low, then the longest-waiting first. History: newest first.
  const ordering = direction === 'asc' ? 'priority' : 'time';
  const rows = await repo.queue({
    status, assigneeId, category: q.category, verdict: q.verdict, accusedId: q.accusedId, queue: q.queue, caseId: q.caseId,
    after: q.cursor ? decodeCursor(q.cursor) : undefined, direction, ordering, limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  // Two queries for the whole page (never one per row), side by side.
  const [counts, items] = await Promise.all([repo.reportCounts([...new Set(page.map((r) => r.accusedId))]), repo.reportedItems(page.map((r) => r.id))]);
  const previews = queuePreviews(items);
  const last = page[page.length - 1];
  return {
    reports: page.map((r) => ({ ...r, reportsAgainstAccused: counts.get(r.accusedId) ?? 1, preview: previews.get(r.id) ?? null })),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
  };
}

/** Queue text preview (docs/MODERATION.md "Dashboard"): the first 140 characters of a verified, textual reported message. */
export const PREVIEW_CHARS = 140;
function queuePreviews(items: Array<{ reportId: string; body: Uint8Array; headerJson: string | null; verdict: string }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of items) {
    let contentType = '';
    try {
      contentType = i.headerJson ? String((JSON.parse(i.headerJson) as { contentType?: unknown }).contentType ?? '') : '';
    } catch {
      continue;
    }
    if (i.verdict !== 'verified' || !contentType.startsWith('text/plain')) continue;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(i.body);
    } catch {
      continue;
    }
    const flat = text.replace(/\s+/g, ' ').trim();
    out.set(i.reportId, flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1)}…` : flat);
  }
  return out;
}
