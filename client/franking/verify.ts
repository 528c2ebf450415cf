// The moderation service's check of one revealed message (docs/PROTOCOL.md §8.2). Checks run in a fixed
// order — cheapest and most fundamental first, plaintext last — and the first failure is the verdict:
//   1 malformed  2 not_a_party  3 unknown_key / retired_key  4 stamp_invalid (MAC, or time outside the key's
//   stamping period)  5 outside_window
//   6 commitment_mismatch  7 malformed (committed header does not parse)  8 header_mismatch
import { concatBytes, equalBytes } from '../crypto/_bytes.ts';
import type { HmacSha256 } from '../crypto/hmac.ts';
import { nobleHmacSha256 } from '../crypto/hmac.ts';
import type { AsyncCryptoProvider } from '../crypto/provider.ts';
import { COMMITMENT_LABEL } from './labels.ts';
import { FrankingError } from './errors.ts';
import { computeCommitment } from './franking.ts';
import { type MessageHeader, decodeHeader } from './header.ts';
import type { Keyring } from './keyring.ts';
import { type ReportItem, checkReportItem, decodeReportItem } from './report-item.ts';
import { type StampCryptoOptions, checkStamp, encodeStampInput } from './stamp.ts';

export const REASON_CODES = [
  'verified',
  'malformed',
  'not_a_party',
  'unknown_key',
  'retired_key',
  'stamp_invalid',
  'outside_window',
  'commitment_mismatch',
  'header_mismatch',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
export type FailureReason = Exclude<ReasonCode, 'verified'>;

/** Plain-language meaning of each reason, for moderators and reporters. */
export const REASON_DESCRIPTIONS: Readonly<Record<ReasonCode, string>> = {
  verified: 'Verified: the named sender sent exactly this content in this conversation, at the time shown.',
  malformed: 'Not verified: the report item is not well-formed.',
  not_a_party: 'Not verified: the reporter was neither the recipient nor the sender of this message.',
  unknown_key: 'Not verified: the stamp names a server key that does not exist.',
  retired_key: 'Not verified: the stamp was made with a server key that has been retired.',
  stamp_invalid: 'Not verified: the server never issued this stamp (it does not match its metadata, or is dated outside its key\'s stamping period).',
  outside_window: 'Not verified: the message is older than the report window (or dated in the future).',
  commitment_mismatch: 'Not verified: the revealed content is not what was sent (it does not open the commitment).',
  header_mismatch: 'Not verified: the revealed header names another conversation or sender than the server recorded.',
};

/** Default report window: stamps older than this cannot be reported (keys are kept this long). */
export const DEFAULT_REPORT_WINDOW_MS = 90 * 24 * 60 * 60 * 1000;
/** Tolerated clock difference for stamps dated slightly after `now` (multi-node servers). */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** §8.2 step 4: createdAt − CLOCK_SKEW_MS ≤ serverTime < rotatedAt + CLOCK_SKEW_MS (no upper bound while active). */
export function withinStampingPeriod(serverTime: number, period: { from: number; until?: number }): boolean {
  if (serverTime < period.from - CLOCK_SKEW_MS) return false;
  return period.until === undefined || serverTime < period.until + CLOCK_SKEW_MS;
}

export type Verdict =
  | { ok: true; reason: 'verified'; header: MessageHeader }
  | { ok: false; reason: FailureReason; detail: string };

const fail = (reason: FailureReason, detail: string): Verdict => ({ ok: false, reason, detail });

/**
 * Verifies one report item for `reporterId` at time `now` (ms). Never throws on bad input: every
 * problem becomes a verdict with a stable reason code.
 */
export function verifyReportItem(
  item: ReportItem | Uint8Array,
  keyring: Keyring,
  reporterId: string,
  now: number,
  windowMs: number = DEFAULT_REPORT_WINDOW_MS,
  opts: StampCryptoOptions = {},
): Verdict {
  let it: ReportItem;
  try {
    it = item instanceof Uint8Array ? decodeReportItem(item) : item;
    if (!(item instanceof Uint8Array)) checkReportItem(it);
  } catch (e) {
    if (FrankingError.is(e) || e instanceof TypeError || e instanceof RangeError) return fail('malformed', e.message);
    throw e;
  }
  const s = it.stamp;

  // 2. The reporter must be the party the stamp was issued to: receiver binding (§10.2).
  const party = s.role === 'recipient' ? s.recipientId === reporterId : s.senderId === reporterId;
  if (!party) return fail('not_a_party', `reporter ${reporterId} is not the stamp's ${s.role}`);

  // 3–4. Authenticate the server's own record before believing any of its fields.
  const stamp = checkStamp(keyring, s, it.commitment, opts);
  if (stamp !== 'valid') return fail(stamp, stamp === 'stamp_invalid' ? 'stamp MAC does not verify' : `key ${s.kid}: ${stamp}`);
  // 4b. The server stamps only with the key active at serverTime: a time outside the kid's stamping period
  // [createdAt, rotatedAt), widened by CLOCK_SKEW_MS on both sides, was not issued by the server (§8.2 step 4).
  // Without it a leaked verify-only key would mint stamps that verify until the key is retired.
  const period = keyring.stampingPeriod(s.kid);
  if (!period || !withinStampingPeriod(s.serverTime, period))
    return fail('stamp_invalid', `stamp time lies outside the stamping period of key ${s.kid}`);

  // 5. The window is measured from the (now authenticated) server time.
  if (s.serverTime > now + CLOCK_SKEW_MS) return fail('outside_window', 'stamp is dated in the future');
  if (now - s.serverTime > windowMs) return fail('outside_window', 'stamp is older than the report window');

  // 6. Open the commitment (constant time) before using any revealed byte.
  if (!equalBytes(computeCommitment(it.fk, it.header, it.body, opts.hmac ?? opts.crypto?.hmacSha256), it.commitment))
    return fail('commitment_mismatch', 'revealed header and body do not open the commitment');

  // 7–8. Only now parse the committed header and compare it with what the server observed.
  let header: MessageHeader;
  try {
    header = decodeHeader(it.header);
  } catch (e) {
    if (FrankingError.is(e)) return fail('malformed', e.message);
    throw e;
  }
  if (header.conversationId !== s.conversationId) return fail('header_mismatch', 'header.conversationId differs from the stamp');
  if (header.senderId !== s.senderId) return fail('header_mismatch', 'header.senderId differs from the stamp');
  return { ok: true, reason: 'verified', header };
}

/**
 * verifyReportItem with its two HMACs (stamp tag, commitment) computed by an async provider (e.g. webCryptoProvider()).
 * The same checks in the same order give the same verdict: the MACs are computed first, then the synchronous
 * verifier runs over them (a MAC it asks for that was not precomputed is computed by noble).
 */
export async function verifyReportItemAsync(
  item: ReportItem | Uint8Array,
  keyring: Keyring,
  reporterId: string,
  now: number,
  windowMs: number = DEFAULT_REPORT_WINDOW_MS,
  opts: { crypto: AsyncCryptoProvider },
): Promise<Verdict> {
  let it: ReportItem | undefined;
  try {
    it = item instanceof Uint8Array ? decodeReportItem(item) : item;
  } catch {
    it = undefined; // the synchronous verifier reports it as malformed
  }
  const memo: { key: Uint8Array; input: Uint8Array; mac: Uint8Array }[] = [];
  if (it) {
    try {
      const key = keyring.verificationKey(it.stamp.kid);
      if (typeof key !== 'string') {
        const input = encodeStampInput(it.stamp, it.commitment);
        memo.push({ key, input, mac: await opts.crypto.hmacSha256(key, input) });
      }
      const n = it.header.length;
      const input = concatBytes(COMMITMENT_LABEL, Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff), it.header, it.body);
      memo.push({ key: it.fk, input, mac: await opts.crypto.hmacSha256(it.fk, input) });
    } catch {
      // malformed fields: the synchronous verifier gives the verdict
    }
  }
  const lookup: HmacSha256 = (key, ...chunks) => {
    const input = chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(...chunks);
    const hit = memo.find((m) => equalBytes(m.key, key) && equalBytes(m.input, input));
    return hit ? hit.mac : nobleHmacSha256(key, ...chunks);
  };
  return verifyReportItem(it ?? item, keyring, reporterId, now, windowMs, { hmac: lookup });
}

