// "Last active" on the Linked devices page (docs/PROTOCOL-devices.md D8.3): the server's coarse time of each own
// device's last request or push socket (GET /v1/me/devices/activity), shown by the day only. This device is the one
// reading the page, so it is "now" without asking.
import type { ApiClient } from '@franking-chat/sdk';

/** deviceId → the start of the 10-minute window it was last seen in (ISO), or null: not seen since the server records it. */
export type LastSeen = ReadonlyMap<number, string | null>;

/** This account's devices' last activity, or null when the server could not say (the page then shows none). */
export async function readLastSeen(api: Pick<ApiClient, 'deviceActivity'>): Promise<LastSeen | null> {
  try {
    return new Map((await api.deviceActivity()).map((d) => [d.deviceId, d.lastSeenAt]));
  } catch {
    return null;
  }
}

const DAY_MS = 86_400_000;
/** Midnight of `t`'s day in this browser's time zone (what "today" means to the person reading). */
const dayStart = (t: Date) => new Date(t.getFullYear(), t.getMonth(), t.getDate()).getTime();

/**
 * The words after "Last active: ": "now" for this device (already marked "this device"); for another, "today", "yesterday" or
 * the day ("3 Dec 2026"), never the time of day (D8.3: coarse on purpose); "not yet" when the server has not seen it.
 */
export function lastActiveText(lastSeenAt: string | null | undefined, thisDevice: boolean, now: Date = new Date()): string {
  if (thisDevice) return 'now';
  if (!lastSeenAt) return 'not yet';
  const seen = new Date(lastSeenAt);
  if (Number.isNaN(seen.getTime())) return 'not yet';
  // Days apart by calendar day, not by 24 h; a time ahead of this browser's clock (skew) counts as today.
  const days = Math.round((dayStart(now) - dayStart(seen)) / DAY_MS);
  if (days <= 0) return 'today';
  if (days === 1) return 'yesterday';
  return seen.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
}
