// Per-account quota on undelivered envelope bytes (issue 15): what one sender's messages occupy on the server
// until their recipients fetch them (up to ENVELOPE_TTL, 30 days). Without it one account wrote 27 MiB/s that
// stayed for a month. Over the quota a send is refused with 429 `undelivered_quota_exceeded`, carrying the
// limit and the pending bytes; it passes again as recipients come online and acknowledge.
//
// The database is the truth: the sum is read from it (Envelope(senderId) index) at most every `refreshMs` per
// sender, and this process adds what it accepted since. Several processes each add their own sends, so the
// overshoot is bounded by processes × refreshMs × send rate — a quota, not an exact meter.
import type { EnvelopeUsageRepo } from '../data/envelope-usage.ts';
import { RateLimitError } from '../errors.ts';

const CACHE_MAX = 50_000;

export class EnvelopeQuota {
  private readonly recent = new Map<string, { bytes: number; readAt: number }>();

  constructor(
    private readonly repo: EnvelopeUsageRepo,
    readonly limitBytes: number,
    private readonly refreshMs = 5_000,
  ) {}

  /** Throws unless `incomingBytes` more fit under the sender's quota; counts them when they do. 0 = no quota. */
  async admit(senderId: string, incomingBytes: number, now = Date.now()): Promise<void> {
    if (this.limitBytes <= 0) return;
    let entry = this.recent.get(senderId);
    if (!entry || now - entry.readAt > this.refreshMs) {
      entry = { bytes: await this.repo.pendingBytes(senderId, new Date(now)), readAt: now };
      if (this.recent.size >= CACHE_MAX) this.recent.clear();
      this.recent.set(senderId, entry);
    }
    // Before refusing, read the truth again: acknowledgements since the last read may have made room.
    if (entry.bytes + incomingBytes > this.limitBytes && entry.readAt !== now) {
      entry = { bytes: await this.repo.pendingBytes(senderId, new Date(now)), readAt: now };
      this.recent.set(senderId, entry);
    }
    if (entry.bytes + incomingBytes > this.limitBytes) {
      throw new RateLimitError(
        'undelivered_quota_exceeded',
        `${entry.bytes} bytes of your messages are still waiting for their recipients; the limit is ${this.limitBytes}. ` +
          'Sending works again as they come online and fetch them.',
        { extra: { limitBytes: this.limitBytes, pendingBytes: entry.bytes, retryAfterSeconds: Math.ceil(this.refreshMs / 1000) } },
      );
    }
    entry.bytes += incomingBytes;
  }
}
