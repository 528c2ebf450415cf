// Leaf kind `device-list` of the key log (docs/PROTOCOL-devices.md D7.1): key bytes u64 listVersion ‖ listHash
// (40 bytes). Appended only on the way in, as the next version of the account's newest `device-list` leaf (D7.2).
import { ConflictError } from '../../errors.ts';

export const KIND_DEVICE_LIST = 'device-list';
export const DEVICE_LIST_KEY_LENGTH = 40;

/** u64 listVersion ‖ listHash (D7.1). */
export function deviceListLeafKey(listVersion: number, listHash: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(listVersion) || listVersion < 1) throw new RangeError('listVersion must be a positive safe integer');
  if (listHash.length !== 32) throw new RangeError('listHash must be 32 bytes');
  const out = new Uint8Array(DEVICE_LIST_KEY_LENGTH);
  new DataView(out.buffer).setBigUint64(0, BigInt(listVersion));
  out.set(listHash, 8);
  return out;
}

/** The version and hash a `device-list` leaf names (null when the key is not 40 bytes or the version exceeds 2^53). */
export function parseDeviceListLeafKey(key: Uint8Array): { listVersion: number; listHash: Uint8Array } | null {
  if (key.length !== DEVICE_LIST_KEY_LENGTH) return null;
  const v = new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(0);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { listVersion: Number(v), listHash: key.slice(8) };
}

/** The log's newest `device-list` leaf of the account is not the version a list names as its previous one (D6.4, D7.2). */
export class DeviceListConflict extends ConflictError {
  constructor(accountId: string, listVersion: number) {
    super('device_list_conflict', `version ${listVersion} of ${accountId}'s device list is not the next version of the logged list`);
  }
}
