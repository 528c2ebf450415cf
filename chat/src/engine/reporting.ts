// Reports (docs/PROTOCOL.md §8): the context offered around a reported message, the openings revealed to the server
// (with the protocol messages inside the revealed span, §8.4), evidence for attachments whose blob is gone (§11.5);
// then this user's reports, the moderators' notices and appeals.
import {
  type ApiClient, ApiError, type IdentityKeyPair, type ReportAttachmentJson, type ReportCategory, type ReportDetailJson, type ReportItemJson, fromBase64Url,
} from '@franking-chat/sdk';
import { decodeHeader } from '@franking-chat/sdk/protocol';
import { fileAppeal } from '../appeals.ts';
import { fetchNotices } from '../notices.ts';
import type { MessageRecord } from '../storage.ts';
import type { Device } from './device.ts';
import { ChatError } from './errors.ts';
import { CONTEXT_AFTER, CONTEXT_BEFORE } from './limits.ts';
import { type Conversations, isProtocolMessage } from './state/conversations.ts';
import type { Reports } from './state/reports.ts';
import type { AccountStanding } from './state/standing.ts';

/** A filed report and the state of its attachments (null: their state could not be read). */
export type SubmittedReport = ReportDetailJson & {
  attachments: ReportAttachmentJson[] | null;
  /** How many protocol messages were revealed after the chosen ones, at the last positions (docs/PROTOCOL.md §8.4). */
  protocolItems: number;
};

export interface ContextCandidate {
  message: MessageRecord;
  isReported: boolean;
}

export interface ReportingDeps {
  device: Device;
  api: ApiClient;
  conversations: Conversations;
  reports: Reports;
  standing: AccountStanding;
  /** An overturned restriction: the account may send again. */
  restored(): Promise<void>;
}

