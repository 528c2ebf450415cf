// Typed HTTP client for the chat-user operations of the server (docs/API.md). fetch-based: runs in browsers
// and Node ≥ 18 unchanged. Each method sends one operation of the contract (contract/endpoints.ts: method, path,
// auth) through invoke.ts; request and response types come from the operations' zod schemas by `import type`
// only, so zod is not bundled with it. Errors: every non-2xx answer becomes an ApiError (api-error.ts) carrying
// the RFC 9457 problem fields (status, code, title, detail).
import type { z } from 'zod';
import type { BlockEntry } from './contract/blocks.ts';
import type { SignedNoticesRequest } from './contract/notices.ts';
import type { AppealReceipt, SignedAppealRequest } from './contract/appeals.ts';
import type {
  Account, Challenge, ChallengeBody, ClaimedKeyPackageJson, ConversationJson, CreateConversationBody,
  DeviceActivityJson, DeviceListAcceptedJson, DeviceListsJson, EnvelopeJson, FetchedBundleJson,
  FetchedDeviceBundleJson, GroupInboxItemJson, GroupSendBody, GroupSent, KeyPackageCountJson, LinkChannelCreatedJson,
  LinkChannelJoinedJson, LinkFramesJson, NoticeJson, Ok, PublishBundleBody, PublishedBundle,
  RegisterBody, Registered, RegistrationInfoJson, RegistrationProof, ReportAttachmentJson,
  ReportDetailJson, ReportSummaryJson, RosterJson, SendBody, SendCopiesBody, Sent, SubmitReportBody, Token, TokenBody, PublishKeyPackagesBody,
} from './api-types.ts';
import { fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import type { ByteSource, EncryptOptions, EngineOptions } from '../attachments/attachment-params.ts';
import { type TransferTarget, downloadAttachment, uploadAttachment, uploadReportEvidence } from './attachment-transfer.ts';
import { ApiError, notLoggedIn, readProblem } from './api-error.ts';
import type { Operation, OperationInput, OperationOutput } from './contract/_operation.ts';
import { type EndpointId, endpoints } from './contract/endpoints.ts';
import type { UserOperations } from './contract/operations.ts';
import { readOperationResult, sendOperation } from './invoke.ts';
import type { AttachmentDescriptor } from '../franking/header.ts';
import { signChallenge, signDeviceChallenge, signRegistration } from './auth.ts';
import type { IdentityKeyPair } from '../session/identity.ts';

// The request and response shapes live in ./api-types.ts; this module's exports stay as they were.
export type {
  Account, Challenge, ChallengeBody, ClaimedKeyPackageJson, ConversationJson, CreateConversationBody,
  DeviceActivityJson, DeviceListAcceptedJson, DeviceListsJson, EnvelopeJson, FetchedBundleJson,
  FetchedDeviceBundleJson, GroupInboxItemJson, GroupSendBody, GroupSent, KeyPackageCountJson, LinkChannelCreatedJson,
  LinkChannelJoinedJson, LinkFramesJson, NoticeJson, Ok, PowPayloadJson, PublishBundleBody, PublishedBundle,
  RegisterBody, Registered, RegistrationInfoJson, RegistrationProof, ReportAttachmentJson, ReportCategory,
  ReportDetailJson, ReportSummaryJson, RosterJson, SendBody, SendCopiesBody, Sent, SubmitReportBody, Token, TokenBody,
} from './api-types.ts';

export { ApiError, type Problem } from './api-error.ts';

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  /** Server origin, e.g. "http://127.0.0.1:3000" or "" for same-origin requests in a page. */
  baseUrl: string;
  /** fetch implementation; the global fetch by default (bound, so it works as a method in browsers). */
  fetch?: typeof fetch;
  /** Bearer token to start with (e.g. restored from storage); {@link ApiClient.login} sets one. */
  token?: string | null;
  /**
   * Called once when an authenticated request gets 401 invalid_token (e.g. the 1 h token expired): return a
   * fresh token to retry the request with, or null to give up.
   */
  refreshToken?: () => Promise<string | null>;
  /**
   * The contract's operations (`userOperations` from `@franking-chat/sdk/contract`): when given, every answer is
   * checked against its operation's response schema, and a mismatch throws a TypeError. Off by default, so an app
   * does not bundle zod; the repository's tests turn it on.
   */
  validateResponses?: Readonly<Partial<Record<EndpointId, Operation>>>;
}

