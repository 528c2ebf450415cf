// Multi-device accounts (docs/PROTOCOL-devices.md): the signed device list (D4) and its verification (D5).
export {
  COPY_AD_LABEL, cosignDeviceList, decodeDeviceList, decodeSignedDeviceList, type DecodedSignedDeviceList, DEVICE_AUTH_LABEL, DEVICE_ENTRY_LENGTH,
  DEVICE_LIST_COSIGN_LABEL, DEVICE_LIST_FORMAT, DEVICE_LIST_HASH_LABEL, DEVICE_LIST_SIGN_LABEL, type DeviceEntry, type DeviceList, deviceListCosignatureInput,
  deviceListHash, deviceListSignatureInput, type DeviceListSigner, encodeDeviceList, encodeSignedDeviceList, founderKeyOf, HISTORY_MAGIC, isValidEd25519PublicKey,
  LIST_GRACE_MS, LIST_KIND_CODES, type ListKind, MAX_DEVICE_LIST_LENGTH, MAX_DEVICES, MAX_LIST_CHAIN, RECOVERY_KEY_LABEL, recoveryKeyFromKit,
  SIGNED_DEVICE_LIST_FORMAT, SIGNER_KIND_CODES, type SignDeviceListOptions, signDeviceList, type SignedDeviceList, type SignerKind, ZERO_LIST_HASH,
} from './device-list.ts';
export { DEVICE_LIST_ERROR_CODES, DeviceListError, type DeviceListErrorCode } from './errors.ts';
export {
  LIST_REFRESH_INTERVAL_MS, type ListChainResult, type ListProofVerifier, type ListRefreshTrigger, needsListRefresh, type PinnedDeviceList, pinnedVerifiedList,
  verifyListChain, type VerifiedDeviceList, verifyListStep, type VerifyListChainOptions,
} from './verify-list.ts';
export { HISTORY_ERROR_CODES, HistoryError, type HistoryErrorCode } from './errors.ts';
export {
  decodeHistoryArchive, decodeHistoryDescriptor, encodeHistoryArchive, encodeHistoryDescriptor, type HistoryArchive, type HistoryBlob, type HistoryChainEntry,
  type HistoryContact, type HistoryConversation, type HistoryDescriptor, HISTORY_DESCRIPTOR_VERSION, HISTORY_FORMAT_VERSION, HISTORY_MESSAGE_FLAGS,
  HISTORY_RECORD_TYPES, HISTORY_TRANSPORT_CODES, type HistoryMessage, type HistoryReceiveChain, type HistoryRecord, type HistoryRecordType, type HistoryTransport,
  MAX_RECEIVE_CHAIN_ENTRIES,
} from './history-codec.ts';
export { encryptHistoryArchive } from './history-export.ts';
export {
  checkHistoryDescriptor, checkHistoryMessage, decryptHistoryArchive, type HistoryDropReason, type HistoryImport, type HistoryImportContext, importHistoryRecords,
  type ImportedHistoryMessage, type ImportHistoryOptions, openHistoryArchive,
} from './history-import.ts';
export { DEVICE_ERROR_CODES, DeviceError, type DeviceErrorCode } from './errors.ts';
export {
  cosignLinkedList, diffDeviceLists, type LinkingDevice, linkDeviceList, type ListChange, type ListChangeOptions, type ListIntent, MAX_LIST_CONFLICT_RETRIES,
  type NewDeviceKeys, nextDeviceList, reapplyListIntent, recoveryDeviceList, recoveryKeyList, removeDevicesList, resetDeviceList, rotateCredentialList, withCosignature,
} from './changes.ts';
export { formatResetCode, resetCode, type ResetTarget, submitResetList } from './reset.ts';
export { checkBundleForDevice, checkPreKeyMessageSender, deviceSessionKey, listedDevice, sessionMatchesEntry, sessionStillListed } from './device-sessions.ts';
export { COPY_KIND_CODES, type CopyAdFields, type CopyKind, encodeCopyAd, legacyListView, listViewOf, type ListView } from './copy-ad.ts';
export { type CopyTarget, fanOutRequestBody, type FanOutInput, type FanOutSend, fanOutTargets, type SealedCopy, sendFanOut, type SessionForTarget } from './fanout.ts';
export { applyDeviceMismatchPlan, type DeviceMismatchAccount, type DeviceMismatchPlan, MAX_DEVICE_MISMATCH_ROUNDS, planDeviceMismatch } from './device-mismatch.ts';
export { type DeliveredFanOut, type DeliverFanOutOptions, deliverFanOut, deviceMismatchOf } from './send-copies.ts';
export {
  type CopyAlarm, type CopyAlarmCode, type CopyEnvelope, type CopyReceipt, copyViewAlarms, type OwnListLeaf, receiveCopy, type ReceiveCopyContext,
} from './receive-copy.ts';
export {
  accountSafetyNumber, accountSafetyNumberParty, CONTACT_DEVICE_LINE_TEXT, type ContactDeviceChange, type ContactDeviceChangeOptions, contactDeviceChange,
  type ContactDeviceLine, type LegacyAccountIdentity, type PinnedAccount, pinnedFounderKey,
} from '../session/safety-number.ts';
export { type DeviceListProofChecker, type DeviceListSource, fetchVerifiedDeviceLists, type FetchVerifiedDeviceListsOptions } from './fetch-lists.ts';
export {
  checkOwnDeviceLists, type CheckOwnDeviceListsContext, OWN_DEVICE_ALARM_CODES, type OwnDeviceAlarm, type OwnDeviceAlarmCode, type OwnDeviceCheck, type OwnDeviceNotice,
} from './own-devices.ts';
