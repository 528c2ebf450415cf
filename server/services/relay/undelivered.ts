// Deliveries the relay did not make, and what they explain about a report's gaps (docs/PROTOCOL.md §8.3.1).
// The relay records a refused delivery (the recipient had blocked the sender) and an expired one (the envelope's
// time to live passed before the recipient acknowledged it) with no content; at filing, a run of missing
// sequence numbers is explained by the records of the reporter, that conversation and sender between the
// revealed neighbours of the run. What the records cannot explain is "not included in the report".
// With devices (docs/PROTOCOL-devices.md D10.3) a record names the sending device and runs are matched per device
// chain (conversation, sender, sending device): a gap in device 3's numbers is explained by device 3's records only.
import { type ContextEntry, type ContextReport, headerDeviceId } from '../../../client/protocol.ts';
import type { ExpiringEnvelope, UndeliveredRepo } from '../../data/undelivered.ts';

/**
 * The devices of an account's list version and the account's devices removed since any version (D13.6), or null when
 * the version is not stored.
 */
export type DevicesAt = (accountId: string, listVersion: number) => Promise<{ listed: number[]; removed: number[] } | null>;

/** One run of consecutive missing sequence numbers of one sender, and what the server knows about it. */
export interface ContextGap {
  conversationId: string;
  senderId: string;
  /** The device chain of the run, as in the context's sender entry (present only for a chain of version 3/4 headers, D10.3). */
  senderDeviceId?: number;
  fromSeq: number;
  toSeq: number;
  count: number;
  /** refused at send time: the reporter had blocked the sender */
  refusedWhileBlocked: number;
  /** expired on the server before the reporter's device collected it */
  expiredUndelivered: number;
  /** what the evidence cannot explain */
  notIncluded: number;
}

/** Expired envelopes read per statement while recording them. */
export const EXPIRED_BATCH = 5000;

export class UndeliveredService {
  constructor(
    private readonly repo: UndeliveredRepo,
    /** REPORT_WINDOW_DAYS in ms: a record is useless once no stamp of its message can be reported. */
    private readonly reportWindowMs: number,
    /** The copies a message had per account (D10.3: `expired` only when no device of the account collected its copy). */
    private readonly devicesAt?: DevicesAt,
  ) {}

  private expiry(serverTime: number | bigint): Date {
    return new Date(Number(serverTime) + this.reportWindowMs);
  }

  /**
   * Recipients who did not get a message because they had blocked its sender (§8.3.1 `blocked`), sent from
   * `senderDeviceId` (the token's device; 1 for the single-device body, whose header is device 1's chain, D17.3).
   */
  async refused(m: { messageId: string; conversationId: string; senderId: string; senderDeviceId: number; serverTime: number; recipientIds: readonly string[] }): Promise<void> {
    if (m.recipientIds.length === 0) return;
    await this.repo.add(m.recipientIds.map((recipientId) => ({
      messageId: m.messageId, recipientId, conversationId: m.conversationId, senderId: m.senderId, senderDeviceId: BigInt(m.senderDeviceId),
      serverTime: BigInt(m.serverTime), reason: 'blocked' as const, expiresAt: this.expiry(m.serverTime),
    })));
  }

  /**
   * Records the envelopes past their time to live (§8.3.1 `expired`). Call just before the relay's sweep
   * deletes them (the same `now`); returns how many expired envelopes were looked at.
   */
  async recordExpired(now: Date): Promise<number> {
    let total = 0;
    let afterId: string | undefined;
    for (;;) {
      const rows = await this.repo.expiringEnvelopes(now, EXPIRED_BATCH, afterId);
      const uncollected = await this.uncollected(rows);
      await this.repo.add(uncollected.map(({ id: _id, copy: _c, ...r }) => ({ ...r, reason: 'expired' as const, expiresAt: this.expiry(r.serverTime) })));
      total += rows.length;
      if (rows.length < EXPIRED_BATCH) return total;
      afterId = rows[rows.length - 1]?.id;
    }
  }

