/**
 * The client SDK (package export "."): franking, report items and context analysis, identities and prekeys,
 * X3DH + Double Ratchet sessions carrying franked messages, MLS groups (RFC 9420: one franked message, encrypted
 * once for the whole group, its commitment in the MLS authenticated data), key-committing attachments, key
 * transparency, and the typed HTTP client and push channel of the reference server. Runs unchanged in browsers
 * and Node.
 * Guide: docs/SDK.md; byte-exact protocol: docs/PROTOCOL.md and docs/PROTOCOL-sessions.md.
 *
 * @packageDocumentation
 * @module \@franking-chat/sdk
 */
export {
  type Aead,
  type AttachmentDescriptor,
  type ChainObservation,
  type ContextEntry,
  type ContextIssue,
  type ContextReport,
  type Expectation,
  FRANKING_ERROR_CODES,
  type FailureReason,
  type FrankInput,
  type FrankOptions,
  type FrankedMessage,
  FrankingError,
  type FrankingErrorCode,
  type HmacSha256,
  type MessageHeader,
  type OpenedMessage,
  REASON_CODES,
  REASON_DESCRIPTIONS,
  type RandomBytes,
  type ReasonCode,
  ReceiveChain,
  ReceiveChains,
  type ReportItem,
  type ReportItemJson,
  type Role,
  type SenderChainState,
  type SenderContext,
  SenderChain,
  type Stamp,
  type StampFields,
  type StampJson,
  type Verdict,
  analyzeContext,
  describeSenderContext,
  isProtocolContentType,
  PROTOCOL_CONTENT_TYPES,
  frankMessage,
  frankMessageAsync,
  frankingAssociatedData,
  fromBase64Url,
  openFranked,
  openFrankedAsync,
  openFrankedPayload,
  reportItemFromJson,
  reportItemToJson,
  sealFranked,
  toBase64Url,
  xchacha20poly1305Aead,
} from './protocol.ts';
// Crypto providers: pure-JS noble (default), WebCrypto (async, per-primitive detection); node:crypto via "./crypto/node".
export {
  type AsyncCryptoProvider,
  type CryptoProvider,
  LowOrderError,
  type PrimitiveName,
  type X25519KeyHandle,
  asAsyncProvider,
  defaultCryptoProvider,
  detectWebCrypto,
  nobleCryptoProvider,
  setDefaultCryptoProvider,
  webCryptoProvider,
} from './crypto/index.ts';
// Sessions: device identity, prekeys, X3DH + Double Ratchet carrying franked messages (docs/PROTOCOL-sessions.md).
export {
  type IdentityKeyPair,
  type PublicIdentity,
  deserializeIdentity,
  generateIdentity,
  publicIdentity,
  serializeIdentity,
  signWithIdentity,
  verifyWithIdentity,
} from './session/index.ts';
export {
  type FetchedPreKeyBundle,
  type OneTimePreKeyJson,
  type OneTimePreKeyRecord,
  type PreKeyBundle,
  PreKeyStore,
  SIGNED_PREKEY_ROTATION_MS,
  type SignedPreKeyJson,
  type SignedPreKeyRecord,
  type VerifiedPreKeyBundle,
  type X25519KeyPair,
  decodeFetchedPreKeyBundle,
  signedPreKeySignatureInput,
  verifySignedPreKey,
} from './session/index.ts';
export { type SafetyNumberParty, formatSafetyNumber, safetyNumber } from './session/index.ts';
export {
  type FrankedEnvelope,
  type FrankedReceipt,
  type FrankingFailure,
  type ReceiveFrankedOptions,
  Session,
  type SessionCipherVersion,
  type SessionRole,
  type SessionOptions,
  decodeFrankedEnvelope,
  encodeFrankedEnvelope,
  isPreKeyMessage,
} from './session/index.ts';
export { SESSION_ERROR_CODES, SessionError, type SessionErrorCode } from './session/index.ts';
// The session record of one peer: current and archived sessions, simultaneous initiation (docs/PROTOCOL-sessions.md §S16).
export {
  MAX_PREVIOUS_SESSIONS,
  type ReceiveWithRecordContext,
  type SessionRecord,
  type SessionRecordReceipt,
  currentRemoteIdentity,
  currentSession,
  initiatedSessionRecord,
  keepsOwnInitiation,
  receiveWithSessionRecord,
  withCurrentSession,
} from './session/index.ts';
// Attachments: key-committing chunked encryption (docs/PROTOCOL.md §11).
export {
  ATTACHMENT_ERROR_CODES,
  AttachmentDecryptor,
  AttachmentEncryptor,
  type AttachmentEngineName,
  AttachmentError,
  type AttachmentErrorCode,
  type AttachmentSecrets,
  type ByteSource,
  type EncryptedAttachment,
  type EncryptingAttachment,
  type EncryptOptions,
  type EngineOptions,
  attachmentDigest,
  decryptAttachment,
  decryptAttachmentToBytes,
  encryptAttachment,
  encryptAttachmentToBytes,
} from './protocol.ts';
export { type TransferTarget, downloadAttachment, downloadAttachmentStream, uploadAttachment, uploadReportEvidence } from './transport/index.ts';
// Groups on MLS (RFC 9420) with franking in the authenticated data (docs/PROTOCOL.md §12).
export {
  CREDENTIAL_LABEL,
  type CredentialKeyPair,
  EPOCH_TAG_LABEL,
  GROUP_AD_LABEL,
  GROUP_AD_LENGTH,
  GROUP_CIPHERSUITE,
  GROUP_CIPHERSUITE_ID,
  GROUP_ERROR_CODES,
  type GeneratedKeyPackage,
  GroupError,
  type GroupErrorCode,
  type GroupEvent,
  type GroupIdentity,
  type GroupMember,
  type GroupMessageReceived,
  type GroupOptions,
  type GroupRoles,
  type GroupSent,
  type GroupWireInfo,
  type IdentityResolver,
  type MemberCredential,
  type MemberRole,
  type MembershipChange,
  MlsGroup,
  type PendingCommit,
  ROLES_EXTENSION_TYPE,
  type RosterChange,
  credentialBindingInput,
  decodeGroupAd,
  decodeKeyPackageMessage,
  decodeMemberCredential,
  decodeRoles,
  encodeGroupAd,
  encodeMemberCredential,
  encodeRoles,
  epochTag,
  generateCredentialKey,
  generateGroupKeyPackage,
  groupIdOf,
  inspectGroupWire,
  keyPackageRef,
  type KeyPackageClaim,
  type ProvenKeyPackage,
  verifyClaimedKeyPackage,
} from './group/index.ts';
// Groups with devices (docs/PROTOCOL-devices.md D14): version 2 credentials, leaves checked against the verified
// device list, the people view, device sync, and one key package per device of a claim.
export {
  DEVICE_SYNC_AD_VERSION, type DeviceCredential, type DeviceKeyPackageClaim, type DeviceListResolver, type DeviceListWant, type DeviceProvenKeyPackage,
  type DeviceRef, type DeviceSyncEntry, type GroupPerson, type LeafCredential, type LeafRefusal, type LeafVerdict, decodeDeviceCredential, decodeDeviceSyncAd,
  decodeLeafCredential, encodeDeviceCredential, encodeDeviceSyncAd, verifyClaimedDevicePackages, verifyDeviceLeaf,
} from './group/index.ts';
// Typed HTTP client, login signatures and the push channel (docs/API.md).
export {
  type Account,
  ApiClient,
  type ApiClientOptions,
  ApiError,
  type InvokeInput,
  type InvokeOptions,
  invoke,
  type Challenge,
  type ChallengeBody,
  type ConversationJson,
  type CreateConversationBody,
  type EnvelopeJson,
  type FetchedBundleJson,
  type ClaimedKeyPackageJson,
  type GroupInboxItemJson,
  type GroupSendBody,
  type GroupSent as GroupSentJson,
  type KeyPackageCountJson,
  type NoticeJson,
  type Ok,
  type PowPayloadJson,
  type Problem,
  type PublishBundleBody,
  type PublishedBundle,
  type RegisterBody,
  type Registered,
  type RegistrationInfoJson,
  type RegistrationProof,
  type ReportAttachmentJson,
  type ReportCategory,
  type ReportDetailJson,
  type ReportSummaryJson,
  type RosterJson,
  type SendBody,
  type SendCopiesBody,
  type Sent,
  type SubmitReportBody,
  type Token, type DeviceActivityJson, type DeviceListsJson, type DeviceListAcceptedJson, type FetchedDeviceBundleJson, type LinkChannelCreatedJson, type LinkChannelJoinedJson, type LinkFramesJson,
  type TokenBody,
} from './transport/index.ts';
export {
  AUTH_LABEL, REGISTER_LABEL, authSignatureInput, deviceAuthSignatureInput, registerSignatureInput, signChallenge, signDeviceChallenge, signRegistration,
} from './transport/index.ts';
export { PushChannel, type PushChannelOptions, type PushState, type WebSocketFactory, type WebSocketLike } from './transport/index.ts';
// The contract's zod schemas that the HTTP client's JSON types above are derived from (z.input / z.output), by type
// only: validate with the schemas themselves from the "./contract" entry point.
export type {
  AccountResponse,
  ChallengeRequest,
  ChallengeResponse,
  Conversation,
  CreateConversationRequest,
  Envelope,
  FetchedBundle,
  NoticeList,
  OkResponse,
  PublishBundleRequest,
  PublishBundleResponse,
  RegisterRequest,
  RegisterResponse,
  ReportAttachmentList,
  ReportDetail,
  ReportSummary,
  RosterResponse,
  SendCopiesRequest,
  SendRequest,
  SendResponse,
  ClaimedKeyPackage,
  GroupAckRequest,
  GroupAckResponse,
  GroupInboxResponse,
  GroupSendRequest,
  GroupSendResponse,
  KeyPackageCount,
  PublishKeyPackagesRequest,
  SubmitReportRequest,
  TokenRequest,
  TokenResponse,
  ProblemSchema,
} from './transport/contract/index.ts';
// The operations the HTTP client sends (plain data: method, path, auth, named errors) and the error codes it may
// meet; their schemas are in the "./contract" entry point.
export { endpoints, ERROR_CODES } from './transport/contract/index.ts';
export type {
  ApiErrorCode, AuthKind, ClientErrorCode, EndpointId, ErrorCode, HttpMethod, Operation, OperationHead, OperationInput, OperationOutput, OperationSchemas,
  RateLimitName,
} from './transport/contract/index.ts';
// Key transparency: verify every fetched key against the public key log, monitor your own keys, gossip, witnesses,
// audit (docs/TRANSPARENCY.md).
export {
  type AuditProblem, type AuditReport, type AuditState, auditLog, auditStateFromJson,
  type Cosignature, type CosignatureJson, cosign, cosignatureFromJson, cosignatureToJson, requireCosignatures, verifyCosignature, type WitnessKey, witnessKeyId,
  decodeGossip, encodeGossip, KT_GOSSIP_CONTENT_TYPE,
  type GossipVerdict, type HeadStore, type KeyProof, MemoryHeadStore, type ProvenBinding, TransparencyClient, type TransparencyClientOptions,
  HttpLogSource, keyProofFromJson, type LogEntry, type LogSource,
  ACTION_CODES, type BindingAction, decodeLeaf, encodeLeaf, identityBindingKey, deviceListBindingKey, DEVICE_LIST_KEY_LENGTH, KIND_DEVICE_LIST, parseDeviceListBindingKey, KIND_IDENTITY, KIND_MLS_CREDENTIAL, type KeyBinding,
  consistencyProof, Frontier, hashLeaf, inclusionProof, MerkleTree, type Sha256, type SubtreeSource, verifyConsistency, verifyInclusion,
  type ForeignKeyAlarm, initialMonitorState, monitorOwnKeys, type MonitorResult, type MonitorState, type PublishedKey,
  type FetchedIdentity, type PresentedIdentity, verifyPresentedIdentity,
  logKeyId, type SignedTreeHead, type SignedTreeHeadJson, treeHeadFromJson, treeHeadToJson, type TreeHead, verifyTreeHead,
  type HeadEvidence, TRANSPARENCY_ERROR_CODES, TransparencyError, type TransparencyErrorCode, witnessStep, type WitnessState, type WitnessStep,
} from './transparency/index.ts';
// Devices (docs/PROTOCOL-devices.md D4–D5): the signed, versioned device list of an account, its verification step by
// step and as a chain from the pinned state; key-log proofs are checked by an injected function until D7.
export {
  COPY_AD_LABEL, cosignDeviceList, decodeDeviceList, decodeSignedDeviceList, type DecodedSignedDeviceList, DEVICE_AUTH_LABEL, DEVICE_ENTRY_LENGTH,
  DEVICE_LIST_COSIGN_LABEL, DEVICE_LIST_ERROR_CODES, DEVICE_LIST_FORMAT, DEVICE_LIST_HASH_LABEL, DEVICE_LIST_SIGN_LABEL, type DeviceEntry, type DeviceList,
  deviceListCosignatureInput, DeviceListError, type DeviceListErrorCode, deviceListHash, deviceListSignatureInput, type DeviceListSigner, encodeDeviceList,
  encodeSignedDeviceList, founderKeyOf, HISTORY_MAGIC, isValidEd25519PublicKey, LIST_GRACE_MS, LIST_KIND_CODES, LIST_REFRESH_INTERVAL_MS, type ListChainResult,
  type ListKind, type ListProofVerifier, type ListRefreshTrigger, MAX_DEVICE_LIST_LENGTH, MAX_DEVICES, MAX_LIST_CHAIN, needsListRefresh, type PinnedDeviceList,
  pinnedVerifiedList, RECOVERY_KEY_LABEL, recoveryKeyFromKit, SIGNED_DEVICE_LIST_FORMAT, SIGNER_KIND_CODES, type SignDeviceListOptions, signDeviceList,
  type SignedDeviceList, type SignerKind, type VerifiedDeviceList, verifyListChain, verifyListStep, type VerifyListChainOptions, ZERO_LIST_HASH,
} from './devices/index.ts';
// Devices, history archive (docs/PROTOCOL-devices.md D15): the encrypted archive a device hands a newly linked one,
// its strict codec and descriptor, and the import checks of D15.5 as pure functions.
export {
  checkHistoryDescriptor, checkHistoryMessage, decodeHistoryArchive, decodeHistoryDescriptor, decryptHistoryArchive, encodeHistoryArchive, encodeHistoryDescriptor,
  encryptHistoryArchive, type HistoryArchive, type HistoryBlob, type HistoryChainEntry, type HistoryContact, type HistoryConversation, type HistoryDescriptor,
  HISTORY_DESCRIPTOR_VERSION, HISTORY_ERROR_CODES, HISTORY_FORMAT_VERSION, HISTORY_MESSAGE_FLAGS, HISTORY_RECORD_TYPES, HISTORY_TRANSPORT_CODES, type HistoryDropReason,
  HistoryError, type HistoryErrorCode, type HistoryImport, type HistoryImportContext, type HistoryMessage, type HistoryReceiveChain, type HistoryRecord,
  type HistoryRecordType, type HistoryTransport, importHistoryRecords, type ImportedHistoryMessage, type ImportHistoryOptions, MAX_RECEIVE_CHAIN_ENTRIES,
  openHistoryArchive,
} from './devices/index.ts';
// Devices, changes and copies (docs/PROTOCOL-devices.md D6, D9, D11): the next list version for a link, removal,
// rotation, recovery or reset; a fetched bundle or a prekey message checked against the device's list entry; one
// franking sealed once per target device (CopyAD), the planner for a device_mismatch answer, the delivery that refreshes
// and resends on device_mismatch (deliverFanOut), and receiveCopy.
export {
  applyDeviceMismatchPlan, checkBundleForDevice, type DeliveredFanOut, type DeliverFanOutOptions, deliverFanOut, deviceMismatchOf, checkPreKeyMessageSender, COPY_KIND_CODES, type CopyAdFields, type CopyAlarm, type CopyAlarmCode, type CopyEnvelope,
  type CopyKind, type CopyReceipt, type CopyTarget, copyViewAlarms, cosignLinkedList, DEVICE_ERROR_CODES, DeviceError, type DeviceErrorCode,
  type DeviceMismatchAccount, type DeviceMismatchPlan, deviceSessionKey, diffDeviceLists, encodeCopyAd, fanOutRequestBody, type FanOutInput, type FanOutSend,
  fanOutTargets, legacyListView, type LinkingDevice, linkDeviceList, type ListChange, type ListChangeOptions, type ListIntent, listedDevice, listViewOf,
  type ListView, MAX_DEVICE_MISMATCH_ROUNDS, MAX_LIST_CONFLICT_RETRIES, type NewDeviceKeys, nextDeviceList, type OwnListLeaf, planDeviceMismatch,
  reapplyListIntent, receiveCopy, type ReceiveCopyContext, recoveryDeviceList, recoveryKeyList, removeDevicesList, resetDeviceList, rotateCredentialList,
  type SealedCopy, sendFanOut, sessionMatchesEntry, sessionStillListed, type SessionForTarget, withCosignature,
} from './devices/index.ts';
// The reset without device or kit (docs/PROTOCOL-devices.md D6.6): the new device's reset code and the unauthenticated submission.
export { formatResetCode, resetCode, type ResetTarget, submitResetList } from './devices/index.ts';
// Devices, safety numbers (docs/PROTOCOL-devices.md D16): over each account's founder key, unchanged by links,
// removals and recovery, changed by a reset; and the quiet line a contact's device change shows.
export {
  accountSafetyNumber, accountSafetyNumberParty, CONTACT_DEVICE_LINE_TEXT, type ContactDeviceChange, type ContactDeviceChangeOptions, contactDeviceChange,
  type ContactDeviceLine, type LegacyAccountIdentity, type PinnedAccount, pinnedFounderKey,
} from './devices/index.ts';
// Devices, refresh (docs/PROTOCOL-devices.md D5.4, D7.3): fetch an account's lists, prove each in the key log, verify the chain.
export { type DeviceListProofChecker, type DeviceListSource, fetchVerifiedDeviceLists, type FetchVerifiedDeviceListsOptions } from './devices/index.ts';
// Devices, own-device monitoring (docs/PROTOCOL-devices.md D7.4): each device-list leaf of the own account is a notice or an alarm.
export {
  checkOwnDeviceLists, type CheckOwnDeviceListsContext, OWN_DEVICE_ALARM_CODES, type OwnDeviceAlarm, type OwnDeviceAlarmCode, type OwnDeviceCheck, type OwnDeviceNotice,
} from './devices/index.ts';
// Linking a device (docs/PROTOCOL-linking.md): the link code, the commit–nonce–reveal handshake and short code, sealed
// frames and messages, both sides as state machines, and a driver over the relay's link channels.
export {
  checkLinkCodeOrigin, decodeLinkCode, encodeLinkCode, type ExistingDeviceEvent, ExistingDeviceLink, formatShortCode, joinExistingDeviceLink, LINK_ERROR_CODES,
  LINK_MAX_DEVICE_NAME, LINK_TTL_MS, type LinkAbortReason, type LinkCode, linkCodeText, LinkDriver, type LinkDriverOptions, LinkError, type LinkErrorCode,
  type LinkDeviceSecrets, type LinkRelay, type LinkSideOptions, type LinkStep, type LinkWelcomeMessage, type NewDeviceEvent, NewDeviceLink, openNewDeviceLink,
  type OutgoingFrame, parseLinkCodeText, type RandomSource, LINK_ABORT_REASONS, type LinkKeys, type LinkMessage,
  type LinkAbortMessage, type LinkCosignMessage, type LinkDataMessage, type LinkDeviceMessage, type LinkDoneMessage, type LinkListMessage,
  type LinkMessageType, type LinkStream, LINK_MESSAGE_TYPES, LINK_STREAMS,
} from './link/index.ts';