/**
 * Typed client of the reference server's HTTP API (docs/API.md). Each method sends one operation of the contract
 * (`@franking-chat/sdk/contract`) the way `invoke` does; request and response types are derived from the
 * contract by type only, so zod is not bundled with it. Every non-2xx answer is thrown as an {@link ApiError}
 * carrying the server's stable problem code.
 */
export class ApiClient {
  /** Server origin without a trailing slash. */
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private tokenValue: string | null;
  private readonly refresh: (() => Promise<string | null>) | undefined;
  private refreshing: Promise<string | null> | null = null;
  private readonly operations: Readonly<Partial<Record<EndpointId, Operation>>> | undefined;

  constructor(opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    // Bound: a bare `fetch` reference called as a method throws "Illegal invocation" in browsers.
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.tokenValue = opts.token ?? null;
    this.refresh = opts.refreshToken;
    this.operations = opts.validateResponses;
  }

  /** The current bearer token (null when logged out). */
  get token(): string | null {
    return this.tokenValue;
  }
  set token(t: string | null) {
    this.tokenValue = t;
  }

  /** Sends one operation (with the token unless it is public), refreshing the token once on 401 invalid_token. */
  private async call<K extends EndpointId>(id: K, input: OperationInput<UserOperations[K]>, opts: { signal?: AbortSignal } = {}): Promise<OperationOutput<UserOperations[K]>> {
    const op = this.operations?.[id] ?? endpoints[id];
    const auth = op.auth !== 'public';
    const attempt = (): Promise<Response> => {
      if (auth && !this.tokenValue) throw notLoggedIn();
      return sendOperation(op, input, { baseUrl: this.baseUrl, fetch: this.fetchImpl, token: auth ? this.tokenValue : null, ...(opts.signal ? { signal: opts.signal } : {}) });
    };
    let res = await attempt();
    if (res.status === 401 && auth && this.refresh) {
      const problem = await readProblem(res.clone());
      if (problem?.code === 'invalid_token') {
        this.refreshing ??= this.refresh().finally(() => (this.refreshing = null));
        const fresh = await this.refreshing;
        if (fresh) {
          this.tokenValue = fresh;
          res = await attempt();
        }
      }
    }
    return readOperationResult(op, res, this.operations !== undefined) as Promise<OperationOutput<UserOperations[K]>>;
  }

  // ---- Accounts and authentication ----
  /** Registers an account from prepared fields; {@link ApiClient.registerIdentity} fills them from an identity. */
  register(body: RegisterBody): Promise<Registered> {
    return this.call('register', { body });
  }
  /** Which proof registration needs here (open, invite, pow) and, for pow, a fresh challenge to solve. */
  registrationInfo(): Promise<RegistrationInfoJson> {
    return this.call('getRegistrationInfo', {});
  }
  /** Asks for a login challenge (32 random bytes, base64url) to sign with the identity key. */
  challenge(userId: ChallengeBody['userId']): Promise<Challenge> {
    return this.call('createChallenge', { body: { userId } });
  }
  /** Exchanges a signed challenge for a bearer token; {@link ApiClient.login} does both steps. */
  createToken(body: TokenBody): Promise<Token> {
    return this.call('createToken', { body });
  }
  /** Revokes the current token on the server and forgets it. */
  async logout(): Promise<Ok> {
    const r = await this.call('logout', {});
    this.tokenValue = null;
    return r;
  }
  /** The logged-in account: role, status, published identity keys, one-time prekeys left in the directory. */
  me(): Promise<Account> {
    return this.call('getMe', {});
  }
  /** Handles are case-insensitive: the registered spelling of `handle` (404 not_found when nobody has it). */
  async lookupAccount(handle: string): Promise<string> {
    return (await this.call('lookupAccount', { params: { handle } })).userId;
  }

