// Per-account quota on undelivered bytes (docs/API.md "Undelivered quota"): what one sender's messages occupy on
// the server until their recipients fetch them (up to ENVELOPE_TTL, 30 days) — 1:1 envelopes and group
// messages alike. Over the quota a send is refused with 429 `undelivered_quota_exceeded`, carrying the limit and
// the pending bytes; it passes again as recipients come online and acknowledge.
//
// Exact, under concurrency and across processes (docs/SCALING.md "Quotas"): the database is the truth. Each
// write that adds undelivered bytes calls `admit` inside its own transaction, which locks the senders, measures
// what they have pending and refuses what does not fit — so measure and insert are one atomic step.
import type { EnvelopeUsageRepo, Tx } from '../../data/envelope-usage.ts';
import { RateLimitError } from '../../errors.ts';

/** How long a refused sender should wait before retrying (recipients have to come online first). */
const RETRY_AFTER_S = 5;

export class EnvelopeQuota {
  constructor(
    private readonly repo: EnvelopeUsageRepo,
    readonly limitBytes: number,
  ) {}

  get enabled(): boolean {
    return this.limitBytes > 0;
  }

  private refusal(pendingBytes: number): RateLimitError {
    return new RateLimitError(
      'undelivered_quota_exceeded',
      `${pendingBytes} bytes of your messages are still waiting for their recipients; the limit is ${this.limitBytes}. ` +
        'Sending works again as they come online and fetch them.',
      { extra: { limitBytes: this.limitBytes, pendingBytes, retryAfterSeconds: RETRY_AFTER_S } },
    );
  }

  /**
   * Inside the transaction that will insert `sends` (in this order): returns, per send, null when it fits under
   * its sender's quota (and counts it for the later sends of this batch) or the error to refuse it with.
   */
  async admit(tx: Tx, sends: ReadonlyArray<{ senderId: string; bytes: number }>, now = new Date()): Promise<Array<RateLimitError | null>> {
    if (!this.enabled || sends.length === 0) return sends.map(() => null);
    const pending = await this.repo.lockAndMeasure(tx, sends.map((s) => s.senderId), now);
    return sends.map((s) => {
      const used = pending.get(s.senderId) ?? 0;
      if (used + s.bytes > this.limitBytes) return this.refusal(used);
      pending.set(s.senderId, used + s.bytes);
      return null;
    });
  }

  /** One write by one sender: throws the refusal (rolling the transaction back) unless it fits. */
  async admitOne(tx: Tx, senderId: string, bytes: number, now = new Date()): Promise<void> {
    const [e] = await this.admit(tx, [{ senderId, bytes }], now);
    if (e) throw e;
  }
}
