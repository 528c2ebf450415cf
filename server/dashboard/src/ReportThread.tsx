// The report page's thread: each revealed message as a bubble (sender, device, reset, delivery, verdict, media and
// attachments) and the context gaps between them, where the sender's chain skips (docs/PROTOCOL.md §8.3.1,
// docs/PROTOCOL-devices.md D12.3). Used by ReportView.tsx.
import { fmtTime, type Message, operationPath, type ReportAttachment, type ReportDetail } from './api.ts';
import { VerdictBadge } from './badges.tsx';
import { describeDelivery, describeGap, describeSenderDevice, describeSenderReset, type Gap } from './report-words.ts';

export const GROUP_INFO_TYPE = 'application/vnd.franking-chat.group-info';
/** Protocol messages (docs/PROTOCOL.md §8.4): franked and sequenced, revealed only so the sender's chain has no gap. */
const PROTOCOL_TYPES = ['application/vnd.franking-chat.kt-gossip'];
const isProtocol = (m: Message) => PROTOCOL_TYPES.includes(m.contentType?.split(';')[0]?.trim().toLowerCase() ?? '');
/** The group's name from a revealed group-info message, when its body was revealed as text (JSON). */
export function groupInfoName(m: Message): string | null {
  if (!m.text) return null;
  try {
    const j = JSON.parse(m.text) as { name?: unknown };
    return typeof j.name === 'string' ? `“${j.name}”` : null;
  } catch {
    return null;
  }
}


/** Where each gap falls: after the revealed message of that sender's device chain just before it (-1: before all). */
export function gapsAfter(d: ReportDetail): Map<number, Gap[]> {
  const out = new Map<number, Gap[]>();
  for (const g of d.context.gaps) {
    const before = d.messages
      .filter((m) => m.senderId === g.senderId && (m.senderDevice?.deviceId ?? 1) === (g.senderDeviceId ?? 1) && m.conversationId === g.conversationId && m.seq !== null && m.seq < g.fromSeq)
      .sort((a, b) => (b.seq as number) - (a.seq as number))[0];
    const at = before?.position ?? -1;
    out.set(at, [...(out.get(at) ?? []), g]);
  }
  return out;
}

export function GapLines({ gaps }: { gaps: Gap[] | undefined }) {
  return (gaps ?? []).map((g) => (
    <li key={`${g.senderId}-${g.senderDeviceId ?? 1}-${g.fromSeq}`} className={g.notIncluded > 0 ? 'gap' : 'gap gap-undelivered'} data-testid="context-gap">{describeGap(g)}</li>
  ));
}

const kb = (n: number) => `${Math.max(1, Math.ceil(n / 1024))} KB`;

/**
 * A reported attachment. Its plaintext is fetched only when the moderator asks (viewing is recorded in the
 * audit log) and only once the server has verified the blob against the franked header's digest and key.
 */
function AttachmentView({ reportId, m, index, a, showMedia }: { reportId: string; m: Message; index: number; a: ReportAttachment | undefined; showMedia: boolean }) {
  const d = m.attachments[index];
  if (!d) return null;
  const url = operationPath('moderationReportAttachmentContent', { reportId, position: m.position, index });
  const label = `${d.mediaType}, ${kb(d.size)}`;
  if (!a) return <p className="attachment">Attachment: {label} (pinned by the header; not part of the revealed evidence)</p>;
  if (a.status !== 'verified')
    return <p className="attachment bad-text">Attachment: {label} — {a.status === 'awaiting_upload' ? 'blob gone, waiting for the reporter’s evidence' : `failed verification (${a.failure ?? 'unknown'})`}</p>;
  if (/^image\/(png|jpeg|gif|webp)$/.test(a.mediaType))
    return (
      <figure className="media">
        {showMedia
          ? <img src={url} alt={`Reported attachment (${a.mediaType})`} />
          : <div className="media-hidden" role="img" aria-label={`Hidden attachment (${a.mediaType})`}>Image hidden</div>}
        <figcaption>Verified attachment: {label}{showMedia ? '' : ' — press m or “Show media” to load it (the view is logged)'}</figcaption>
      </figure>
    );
  return <p className="attachment">Verified attachment: {label} — <a href={url} target="_blank" rel="noopener noreferrer">open</a> (the view is logged)</p>;
}