  // ---- Block list: the server stops delivering a blocked account's messages to you ----
  async listBlocks(): Promise<Array<z.output<typeof BlockEntry>>> {
    return (await this.call('listBlocks', {})).blocked;
  }
  blockAccount(userId: string): Promise<z.output<typeof BlockEntry>> {
    return this.call('blockAccount', { params: { userId } });
  }
  unblockAccount(userId: string): Promise<Ok> {
    return this.call('unblockAccount', { params: { userId } });
  }

  /**
   * Registers `userId` for this identity: the signature proves possession of the signing key and binds the DH key.
   * `proof` is what the server's registration gate asks for ({@link ApiClient.registrationInfo}).
   */
  registerIdentity(userId: string, identity: IdentityKeyPair, proof: RegistrationProof = {}): Promise<Registered> {
    return this.register({
      userId,
      identitySigningKey: toBase64Url(identity.signingPublicKey),
      identityDhKey: toBase64Url(identity.dhPublicKey),
      signature: toBase64Url(signRegistration(identity, userId)),
      ...(proof.invite ? { invite: proof.invite } : {}),
      ...(proof.pow ? { pow: proof.pow } : {}),
    });
  }

  /** Challenge–response login; stores and returns the bearer token. */
  async login(userId: string, identity: IdentityKeyPair): Promise<Token> {
    const { challenge } = await this.challenge(userId);
    const signature = signChallenge(identity, fromBase64Url(challenge, 'challenge'), userId);
    const token = await this.createToken({ userId, challenge, signature: toBase64Url(signature) });
    this.tokenValue = token.token;
    return token;
  }

  // ---- Devices (docs/PROTOCOL-devices.md D8) ----
  /**
   * Registers `userId` with its genesis device list (a SignedDeviceList of kind genesis, D8.2): device 1 is the
   * device that signed it. `proof` is what the registration gate asks for.
   */
  registerDeviceList(userId: string, list: Uint8Array, proof: RegistrationProof = {}): Promise<Registered> {
    return this.register({ userId, list: toBase64Url(list), ...(proof.invite ? { invite: proof.invite } : {}), ...(proof.pow ? { pow: proof.pow } : {}) });
  }
  /** Challenge–response sign-in of one device (D8.2): `identity` is the device's IKsig/IKdh pair. Stores and returns the token. */
  async loginDevice(userId: string, deviceId: number, identity: IdentityKeyPair): Promise<Token> {
    const { challenge } = await this.call('createChallenge', { body: { userId, deviceId } });
    const signature = signDeviceChallenge(identity, fromBase64Url(challenge, 'challenge'), deviceId, userId);
    const token = await this.createToken({ userId, deviceId, challenge, signature: toBase64Url(signature) });
    this.tokenValue = token.token;
    return token;
  }
  /**
   * An account's device lists from version `from` (default 1) to the current one, each with its key-log proof
   * against one head. Verify them with verifyListChain before using any device (D5.2); the server's word is not enough.
   */
  deviceLists(accountId: string, from?: number): Promise<DeviceListsJson> {
    return this.call('fetchDeviceLists', { params: { accountId }, ...(from !== undefined ? { query: { from: String(from) } } : {}) });
  }
  /** Submits the next version of this account's list, signed by one of its current devices (409 device_list_conflict carries the current list). */
  putDeviceList(list: Uint8Array): Promise<DeviceListAcceptedJson> {
    return this.call('putDeviceList', { body: { list: toBase64Url(list) } });
  }
  /**
   * One device's prekey bundle (D8.1): use it only if its identity keys equal that device's entry in the verified
   * list of `listVersion`/`listHash` (D5.3). Consumes at most one of the device's one-time prekeys.
   */
  fetchDeviceBundle(accountId: string, deviceId: number): Promise<FetchedDeviceBundleJson> {
    return this.call('fetchDeviceBundle', { params: { accountId, deviceId: String(deviceId) } });
  }
  /**
   * As deviceLists, without a token (D6.5, D8.1: rate limit auth): what a new browser restoring the account from its
   * recovery kit reads before it has a device. Verify the chain exactly as for deviceLists.
   */
  recoveryDeviceLists(accountId: string, from?: number): Promise<DeviceListsJson> {
    return this.call('fetchRecoveryDeviceLists', { params: { accountId }, ...(from !== undefined ? { query: { from: String(from) } } : {}) });
  }
  /**
   * When each current device of this account was last active (D8.3): the start of the 10-minute window of its last
   * authenticated request or push socket, or null. Only the calling account's own devices; none without a list.
   */
  async deviceActivity(): Promise<DeviceActivityJson['devices']> {
    return (await this.call('deviceActivity', {})).devices;
  }
  /** Submits a recovery list (kind recovery, signed by the recovery key) without a token (D6.5). */
  recoverDeviceList(list: Uint8Array): Promise<DeviceListAcceptedJson> {
    return this.call('recoverDeviceList', { body: { list: toBase64Url(list) } });
  }

