// The request and response shapes of ApiClient (./api.ts), derived from the contract's zod schemas by type only, so
// zod is not bundled with the SDK. ./api.ts re-exports every one of them.
import type { z } from 'zod';
import type { AccountResponse, PowPayload, RegistrationInfo } from './contract/accounts.ts';
import type { ChallengeRequest, ChallengeResponse, OkResponse, RegisterRequest, RegisterResponse, TokenRequest, TokenResponse } from './contract/auth.ts';
import type { Conversation, CreateConversationRequest } from './contract/conversations.ts';
import type { ClaimedKeyPackage, FetchedBundle, KeyPackageCount, PublishBundleRequest, PublishBundleResponse, PublishKeyPackagesRequest } from './contract/keys.ts';
import type { NoticeList } from './contract/notices.ts';
import type { Envelope, SendCopiesRequest, SendRequest, SendResponse } from './contract/messages.ts';
import type { ReportDetail, ReportSummary, SubmitReportRequest } from './contract/reports.ts';
import type { GroupInboxResponse, GroupSendRequest, GroupSendResponse, RosterResponse } from './contract/groups.ts';
import type { ReportAttachmentList } from './contract/blobs.ts';
import type { DeviceActivityResponse, DeviceListAccepted, DeviceListResponse, FetchedDeviceBundle } from './contract/devices.ts';
import type { LinkChannelCreated, LinkChannelJoined, LinkFrames } from './contract/link.ts';

export type Account = z.output<typeof AccountResponse>;
export type RegisterBody = z.input<typeof RegisterRequest>;
export type Registered = z.output<typeof RegisterResponse>;
/** The server's registration gate and, for `pow`, a fresh challenge (docs/API.md "Registration gate"). */
export type RegistrationInfoJson = z.output<typeof RegistrationInfo>;
/** A solved proof-of-work challenge: the challenge as issued and the solver's answer (altcha v2). */
export type PowPayloadJson = z.input<typeof PowPayload>;
/** What the registration gate asks for: an invite code (gate "invite") or a solved challenge (gate "pow"). */
export interface RegistrationProof {
  invite?: string;
  pow?: PowPayloadJson;
}
export type Challenge = z.output<typeof ChallengeResponse>;
export type Token = z.output<typeof TokenResponse>;
export type DeviceListsJson = z.output<typeof DeviceListResponse>;
export type DeviceListAcceptedJson = z.output<typeof DeviceListAccepted>;
export type FetchedDeviceBundleJson = z.output<typeof FetchedDeviceBundle>;
/** When each current device of the caller's account was last active (docs/PROTOCOL-devices.md D8.3). */
export type DeviceActivityJson = z.output<typeof DeviceActivityResponse>;
export type LinkChannelCreatedJson = z.output<typeof LinkChannelCreated>;
export type LinkChannelJoinedJson = z.output<typeof LinkChannelJoined>;
export type LinkFramesJson = z.output<typeof LinkFrames>;
export type PublishBundleBody = z.input<typeof PublishBundleRequest>;
export type PublishedBundle = z.output<typeof PublishBundleResponse>;
export type FetchedBundleJson = z.output<typeof FetchedBundle>;
export type CreateConversationBody = z.input<typeof CreateConversationRequest>;
export type ConversationJson = z.output<typeof Conversation>;
export type SendBody = z.input<typeof SendRequest>;
export type SendCopiesBody = z.input<typeof SendCopiesRequest>;
export type Sent = z.output<typeof SendResponse>;
export type EnvelopeJson = z.output<typeof Envelope>;
export type SubmitReportBody = z.input<typeof SubmitReportRequest>;
export type ReportCategory = z.output<typeof SubmitReportRequest>['category'];
export type ReportSummaryJson = z.output<typeof ReportSummary>;
export type ReportDetailJson = z.output<typeof ReportDetail>;
export type NoticeJson = z.output<typeof NoticeList>['notices'][number];
export type RosterJson = z.output<typeof RosterResponse>;
export type GroupSendBody = z.input<typeof GroupSendRequest>;
export type GroupSent = z.output<typeof GroupSendResponse>;
export type GroupInboxItemJson = z.output<typeof GroupInboxResponse>['items'][number];
export type KeyPackageCountJson = z.output<typeof KeyPackageCount>;
export type ClaimedKeyPackageJson = z.output<typeof ClaimedKeyPackage>;
export type ReportAttachmentJson = z.output<typeof ReportAttachmentList>['attachments'][number];
export type Ok = z.output<typeof OkResponse>;
// Request shapes of the login steps (the other requests are typed by their operation in `call`).
export type ChallengeBody = z.input<typeof ChallengeRequest>;
export type TokenBody = z.input<typeof TokenRequest>;
/** The body of publishKeyPackages (built by ApiClient; not part of the SDK's exports). */
export type PublishKeyPackagesBody = z.input<typeof PublishKeyPackagesRequest>;
