// One franking, many seals (docs/PROTOCOL-devices.md D11.1): the associated data that binds each sealed copy to its
// target device and to the two lists the sender stated (`CopyAD`), and the list views a copy states. The sender
// (fanout.ts), the device-mismatch retry (device-mismatch.ts) and the receiver (receive-copy.ts) all build it here.
import { Writer } from '../crypto/_bytes.ts';
import { isValidId } from '../franking/ids.ts';
import { COPY_AD_LABEL, ZERO_LIST_HASH } from './device-list.ts';
import type { VerifiedDeviceList } from './verify-list.ts';

/** D11.1 `copyKind`: a copy to a device of the recipient account, or to one of the sender's own other devices. */
export const COPY_KIND_CODES = { recipient: 0x01, own: 0x02 } as const;
export type CopyKind = keyof typeof COPY_KIND_CODES;

/** One account's list as a copy states it (D11.1, D13.2): version and listHash; a legacy account is 0 and 32 zero bytes. */
export interface ListView {
  readonly accountId: string;
  readonly listVersion: number;
  readonly listHash: Uint8Array;
}

/** The view a sender states for a verified list. */
export function listViewOf(list: VerifiedDeviceList): ListView {
  return { accountId: list.signed.list.accountId, listVersion: list.signed.list.listVersion, listHash: list.listHash };
}

/** D11.1, D17.2: the stated view of an account without a device list. */
export function legacyListView(accountId: string): ListView {
  return { accountId, listVersion: 0, listHash: ZERO_LIST_HASH };
}

/** The fields of D11.1 `CopyAD`, in order. */
export interface CopyAdFields {
  readonly senderId: string;
  readonly senderDeviceId: number;
  readonly targetAccountId: string;
  readonly targetDeviceId: number;
  readonly copyKind: CopyKind;
  readonly senderListVersion: number;
  readonly senderListHash: Uint8Array;
  readonly targetListVersion: number;
  readonly targetListHash: Uint8Array;
}

const isU32Device = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 0xffff_ffff;
const isU64 = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * D11.1: `COPY_AD_LABEL ‖ id senderId ‖ u32 senderDeviceId ‖ id targetAccountId ‖ u32 targetDeviceId ‖ u8 copyKind ‖
 * u64 senderListVersion ‖ fixed<32> senderListHash ‖ u64 targetListVersion ‖ fixed<32> targetListHash`.
 * TypeError / RangeError for fields outside their types (ids per PROTOCOL.md §2, device ids 1..2^32−1).
 */
export function encodeCopyAd(f: CopyAdFields): Uint8Array {
  if (!isValidId(f.senderId)) throw new TypeError('senderId: expected id matching [A-Za-z0-9._:-]{1,64}');
  if (!isValidId(f.targetAccountId)) throw new TypeError('targetAccountId: expected id matching [A-Za-z0-9._:-]{1,64}');
  if (!isU32Device(f.senderDeviceId)) throw new RangeError(`senderDeviceId: expected u32 ≥ 1, got ${f.senderDeviceId}`);
  if (!isU32Device(f.targetDeviceId)) throw new RangeError(`targetDeviceId: expected u32 ≥ 1, got ${f.targetDeviceId}`);
  const kind = COPY_KIND_CODES[f.copyKind];
  if (kind === undefined) throw new TypeError(`copyKind: expected 'recipient' or 'own', got ${String(f.copyKind)}`);
  if (!isU64(f.senderListVersion)) throw new RangeError(`senderListVersion: expected u64, got ${f.senderListVersion}`);
  if (!isU64(f.targetListVersion)) throw new RangeError(`targetListVersion: expected u64, got ${f.targetListVersion}`);
  return new Writer(COPY_AD_LABEL.length + 1 + f.senderId.length + 4 + 1 + f.targetAccountId.length + 4 + 1 + 2 * (8 + 32))
    .raw(COPY_AD_LABEL)
    .ascii8(f.senderId)
    .u32(f.senderDeviceId)
    .ascii8(f.targetAccountId)
    .u32(f.targetDeviceId)
    .u8(kind)
    .u64(f.senderListVersion)
    .fixed(f.senderListHash, 32, 'senderListHash')
    .u64(f.targetListVersion)
    .fixed(f.targetListHash, 32, 'targetListHash')
    .finish();
}

/** D11.1: the CopyAD of a copy of a message sent by (senderId, senderDeviceId) stating `own` and `peer` lists. */
export function copyAdFor(senderId: string, senderDeviceId: number, own: ListView, peer: ListView, target: { readonly accountId: string; readonly deviceId: number; readonly copyKind: CopyKind }): Uint8Array {
  const targetView = target.copyKind === 'own' ? own : peer;
  return encodeCopyAd({
    senderId,
    senderDeviceId,
    targetAccountId: target.accountId,
    targetDeviceId: target.deviceId,
    copyKind: target.copyKind,
    senderListVersion: own.listVersion,
    senderListHash: own.listHash,
    targetListVersion: targetView.listVersion,
    targetListHash: targetView.listHash,
  });
}