  // ---- Link channels (docs/PROTOCOL-linking.md L8) ----
  /** Opens a link channel for a new device (no token needed): its id and the new device's side token. */
  createLinkChannel(): Promise<LinkChannelCreatedJson> {
    return this.call('createLinkChannel', {});
  }
  /** Takes the existing device's side of a channel (this account's token; once per channel: 409 link_channel_taken). */
  joinLinkChannel(channelId: string): Promise<LinkChannelJoinedJson> {
    return this.call('joinLinkChannel', { params: { channelId } });
  }
  /** Posts frame `seq` of the side `token` opens (seq exactly that side's next: 409 link_sequence otherwise). */
  postLinkFrame(channelId: string, token: string, seq: number, frame: Uint8Array): Promise<{ seq: number }> {
    return this.call('postLinkFrame', { params: { channelId }, body: { token, seq, frame: toBase64Url(frame) } });
  }
  /** The other side's frames after `after` (at most 64), whether an existing device joined, and the expiry. */
  readLinkFrames(channelId: string, token: string, after: number): Promise<LinkFramesJson> {
    return this.call('readLinkFrames', { params: { channelId }, body: { token, after } });
  }
  /** Deletes the channel and its frames. */
  closeLinkChannel(channelId: string, token: string): Promise<Ok> {
    return this.call('closeLinkChannel', { params: { channelId }, body: { token } });
  }

  // ---- Key directory ----
  /** Publishes the signed prekey and one-time prekeys (`PreKeyStore.bundle(identity)`). */
  publishBundle(body: PublishBundleBody): Promise<PublishedBundle> {
    return this.call('publishBundle', { body });
  }
  /** Another account's prekey bundle, for `Session.initiate` (which verifies its signatures). Consumes at most one one-time prekey.
   *  It carries `transparency`: verify it with a TransparencyClient (an HttpLogSource on the same base URL) before using the key (docs/TRANSPARENCY.md §6.1). */
  fetchBundle(userId: string): Promise<FetchedBundleJson> {
    return this.call('fetchBundle', { params: { userId } });
  }

  // ---- Conversations ----
  /** Creates a direct conversation with a peer, or a group. */
  createConversation(body: CreateConversationBody): Promise<ConversationJson> {
    return this.call('createConversation', { body });
  }
  /** Conversations the account belongs to. */
  async listConversations(): Promise<ConversationJson[]> {
    return (await this.call('listConversations', {})).conversations;
  }
  /** One conversation the account belongs to. */
  getConversation(conversationId: string): Promise<ConversationJson> {
    return this.call('getConversation', { params: { conversationId } });
  }

