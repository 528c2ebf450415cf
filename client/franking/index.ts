// Franking: header, commitment, hash chain, stamps, keyring, report items, verification, context (docs/PROTOCOL.md).
export {
  type ChainObservation,
  ReceiveChain,
  ReceiveChains,
  SenderChain,
  type SenderChainState,
} from './chain.ts';
export {
  analyzeContext,
  type ContextEntry,
  type ContextIssue,
  type ContextReport,
  describeSenderContext,
  formatRanges,
  isProtocolContentType,
  PROTOCOL_CONTENT_TYPES,
  type SenderContext,
} from './context.ts';
export {
  FRANKING_ERROR_CODES,
  asFrankingError,
  FrankingError,
  type FrankingErrorCode,
} from './errors.ts';
export {
  COMMITMENT_LENGTH,
  computeCommitment,
  computeCommitmentAsync,
  decodePayload,
  encodePayload,
  type Expectation,
  FK_LENGTH,
  type FrankedMessage,
  frankingAssociatedData,
  type FrankInput,
  frankMessage,
  frankMessageAsync,
  type FrankOptions,
  type OpenedMessage,
  openFranked,
  openFrankedAsync,
  openFrankedPayload,
  openFrankedPayloadAsync,
  sealFranked,
  WEBCRYPTO_COMMITMENT_THRESHOLD,
} from './franking.ts';
export {
  type AttachmentDescriptor,
  decodeHeader,
  encodeHeader,
  headerDeviceId,
  MAX_ATTACHMENTS,
  type MessageHeader,
  ZERO_COMMITMENT,
} from './header.ts';
export {
  ID_PATTERN,
  isValidId,
} from './ids.ts';
export {
  Keyring,
  type KeyringEntry,
  type KeyringJson,
  type KeyState,
  STAMP_KEY_LENGTH,
} from './keyring.ts';
export {
  AEAD_AD_LABEL,
  COMMITMENT_LABEL,
  DEVICE_GROUP_HEADER_VERSION,
  DEVICE_HEADER_VERSION,
  GROUP_HEADER_VERSION,
  PROTOCOL_VERSION,
  STAMP_LABEL,
} from './labels.ts';
export {
  checkReportItem,
  decodeReportItem,
  encodeReportItem,
  type ReportItem,
  reportItemFromJson,
  type ReportItemJson,
  reportItemToJson,
  type StampJson,
} from './report-item.ts';
export {
  checkStamp,
  checkStampFields,
  computeStamp,
  encodeStampInput,
  type Role,
  ROLE_CODES,
  type Stamp,
  type StampCheck,
  type StampCryptoOptions,
  type StampFields,
  stampTag,
  TAG_LENGTH,
} from './stamp.ts';
export {
  CLOCK_SKEW_MS,
  DEFAULT_REPORT_WINDOW_MS,
  withinStampingPeriod,
  type FailureReason,
  REASON_CODES,
  REASON_DESCRIPTIONS,
  type ReasonCode,
  type Verdict,
  verifyReportItem,
  verifyReportItemAsync,
} from './verify.ts';