export function MessageBubble({ m, accusedId, showMedia, reportId, attachments, reporterId, reportedFromDeviceId }: {
  m: Message; accusedId: string; showMedia: boolean; reportId: string; attachments: ReportAttachment[]; reporterId: string; reportedFromDeviceId: number | null | undefined;
}) {
  if (isProtocol(m) && !m.isReported) {
    return (
      <li className="gap protocol" data-testid="protocol-message">
        #{m.seq ?? '?'} from {m.senderId}: a key-log check between the two apps ({m.verdict === 'verified' ? 'verified' : 'unverified'}). A protocol message with no user
        content, revealed only so that the sequence has no gap; not part of the conversation.
      </li>
    );
  }
  const side = m.senderId === accusedId ? 'theirs' : 'ours';
  const verified = m.verdict === 'verified';
  const device = describeSenderDevice(m);
  const delivery = describeDelivery(m, reporterId, reportedFromDeviceId);
  const reset = describeSenderReset(m);
  return (
    <li className={`bubble ${side}${m.isReported ? ' reported' : ''}`} aria-current={m.isReported ? 'true' : undefined} data-testid={m.isReported ? 'reported-message' : 'context-message'}>
      <div className="meta">
        <strong>{m.senderId}</strong>
        <span>{m.seq !== null ? `#${m.seq}` : 'seq ?'}</span>
        {m.epoch !== null && <span className="badge" title="MLS group message: the group and epoch its verified header binds">group {m.conversationId} · epoch {m.epoch}</span>}
        <time dateTime={new Date(m.serverTime).toISOString()}>{fmtTime(m.serverTime)}</time>
        {m.isReported && <span className="badge reported-tag">Reported message</span>}
      </div>
      {(device || delivery) && (
        <p className="device muted" data-testid="message-device">
          {device}{device && delivery ? ' · ' : ''}{delivery}
        </p>
      )}
      {reset && <p className="device" data-testid="message-reset">{reset}</p>}
      {m.contentType?.startsWith(GROUP_INFO_TYPE) ? (
        <p className="text"><em>Group info (franked): {groupInfoName(m) ?? 'the group’s name and settings'}</em></p>
      ) : m.text !== null && <p className="text" dir="auto">{m.text}</p>}
      {m.media && (
        <figure className="media">
          <img src={m.media.dataUrl} alt={`Reported media (${m.media.mediaType})`} className={showMedia ? '' : 'blurred'} />
          <figcaption>{m.media.mediaType}, {Math.ceil(m.media.bytes / 1024)} KB{showMedia ? '' : ' — blurred (press m or “Show media”)'}</figcaption>
        </figure>
      )}
      {m.text === null && !m.media && !m.contentType?.startsWith(GROUP_INFO_TYPE) && <p className="text muted">[{m.contentType ?? 'binary'} content, {m.bodyBytes} bytes, not displayed]</p>}
      {m.attachments.map((a, i) => (
        <AttachmentView key={a.blobId} reportId={reportId} m={m} index={i} a={attachments.find((x) => x.position === m.position && x.index === i)} showMedia={showMedia} />
      ))}
      <div className={verified ? 'verdict ok' : 'verdict bad'}>
        <VerdictBadge verdict={m.verdict} />
        {/* one badge per message; the long "verified means…" sentence is the legend above the thread */}
        {!verified && <span>{m.verdictText}</span>}
        {!verified && m.detail && <span className="detail"> ({m.detail})</span>}
      </div>
    </li>
  );
}