  // ---- MLS groups (docs/PROTOCOL.md §12) ----
  /** The relay's routing view of a group. Show members from the MLS state (client/group), never from this. */
  roster(conversationId: string): Promise<RosterJson> {
    return this.call('groupRoster', { params: { conversationId } });
  }
  /** Sends one MLS message (application, Commit with its Welcome, or a leave proposal); `stale_epoch` when a Commit lost the race. */
  sendGroupMessage(conversationId: string, message: Uint8Array, welcome?: Uint8Array): Promise<GroupSent> {
    const body: GroupSendBody = { message: toBase64Url(message), ...(welcome ? { welcome: toBase64Url(welcome) } : {}) };
    return this.call('sendGroupMessage', { params: { conversationId }, body });
  }
  async groupInbox(opts: { limit?: number; wait?: number } = {}): Promise<GroupInboxItemJson[]> {
    return (await this.call('fetchGroupInbox', { query: { limit: opts.limit ?? 100, wait: opts.wait ?? 0 } })).items;
  }
  async ackGroupInbox(ids: string[]): Promise<number> {
    return (await this.call('ackGroupInbox', { body: { ids } })).deleted;
  }
  /** MLS key packages (MLSMessage bytes) for the key directory; `lastResort` replaces the last-resort package. */
  publishKeyPackages(keyPackages: Uint8Array[], lastResort?: Uint8Array): Promise<KeyPackageCountJson> {
    const body: PublishKeyPackagesBody = { keyPackages: keyPackages.map(toBase64Url), ...(lastResort ? { lastResort: toBase64Url(lastResort) } : {}) };
    return this.call('publishKeyPackages', { body });
  }
  countKeyPackages(): Promise<KeyPackageCountJson> {
    return this.call('countKeyPackages', {});
  }
  /**
   * One key package of `userId` (MLSMessage bytes), consumed unless it is the last-resort one, with `transparency`:
   * the inclusion proof of its credential key, unchecked — pass the result to verifyClaimedKeyPackage before adding.
   */
  async claimKeyPackage(userId: string): Promise<{ keyPackage: Uint8Array; lastResort: boolean; transparency?: ClaimedKeyPackageJson['transparency'] }> {
    const r = await this.call('claimKeyPackage', { params: { userId } });
    return { keyPackage: fromBase64Url(r.keyPackage, 'keyPackage'), lastResort: r.lastResort, ...(r.transparency !== undefined ? { transparency: r.transparency } : {}) };
  }

  /**
   * One key package per current device of `userId`, an account with a device list (docs/PROTOCOL-devices.md D14.3),
   * unchecked — pass them to verifyClaimedDevicePackages with the account's verified list of at least `listVersion`.
   */
  async claimDeviceKeyPackages(userId: string): Promise<{ listVersion: number; keyPackages: Array<{ deviceId: number; keyPackage: Uint8Array; lastResort: boolean }> }> {
    const r = await this.call('claimDeviceKeyPackages', { params: { userId } });
    return { listVersion: r.listVersion, keyPackages: r.keyPackages.map((k, i) => ({ deviceId: k.deviceId, keyPackage: fromBase64Url(k.keyPackage, `keyPackages[${i}].keyPackage`), lastResort: k.lastResort })) };
  }

  // ---- Attachment blobs (ciphertext only; docs/PROTOCOL.md §11.8) ----
  /** Runs a blob transfer with the current token; refreshes it once on 401 invalid_token, like JSON requests. */
  private async transfer<T>(run: (t: TransferTarget) => Promise<T>, retry = true): Promise<T> {
    const target = (): TransferTarget => {
      if (!this.tokenValue) throw notLoggedIn();
      return { baseUrl: this.baseUrl, token: this.tokenValue, fetch: this.fetchImpl };
    };
    try {
      return await run(target());
    } catch (e) {
      if (!(retry && ApiError.is(e, 'invalid_token') && this.refresh)) throw e;
      this.refreshing ??= this.refresh().finally(() => (this.refreshing = null));
      const fresh = await this.refreshing;
      if (!fresh) throw e;
      this.tokenValue = fresh;
      return run(target());
    }
  }
  /** Encrypts `file` while uploading it as a blob of the conversation; returns the descriptor to frank. Retried only for bytes (a stream is read once). */
  uploadAttachment(conversationId: string, file: ByteSource, mediaType: string, opts: EncryptOptions = {}): Promise<AttachmentDescriptor> {
    return this.transfer((t) => uploadAttachment(t, conversationId, file, mediaType, opts), file instanceof Uint8Array);
  }
  /** Downloads and fully verifies an attachment before returning any of it (§11.5). */
  downloadAttachment(d: AttachmentDescriptor, opts: EngineOptions = {}): Promise<Uint8Array> {
    return this.transfer((t) => downloadAttachment(t, d, opts));
  }
  /** Attachments of your report and their verification status. */
  async reportAttachments(reportId: string): Promise<ReportAttachmentJson[]> {
    return (await this.call('listReportAttachments', { params: { reportId } })).attachments;
  }
  /** Evidence for a reported attachment whose blob is gone: deterministic re-encryption of the displayed plaintext. */
  uploadReportEvidence(reportId: string, position: number, index: number, d: AttachmentDescriptor, plaintext: Uint8Array): Promise<{ status: string; failure: string | null }> {
    return this.transfer((t) => uploadReportEvidence(t, reportId, position, index, d, plaintext));
  }

