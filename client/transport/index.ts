// Transport: typed HTTP client (invoke: one call per contract operation), login signatures, push channel and
// attachment transfer (docs/API.md).
export {
  downloadAttachment,
  downloadAttachmentStream,
  type TransferTarget,
  uploadAttachment,
  uploadReportEvidence,
} from './attachment-transfer.ts';
export {
  type Account,
  ApiClient,
  type ApiClientOptions,
  type Challenge,
  type ChallengeBody,
  type ConversationJson,
  type CreateConversationBody,
  type EnvelopeJson,
  type FetchedBundleJson,
  type ClaimedKeyPackageJson,
  type GroupInboxItemJson,
  type GroupSendBody,
  type GroupSent,
  type KeyPackageCountJson,
  type NoticeJson,
  type Ok,
  type PowPayloadJson,
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
  type Sent,
  type SubmitReportBody,
  type Token,
  type TokenBody,
} from './api.ts';
export { ApiError, type Problem } from './api-error.ts';
export { type InvokeInput, type InvokeOptions, invoke } from './invoke.ts';
export {
  AUTH_LABEL,
  authSignatureInput,
  REGISTER_LABEL,
  registerSignatureInput,
  signChallenge,
  signRegistration,
} from './auth.ts';
export {
  PushChannel,
  type PushChannelOptions,
  type PushState,
  type WebSocketFactory,
  type WebSocketLike,
} from './push.ts';
