// Own-device monitoring (docs/PROTOCOL-devices.md D7.4): every `device-list` leaf the key log holds for this device's
// own account is either one of the account's devices changing the list — a notice, shown in plain words with the
// signer, and the pin moves on — or something no device of the account did: an alarm. The monitor of
// docs/TRANSPARENCY.md §6.3 (`monitorOwnKeys` with `ownDeviceLists`) finds the leaves by scanning the whole log; this
// file decides what each one means against the pinned chain and the lists the server serves for them.
import { toBase64Url } from '../crypto/_bytes.ts';
import type { CryptoProvider } from '../crypto/index.ts';
import type { ForeignKeyAlarm } from '../transparency/monitor.ts';
import { parseDeviceListBindingKey } from '../transparency/leaf.ts';
import { diffDeviceLists } from './changes.ts';
import { DeviceListError } from './errors.ts';
import { type DeviceListProofChecker, type DeviceListSource, fetchVerifiedDeviceLists } from './fetch-lists.ts';
import { type PinnedDeviceList, pinnedVerifiedList, type VerifiedDeviceList } from './verify-list.ts';

/** One change an own device (or the recovery kit) made: shown as a notice, never as an alarm. */
export interface OwnDeviceNotice {
  readonly listVersion: number;
  readonly leafIndex: number;
  /** server time the leaf was logged (ms since the Unix epoch) */
  readonly loggedAt: number;
  readonly signer: { readonly kind: 'device'; readonly deviceId: number } | { readonly kind: 'recovery' };
  readonly added: readonly number[];
  readonly removed: readonly number[];
  readonly rotated: readonly number[];
  readonly recoveryKeyChanged: boolean;
}

export const OWN_DEVICE_ALARM_CODES = ['device_list_unavailable', 'device_list_unsigned', 'device_list_fork', 'account_reset'] as const;
export type OwnDeviceAlarmCode = (typeof OWN_DEVICE_ALARM_CODES)[number];

/** Something no device of the account did (D7.4's alarm rows); kept until the user dismisses it. */
export interface OwnDeviceAlarm {
  readonly code: OwnDeviceAlarmCode;
  readonly leafIndex: number;
  /** the version the leaf names (null for a leaf whose key is not a device-list key at all) */
  readonly listVersion: number | null;
  /** the D5.1 code for `device_list_unsigned`, or what was missing or different */
  readonly reason: string;
}

export interface OwnDeviceCheck {
  /** the new pin (the old one when nothing verified) */
  readonly pinned: PinnedDeviceList;
  readonly notices: readonly OwnDeviceNotice[];
  readonly alarms: readonly OwnDeviceAlarm[];
  /** this device is not in the newest verified list: it stops sending and deletes its sessions and tokens (D7.4) */
  readonly signedOut: boolean;
}

export interface CheckOwnDeviceListsContext {
  readonly pinned: PinnedDeviceList;
  /** this device's id */
  readonly deviceId: number;
  readonly source: DeviceListSource;
  readonly logClient: DeviceListProofChecker;
  readonly crypto?: CryptoProvider;
}

const UNSIGNED = new Set<string>(['malformed', 'version_not_next', 'prev_mismatch', 'kind_mismatch', 'not_a_signer', 'bad_signature', 'entry_changed', 'device_id_reused', 'bad_cosignature', 'too_many_devices', 'wrong_account']);

/**
 * D7.4 for the `device-list` leaves one monitoring pass found (in log order). Decides, in this order:
 * 1. a leaf whose key is not `u64 version ‖ listHash`, or a revoke: `device_list_unsigned` (`malformed`, `revoke`);
 * 2. two leaves for one version, a leaf for a pinned version with another hash, or new versions that do not continue
 *    the pin one by one (a skipped version): `device_list_fork` — the other leaves are not used;
 * 3. the new versions are fetched and proven (`fetchVerifiedDeviceLists` from the pin): a D5.1 refusal is
 *    `device_list_unsigned` with its code, anything else that keeps a logged version from verifying (not served,
 *    served with another hash, a proof refused) is `device_list_unavailable`;
 * 4. each verified new version is a notice with its signer and changes; a reset is also `account_reset`; when this
 *    device is not in the newest verified list, `signedOut`.
 */
