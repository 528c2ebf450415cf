// Context completeness (docs/PROTOCOL.md §8.3). Given the verified items of one report, tell per sender chain —
// (conversation, sender, sending device), docs/PROTOCOL-devices.md D10.3 — which of its messages the reporter
// revealed and which it left out, and whether the hash chain links. Version 1/2 headers are device 1's (D10.1).
// Per-sender sequence numbers make omissions visible; prevCommitment links make substitutions visible.
import { equalBytes } from '../crypto/_bytes.ts';
import { type MessageHeader, headerDeviceId } from './header.ts';
import type { StampFields } from './stamp.ts';

/**
 * Media types of protocol messages (docs/PROTOCOL.md §8.4): franked and sequenced like any message, exchanged by the
 * clients themselves (key-log gossip, docs/TRANSPARENCY.md §8), never conversation. Parameters after ';' are ignored.
 */
export const PROTOCOL_CONTENT_TYPES: readonly string[] = ['application/vnd.franking-chat.kt-gossip'];

/** Whether a verified header's content type marks a protocol message (docs/PROTOCOL.md §8.4). */
export function isProtocolContentType(contentType: string): boolean {
  return PROTOCOL_CONTENT_TYPES.includes((contentType.split(';')[0] as string).trim().toLowerCase());
}

export interface ContextEntry {
  stamp: Pick<StampFields, 'conversationId' | 'senderId' | 'serverTime' | 'messageId'>;
  header: MessageHeader;
  commitment: Uint8Array;
}

export type ContextIssue =
  /** Two different messages claim the same sequence number: the sender equivocated. */
  | { kind: 'equivocation'; seq: number }
  /** The message at `seq` does not name the revealed message at `seq - 1` as its predecessor. */
  | { kind: 'chain_break'; seq: number }
  /** The server accepted `seq` before `seq - 1`. */
  | { kind: 'time_order'; seq: number };

export interface SenderContext {
  conversationId: string;
  senderId: string;
  /**
   * The sending device of this chain (docs/PROTOCOL-devices.md D10.3), present only when one of its headers is version
   * 3 or 4; a chain of version 1/2 headers only is device 1's and leaves it out (its output is as before devices).
   */
  senderDeviceId?: number;
  firstSeq: number;
  lastSeq: number;
  present: number[];
  /** The revealed sequence numbers that are protocol messages (§8.4): present, so no gap, but not conversation. */
  protocol: number[];
  /** Sequence numbers between firstSeq and lastSeq that the report does not contain. */
  missing: number[];
  /** Every consecutive revealed pair links through prevCommitment. */
  chainIntact: boolean;
  issues: ContextIssue[];
  /** No gaps and no issues. */
  complete: boolean;
}

export interface ContextReport {
  senders: SenderContext[];
  complete: boolean;
}

/** Analyses verified items only: unverified items prove nothing about order or content. */
export function analyzeContext(entries: readonly ContextEntry[]): ContextReport {
  const groups = new Map<string, ContextEntry[]>();
  for (const e of entries) {
    // Ids cannot contain '\n' (ID_PATTERN), so this key is unambiguous. One chain per sending device (D10.3).
    const key = `${e.header.conversationId}\n${e.header.senderId}\n${headerDeviceId(e.header)}`;
    const list = groups.get(key) ?? [];
    list.push(e);
    groups.set(key, list);
  }
  const senders: SenderContext[] = [];
  for (const list of groups.values()) {
    const bySeq = new Map<number, ContextEntry>();
    const issues: ContextIssue[] = [];
    for (const e of list) {
      const seen = bySeq.get(e.header.seq);
      if (!seen) bySeq.set(e.header.seq, e);
      else if (!equalBytes(seen.commitment, e.commitment) && !issues.some((i) => i.kind === 'equivocation' && i.seq === e.header.seq))
        issues.push({ kind: 'equivocation', seq: e.header.seq });
    }
    const present = [...bySeq.keys()].sort((a, b) => a - b);
    const protocol = present.filter((seq) => isProtocolContentType((bySeq.get(seq) as ContextEntry).header.contentType));
    const firstSeq = present[0] as number;
    const lastSeq = present[present.length - 1] as number;
    const missing: number[] = [];
    let chainIntact = true;
    for (let seq = firstSeq; seq <= lastSeq; seq++) {
      const cur = bySeq.get(seq);
      if (!cur) {
        missing.push(seq);
        continue;
      }
      const prev = bySeq.get(seq - 1);
      if (!prev) continue;
      if (!equalBytes(cur.header.prevCommitment, prev.commitment)) {
        chainIntact = false;
        issues.push({ kind: 'chain_break', seq });
      }
      if (cur.stamp.serverTime < prev.stamp.serverTime) issues.push({ kind: 'time_order', seq });
    }
    if (issues.some((i) => i.kind === 'equivocation')) chainIntact = false;
    const first = list[0] as ContextEntry;
    const device = list.some((e) => e.header.senderDeviceId !== undefined) ? headerDeviceId(first.header) : undefined;
    senders.push({
      conversationId: first.header.conversationId,
      senderId: first.header.senderId,
      ...(device !== undefined && { senderDeviceId: device }),
      firstSeq,
      lastSeq,
      present,
      protocol,
      missing,
      chainIntact,
      issues,
      complete: missing.length === 0 && issues.length === 0,
    });
  }
  senders.sort((a, b) =>
    a.conversationId + a.senderId !== b.conversationId + b.senderId
      ? a.conversationId + a.senderId < b.conversationId + b.senderId
        ? -1
        : 1
      : (a.senderDeviceId ?? 1) - (b.senderDeviceId ?? 1),
  );
  return { senders, complete: senders.every((s) => s.complete) };
}

/** "41–47" style ranges: [1,2,3,5] → "1–3, 5". */
export function formatRanges(seqs: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < seqs.length) {
    const start = seqs[i] as number;
    let end = start;
    while (i + 1 < seqs.length && seqs[i + 1] === end + 1) end = seqs[++i] as number;
    parts.push(start === end ? `${start}` : `${start}–${end}`);
    i++;
  }
  return parts.join(', ');
}

/**
 * One line for a moderator: "messages 41–47 complete" or "messages 41–47: 2 missing (43, 45)"; a device chain
 * (D10.3) is prefixed with its device: "device 3: messages 1–4 complete".
 */
export function describeSenderContext(s: SenderContext): string {
  const range = s.firstSeq === s.lastSeq ? `message ${s.firstSeq}` : `messages ${s.firstSeq}–${s.lastSeq}`;
  const notes: string[] = [];
  if (s.missing.length) notes.push(`${s.missing.length} missing (${formatRanges(s.missing)})`);
  const breaks = s.issues.filter((i) => i.kind === 'chain_break').map((i) => i.seq);
  if (breaks.length) notes.push(`chain broken at ${formatRanges(breaks)}`);
  const forks = s.issues.filter((i) => i.kind === 'equivocation').map((i) => i.seq);
  if (forks.length) notes.push(`conflicting messages at ${formatRanges(forks)}`);
  const late = s.issues.filter((i) => i.kind === 'time_order').map((i) => i.seq);
  if (late.length) notes.push(`out of server order at ${formatRanges(late)}`);
  const protocol = s.protocol.length ? ` (${formatRanges(s.protocol)}: protocol message${s.protocol.length === 1 ? '' : 's'}, not conversation)` : '';
  const device = s.senderDeviceId === undefined ? '' : `device ${s.senderDeviceId}: `;
  return notes.length ? `${device}${range}: ${notes.join('; ')}${protocol}` : `${device}${range} complete${protocol}`;
}
