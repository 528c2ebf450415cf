/**
 * The HTTP API contract (package export "./contract", docs/API.md): every chat-user operation (method, path, auth,
 * named errors) with the zod schemas of its request and response. The server mounts its routes from these,
 * validates with them and writes /openapi.json from them; the SDK's ApiClient sends them and derives its types
 * from them. The moderator API is a separate entry ("./contract/moderation").
 *
 * @packageDocumentation
 * @module \@franking-chat/sdk/contract
 */
export { AccountLookup, AccountLookupParams, AccountResponse, PowChallenge, PowPayload, PowSolution, RegistrationInfo } from './accounts.ts';
export {
  ChallengeRequest, ChallengeResponse, OkResponse, RegisterKeysRequest, RegisterListRequest, RegisterRequest, RegisterResponse, TokenRequest, TokenResponse,
} from './auth.ts';
export { AttachmentParams, BlobParams, BlobUploaded, BlobUploadQuery, ReportAttachment, ReportAttachmentList, ReportIdParams } from './blobs.ts';
export { BlockEntry, BlockList, BlockParams, MAX_BLOCKS } from './blocks.ts';
export { Conversation, ConversationList, ConversationParams, CreateConversationRequest } from './conversations.ts';
export {
  DeviceActivityResponse, DeviceBundleParams, DeviceLastSeen, DeviceLinkedAt, DeviceListAccepted, FetchedDeviceBundle, DeviceListParams, DeviceListQuery, DeviceListResponse, MAX_LISTS_PER_ANSWER, MAX_SIGNED_DEVICE_LIST_BYTES, PutDeviceListRequest,
} from './devices.ts';
export {
  CloseLinkChannelRequest, LinkChannelCreated, LinkChannelJoined, LinkChannelParams, LinkFramePosted, LinkFrames, MAX_LINK_FRAME_BYTES, MAX_LINK_FRAMES,
  MAX_LINK_FRAMES_PER_READ, PostLinkFrameRequest, ReadLinkFramesRequest,
} from './link.ts';
export { IsoTime, Id, Role, StampJson, U32, b64Exact, b64Max } from './_common.ts';
export {
  GroupAckRequest, GroupAckResponse, GroupInboxItem, GroupInboxQuery, GroupInboxResponse, GroupSendRequest, GroupSendResponse, MAX_GROUP_WIRE_BYTES, RosterResponse,
} from './groups.ts';
export {
  ClaimKeyPackageParams, ClaimedKeyPackage, FetchBundleParams, FetchedBundle, KeyPackageCount, OneTimePreKey, PublishBundleRequest, PublishBundleResponse,
  PublishKeyPackagesRequest, SignedPreKey,
} from './keys.ts';
export { AckRequest, AckResponse, Envelope, FetchQuery, FetchResponse, MAX_CIPHERTEXT_BYTES, MAX_COPIES, MAX_RECIPIENTS, SendCopiesRequest, SendEnvelopesRequest, SendRequest, SendResponse, StatedList } from './messages.ts';
export { AppealDecisionStatement, Notice, NoticeList, NoticesQuery, SignedNoticesRequest, StatementOfReasons } from './notices.ts';
export { APPEAL_STATEMENT_MAX, AppealReceipt, AppealRequest, SignedAppealRequest } from './appeals.ts';
export {
  MAX_HEADER_BYTES, MAX_REVEALED_BODY_BYTES, REPORT_CATEGORIES, ReportDetail, ReportItemJson, ReportList, ReportParams, ReportSummary, SubmitReportRequest, Verdict,
} from './reports.ts';
export {
  ConsistencyQuery, ConsistencyResponse, CosignatureJson, CosignRequest, CosignResponse, EntriesQuery, EntriesResponse, HeadQuery, HeadResponse, HeadsQuery, HeadsResponse,
  InclusionQuery, InclusionResponse, KeyProofJson, LogKeyResponse, MAX_ENTRIES_PER_PAGE, MAX_HEADS_PER_PAGE, SignedTreeHeadJson,
} from './transparency.ts';
export {
  type AuthKind, type HttpMethod, type Operation, type OperationHead, type OperationInput, type OperationOutput, type OperationSchemas, type RateLimitName,
  defineOperation, expandPath,
} from './_operation.ts';
export { type EndpointId, endpoints } from './endpoints.ts';
export { type UserOperations, userOperations } from './operations.ts';
export { type ApiErrorCode, type ClientErrorCode, ERROR_CODES, type ErrorCode } from './errors.ts';
export { PROBLEM_CONTENT_TYPE, type Problem, ProblemSchema } from './problem.ts';
