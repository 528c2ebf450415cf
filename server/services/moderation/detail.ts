// A report as a moderator sees it (docs/MODERATION.md "Dashboard"): the revealed messages in server order with each
// verdict in words, decoded headers, text and inline media, per-sender context completeness and its gaps
// (docs/PROTOCOL.md §8.3.1), the event log, the accused's standing and history, and the reporter's track record.
import { REASON_DESCRIPTIONS, type ReasonCode, decodeHeader, describeSenderContext } from '../../../client/protocol.ts';
import type { AccountStatus } from '../../data/accounts.ts';
import type { ModerationRepo } from '../../data/moderation.ts';
import { NotFoundError } from '../../errors.ts';
import type { PoliciesService } from '../policies/policies.ts';
import { parseStoredContext } from '../reports/intake.ts';
import { gapRuns } from '../relay/undelivered.ts';

const HISTORY_LIMIT = 20;

export interface MessageView {
  position: number;
  /** The stamp's conversation (a group's id for group messages). */
  conversationId: string;
  /** MLS epoch of a group message (header version 2); null for 1:1 messages. */
  epoch: number | null;
  isReported: boolean;
  messageId: string;
  senderId: string;
  role: string;
  serverTime: number;
  verdict: ReasonCode;
  /** REASON_DESCRIPTIONS[verdict] */
  verdictText: string;
  detail: string | null;
  /** from the verified header; for unverified items the header as claimed, or null if it does not decode */
  seq: number | null;
  sentAt: number | null;
  contentType: string | null;
  /** utf-8 text for text/* bodies */
  text: string | null;
  /** image/* bodies as a data: URL (blurred in the dashboard until the moderator asks) */
  media: { mediaType: string; dataUrl: string; bytes: number } | null;
  attachments: Array<{ mediaType: string; size: number; blobId: string }>;
  bodyBytes: number;
  /**
   * docs/PROTOCOL-devices.md D12.3: the sending device from the verified header (versions 3 and 4; null otherwise)
   * with the server's record of it — when the list that added it was accepted and, if so, when it was removed.
   */
  senderDevice: { deviceId: number; linkedAt: string | null; removedAt: string | null } | null;
  /** D12.2: the device the copy was delivered to, as stated by the reporter's app (null when not stated). */
  deliveredToDeviceId: number | null;
  /**
   * D6.6: the sender's account was reset after this message was stamped — when (the first such reset); null when not.
   * The message stays reportable (stamps name the account), but it came from the identity before the reset.
   */
  senderResetAt: string | null;
}

const IMAGE_TYPES = /^image\/(png|jpeg|gif|webp)$/;
const MAX_INLINE_MEDIA = 512 * 1024;

