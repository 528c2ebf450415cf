// The key transparency log, its signing key and witnesses (docs/TRANSPARENCY.md).
export { TransparencyService, type KeyProofJson } from './log.ts';
export { type BindingRequest, KeyLogConflict } from './log-append.ts';
export { DEVICE_LIST_KEY_LENGTH, DeviceListConflict, deviceListLeafKey, KIND_DEVICE_LIST, parseDeviceListLeafKey } from './device-list.ts';
export { type LogSigner, loadLogSigner, logSignerFromSeed, parseWitnesses, witnessIdText } from './signer.ts';
export { nodeSha256 } from './hash.ts';
