// Client SDK entry point (package export "."). Runs unchanged in browsers and Node.
// Franking and report building; the session layer (X3DH + Double Ratchet) is exported beside it.
export {
  type Aead,
  type AttachmentDescriptor,
  type ChainObservation,
  type ContextReport,
  type FrankedMessage,
  FrankingError,
  type FrankingErrorCode,
  type MessageHeader,
  type OpenedMessage,
  REASON_DESCRIPTIONS,
  type ReasonCode,
  ReceiveChain,
  type ReportItem,
  type ReportItemJson,
  SenderChain,
  type Stamp,
  type Verdict,
  analyzeContext,
  describeSenderContext,
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
  type PreKeyBundle,
  PreKeyStore,
  SIGNED_PREKEY_ROTATION_MS,
  type VerifiedPreKeyBundle,
  decodeFetchedPreKeyBundle,
  signedPreKeySignatureInput,
  verifySignedPreKey,
} from './session/index.ts';
export { type SafetyNumberParty, formatSafetyNumber, safetyNumber } from './session/index.ts';
export { type FrankedEnvelope, type FrankedReceipt, type FrankingFailure, Session, decodeFrankedEnvelope, encodeFrankedEnvelope, isPreKeyMessage } from './session/index.ts';
export { SessionError, type SessionErrorCode } from './session/index.ts';
// Attachments: key-committing chunked encryption (docs/PROTOCOL.md §11); groups: frank once, fan out (§12).
export {
  AttachmentDecryptor,
  AttachmentEncryptor,
  AttachmentError,
  type AttachmentErrorCode,
  type AttachmentSecrets,
  type ByteSource,
  type EncryptedAttachment,
  type EncryptingAttachment,
  type EncryptOptions,
  attachmentDigest,
  decryptAttachment,
  decryptAttachmentToBytes,
  encryptAttachment,
  encryptAttachmentToBytes,
} from './protocol.ts';
export { type TransferTarget, downloadAttachment, downloadAttachmentStream, uploadAttachment, uploadReportEvidence } from './transport/index.ts';
export { type GroupEnvelope, type GroupSend, GroupSender, type SealForGroupOptions, type SessionLookup, groupRecipients, groupSendRequest, sealForGroup } from './group/index.ts';
// Typed HTTP client, login signatures and the push channel (docs/API.md).
export {
  type Account, ApiClient, type ApiClientOptions, ApiError, type EnvelopeJson, type GroupRole, type NoticeJson, type Problem, type ReportAttachmentJson, type ReportCategory,
  type RosterJson,
} from './transport/index.ts';
export { AUTH_LABEL, REGISTER_LABEL, authSignatureInput, registerSignatureInput, signChallenge, signRegistration } from './transport/index.ts';
export { PushChannel, type PushChannelOptions, type PushState, type WebSocketLike } from './transport/index.ts';