  // ---- Relay ----
  /**
   * Sends one commitment with one ciphertext per recipient device; the answer carries the message id and the
   * sender's own stamp (role 'sender'), which lets the sender reveal their own messages as report context.
   */
  send(body: SendBody): Promise<Sent> {
    return this.call('sendMessage', { body });
  }
  /**
   * docs/PROTOCOL-devices.md D13.2: one franked message with one sealed copy per target device (the body
   * `fanOutRequestBody` builds). A refusal is ApiError `device_mismatch` whose problem's `accounts` (D13.4) feed
   * `planDeviceMismatch`; resend with the same clientMessageId.
   */
  sendCopies(body: SendCopiesBody): Promise<Sent> {
    return this.call('sendMessage', { body });
  }
  /** Pending envelopes (ciphertext, commitment and the recipient's stamp); `wait` long-polls up to that many seconds. */
  async fetchMessages(opts: { limit?: number; wait?: number; signal?: AbortSignal } = {}): Promise<EnvelopeJson[]> {
    const r = await this.call('fetchMessages', { query: { limit: opts.limit, wait: opts.wait } }, opts.signal ? { signal: opts.signal } : {});
    return r.envelopes;
  }
  /** Acknowledges stored envelopes so the server deletes them; returns how many it deleted. */
  async ack(ids: string[]): Promise<number> {
    return (await this.call('ackMessages', { body: { ids } })).deleted;
  }

  // ---- Reports ----
  /** Files a report: the reported message and up to 50 context messages, each revealed as a report item; answers with per-item verdicts. */
  submitReport(body: SubmitReportBody): Promise<ReportDetailJson> {
    return this.call('submitReport', { body });
  }
  /** Reports this account filed, with their status and outcome. */
  async listReports(): Promise<ReportSummaryJson[]> {
    return (await this.call('listReports', {})).reports;
  }
  /** One report this account filed. */
  getReport(reportId: string): Promise<ReportDetailJson> {
    return this.call('getReport', { params: { reportId } });
  }

  // ---- Moderation notices (warnings, suspensions, bans, outcomes of your reports) ----
  /** Moderation notices for this account (warnings, suspensions, outcomes of its reports) with ids greater than `after`. */
  async myNotices(after = 0): Promise<NoticeJson[]> {
    return (await this.call('myNotices', { query: { after } })).notices;
  }
  /** For an account that cannot hold a token (suspended or banned): proves the identity key with a signed challenge. */
  async signedNotices(userId: string, identity: IdentityKeyPair, after = 0): Promise<NoticeJson[]> {
    const { challenge } = await this.challenge(userId);
    const signature = toBase64Url(signChallenge(identity, fromBase64Url(challenge, 'challenge'), userId));
    const body: z.input<typeof SignedNoticesRequest> = { userId, challenge, signature, after };
    return (await this.call('signedNotices', { body })).notices;
  }

  // ---- Appeals (EU DSA Art. 20): contest a warning, suspension or ban notice ----
  /** With the bearer token (a warned account is still active). */
  appeal(noticeId: number, statement: string): Promise<z.output<typeof AppealReceipt>> {
    return this.call('fileAppeal', { body: { noticeId, statement } });
  }
  /** For an account that cannot hold a token (suspended or banned): proves the identity key with a signed challenge. */
  async signedAppeal(userId: string, identity: IdentityKeyPair, noticeId: number, statement: string): Promise<z.output<typeof AppealReceipt>> {
    const { challenge } = await this.challenge(userId);
    const signature = toBase64Url(signChallenge(identity, fromBase64Url(challenge, 'challenge'), userId));
    const body: z.input<typeof SignedAppealRequest> = { userId, challenge, signature, noticeId, statement };
    return this.call('fileSignedAppeal', { body });
  }
}

