// Leaf kind `device-list` of the key log (docs/PROTOCOL-devices.md D7.1): key bytes u64 listVersion ‖ listHash
// (40 bytes). Appended only on the way in, as the next version of the account's newest `device-list` leaf (D7.2).
import { ConflictError } from '../../errors.ts';

// The leaf key's encoding is the SDK's, so server and clients cannot disagree about it.
export {
  DEVICE_LIST_KEY_LENGTH, deviceListBindingKey as deviceListLeafKey, KIND_DEVICE_LIST, parseDeviceListBindingKey as parseDeviceListLeafKey,
} from '../../../client/transparency/index.ts';

/** The log's newest `device-list` leaf of the account is not the version a list names as its previous one (D6.4, D7.2). */
export class DeviceListConflict extends ConflictError {
  constructor(accountId: string, listVersion: number) {
    super('device_list_conflict', `version ${listVersion} of ${accountId}'s device list is not the next version of the logged list`);
  }
}