export async function checkOwnDeviceLists(leaves: readonly ForeignKeyAlarm[], ctx: CheckOwnDeviceListsContext): Promise<OwnDeviceCheck> {
  const { pinned } = ctx;
  const alarms: OwnDeviceAlarm[] = [];
  const byVersion = new Map<number, Array<{ leafIndex: number; hash: string; loggedAt: number }>>();
  for (const l of leaves) {
    const k = parseDeviceListBindingKey(l.binding.key);
    if (l.binding.accountId !== pinned.accountId) continue;
    if (k === null) {
      alarms.push({ code: 'device_list_unsigned', leafIndex: l.leafIndex, listVersion: null, reason: 'malformed' });
      continue;
    }
    if (l.binding.action !== 'publish') {
      alarms.push({ code: 'device_list_unsigned', leafIndex: l.leafIndex, listVersion: k.listVersion, reason: 'revoke' });
      continue;
    }
    const at = byVersion.get(k.listVersion) ?? [];
    at.push({ leafIndex: l.leafIndex, hash: toBase64Url(k.listHash), loggedAt: l.binding.timestamp });
    byVersion.set(k.listVersion, at);
  }
  const fresh: Array<{ version: number; leafIndex: number; hash: string; loggedAt: number }> = [];
  for (const [version, at] of [...byVersion].sort((a, b) => a[0] - b[0])) {
    const first = at[0] as (typeof at)[number];
    if (at.length > 1) {
      for (const dup of at.slice(1)) alarms.push({ code: 'device_list_fork', leafIndex: dup.leafIndex, listVersion: version, reason: `a second leaf for version ${version}` });
      continue;
    }
    if (version <= pinned.listVersion) {
      // Our own submission (or one pinned through a peer's copy) logged before this pass saw it: expected when equal.
      if (pinned.listHashes[version - 1] !== first.hash) alarms.push({ code: 'device_list_fork', leafIndex: first.leafIndex, listVersion: version, reason: `another list for pinned version ${version}` });
      continue;
    }
    fresh.push({ version, ...first });
  }
  if (alarms.some((a) => a.code === 'device_list_fork') || fresh.length === 0) return { pinned, notices: [], alarms, signedOut: false };
  for (const [i, f] of fresh.entries()) {
    if (f.version !== pinned.listVersion + 1 + i) {
      alarms.push({ code: 'device_list_fork', leafIndex: f.leafIndex, listVersion: f.version, reason: `version ${pinned.listVersion + 1 + i} was skipped` });
      return { pinned, notices: [], alarms, signedOut: false };
    }
  }

  let verified: readonly VerifiedDeviceList[];
  let next: PinnedDeviceList;
  try {
    const r = await fetchVerifiedDeviceLists(ctx.source, ctx.logClient, pinned.accountId, pinned, ctx.crypto ? { crypto: ctx.crypto } : {});
    verified = r.verified;
    next = r.pinned;
  } catch (e) {
    const first = fresh[0] as (typeof fresh)[number];
    if (e instanceof DeviceListError && UNSIGNED.has(e.code)) alarms.push({ code: 'device_list_unsigned', leafIndex: first.leafIndex, listVersion: first.version, reason: e.code });
    else alarms.push({ code: 'device_list_unavailable', leafIndex: first.leafIndex, listVersion: first.version, reason: e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e) });
    return { pinned, notices: [], alarms, signedOut: false };
  }

  const notices: OwnDeviceNotice[] = [];
  let previous = pinnedVerifiedList(pinned, ctx.crypto);
  for (const f of fresh) {
    const v = verified.find((x) => x.signed.list.listVersion === f.version);
    if (v === undefined) {
      alarms.push({ code: 'device_list_unavailable', leafIndex: f.leafIndex, listVersion: f.version, reason: `the server does not serve logged version ${f.version}` });
      break;
    }
    if (toBase64Url(v.listHash) !== f.hash) {
      alarms.push({ code: 'device_list_unavailable', leafIndex: f.leafIndex, listVersion: f.version, reason: `the server serves another list for logged version ${f.version}` });
      break;
    }
    const list = v.signed.list;
    const signer = v.signed.signerKind === 'recovery' ? { kind: 'recovery' as const } : { kind: 'device' as const, deviceId: v.signed.signerDeviceId };
    const change = diffDeviceLists(previous.signed.list, list);
    notices.push({ listVersion: f.version, leafIndex: f.leafIndex, loggedAt: f.loggedAt, signer, ...change });
    if (list.kind === 'reset') alarms.push({ code: 'account_reset', leafIndex: f.leafIndex, listVersion: f.version, reason: 'the account was reset: a new identity under the same account id' });
    previous = v;
  }
  const signedOut = !pinnedVerifiedList(next, ctx.crypto).signed.list.devices.some((d) => d.deviceId === ctx.deviceId);
  return { pinned: next, notices, alarms, signedOut };
}
