// Idempotent send by clientMessageId (docs/SCALING.md "Idempotent send"): a retried send — after a timeout, a
// dropped connection or a dead process, through any process — returns the original message's result (message
// id, server time, sender stamp) and never creates a second message. The receipt and the envelopes commit in one
// transaction (server/data/send-receipts.ts); the same id with a different message is refused.
import { equalBytes } from '../../../client/protocol.ts';
import type { EnvelopeRow, EnvelopesRepo } from '../../data/envelopes.ts';
import { type SendReceiptRow, type SendReceiptsRepo, receiptKey } from '../../data/send-receipts.ts';
import { asBytes } from '../../data/_bytes.ts';
import { type AppError, ConflictError } from '../../errors.ts';
import type { Tx } from '../../data/envelope-usage.ts';
import type { EnvelopeQuota } from './envelope-quota.ts';
import type { SendInput, SendResult } from './types.ts';

export interface AcceptedSend {
  senderId: string;
  input: SendInput;
  result: SendResult;
  rows: EnvelopeRow[];
}

/** Per accepted send: null = committed now (new message); else the earlier result, or the error to refuse it with. */
export type CommitOutcome = null | SendResult | AppError;

function replay(r: SendReceiptRow, send: AcceptedSend): SendResult | ConflictError {
  if (r.conversationId !== send.input.conversationId || !equalBytes(r.commitment, send.input.commitment))
    return new ConflictError('client_message_id_reused', 'this clientMessageId was already used for a different message');
  const serverTime = Number(r.serverTime);
  return {
    messageId: r.messageId, serverTime, clientMessageId: r.clientMessageId, recipients: [],
    senderStamp: {
      messageId: r.messageId, conversationId: r.conversationId, senderId: r.senderId, recipientId: r.senderId, role: 'sender', serverTime, kid: r.kid, tag: r.tag,
    },
  };
}

export class SendCommitter {
  constructor(
    private readonly receipts: SendReceiptsRepo,
    private readonly envelopes: EnvelopesRepo,
    private readonly ttlMs: number,
    private readonly quota?: EnvelopeQuota,
  ) {}

  /**
   * Commits a batch of accepted sends atomically (all admitted new ones or none). The undelivered-bytes quota is
   * checked in the same transaction (server/services/relay/envelope-quota.ts): a send over it is refused alone.
   */
  async commit(batch: readonly AcceptedSend[], now: Date): Promise<CommitOutcome[]> {
    const out: CommitOutcome[] = batch.map(() => null);
    const first = new Map<string, number>();
    for (const [i, a] of batch.entries()) {
      const cmid = a.input.clientMessageId;
      if (cmid !== undefined && !first.has(receiptKey(a.senderId, cmid))) first.set(receiptKey(a.senderId, cmid), i);
    }
    const quota = this.quota?.enabled ? this.quota : undefined;
    if (first.size === 0 && !quota) {
      await this.envelopes.insertMany(batch.flatMap((a) => a.rows));
      return out;
    }
    const existing = first.size ? await this.receipts.find([...first.values()].map((i) => [batch[i]!.senderId, batch[i]!.input.clientMessageId!] as const)) : new Map<string, SendReceiptRow>();
    const sends: Array<{ receipt: SendReceiptRow | null; rows: EnvelopeRow[]; i: number }> = [];
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    for (const [i, a] of batch.entries()) {
      const cmid = a.input.clientMessageId;
      if (cmid === undefined) {
        sends.push({ i, rows: a.rows, receipt: null });
        continue;
      }
      const key = receiptKey(a.senderId, cmid);
      if (first.get(key) !== i) continue; // a second copy in this batch: answered below from the first
      const found = existing.get(key);
      if (found) {
        out[i] = replay(found, a);
        continue;
      }
      const s = a.result.senderStamp;
      sends.push({
        i, rows: a.rows,
        receipt: {
          senderId: a.senderId, clientMessageId: cmid, messageId: a.result.messageId, conversationId: a.input.conversationId,
          commitment: asBytes(a.input.commitment), serverTime: BigInt(a.result.serverTime), kid: s.kid, tag: asBytes(s.tag), expiresAt,
        },
      });
    }
    if (sends.length) {
      const guard = quota
        ? (tx: Tx) => quota.admit(tx, sends.map((c) => ({ senderId: batch[c.i]!.senderId, bytes: c.rows.reduce((n, r) => n + r.ciphertext.length, 0) })), now)
        : undefined;
      const { won, refused } = await this.receipts.commit<AppError>(sends, guard);
      for (const [k, c] of sends.entries()) if (refused[k]) out[c.i] = refused[k];
      const lost = sends.filter((c, k) => c.receipt && !refused[k] && !won.has(receiptKey(c.receipt.senderId, c.receipt.clientMessageId)));
      if (lost.length) {
        // Another process committed the same (sender, clientMessageId) meanwhile: answer with its result.
        const theirs = await this.receipts.find(lost.map((f) => [f.receipt!.senderId, f.receipt!.clientMessageId] as const));
        for (const f of lost) {
          const r = theirs.get(receiptKey(f.receipt!.senderId, f.receipt!.clientMessageId));
          out[f.i] = r ? replay(r, batch[f.i]!) : new ConflictError('client_message_id_reused', 'this clientMessageId is being used by a concurrent send');
        }
      }
    }
    for (const [i, a] of batch.entries()) {
      const cmid = a.input.clientMessageId;
      if (cmid === undefined) continue;
      const j = first.get(receiptKey(a.senderId, cmid))!;
      if (j === i) continue;
      const firstOutcome = out[j];
      if (firstOutcome instanceof Error) out[i] = firstOutcome;
      else {
        const r = firstOutcome ?? batch[j]!.result;
        const same = batch[j]!.input.conversationId === a.input.conversationId && equalBytes(batch[j]!.input.commitment, a.input.commitment);
        out[i] = same ? { ...r, recipients: [] } : new ConflictError('client_message_id_reused', 'this clientMessageId was already used for a different message');
      }
    }
    return out;
  }

  /** Whether (sender, clientMessageId) is an accepted send still remembered (D13.3 step 4 comes before the list check). */
  async accepted(senderId: string, clientMessageId: string): Promise<boolean> {
    return (await this.receipts.find([[senderId, clientMessageId]])).size > 0;
  }

  sweep(now: Date): Promise<number> {
    return this.receipts.sweepExpired(now);
  }
}
