// The report page's sentences about devices, resets and context gaps (docs/PROTOCOL-devices.md D6.6, D12.2, D12.3;
// docs/PROTOCOL.md §8.3.1): what the server knows, in words, never an accusation.
import type { Message, ReportDetail } from './api.ts';

export type Gap = ReportDetail['context']['gaps'][number];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "5 Dec 2026" (UTC): the day a device was linked or removed. */
export function fmtDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/**
 * Which of the sender's devices sent a message (docs/PROTOCOL-devices.md D12.3): from the verified header only (the
 * server sends null otherwise), with the server's record of when the device was linked and, if so, removed.
 */
export function describeSenderDevice(m: Message): string | null {
  const d = m.senderDevice;
  if (!d) return null;
  const linked = d.linkedAt ? `linked ${fmtDay(d.linkedAt)}` : 'the server has no record of when it was linked';
  return `sent from ${m.senderId}’s device ${d.deviceId} (${linked}${d.removedAt ? `, removed ${fmtDay(d.removedAt)}` : ''})`;
}

/**
 * D6.6: the sender's account was reset after this message (a new identity under the same account id since): the message
 * still verifies against the account, but came from the identity before the reset.
 */
export function describeSenderReset(m: Message): string | null {
  return m.senderResetAt ? `sent before ${m.senderId}’s account was reset on ${fmtDay(m.senderResetAt)} (a new identity since: the reset was an operator’s handle release)` : null;
}

/**
 * Which of the reporter's devices the message was delivered to, as the reporter's app states it, and whether the report
 * came from another of them (D12.2, D12.3: history brought over to a newer device is reportable from it).
 */
export function describeDelivery(m: Message, reporterId: string, reportedFromDeviceId: number | null | undefined): string | null {
  const to = m.deliveredToDeviceId;
  if (to === null || to === undefined) return null;
  const delivered = `delivered to ${reporterId}’s device ${to} (as stated by the reporter’s app)`;
  if (reportedFromDeviceId === null || reportedFromDeviceId === undefined || reportedFromDeviceId === to) return delivered;
  return `reported from another device than it was delivered to: ${delivered}, reported from device ${reportedFromDeviceId} (history brought over from device ${to})`;
}

/** A device chain's sender in words: "alice" for a chain without a device (version 1/2 headers), else "alice’s device 3". */
const chainSender = (c: { senderId: string; senderDeviceId?: number | undefined }) => (c.senderDeviceId === undefined ? c.senderId : `${c.senderId}’s device ${c.senderDeviceId}`);

/**
 * What a gap is, in words, from what the server knows (docs/PROTOCOL.md §8.3.1, docs/MODERATION.md "Context
 * gaps"): never an accusation. A delivery the reporter never had says so; the rest is "not included".
 */
export function describeGap(g: Gap): string {
  const range = g.fromSeq === g.toSeq ? `#${g.fromSeq}` : `#${g.fromSeq}–${g.toSeq}`;
  const parts: Array<[number, string]> = [
    [g.refusedWhileBlocked, 'not delivered to the reporter (refused while the reporter had blocked the sender)'],
    [g.expiredUndelivered, 'never delivered to the reporter (expired on the server before the reporter’s device collected it)'],
    [g.notIncluded, 'not included in the report'],
  ];
  const present = parts.filter(([n]) => n > 0);
  const what = present.length === 1 ? (present[0] as [number, string])[1] : present.map(([n, t]) => `${n} ${t}`).join('; ');
  return `${g.count} message${g.count === 1 ? '' : 's'} from ${chainSender(g)} (${range}): ${what}`;
}
