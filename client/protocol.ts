/**
 * The protocol surface shared by clients and servers (package export "./protocol"): wire encodings, stamping
 * keys and stamps, report verification with stable reason codes, labels and lengths, the attachment format.
 * docs/PROTOCOL.md is the byte-exact specification of all of it.
 *
 * @packageDocumentation
 * @module \@franking-chat/sdk/protocol
 */
export { abytes, equalBytes, fromBase64Url, toBase64Url } from './crypto/index.ts';
export { type Aead, type RandomBytes, XCHACHA_NONCE_LENGTH, xchacha20poly1305Aead } from './crypto/index.ts';
export {
  type AsyncCryptoProvider,
  type CryptoProvider,
  LowOrderError,
  type PrimitiveName,
  asAsyncProvider,
  defaultCryptoProvider,
  detectWebCrypto,
  nobleCryptoProvider,
  setDefaultCryptoProvider,
  webCryptoProvider,
} from './crypto/index.ts';
export { type ChainObservation, ReceiveChain, ReceiveChains, SenderChain, type SenderChainState } from './franking/index.ts';
export {
  type ContextEntry, type ContextIssue, type ContextReport, type SenderContext, analyzeContext, describeSenderContext, formatRanges, isProtocolContentType, PROTOCOL_CONTENT_TYPES,
} from './franking/index.ts';
export { FRANKING_ERROR_CODES, FrankingError, type FrankingErrorCode } from './franking/index.ts';
export {
  COMMITMENT_LENGTH,
  type Expectation,
  FK_LENGTH,
  type FrankInput,
  type FrankOptions,
  type FrankedMessage,
  type OpenedMessage,
  WEBCRYPTO_COMMITMENT_THRESHOLD,
  computeCommitment,
  computeCommitmentAsync,
  decodePayload,
  encodePayload,
  frankMessage,
  frankMessageAsync,
  frankingAssociatedData,
  openFranked,
  openFrankedAsync,
  openFrankedPayload,
  openFrankedPayloadAsync,
  sealFranked,
} from './franking/index.ts';
export { type AttachmentDescriptor, MAX_ATTACHMENTS, type MessageHeader, ZERO_COMMITMENT, decodeHeader, encodeHeader, headerDeviceId } from './franking/index.ts';
export { type HmacSha256, nobleHmacSha256, webCryptoHmacSha256 } from './crypto/index.ts';
export { ID_PATTERN, isValidId } from './franking/index.ts';
export { type KeyState, Keyring, type KeyringEntry, type KeyringJson, STAMP_KEY_LENGTH } from './franking/index.ts';
export {
  AEAD_AD_LABEL,
  COMMITMENT_LABEL,
  DEVICE_GROUP_HEADER_VERSION,
  DEVICE_HEADER_VERSION,
  GROUP_HEADER_VERSION,
  PROTOCOL_VERSION,
  STAMP_LABEL,
} from './franking/index.ts';
export {
  type ReportItem,
  type ReportItemJson,
  type StampJson,
  checkReportItem,
  decodeReportItem,
  encodeReportItem,
  reportItemFromJson,
  reportItemToJson,
} from './franking/index.ts';
export { ROLE_CODES, type Role, type Stamp, type StampCheck, type StampCryptoOptions, type StampFields, TAG_LENGTH, checkStamp, checkStampFields, computeStamp, encodeStampInput, stampTag } from './franking/index.ts';
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
} from './franking/index.ts';
export {
  ATTACHMENT_COMMIT_LABEL,
  ATTACHMENT_DIGEST_LABEL,
  ATTACHMENT_KEY_LABEL,
  ATTACHMENT_KEY_LENGTH,
  ATTACHMENT_PARAMS_LENGTH,
  ATTACHMENT_SALT_LENGTH,
  ATTACHMENT_SCHEME_CHUNKED_AES_GCM,
  AttachmentDecryptor,
  type AttachmentEngineName,
  AttachmentEncryptor,
  type AttachmentParams,
  type AttachmentSecrets,
  type ByteSource,
  CHUNK_NONCE_LENGTH,
  CHUNK_TAG_LENGTH,
  DEFAULT_LOG2_CHUNK_SIZE,
  type EncryptOptions,
  type EncryptedAttachment,
  type EncryptingAttachment,
  type EngineOptions,
  KEY_COMMITMENT_LENGTH,
  MAX_LOG2_CHUNK_SIZE,
  MIN_LOG2_CHUNK_SIZE,
  attachmentBlobLength,
  attachmentChunkCount,
  attachmentDigest,
  chunkNonce,
  decodeAttachmentParams,
  decryptAttachment,
  decryptAttachmentToBytes,
  deriveAttachmentKeys,
  encodeAttachmentParams,
  encryptAttachment,
  encryptAttachmentToBytes,
} from './attachments/index.ts';
export { ATTACHMENT_ERROR_CODES, AttachmentError, type AttachmentErrorCode } from './attachments/index.ts';