  /**
   * docs/PROTOCOL-devices.md D10.3: a message one device of the account collected was delivered to the person, so the
   * expired copies of its other devices record nothing. A copy is gone when its device acknowledged it (or the device
   * was removed, which deleted it unread: such a device is not counted, so the record errs towards "never delivered",
   * never towards blaming the reporter). A single-device envelope is recorded as before.
   */
  private async uncollected(rows: readonly ExpiringEnvelope[]): Promise<ExpiringEnvelope[]> {
    const copies = rows.filter((r) => r.copy !== null);
    if (!copies.length || !this.devicesAt) return [...rows];
    const waiting = await this.repo.waitingCopies(copies);
    const collected = new Set<string>();
    const decided = new Set<string>();
    for (const r of copies) {
      const key = `${r.messageId}\n${r.recipientId}`;
      if (decided.has(key)) continue;
      decided.add(key);
      const c = r.copy as NonNullable<ExpiringEnvelope['copy']>;
      const at = await this.devicesAt(r.recipientId, c.targetListVersion);
      if (!at) continue; // the list is not stored: nothing known, recorded
      const left = new Set(waiting.filter((w) => w.messageId === r.messageId && w.recipientId === r.recipientId).map((w) => w.targetDeviceId));
      // An own copy (copyKind 2) went to every device of the sender's list but the sending one.
      const expected = at.listed.filter((d) => !at.removed.includes(d) && !(c.copyKind === 2 && d === Number(r.senderDeviceId)));
      if (expected.some((d) => !left.has(d))) collected.add(key);
    }
    return rows.filter((r) => r.copy === null || !collected.has(`${r.messageId}\n${r.recipientId}`));
  }

  /** §8.3.1: one ContextGap per run of missing sequence numbers, from the reporter's undelivered records. */
  async explainGaps(reporterId: string, context: ContextReport, verified: readonly ContextEntry[]): Promise<ContextGap[]> {
    const revealed = new Set(verified.map((e) => e.stamp.messageId));
    const gaps: ContextGap[] = [];
    for (const s of context.senders) {
      if (s.missing.length === 0) continue;
      // The chain's own entries: a chain without senderDeviceId is device 1's (headers of versions 1/2, D10.3).
      const device = s.senderDeviceId ?? 1;
      const bySeq = new Map<number, ContextEntry>();
      for (const e of verified)
        if (e.header.conversationId === s.conversationId && e.header.senderId === s.senderId && headerDeviceId(e.header) === device && !bySeq.has(e.header.seq)) bySeq.set(e.header.seq, e);
      for (const [fromSeq, toSeq] of gapRuns(s.missing)) {
        const before = bySeq.get(fromSeq - 1);
        const after = bySeq.get(toSeq + 1);
        const count = toSeq - fromSeq + 1;
        let blocked = 0;
        let expired = 0;
        if (before && after) {
          const t0 = Math.min(before.stamp.serverTime, after.stamp.serverTime);
          const t1 = Math.max(before.stamp.serverTime, after.stamp.serverTime);
          const records = await this.repo.between({ recipientId: reporterId, conversationId: s.conversationId, senderId: s.senderId, senderDeviceId: BigInt(device), from: BigInt(t0), to: BigInt(t1) });
          for (const r of records) {
            if (revealed.has(r.messageId)) continue;
            if (r.reason === 'blocked') blocked++;
            else if (r.reason === 'expired') expired++;
          }
        }
        const refusedWhileBlocked = Math.min(blocked, count);
        const expiredUndelivered = Math.min(expired, count - refusedWhileBlocked);
        gaps.push({
          conversationId: s.conversationId, senderId: s.senderId, ...(s.senderDeviceId !== undefined && { senderDeviceId: s.senderDeviceId }), fromSeq, toSeq, count,
          refusedWhileBlocked, expiredUndelivered, notIncluded: count - refusedWhileBlocked - expiredUndelivered,
        });
      }
    }
    return gaps;
  }

  sweep(now: Date): Promise<number> {
    return this.repo.sweep(now);
  }
}

/** [1,2,3,5] → [[1,3],[5,5]]. */
export function gapRuns(seqs: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const n of [...seqs].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last[1] === n - 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}
