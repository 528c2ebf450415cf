// One franking, many seals — a send the relay refused with `device_mismatch` (docs/PROTOCOL-devices.md D11.2 step 4,
// D13.4): the pure plan from the answer and the lists the caller refreshed and verified (which copies to add, drop and
// seal again), and the same franked message with the plan's copies, ready to send again.
import { equalBytes, fromBase64Url } from '../crypto/_bytes.ts';
import { type CopyKind, type ListView, listViewOf } from './copy-ad.ts';
import { DeviceError } from './errors.ts';
import { type CopyTarget, type FanOutSend, type SealedCopy, type SessionForTarget, sealFor, sessionOf } from './fanout.ts';
import type { VerifiedDeviceList } from './verify-list.ts';

/** D11.2 step 4: a send is refused with `device_mismatch` at most this many times in a row, then `devices_unsettled`. */
export const MAX_DEVICE_MISMATCH_ROUNDS = 3;

/** One account of a D13.4 `device_mismatch` answer. */
export interface DeviceMismatchAccount {
  readonly accountId: string;
  readonly listVersion: number;
  /** base64url (as on the wire) or bytes. */
  readonly listHash: string | Uint8Array;
  readonly missing: readonly number[];
  readonly extra: readonly number[];
  readonly stale: boolean;
}

/** What to change in a refused send (D11.2 step 4): the same franked message, other copies. */
export interface DeviceMismatchPlan {
  /** The lists to state now (the verified ones the answer named, the others unchanged). */
  readonly lists: readonly [ListView, ListView];
  /** Devices of the verified lists without a copy: seal one. */
  readonly add: readonly CopyTarget[];
  /** Copies for devices no longer in a verified list: drop (never re-sent). */
  readonly drop: readonly { readonly accountId: string; readonly deviceId: number }[];
  /** Kept devices whose CopyAD changes (their account's or the sender's own stated list changed): seal again. */
  readonly reseal: readonly CopyTarget[];
}

/**
 * D11.2 step 4, pure: from a refused send, the relay's answer (D13.4) and the lists the caller refreshed and verified
 * (D5.2) for the accounts it names (`refreshed`: the new verified list per accountId), decides which copies to add,
 * drop and re-seal. `refusal` counts the refusals of this send so far, this one included (1, 2, 3, …): the third is
 * `devices_unsettled`. Each named account's verified list must be exactly the relay's current one (version and
 * hash) — otherwise the relay asks for a list verification does not reach: `ghost_device`, nothing is sent. Targets
 * come only from the verified lists; `missing`/`extra` are the relay's hint, never a target source.
 */
export function planDeviceMismatch(
  send: FanOutSend,
  answer: readonly DeviceMismatchAccount[],
  refreshed: Readonly<Record<string, VerifiedDeviceList>>,
  refusal: number,
): DeviceMismatchPlan {
  if (!Number.isInteger(refusal) || refusal < 1) throw new RangeError(`refusal: expected an integer ≥ 1, got ${refusal}`);
  if (refusal >= MAX_DEVICE_MISMATCH_ROUNDS) throw new DeviceError('devices_unsettled', `the relay refused the copies ${refusal} times in a row`);
  const [own, peer] = send.lists;
  const lists: [ListView, ListView] = [own, peer];
  const verified: [VerifiedDeviceList | null, VerifiedDeviceList | null] = [null, null];
  for (const a of answer) {
    const at = lists.findIndex((l) => l.accountId === a.accountId);
    if (at < 0) throw new DeviceError('ghost_device', `the answer names account ${a.accountId}, which this send does not address`);
    const list = refreshed[a.accountId];
    const hash = typeof a.listHash === 'string' ? fromBase64Url(a.listHash, 'listHash') : a.listHash;
    if (list === undefined || list.signed.list.accountId !== a.accountId || list.signed.list.listVersion !== a.listVersion || !equalBytes(list.listHash, hash))
      throw new DeviceError('ghost_device', `${a.accountId}'s current list (version ${a.listVersion}) is not the one its verified chain reaches`);
    verified[at] = list;
    lists[at] = listViewOf(list);
  }
  const ownChanged = !sameView(lists[0], own);
  const add: CopyTarget[] = [];
  const drop: { accountId: string; deviceId: number }[] = [];
  const reseal: CopyTarget[] = [];
  for (const at of [1, 0] as const) {
    const list = verified[at];
    if (list === null && !ownChanged) continue; // nothing new for this account, and its copies' CopyAD is unchanged
    const accountId = lists[at].accountId;
    const copyKind: CopyKind = at === 0 ? 'own' : 'recipient';
    const held = send.copies.filter((c) => c.accountId === accountId);
    if (list === null) {
      // Only the sender's own list changed: every copy of this account states the old sender list in its CopyAD.
      for (const c of held) reseal.push({ accountId, deviceId: c.deviceId, copyKind, entry: c.entry });
      continue;
    }
    const devices = list.signed.list.devices.filter((e) => !(at === 0 && e.deviceId === send.senderDeviceId));
    if (at === 0 && !list.signed.list.devices.some((e) => e.deviceId === send.senderDeviceId))
      throw new DeviceError('unknown_device', `this device (${send.senderDeviceId}) is no longer in its own account's verified list`);
    const changed = ownChanged || !sameView(lists[at], send.lists[at]);
    for (const entry of devices) {
      const target: CopyTarget = { accountId, deviceId: entry.deviceId, copyKind, entry };
      const copy = held.find((c) => c.deviceId === entry.deviceId);
      if (copy === undefined) add.push(target);
      else if (changed) reseal.push(target);
    }
    for (const c of held) if (!devices.some((e) => e.deviceId === c.deviceId)) drop.push({ accountId, deviceId: c.deviceId });
  }
  return { lists, add, drop, reseal };
}

const sameView = (a: ListView, b: ListView): boolean => a.accountId === b.accountId && a.listVersion === b.listVersion && equalBytes(a.listHash, b.listHash);

/**
 * D11.2 step 4: the send to retry — the same franked message (same clientMessageId, fk, header and c), the plan's
 * lists, copies added and re-sealed through `sessionFor`, dropped copies gone; copies ordered as fanOutTargets orders
 * them (peer devices, then own devices, each ascending). Ratchet steps spent on discarded copies are skipped message
 * numbers at the receiver (≤ MAX_SKIP, PROTOCOL-sessions.md §S8).
 */
export function applyDeviceMismatchPlan(send: FanOutSend, plan: DeviceMismatchPlan, sessionFor: SessionForTarget): FanOutSend {
  const [own, peer] = plan.lists;
  const key = (accountId: string, deviceId: number) => `${accountId}#${deviceId}`;
  const out = new Map<string, SealedCopy>(send.copies.map((c) => [key(c.accountId, c.deviceId), c]));
  for (const d of plan.drop) out.delete(key(d.accountId, d.deviceId));
  const targets = [...plan.reseal, ...plan.add];
  const sessions = targets.map((t) => sessionOf(t, sessionFor));
  for (const [i, t] of targets.entries()) out.set(key(t.accountId, t.deviceId), sealFor(send.franked, send.senderId, send.senderDeviceId, own, peer, t, sessions[i]!));
  const rank = (c: SealedCopy) => (c.accountId === peer.accountId ? 0 : 1);
  const copies = [...out.values()].sort((a, b) => rank(a) - rank(b) || a.deviceId - b.deviceId);
  return { ...send, lists: [own, peer], copies };
}
