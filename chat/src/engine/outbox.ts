// Sending, after sealing: every message leaves as a job of the outbox, exactly the stored bytes — the 1:1
// ciphertexts, the group's MLS message, or a protocol message (key-log gossip, docs/PROTOCOL.md §8.4). A job that
// failed only because the server could not be reached is retried when the connection returns, with the same
// clientMessageId, so the relay answers a send it had already accepted with the original result instead of
// delivering it twice (docs/SCALING.md "Idempotent send"). Protocol messages, never shown, are retried at start.
import { type ApiClient, ApiError, type ReportItemJson } from '@franking-chat/sdk';
import type { MessageRecord } from '../storage.ts';
import { describeSendError } from '../wording.ts';
import type { Device } from './device.ts';
import { type Conversations, byTime, isProtocolMessage } from './state/conversations.ts';
import type { AccountStanding } from './state/standing.ts';

/** What one outgoing message is, by how it leaves. */
export type OutboxJob =
  | { kind: 'direct'; message: MessageRecord }
  | { kind: 'group'; message: MessageRecord }
  | { kind: 'protocol'; message: MessageRecord };

export function jobOf(message: MessageRecord): OutboxJob {
  if (message.group) return { kind: 'group', message };
  if (isProtocolMessage(message)) return { kind: 'protocol', message };
  return { kind: 'direct', message };
}

type Sent = { stamp: ReportItemJson['stamp']; serverTime: number };

export interface OutboxDeps {
  device: Device;
  api: ApiClient;
  conversations: Conversations;
  standing: AccountStanding;
  /** Hands a group job's stored MLS message to the relay (../groups/group-sender.ts). */
  deliverGroup(m: MessageRecord): Promise<Sent>;
  /** The group moved on (stale_epoch): catch up before the user retries. */
  syncGroups(): Promise<void>;
  /**
   * The relay refused a fan-out send with `device_mismatch` (docs/PROTOCOL-devices.md D11.2 step 4): the same franked
   * message with its copies fixed (stored), or a ChatError after the third refusal.
   */
  afterMismatch(m: MessageRecord, e: ApiError, refusal: number): Promise<MessageRecord>;
}

export class Outbox {
  /** Ids being resent after the connection returned (a second signal must not start a parallel resend). */
  private readonly resending = new Set<string>();
  private resumedAfterStart = false;

  constructor(private readonly d: OutboxDeps) {}

  /** Sends (or re-sends) exactly the stored ciphertexts and commitment: same seq, so no gap in the chain. */
  async deliver(m: MessageRecord): Promise<void> {
    const p = m.pending;
    if (!p) return;
    if (m.state !== 'sending') {
      m = { ...m, state: 'sending' };
      delete m.error;
      delete m.errorCode;
      this.d.conversations.shown(m);
    }
    const job = jobOf(m);
    const box = { m };
    try {
      const sent = await this.run(job, box);
      m = box.m;
      const item: ReportItemJson = { stamp: sent.stamp, commitment: p.commitment, fk: p.fk, header: p.header, body: p.body };
      const done: MessageRecord = { ...m, state: 'sent', serverTime: sent.serverTime, item };
      delete done.pending;
      await this.d.conversations.save(done);
    } catch (e) {
      m = box.m;
      this.d.standing.noteBlocked(e);
      if (job.kind === 'group' && ApiError.is(e, 'stale_epoch')) await this.d.syncGroups().catch(() => undefined);
      // A ban ends the session: the send then fails as invalid_token and re-login as account_banned.
      const standing = this.d.standing.asError();
      const { text, code } = describeSendError(standing && ApiError.is(e) && e.status === 401 ? standing : e);
      await this.d.conversations.save({ ...m, state: 'failed', error: text, errorCode: code });
    }
  }

  private async run(job: OutboxJob, box: { m: MessageRecord }): Promise<Sent> {
    const m = job.message;
    const p = m.pending as NonNullable<MessageRecord['pending']>;
    switch (job.kind) {
      case 'group':
        return this.d.deliverGroup(m);
      case 'direct':
      case 'protocol': {
        if (p.copies) {
          // docs/PROTOCOL-devices.md D11.2 step 4: the stored copies as they are; only a device_mismatch changes them
          // (re-sealed around the same franked message, same clientMessageId), at most three requests in all.
          for (let refusal = 1; ; refusal++) {
            const q = box.m.pending as NonNullable<MessageRecord['pending']>;
            const copies = q.copies as NonNullable<typeof q.copies>;
            try {
              return await this.d.api.sendCopies({ conversationId: m.conversationId, commitment: q.commitment, clientMessageId: q.clientMessageId, lists: copies.lists, copies: copies.copies });
            } catch (e) {
              if (!ApiError.is(e, 'device_mismatch')) throw e;
              box.m = await this.d.afterMismatch(box.m, e, refusal);
            }
          }
        }
        const envelopes = p.envelopes ?? [{ recipientId: m.peerId, ciphertext: p.ciphertext as string }];
        return this.d.api.send({ conversationId: m.conversationId, commitment: p.commitment, clientMessageId: p.clientMessageId, envelopes });
      }
    }
  }

  /** The connection returned: resend every message that failed only because the server could not be reached. */
  async resendUnsent(): Promise<void> {
    if (!this.d.device.hasAccount || this.d.standing.restricted) return;
    // The first time after start-up, also what was still "Sending…" when this page last closed (it never heard back).
    const afterStart = !this.resumedAfterStart;
    this.resumedAfterStart = true;
    const unsent = this.d.conversations.all().filter((m) => m.direction === 'out' && m.pending && !this.resending.has(m.id)
      && ((m.state === 'failed' && m.errorCode === 'network_error') || (afterStart && m.state === 'sending')));
    for (const m of unsent.sort(byTime)) {
      // A parallel resend (the second signal) may have taken or finished it since the list was made.
      if (this.resending.has(m.id) || !this.d.conversations.messages(m.conversationId).some((x) => x.id === m.id && x.pending)) continue;
      this.resending.add(m.id);
      try {
        await this.deliver({ ...m, resent: true });
      } finally {
        this.resending.delete(m.id);
      }
    }
  }

  /**
   * Protocol messages are not shown, so nobody presses Retry on one that failed: sent again at start with the same
   * ciphertext and seq (docs/PROTOCOL.md §8.4), or the peer would see a gap in this sender's chain where it sits.
   */
  async resendProtocolMessages(): Promise<void> {
    for (const m of await this.d.device.store().messages()) if (isProtocolMessage(m) && m.pending && m.direction === 'out') await this.deliver(m);
  }
}