export class Reporting {
  private appealTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly d: ReportingDeps) {}

  /** The messages offered as context around `messageId`: the reported one, plus neighbours with an opening. */
  contextCandidates(messageId: string): ContextCandidate[] {
    const target = this.d.conversations.all().find((m) => m.id === messageId);
    if (!target) return [];
    const list = this.d.conversations.messages(target.conversationId).filter((m) => m.item && m.direction !== 'system');
    const at = list.findIndex((m) => m.id === messageId);
    return list.slice(Math.max(0, at - CONTEXT_BEFORE), at + CONTEXT_AFTER + 1).map((m) => ({ message: m, isReported: m.id === messageId }));
  }

  /** Reveals the chosen messages' openings (read from this browser's storage) to the server for moderators. */
  /** docs/PROTOCOL-devices.md D12.2: the items as submitted, each with the device that received it when known. */
  async submit(input: { messageId: string; category: ReportCategory; comment: string; contextIds: string[] }): Promise<SubmittedReport> {
    const store = this.d.device.store();
    const reported = await store.message(input.messageId);
    if (!reported?.item) throw new ChatError('report_unavailable');
    const context: ReportItemJson[] = [];
    // Report item positions: 0 the reported message, then the context in the order sent.
    const revealed: MessageRecord[] = [reported];
    for (const id of input.contextIds) {
      if (id === input.messageId) continue;
      const m = await store.message(id);
      if (m?.item) {
        context.push(m.item);
        revealed.push(m);
      }
    }
    const protocol = await this.protocolMessagesWithin(revealed);
    for (const m of protocol) {
      context.push(m.item as ReportItemJson);
      revealed.push(m);
    }
    const comment = input.comment.trim();
    let detail: ReportDetailJson;
    try {
      // docs/PROTOCOL-devices.md D12.2: each item states the device that decrypted its copy (never an input of the
      // verdict); the reporting device is the token's.
      detail = await this.d.api.submitReport({ category: input.category, ...(comment ? { comment } : {}), reported: submitted(reported), context: revealed.slice(1).map(submitted) });
    } catch (e) {
      this.d.standing.noteBlocked(e);
      if (!ApiError.is(e)) throw new ChatError('report_failed');
      throw e.code === 'network_error' ? new ChatError('report_unreachable') : new ChatError('report_refused', { detail: e.detail });
    }
    await this.d.conversations.save({ ...reported, reportId: detail.id });
    void this.refresh();
    const attachments = revealed.some((m) => m.attachments?.length) ? await this.provideEvidence(detail.id, revealed).catch(() => null) : [];
    return { ...detail, attachments, protocolItems: protocol.length };
  }

  /**
   * docs/PROTOCOL.md §8.4: the protocol messages (key-log gossip) a revealed sender sent between its first and last
   * revealed message in the conversation. They are revealed with the context, never chosen: they carry only signed
   * tree heads, and without them the sender's sequence numbers would show a gap where they sit.
   */
  private async protocolMessagesWithin(revealed: readonly MessageRecord[]): Promise<MessageRecord[]> {
    const conversationId = revealed[0]?.conversationId;
    const span = new Map<string, { first: number; last: number }>();
    for (const m of revealed) {
      if (m.seq === null || m.conversationId !== conversationId) continue;
      const s = span.get(chainOf(m));
      span.set(chainOf(m), { first: Math.min(s?.first ?? m.seq, m.seq), last: Math.max(s?.last ?? m.seq, m.seq) });
    }
    const ids = new Set(revealed.map((m) => m.id));
    return (await this.d.device.store().messages()).filter((m) => {
      const s = span.get(chainOf(m));
      return isProtocolMessage(m) && m.item && m.conversationId === conversationId && !ids.has(m.id) && s !== undefined && m.seq !== null && m.seq > s.first && m.seq < s.last;
    });
  }

  /**
   * The server verifies a reported attachment from its blob when it still has it; once every recipient
   * fetched it the blob is gone, and this browser re-creates the exact ciphertext from the file it verified
   * and shows (deterministic re-encryption under the committed key, §11.5) and uploads it as evidence.
   */
  private async provideEvidence(reportId: string, revealed: MessageRecord[]): Promise<ReportAttachmentJson[]> {
    const list = await this.d.api.reportAttachments(reportId);
    let uploaded = false;
    for (const a of list) {
      if (a.status === 'verified') continue;
      const m = revealed[a.position];
      const f = m ? await this.d.device.store().file(m.id, a.index) : undefined;
      const desc = m?.item ? decodeHeader(fromBase64Url(m.item.header, 'header')).attachments[a.index] : undefined;
      if (!f || !desc) continue;
      await this.d.api.uploadReportEvidence(reportId, a.position, a.index, desc, new Uint8Array(await f.data.arrayBuffer())).catch(() => undefined);
      uploaded = true;
    }
    return uploaded ? this.d.api.reportAttachments(reportId) : list;
  }

  async refresh(): Promise<void> {
    if (!this.d.api.token || this.d.standing.restricted) return;
    try {
      this.d.reports.setReports(await this.d.api.listReports());
    } catch (e) {
      this.d.standing.noteBlocked(e);
    }
  }

  detail(reportId: string): Promise<ReportDetailJson> {
    return this.d.api.getReport(reportId);
  }

  /** Appeal a warning/suspension/ban notice; then watch for the outcome (an overturn lifts the restriction at once). */
  async appeal(noticeId: number, statement: string): Promise<{ id: string; status: string }> {
    const r = await fileAppeal(this.d.api, this.d.device.me(), this.d.device.identity(), this.d.standing.restricted, noticeId, statement);
    this.appealTimer ??= setInterval(() => void this.checkAppealOutcome(), 15_000);
    return r;
  }

  /** Polls notices until the appeal outcome arrives; an overturn means the account may send again: go back online. */
  async checkAppealOutcome(): Promise<void> {
    await this.refreshNotices();
    const notices = this.d.reports.notices();
    const last = notices[notices.length - 1];
    if (last?.kind !== 'appeal_outcome') return;
    if (this.appealTimer) clearInterval(this.appealTimer);
    this.appealTimer = null;
    if (last.appealResult === 'overturned' && this.d.standing.restricted) {
      this.d.standing.lifted();
      await this.d.restored();
    }
  }

  async refreshNotices(): Promise<void> {
    if (!this.d.device.hasAccount) return;
    try {
      const notices = await fetchNotices(this.d.api, this.d.device.me(), this.d.device.identity() as IdentityKeyPair, this.d.standing.restricted);
      if (notices) this.d.reports.setNotices(notices);
    } catch (e) {
      this.d.standing.noteBlocked(e);
    }
  }
}

/** A sender's chain in a conversation: per sending device (docs/PROTOCOL-devices.md D10.2; versions 1/2 are device 1). */
const chainOf = (m: MessageRecord): string => `${m.senderId}#${m.senderDeviceId ?? 1}`;

/** A report item with the reporter app's statement of the receiving device (D12.2). */
function submitted(m: MessageRecord): ReportItemJson & { deliveredToDeviceId?: number } {
  const item = m.item as ReportItemJson;
  return m.deliveredToDeviceId !== undefined ? { ...item, deliveredToDeviceId: m.deliveredToDeviceId } : item;
}