export async function reportDetail(repo: ModerationRepo, policies: PoliciesService, reportId: string) {
  const r = await repo.report(reportId);
  if (!r) throw new NotFoundError('report');
  const [items, events, history, accusedEvents, accused, reporter] = await Promise.all([
    repo.items(reportId),
    repo.events('report', reportId),
    repo.accusedHistory(r.accusedId, r.id, HISTORY_LIMIT),
    repo.recentEvents('account', r.accusedId, HISTORY_LIMIT),
    repo.accountStanding(r.accusedId),
    repo.reporterStats(r.reporterId),
  ]);
  const policy = r.policyId ? await policies.get(r.policyId).catch(() => null) : null;
  // Reports filed before docs/PROTOCOL.md §8.3.1 have no `gaps`: each run then counts as not included.
  const context = parseStoredContext(r.contextSummary);
  type Shown = { version?: number; senderDeviceId?: number; seq: number; sentAt: number; contentType: string; epoch?: number; attachments: Array<{ mediaType: string; size: number; blobId: string }> };
  const headers = items.map((i) => {
    try {
      if (i.headerJson) return JSON.parse(i.headerJson) as Shown;
      if (i.verdict !== 'malformed') return decodeHeader(i.header) as Shown;
    } catch {
      // shown without header fields
    }
    return null;
  });
  // D12.3: only a verified header (stored as headerJson) names the sending device; versions 1/2 name none.
  const deviceOf = (k: number): number | null => {
    const h = headers[k];
    return items[k]!.headerJson && h && (h.version === 3 || h.version === 4) && typeof h.senderDeviceId === 'number' ? h.senderDeviceId : null;
  };
  const records = await repo.deviceRecords(items.flatMap((i, k) => {
    const d = deviceOf(k);
    return d === null ? [] : [{ accountId: i.senderId, deviceId: d }];
  }));
  const resets = await repo.resetTimes(items.map((i) => i.senderId));
  const resetAfter = (senderId: string, serverTime: number): string | null =>
    resets.find((x) => x.accountId === senderId && x.at.getTime() > serverTime)?.at.toISOString() ?? null;
  const messages: MessageView[] = items.map((i, k) => {
    const header = headers[k] ?? null;
    const deviceId = deviceOf(k);
    const record = deviceId === null ? undefined : records.find((x) => x.accountId === i.senderId && x.deviceId === deviceId);
    const contentType = header?.contentType ?? null;
    const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
    // The chat's franked group-info message (its name, JSON) is shown as what it is, not as a raw MIME line.
    const isText = contentType === null || mediaType.startsWith('text/') || mediaType === 'application/vnd.franking-chat.group-info+json';
    return {
      position: i.position, isReported: i.isReported, messageId: i.messageId, senderId: i.senderId, role: i.stampRole,
      serverTime: Number(i.serverTime), verdict: i.verdict as ReasonCode, verdictText: REASON_DESCRIPTIONS[i.verdict as ReasonCode] ?? i.verdict,
      detail: i.detail, seq: header?.seq ?? null, sentAt: header?.sentAt ?? null, contentType,
      // MLS group messages (docs/PROTOCOL.md §12.9): the group and the epoch the verified header binds.
      conversationId: i.conversationId, epoch: typeof header?.epoch === 'number' ? header.epoch : null,
      text: isText ? Buffer.from(i.body).toString('utf8') : null,
      media: IMAGE_TYPES.test(mediaType) && i.body.length <= MAX_INLINE_MEDIA
        ? { mediaType, dataUrl: `data:${mediaType};base64,${Buffer.from(i.body).toString('base64')}`, bytes: i.body.length }
        : null,
      attachments: (header?.attachments ?? []).map((a) => ({ mediaType: a.mediaType, size: a.size, blobId: a.blobId })),
      bodyBytes: i.body.length,
      senderDevice: deviceId === null ? null : { deviceId, linkedAt: record?.acceptedAt.toISOString() ?? null, removedAt: record?.removedAt?.toISOString() ?? null },
      deliveredToDeviceId: i.deliveredToDeviceId === null ? null : Number(i.deliveredToDeviceId),
      senderResetAt: resetAfter(i.senderId, Number(i.serverTime)),
    };
  });
  messages.sort((a, b) => a.serverTime - b.serverTime || a.position - b.position);
  return {
    report: {
      id: r.id, reporterId: r.reporterId, accusedId: r.accusedId, conversationId: r.conversationId, messageId: r.messageId,
      category: r.category, comment: r.comment, verdict: r.verdict, status: r.status, outcome: r.outcome,
      assigneeId: r.assigneeId, claimedAt: r.claimedAt, decidedAt: r.decidedAt, decidedBy: r.decidedBy, createdAt: r.createdAt,
      queue: r.queue, priority: r.priority, caseId: r.caseId, policy: policy ? { id: policy.id, name: policy.name } : null,
      contentPurgedAt: r.contentPurgedAt,
      // D12.2/D12.3: the device the report was filed from (authenticated by its token); null before devices.
      reportedFromDeviceId: r.reportedFromDeviceId === null ? null : Number(r.reportedFromDeviceId),
    },
    messages,
    context: {
      complete: context.complete,
      // D10.3: one entry per device chain; senderDeviceId only on a chain of version 3/4 headers.
      senders: context.senders.map((s) => ({
        senderId: s.senderId, conversationId: s.conversationId, ...(s.senderDeviceId !== undefined && { senderDeviceId: s.senderDeviceId }),
        firstSeq: s.firstSeq, lastSeq: s.lastSeq, missing: s.missing,
        chainIntact: s.chainIntact, complete: s.complete, summary: describeSenderContext(s),
      })),
      gaps: context.gaps ?? context.senders.flatMap((s) => gapRuns(s.missing).map(([fromSeq, toSeq]) => ({
        conversationId: s.conversationId, senderId: s.senderId, ...(s.senderDeviceId !== undefined && { senderDeviceId: s.senderDeviceId }), fromSeq, toSeq, count: toSeq - fromSeq + 1,
        refusedWhileBlocked: 0, expiredUndelivered: 0, notIncluded: toSeq - fromSeq + 1,
      }))),
    },
    events,
    accused: {
      id: r.accusedId, status: (accused?.status ?? 'unknown') as AccountStatus | 'unknown', suspendedUntil: accused?.suspendedUntil ?? null,
      createdAt: accused?.createdAt ?? null, reportsTotal: history.total, recentReports: history.recent, recentActions: accusedEvents,
    },
    reporter: {
      id: r.reporterId, reportsTotal: reporter.total, dismissed: reporter.dismissed, decided: reporter.decided,
      /** track record: share of the reporter's decided reports that were upheld (null until one is decided) */
      upheldShare: reporter.decided ? (reporter.decided - reporter.dismissed) / reporter.decided : null,
    },
  };
}
