// Transport: typed HTTP client, login signatures, push channel and attachment transfer (docs/API.md).
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
  ApiError,
  type EnvelopeJson,
  type GroupRole,
  type NoticeJson,
  type Problem,
  type ReportAttachmentJson,
  type ReportCategory,
  type RosterJson,
} from './api.ts';
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
  type WebSocketLike,
} from './push.ts';
