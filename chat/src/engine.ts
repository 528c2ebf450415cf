// The chat client without React: account, sessions, franked sending and receiving, reports. Every
// cryptographic step runs in this page; the server sees ciphertext, commitments and stamps, and plaintext
// only in the items of a report the user confirms. UI code reads `snapshot` and calls the methods below.
// Groups (docs/PROTOCOL.md §12): MLS, in ./groups.ts — frank once, encrypt once for the group. Attachments
// (§11): encrypted while uploading; recipients download and verify the whole file before showing it.
import { ApiClient, ApiError, type EnvelopeJson, type FetchedBundleJson, type RegistrationInfoJson, type ReportAttachmentJson, type ReportCategory } from '@franking-chat/sdk';
import { type PowProgress, solvePow } from './pow.ts';
import { AttachmentError } from '@franking-chat/sdk';
import { ChatGroups, GROUP_INFO_TYPE } from './groups.ts';
import { type AttachmentDescriptor, decodeHeader } from '@franking-chat/sdk/protocol';
import { fromUtf8, utf8 } from './utf8.ts';
import { deserializeIdentity, generateIdentity, type IdentityKeyPair, serializeIdentity } from '@franking-chat/sdk';
import { PreKeyStore } from '@franking-chat/sdk';
import { SenderChain, fromBase64Url, toBase64Url, type ReportItemJson } from '@franking-chat/sdk/protocol';
import { PushChannel, type PushState } from '@franking-chat/sdk';
import { formatSafetyNumber, safetyNumber } from '@franking-chat/sdk';
import { Session, currentRemoteIdentity, currentSession, initiatedSessionRecord, receiveWithSessionRecord, withCurrentSession } from '@franking-chat/sdk';
import type { ReportDetailJson, ReportSummaryJson } from '@franking-chat/sdk';
import {
  type AccountRecord, type AttachmentState, ChatStorage, type ContactRecord, type GroupRecord, type MessageRecord, type PublicIdentityJson, type SessionRecord,
} from './storage.ts';
import { type NoticeJson, fetchNotices } from './notices.ts';
import { Blocking } from './blocking.ts';
import { TabSync } from './tab-sync.ts';
import { ChatTransparency, EMPTY_KT_VIEW, KeyTransparencyError, type KtView, UNPROVEN_SENDER_TEXT } from './transparency.ts';
import { KIND_IDENTITY, KIND_MLS_CREDENTIAL, KT_GOSSIP_CONTENT_TYPE, identityBindingKey } from '@franking-chat/sdk';
import { fileAppeal } from './appeals.ts';

export const HANDLE_PATTERN = /^[A-Za-z0-9._-]{3,32}$/;

/** What is wrong with a typed handle, in words (null when it has the right form); the sign-up and add-contact fields show it. */
export function handleProblem(handle: string): string | null {
  if (HANDLE_PATTERN.test(handle)) return null;
  if (handle.length === 0) return 'Type a handle: 3–32 letters, digits, dots, dashes or underscores.';
  const bad = [...new Set([...handle].filter((ch) => !/[A-Za-z0-9._-]/.test(ch)))];
  if (bad.length) {
    const shown = bad.slice(0, 5).map((ch) => (ch === ' ' ? 'spaces' : `“${ch}”`)).join(', ');
    return `Handles can use only letters A–Z, digits, dots, dashes and underscores, so ${shown} cannot be used.`;
  }
  if (handle.length < 3) return `That handle is ${handle.length} character${handle.length === 1 ? '' : 's'} long: handles are at least 3.`;
  return `That handle is ${handle.length} characters long: handles are at most 32.`;
}
/** One-time prekeys uploaded at registration and whenever the directory runs low. */
const PREKEY_BATCH = 100;
const PREKEY_LOW_WATER = 20;
/** Context offered around a reported message (each side), within the server's limit of 50 items. */
export const CONTEXT_BEFORE = 12;
export const CONTEXT_AFTER = 8;
/** Largest file the chat sends or downloads: files are kept whole in this browser's storage. */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
export const GROUP_NAME_MAX = 60;
export { GROUP_INFO_TYPE };
const TEXT_TYPE = 'text/plain; charset=utf-8';

export interface OutgoingFile {
  data: Blob;
  mediaType: string;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function tooLargeMessage(size: number): string {
  return `That file is ${formatBytes(size)}, over the limit: files up to ${formatBytes(MAX_ATTACHMENT_BYTES)} can be sent.`;
}

/** What a message shows: its text, or what a group-info message did. */
export function displayText(m: MessageRecord, me: string | null): string {
  if (m.kind !== 'group-info') return m.text;
  const who = m.senderId === me ? 'You' : m.senderId;
  if (m.refused) return `${who} tried to rename the group to “${m.text}”, but only its creator and admins can: the name was not changed.`;
  return `${who} ${m.rename ? 'renamed the group to' : 'named the group'} “${m.text}”`;
}

export interface Standing {
  code: 'account_banned' | 'account_suspended';
  detail: string;
  suspendedUntil: string | null;
}

export interface Snapshot {
  phase: 'loading' | 'welcome' | 'ready';
  me: string | null;
  /** A problem to show at the top of the page (cannot log in, storage unavailable...). */
  banner: string | null;
  connection: PushState | 'idle';
  standing: Standing | null;
  contacts: ContactRecord[];
  /** Groups this user is (or was) a member of, most recently active first. */
  groups: GroupRecord[];
  /** By conversation id, oldest first. */
  messages: Readonly<Record<string, readonly MessageRecord[]>>;
  reports: readonly ReportSummaryJson[];
  notices: readonly NoticeJson[];
  /** Accounts this user blocked (chat/src/blocking.ts). */
  blocked: readonly string[];
  /** Key transparency: contacts proven in the key log, alarms (docs/TRANSPARENCY.md). */
  kt: KtView;
}

/** A filed report and the state of its attachments (null: their state could not be read). */
export type SubmittedReport = ReportDetailJson & {
  attachments: ReportAttachmentJson[] | null;
  /** How many protocol messages were revealed after the chosen ones, at the last positions (docs/PROTOCOL.md §8.4). */
  protocolItems: number;
};

export interface ContextCandidate {
  message: MessageRecord;
  isReported: boolean;
}

const EMPTY: Snapshot = {
  phase: 'loading', me: null, banner: null, connection: 'idle', standing: null, contacts: [], groups: [], messages: {}, reports: [], notices: [], blocked: [], kt: EMPTY_KT_VIEW,
};

const identityJson = (s: { signingKey: Uint8Array; dhKey: Uint8Array }): PublicIdentityJson => ({ signingKey: toBase64Url(s.signingKey), dhKey: toBase64Url(s.dhKey) });
const sameIdentity = (a: PublicIdentityJson, b: PublicIdentityJson) => a.signingKey === b.signingKey && a.dhKey === b.dhKey;
/**
 * A protocol message (docs/PROTOCOL.md §8.4): franked like any message, kept in storage so a report can close the
 * sender's chain over it, but never shown — not in the conversation, not as its preview, not offered for a report.
 */
const isProtocolMessage = (m: MessageRecord) => m.kind === 'kt-gossip';
const byTime = (a: MessageRecord, b: MessageRecord) => (a.serverTime ?? Number.MAX_SAFE_INTEGER) - (b.serverTime ?? Number.MAX_SAFE_INTEGER) || a.sentAt - b.sentAt;

/** Words for the user when the server refuses or cannot be reached. */
export function describeSendError(e: unknown): { text: string; code: string } {
  if (!ApiError.is(e)) return { text: 'Not sent: something went wrong in this page. Try again.', code: 'client_error' };
  switch (e.code) {
    case 'account_banned':
      return { text: 'Not sent: your account has been banned by the moderators, so you can no longer send messages.', code: e.code };
    case 'account_suspended': {
      const until = e.problem?.suspendedUntil;
      return { text: `Not sent: your account is suspended${until ? ` until ${new Date(until).toLocaleString()}` : ''}, so you can't send messages right now.`, code: e.code };
    }
    case 'network_error':
      // Resent by itself when the connection returns (ChatEngine.resendUnsent), same clientMessageId: never twice.
      return { text: "Not sent yet: the server can't be reached. It will be sent by itself when the connection returns.", code: e.code };
    case 'rate_limited':
      return { text: "Not sent: you're sending very fast. Wait a moment, then retry.", code: e.code };
    case 'not_a_member':
      return { text: "Not sent: you (or someone it was addressed to) are no longer a member of this conversation. Retry to send it to the current members.", code: e.code };
    default:
      return { text: `Not sent: ${e.detail}`, code: e.code };
  }
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as string);
    r.onerror = () => reject(r.error ?? new Error('could not read the file'));
    r.readAsDataURL(blob);
  });
}

function standingError(s: Standing): ApiError {
  const problem = { type: `urn:franking-chat:problem:${s.code}`, title: s.code, status: 403, detail: s.detail, code: s.code, ...(s.suspendedUntil ? { suspendedUntil: s.suspendedUntil } : {}) };
  return new ApiError(problem, problem);
}

export class ChatEngine {
  private state: Snapshot = EMPTY;
  private readonly listeners = new Set<() => void>();
  private storage: ChatStorage | null = null;
  private identity: IdentityKeyPair | null = null;
  private preKeys: PreKeyStore | null = null;
  private account: AccountRecord | null = null;
  private push: PushChannel | null = null;
  private readonly api: ApiClient;
  /** Serialises every change to session, prekey and chain state (the ratchet is strictly sequential). */
  private lock: Promise<unknown> = Promise.resolve();
  private reportsTimer: ReturnType<typeof setInterval> | null = null;
  private onlineListener: (() => void) | null = null;
  /** Ids being resent after the connection returned (a second signal must not start a parallel resend). */
  private readonly resending = new Set<string>();
  private resumedAfterStart = false;
  private appealTimer: ReturnType<typeof setInterval> | null = null;
  /** Object URLs of verified attachments, by `${messageId}#${index}`. */
  private readonly fileUrls = new Map<string, Promise<string | null>>();
  /** Block list and message requests (chat/src/blocking.ts). */
  readonly blocking: Blocking;
  /** Other tabs of this chat (chat/src/tab-sync.ts). */
  private readonly tabs: TabSync;
  /** MLS groups (./groups.ts): the engine lends it storage, the lock and the snapshot. */
  private readonly mls: ChatGroups = new ChatGroups({
    api: () => this.api,
    store: () => this.store,
    me: () => this.me,
    identity: () => this.identity as IdentityKeyPair,
    locked: (fn) => this.locked(fn),
    group: (id) => this.group(id),
    upsertGroup: (g) => this.upsertGroup(g),
    putMessage: (m) => this.putMessage(m),
    noteBlocked: (e) => this.noteBlocked(e),
    verifyKeyPackage: async (id, claimed) => {
      try {
        await this.kt.verifyKeyPackage(id, claimed);
      } catch (e) {
        if (e instanceof KeyTransparencyError) throw new Error(e.message);
        throw new Error(`${id}'s group key could not be checked against the public key log (the log could not be reached), so ${id} was not added. Try again.`);
      }
    },
    verifyBundle: (id, bundle) => this.verifyProvenBundle(id, bundle),
    contactSigningKey: (id) => {
      const k = this.contact(id)?.identity?.signingKey;
      return k ? fromBase64Url(k, 'signingKey') : undefined;
    },
    fetchAttachments: (id) => void this.fetchAttachments(id).catch(() => undefined),
    knownCommitment: (conversationId, commitment) =>
      commitment !== '' && (this.state.messages[conversationId] ?? []).some((m) => (m.item?.commitment ?? m.pending?.commitment) === commitment),
    online: () => this.account !== null && this.state.standing === null,
  });

  /** Key transparency: proofs on every key fetch, own-key monitoring, gossip (chat/src/transparency.ts). */
  private readonly kt: ChatTransparency;

  constructor(private readonly baseUrl = '') {
    this.api = new ApiClient({ baseUrl, refreshToken: () => this.relogin() });
    this.blocking = new Blocking({
      api: this.api, store: () => this.store, contacts: () => this.state.contacts, upsertContact: (c) => this.upsertContact(c),
      removeContact: (peerId) => this.set({ contacts: this.state.contacts.filter((c) => c.peerId !== peerId) }),
      setBlocked: (blocked) => this.set({ blocked }), blocked: () => this.state.blocked,
    });
    this.tabs = new TabSync(() => void (this.storage && this.loadLocal()));
    this.kt = new ChatTransparency(baseUrl, () => this.store, (kt) => this.set({ kt }));
  }

  // ---- React binding (useSyncExternalStore) ----
  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getSnapshot = (): Snapshot => this.state;
  private set(patch: Partial<Snapshot>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
    if (patch.messages || patch.contacts || patch.groups) this.tabs.changed();
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const exclusive = () => TabSync.exclusive(fn);
    const run = this.lock.then(exclusive, exclusive);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private get store(): ChatStorage {
    if (!this.storage) throw new Error('storage is not open');
    return this.storage;
  }
  private get me(): string {
    if (!this.account) throw new Error('no account');
    return this.account.userId;
  }

  // ---- Start-up, registration, login ----
  async init(): Promise<void> {
    try {
      this.storage = await ChatStorage.open();
    } catch {
      this.set({ phase: 'welcome', banner: 'This browser does not let the page store data (IndexedDB), so your keys could not be kept. Private windows sometimes block it.' });
      return;
    }
    const account = await this.store.account();
    if (!account) return this.set({ phase: 'welcome' });
    this.account = account;
    this.identity = deserializeIdentity(account.identity);
    this.preKeys = PreKeyStore.deserialize(account.preKeys);
    await this.loadLocal();
    this.set({ phase: 'ready', me: account.userId, kt: await this.kt.view() });
    await this.goOnline();
  }

  /** The server's registration gate (open, invite, pow): the welcome page asks for an invite code when needed. */
  async registrationGate(): Promise<RegistrationInfoJson['gate']> {
    return (await this.api.registrationInfo()).gate;
  }

  /**
   * Creates the identity and prekeys here, keeps them in IndexedDB, registers only the public halves. Gate "pow":
   * solves a fresh challenge in a Web Worker first (`onPow` gets progress); gate "invite": sends `opts.invite`.
   */
  async register(handle: string, opts: { invite?: string; onPow?: (p: PowProgress) => void } = {}): Promise<void> {
    const problem = handleProblem(handle);
    if (problem) throw new Error(problem);
    const identity = generateIdentity();
    const preKeys = PreKeyStore.create(identity, { oneTimePreKeys: PREKEY_BATCH });
    try {
      const info = await this.api.registrationInfo();
      const pow = info.pow ? await solvePow(info.pow, opts.onPow ?? (() => {})) : undefined;
      await this.api.registerIdentity(handle, identity, { ...(opts.invite ? { invite: opts.invite.trim() } : {}), ...(pow ? { pow } : {}) });
    } catch (e) {
      if (ApiError.is(e, 'user_exists')) throw new Error(`The handle “${handle}” is taken. Try another one.`);
      // Staff-like handles (server/services/reserved-handles.ts): the server says why in words.
      if (ApiError.is(e, 'handle_reserved')) throw new Error(e.detail);
      if (ApiError.is(e, 'invite_required')) throw new Error('This server is invite-only. Enter the invite code you were given.');
      if (ApiError.is(e, 'invite_invalid')) throw new Error('That invite code is unknown, expired or already used. Ask for a new one.');
      if (ApiError.is(e, 'pow_expired') || ApiError.is(e, 'pow_replayed')) throw new Error('The anti-spam check took too long. Press “Create account” again.');
      if (ApiError.is(e, 'rate_limited')) throw new Error('Too many accounts were created from your network recently. Try again later.');
      if (ApiError.is(e, 'network_error')) throw new Error("The server can't be reached. Check your connection.");
      throw new Error(ApiError.is(e) ? e.detail : 'Registration failed.');
    }
    const account: AccountRecord = { userId: handle, identity: serializeIdentity(identity), preKeys: preKeys.serialize(), createdAt: Date.now() };
    await this.store.saveAccount(account);
    this.account = account;
    this.identity = identity;
    this.preKeys = preKeys;
    await this.api.login(handle, identity);
    await this.api.publishBundle(preKeys.bundle(identity));
    this.set({ phase: 'ready', me: handle, banner: null });
    await this.goOnline();
  }

  private async relogin(): Promise<string | null> {
    if (!this.account || !this.identity) return null;
    try {
      return (await this.api.login(this.account.userId, this.identity)).token;
    } catch (e) {
      this.noteBlocked(e);
      return null;
    }
  }

  private async goOnline(): Promise<void> {
    try {
      if (!this.api.token) await this.api.login(this.me, this.identity as IdentityKeyPair);
      this.set({ banner: null });
    } catch (e) {
      if (this.noteBlocked(e)) return;
      this.set({ banner: ApiError.is(e, 'network_error') ? "Offline: the server can't be reached. Retrying…" : `Could not log in: ${ApiError.is(e) ? e.detail : String(e)}` });
      setTimeout(() => void this.goOnline(), 5000);
      return;
    }
    await this.maintainPreKeys().catch(() => undefined);
    void this.blocking.sync().catch(() => undefined);
    // Own-key monitoring: at start and every 10 minutes, the log's entries for this account must be our keys.
    const identity = this.identity as IdentityKeyPair;
    // The MLS credential key is published with this device's key packages (and logged then): it is ours too.
    const credentialKey = await this.mls.credentialPublicKey();
    this.kt.start(this.me, () => [
      { kind: KIND_IDENTITY, key: identityBindingKey(identity.signingPublicKey, identity.dhPublicKey) },
      { kind: KIND_MLS_CREDENTIAL, key: credentialKey },
    ]);
    await this.mls.maintainKeyPackages().catch(() => undefined);
    this.mls.start();
    void this.refreshNotices();
    void this.refreshReports();
    void this.refreshGroups();
    void this.resumeDownloads();
    void this.resendProtocolMessages().catch(() => undefined);
    const scheme = typeof location !== 'undefined' && location.protocol === 'https:' ? 'wss:' : 'ws:';
    const origin = this.baseUrl ? new URL(this.baseUrl) : location;
    this.push = new PushChannel({
      url: `${origin.protocol === 'https:' ? 'wss:' : scheme}//${origin.host}/v1/stream`,
      getToken: async () => this.api.token ?? (await this.relogin()) ?? Promise.reject(new Error('not logged in')),
      onEnvelopes: (envs) => this.receiveBatch(envs),
      onTreeHead: (head) => this.kt.headSeen(head), // own-key check on every new key-log head (docs/TRANSPARENCY.md §6.3)
      onState: (connection) => {
        const back = connection === 'live' && this.state.connection !== 'live';
        this.set({ connection });
        if (back) void this.resendUnsent();
      },
      onServerError: (code) => {
        if (code === 'invalid_token') this.api.token = null;
        if (code === 'account_banned' || code === 'account_suspended') void this.relogin();
      },
    });
    this.push.start();
    // The browser's own "back online" is a second signal that the connection returned (the socket may not have noticed it dropped).
    if (typeof window !== 'undefined' && !this.onlineListener) {
      this.onlineListener = () => void this.resendUnsent();
      window.addEventListener('online', this.onlineListener);
    }
    // Report status and notices change on a moderator's schedule: poll gently. (A restricted account's
    // notices are read once when the restriction is noticed: that path costs a login challenge.)
    this.reportsTimer ??= setInterval(() => {
      if (this.state.standing) return;
      void this.refreshReports();
      void this.refreshNotices();
      void this.refreshGroups();
    }, 10_000);
  }

  /** A suspended/banned answer: remember the standing, stop the live channel, fetch the notices. */
  private noteBlocked(e: unknown): boolean {
    if (!ApiError.is(e) || !e.isAccountBlocked) return false;
    const standing: Standing = {
      code: e.code as Standing['code'],
      detail: e.detail,
      suspendedUntil: e.problem?.suspendedUntil ?? null,
    };
    if (this.state.standing?.code !== standing.code) {
      this.set({ standing });
      this.push?.stop();
      this.mls.stop();
      void this.refreshNotices();
    }
    return true;
  }

  private async maintainPreKeys(): Promise<void> {
    await this.locked(async () => {
      const identity = this.identity as IdentityKeyPair;
      const preKeys = this.preKeys as PreKeyStore;
      const me = await this.api.me();
      const now = Date.now();
      const rotate = preKeys.needsRotation(now);
      if (rotate) preKeys.rotateSignedPreKey(identity, now);
      const fresh = me.oneTimePreKeys < PREKEY_LOW_WATER ? preKeys.generateOneTimePreKeys(PREKEY_BATCH) : [];
      if (!rotate && fresh.length === 0) return;
      // Keep the private halves before publishing the public ones.
      await this.savePreKeys();
      const bundle = preKeys.bundle(identity);
      await this.api.publishBundle({ ...bundle, oneTimePreKeys: fresh.map((k) => ({ id: k.id, publicKey: toBase64Url(k.keyPair.publicKey) })) });
    });
  }

  private async savePreKeys(): Promise<void> {
    const account = { ...(this.account as AccountRecord), preKeys: (this.preKeys as PreKeyStore).serialize() };
    this.account = account;
    await this.store.saveAccount(account);
  }

  private async loadLocal(): Promise<void> {
    const [contacts, messages, groups] = await Promise.all([this.store.contacts(), this.store.messages(), this.store.groups()]);
    const byConversation: Record<string, MessageRecord[]> = {};
    for (const m of messages) if (!isProtocolMessage(m)) (byConversation[m.conversationId] ??= []).push(m);
    for (const list of Object.values(byConversation)) list.sort(byTime);
    this.state = { ...this.state, contacts: contacts.sort((a, b) => b.lastActivity - a.lastActivity), groups: groups.sort((a, b) => b.lastActivity - a.lastActivity), messages: byConversation };
    for (const fn of this.listeners) fn(); // not set(): a reload from the store is not a change to announce
    await this.blocking.load();
  }

  /** Log out and delete every key and message from this browser. */
  async forgetDevice(): Promise<void> {
    this.push?.stop();
    this.mls.stop();
    this.kt.stop();
    if (this.reportsTimer) clearInterval(this.reportsTimer);
    if (this.onlineListener) window.removeEventListener('online', this.onlineListener);
    this.onlineListener = null;
    await this.api.logout().catch(() => undefined);
    await this.store.wipe();
    for (const u of this.fileUrls.values()) void u.then((url) => url?.startsWith('blob:') && URL.revokeObjectURL(url));
    this.fileUrls.clear();
    this.account = null;
    this.identity = null;
    this.preKeys = null;
    this.state = { ...EMPTY, phase: 'welcome' };
    this.set({});
  }

  // ---- Contacts and sessions ----
  private upsertContact(c: ContactRecord): void {
    const others = this.state.contacts.filter((x) => x.peerId !== c.peerId);
    this.set({ contacts: [c, ...others].sort((a, b) => b.lastActivity - a.lastActivity) });
  }

  contact(peerId: string): ContactRecord | undefined {
    return this.state.contacts.find((c) => c.peerId === peerId);
  }

  /** Adds a contact by handle: opens the 1:1 conversation and starts an encrypted session from their prekeys. */
  async addContact(handle: string): Promise<ContactRecord> {
    const typed = handle.trim();
    if (!HANDLE_PATTERN.test(typed)) throw new Error('Handles are 3–32 letters, digits, dots, dashes or underscores.');
    if (typed.toLowerCase() === this.me.toLowerCase()) throw new Error("That's you. Add someone else's handle.");
    let peerId = typed;
    let conversationId: string;
    try {
      peerId = await this.api.lookupAccount(typed); // handles are case-insensitive: "ALICE" is alice
      const existing = this.contact(peerId);
      if (existing) {
        if (existing.request) await this.blocking.accept(peerId); // writing to someone accepts their request
        return this.contact(peerId) as ContactRecord;
      }
      conversationId = (await this.api.createConversation({ kind: 'direct', peerId })).id;
    } catch (e) {
      if (ApiError.is(e, 'not_found')) throw new Error(`No one is registered as “${peerId}”. Check the spelling.`);
      if (this.noteBlocked(e)) throw new Error('Your account is restricted, so you cannot add contacts.');
      throw new Error(ApiError.is(e) ? e.detail : 'Could not add the contact.');
    }
    return this.locked(async () => {
      const contact: ContactRecord = {
        peerId, conversationId, identity: null, verified: false, identityChanged: false, addedAt: Date.now(), lastActivity: Date.now(), unread: 0,
      };
      const session = (await this.store.session(peerId)) ? null : await this.initiate(peerId);
      if (session) contact.identity = identityJson(session.remoteIdentity);
      else contact.identity = (await this.currentRemoteIdentity(peerId)) ?? null;
      await this.store.write([
        { store: 'contacts', value: contact },
        ...(session ? [{ store: 'sessions' as const, value: initiatedSessionRecord(peerId, session) }] : []),
      ]);
      this.upsertContact(contact);
      return contact;
    });
  }

  private async currentRemoteIdentity(peerId: string): Promise<PublicIdentityJson | undefined> {
    const rec = await this.store.session(peerId);
    return rec ? identityJson(currentRemoteIdentity(rec)) : undefined;
  }

  /** X3DH with the peer's published bundle (the signed prekey signature is verified inside). */
  private async initiate(peerId: string): Promise<Session> {
    const bundle = await this.api.fetchBundle(peerId);
    await this.verifyProvenBundle(peerId, bundle);
    return Session.initiate(this.identity as IdentityKeyPair, bundle);
  }

  /**
   * Key transparency (docs/TRANSPARENCY.md §6.1): a fetched key is used only once proven in the public log (1:1
   * sessions, and a non-contact's identity key vouching for a group credential). Throws plain words otherwise.
   */
  private async verifyProvenBundle(peerId: string, bundle: FetchedBundleJson): Promise<void> {
    try {
      await this.kt.verifyBundle(peerId, bundle);
    } catch (e) {
      if (e instanceof KeyTransparencyError) throw new Error(e.message);
      throw new Error(`${peerId}'s key could not be checked against the public key log (the log could not be reached), so it was not used. Try again.`);
    }
  }

  /** Dismisses a key-transparency warning after the user has read it. */
  dismissKtAlarm(id: string): Promise<void> {
    return this.kt.dismiss(id);
  }

  /** Compares key-log views with a contact now (docs/TRANSPARENCY.md §8): sends our newest signed tree head. */
  compareKeyLogs(peerId: string): Promise<void> {
    return this.maybeGossip(peerId, true);
  }

  /** Shares this browser's view of the key log with a contact: when asked, or when due (chat/src/transparency.ts). */
  private async maybeGossip(peerId: string, force = false): Promise<void> {
    const contact = this.contact(peerId);
    if (!contact) return;
    if (contact.request) return; // not before the user accepted: gossip would tell a stranger the request was read
    const bytes = await this.kt.gossipFor(contact.conversationId, { force });
    if (bytes) await this.sendTo({ conversationId: contact.conversationId, recipients: [peerId], peerId, group: false }, toBase64Url(bytes), undefined, 'kt-gossip');
  }

  async markRead(peerId: string): Promise<void> {
    const c = this.contact(peerId);
    if (!c || c.unread === 0) return;
    const next = { ...c, unread: 0 };
    await this.store.write([{ store: 'contacts', value: next }]);
    this.upsertContact(next);
  }

  async setVerified(peerId: string, verified: boolean): Promise<void> {
    const c = this.contact(peerId);
    if (!c) return;
    const next = { ...c, verified, identityChanged: verified ? false : c.identityChanged };
    await this.store.write([{ store: 'contacts', value: next }]);
    this.upsertContact(next);
    // Confirming keys by hand is the moment to compare key-log views too.
    if (verified) void this.maybeGossip(peerId, true).catch(() => undefined);
  }

  /** The 60-digit safety number of this pair, grouped for reading aloud; null before the peer's keys are known. */
  safetyNumber(peerId: string): string | null {
    const c = this.contact(peerId);
    if (!c?.identity || !this.identity) return null;
    const mine = { userId: this.me, identity: { signingKey: this.identity.signingPublicKey, dhKey: this.identity.dhPublicKey } };
    const theirs = { userId: peerId, identity: { signingKey: fromBase64Url(c.identity.signingKey), dhKey: fromBase64Url(c.identity.dhKey) } };
    return formatSafetyNumber(safetyNumber(mine, theirs));
  }

  // ---- Sending ----
  private putMessage(m: MessageRecord, opts: { replaceId?: string } = {}): void {
    if (isProtocolMessage(m)) return;
    const list = (this.state.messages[m.conversationId] ?? []).filter((x) => x.id !== m.id && x.id !== opts.replaceId);
    list.push(m);
    list.sort(byTime);
    this.set({ messages: { ...this.state.messages, [m.conversationId]: list } });
  }

  /** Sends to a 1:1 contact: text, an attachment, or both. */
  async send(peerId: string, text: string, file?: OutgoingFile): Promise<void> {
    const contact = this.contact(peerId);
    if (!contact) throw new Error('unknown contact');
    await this.sendTo({ conversationId: contact.conversationId, recipients: [peerId], peerId, group: false }, text, file);
    void this.maybeGossip(peerId).catch(() => undefined);
  }

  /** Sends to a group: franked once, MLS-encrypted once for every member (§12, ./groups.ts). */
  async sendGroup(conversationId: string, text: string, file?: OutgoingFile): Promise<void> {
    const g = this.group(conversationId);
    if (!g?.active) throw new Error("Not sent: you're no longer a member of this group.");
    if (g.forkedAt !== undefined) throw new Error('Not sent: members of this group were shown different histories. Start a new group.');
    await this.sendTo({ conversationId, recipients: [], peerId: '', group: true }, text, file);
  }

  /**
   * Uploads the attachment (encrypted while uploading: only ciphertext leaves), then franks once, seals for
   * every recipient and stores everything before it leaves; then hands it to the relay.
   */
  private async sendTo(
    t: { conversationId: string; recipients: string[]; peerId: string; group: boolean }, text: string, file?: OutgoingFile, kind?: 'group-info' | 'kt-gossip',
  ): Promise<void> {
    const body = kind ? text : text.trim();
    if (!body && !file) return;
    if (file && file.data.size > MAX_ATTACHMENT_BYTES) throw new Error(tooLargeMessage(file.data.size));
    const attachments: AttachmentDescriptor[] = [];
    let plaintext: Uint8Array | null = null;
    if (file) {
      plaintext = new Uint8Array(await file.data.arrayBuffer());
      try {
        attachments.push(await this.api.uploadAttachment(t.conversationId, plaintext, file.mediaType || 'application/octet-stream', { maxSize: MAX_ATTACHMENT_BYTES }));
      } catch (e) {
        this.noteBlocked(e);
        if (ApiError.is(e, 'payload_too_large') || AttachmentError.is(e, 'too_large')) throw new Error(tooLargeMessage(file.data.size));
        if (ApiError.is(e, 'quota_exceeded')) throw new Error('Not sent: you have used your attachment storage for now. Try again once your recent files were delivered.');
        throw new Error(describeSendError(e).text.replace('Not sent:', 'The file was not sent:'));
      }
    }
    if (t.group) {
      // Key-log gossip is pairwise (docs/TRANSPARENCY.md §8); in a group only the group-info kind exists.
      const sealed = await this.mls.seal(t.conversationId, body, attachments, kind === 'group-info' ? kind : undefined);
      if (plaintext && file) await this.store.write([{ store: 'files', value: { id: `${sealed.id}#0`, messageId: sealed.id, index: 0, data: new Blob([plaintext as Uint8Array<ArrayBuffer>], { type: file.mediaType }) } }]);
      const withFile: MessageRecord = file ? { ...sealed, attachments: [{ mediaType: attachments[0]?.mediaType ?? file.mediaType, size: file.data.size, status: 'ready' as const }] } : sealed;
      if (file) await this.store.write([{ store: 'messages', value: withFile }]);
      this.putMessage(withFile);
      return this.deliver(withFile);
    }
    const message = await this.locked(async () => {
      const sessions = new Map<string, Session>();
      const records = new Map<string, SessionRecord>();
      for (const id of t.recipients) {
        const rec = (await this.store.session(id)) ?? initiatedSessionRecord(id, await this.initiate(id));
        records.set(id, rec);
        sessions.set(id, currentSession(rec));
      }
      const chainState = await this.store.chain(t.conversationId);
      const chain = chainState ? SenderChain.fromJSON(chainState) : new SenderChain(t.conversationId, this.me);
      // A key-log gossip message carries the gossip bytes themselves (docs/TRANSPARENCY.md §8), passed here as base64url.
      const bodyBytes = kind === 'kt-gossip' ? fromBase64Url(body) : utf8(body);
      const contentType = kind === 'kt-gossip' ? KT_GOSSIP_CONTENT_TYPE : TEXT_TYPE;
      const franked = chain.frank(bodyBytes, { contentType, attachments });
      // The commitment travels beside the session ciphertext (§5); one ciphertext for the peer.
      const envelopes = t.recipients.map((id) => ({ recipientId: id, ciphertext: toBase64Url((sessions.get(id) as Session).sendFranked(franked).message) }));
      const clientMessageId = toBase64Url(franked.header.clientMessageId);
      const m: MessageRecord = {
        id: `local:${clientMessageId}`,
        conversationId: t.conversationId,
        peerId: t.peerId,
        direction: 'out',
        senderId: this.me,
        text: kind === 'kt-gossip' ? `You shared your view of the key log with ${t.peerId}.` : body,
        sentAt: franked.header.sentAt,
        serverTime: null,
        seq: franked.header.seq,
        state: 'sending',
        ...(kind ? { kind } : {}),
        ...(file ? { attachments: [{ mediaType: attachments[0]?.mediaType ?? file.mediaType, size: file.data.size, status: 'ready' as const }] } : {}),
        pending: {
          commitment: toBase64Url(franked.commitment),
          envelopes,
          clientMessageId,
          fk: toBase64Url(franked.fk),
          header: toBase64Url(franked.headerBytes),
          body: toBase64Url(bodyBytes),
        },
      };
      const ops: Parameters<ChatStorage['write']>[0] = [];
      for (const [id, rec] of records) ops.push({ store: 'sessions', value: withCurrentSession(rec, sessions.get(id) as Session) });
      ops.push({ store: 'chains', value: chain.toJSON() }, { store: 'messages', value: m });
      if (plaintext && file) ops.push({ store: 'files', value: { id: `${m.id}#0`, messageId: m.id, index: 0, data: new Blob([plaintext as Uint8Array<ArrayBuffer>], { type: file.mediaType }) } });
      const contact = this.contact(t.peerId);
      if (contact) ops.push({ store: 'contacts', value: { ...contact, lastActivity: Date.now() } });
      // Sessions, chain and message in one transaction: a crash cannot leave a used ratchet key or a
      // sequence number without the message that consumed it.
      await this.store.write(ops);
      if (contact) this.upsertContact({ ...contact, lastActivity: Date.now() });
      this.putMessage(m);
      return m;
    });
    await this.deliver(message);
  }

  /**
   * The connection returned: resend every message that failed only because the server could not be reached.
   * Exactly the stored bytes with the same clientMessageId, so the relay answers a send it had already accepted
   * (response lost) with the original result instead of delivering it twice (docs/SCALING.md "Idempotent send").
   */
  async resendUnsent(): Promise<void> {
    if (!this.account || this.state.standing) return;
    // The first time after start-up, also what was still "Sending…" when this page last closed (it never heard back).
    const afterStart = !this.resumedAfterStart;
    this.resumedAfterStart = true;
    const unsent = Object.values(this.state.messages).flat().filter((m) => m.direction === 'out' && m.pending && !this.resending.has(m.id)
      && ((m.state === 'failed' && m.errorCode === 'network_error') || (afterStart && m.state === 'sending')));
    for (const m of unsent.sort(byTime)) {
      this.resending.add(m.id);
      try {
        await this.deliver({ ...m, resent: true });
      } finally {
        this.resending.delete(m.id);
      }
    }
  }

  /** Sends (or re-sends) exactly the stored ciphertexts and commitment: same seq, so no gap in the chain. */
  async deliver(m: MessageRecord): Promise<void> {
    const p = m.pending;
    if (!p) return;
    if (m.state !== 'sending') {
      m = { ...m, state: 'sending' };
      delete m.error;
      delete m.errorCode;
      this.putMessage(m);
    }
    const envelopes = p.envelopes ?? [{ recipientId: m.peerId, ciphertext: p.ciphertext as string }];
    try {
      const sent = m.group
        ? await this.mls.deliver(m)
        : await this.api.send({ conversationId: m.conversationId, commitment: p.commitment, clientMessageId: p.clientMessageId, envelopes });
      const item: ReportItemJson = { stamp: sent.stamp, commitment: p.commitment, fk: p.fk, header: p.header, body: p.body };
      const done: MessageRecord = { ...m, state: 'sent', serverTime: sent.serverTime, item };
      delete done.pending;
      await this.store.write([{ store: 'messages', value: done }]);
      this.putMessage(done);
    } catch (e) {
      this.noteBlocked(e);
      if (m.group && ApiError.is(e, 'stale_epoch')) await this.mls.syncNow().catch(() => undefined);
      // A ban ends the session: the send then fails as invalid_token and re-login as account_banned.
      const standing = this.state.standing;
      const { text, code } = describeSendError(standing && ApiError.is(e) && e.status === 401 ? standingError(standing) : e);
      const failed: MessageRecord = { ...m, state: 'failed', error: text, errorCode: code };
      await this.store.write([{ store: 'messages', value: failed }]);
      this.putMessage(failed);
    }
  }

  // ---- Groups ----
  group(conversationId: string): GroupRecord | undefined {
    return this.state.groups.find((g) => g.conversationId === conversationId);
  }

  private upsertGroup(g: GroupRecord): void {
    const others = this.state.groups.filter((x) => x.conversationId !== g.conversationId);
    this.set({ groups: [g, ...others].sort((a, b) => b.lastActivity - a.lastActivity) });
  }

  private parseHandles(raw: string): string[] {
    const handles = [...new Set(raw.split(/[\s,;]+/).map((h) => h.trim().replace(/^@/, '')).filter(Boolean))];
    for (const h of handles) if (!HANDLE_PATTERN.test(h)) throw new Error(`“${h}” is not a handle: use 3–32 letters, digits, dots, dashes or underscores.`);
    return handles.filter((h) => h !== this.me);
  }

  /** Creates an MLS group: this user alone, then one Commit adding the members; its name travels franked. */
  async createGroup(name: string, membersRaw: string): Promise<GroupRecord> {
    const title = name.trim();
    if (!title) throw new Error('Give the group a name.');
    if (title.length > GROUP_NAME_MAX) throw new Error(`Group names are at most ${GROUP_NAME_MAX} characters.`);
    const members = this.parseHandles(membersRaw);
    if (members.length === 0) throw new Error('Add at least one other member by handle.');
    const g = await this.mls.create(title, members);
    await this.sendGroupInfo(g.conversationId);
    return this.group(g.conversationId) ?? g;
  }

  /** The group's name travels end-to-end encrypted and franked, like any message (new members learn it too). */
  private async sendGroupInfo(conversationId: string): Promise<void> {
    const g = this.group(conversationId);
    if (!g || g.members.length < 2) return;
    await this.sendTo({ conversationId, recipients: [], peerId: '', group: true }, JSON.stringify({ name: g.name }), undefined, 'group-info');
  }

  /**
   * Renames the group (creator and admins): a franked, end-to-end encrypted group-info message like the first name,
   * marked as a rename; every member's client applies it only from a creator or admin (docs/PROTOCOL.md §12.11).
   */
  async renameGroup(conversationId: string, name: string): Promise<void> {
    const title = name.trim();
    const g = this.group(conversationId);
    if (!g?.active) throw new Error("You're no longer a member of this group.");
    if (!title) throw new Error('Give the group a name.');
    if (title.length > GROUP_NAME_MAX) throw new Error(`Group names are at most ${GROUP_NAME_MAX} characters.`);
    if (title === g.name) return;
    const role = g.members.find((m) => m.accountId === this.me)?.role;
    if (role !== 'creator' && role !== 'admin') throw new Error("Only the group's creator and admins can rename it.");
    await this.sendTo({ conversationId, recipients: [], peerId: '', group: true }, JSON.stringify({ name: title, rename: true }), undefined, 'group-info');
    const now = this.group(conversationId);
    if (now) {
      const next = { ...now, name: title };
      await this.store.write([{ store: 'groups', value: next }]);
      this.upsertGroup(next);
    }
  }

  /** Adds members by MLS Commit (creator and admins; every member's client checks it). */
  async addMembers(conversationId: string, membersRaw: string): Promise<void> {
    const members = this.parseHandles(membersRaw);
    if (members.length === 0) throw new Error('Type the handles of the people to add.');
    await this.mls.add(conversationId, members);
    await this.sendGroupInfo(conversationId);
  }

  /** Removes a member by Commit (creator/admins), or leaves the group when `accountId` is this user. */
  async removeMember(conversationId: string, accountId: string): Promise<void> {
    await this.mls.remove(conversationId, accountId);
  }

  async setAdmin(conversationId: string, accountId: string, admin: boolean): Promise<void> {
    await this.mls.setAdmin(conversationId, accountId, admin);
  }

  /** Whether a member's group key names the identity key of this user's contact with them (null: not a contact). */
  groupKeyMatchesContact(conversationId: string, accountId: string): Promise<boolean | null> {
    return this.mls.keyMatchesContact(conversationId, accountId);
  }

  /** Processes what waits in the group inbox (membership changes, messages). */
  async refreshGroup(_conversationId?: string): Promise<void> {
    if (!this.api.token || this.state.standing) return;
    await this.mls.syncNow().catch(() => undefined);
  }

  async refreshGroups(): Promise<void> {
    await this.refreshGroup();
  }

  async markGroupRead(conversationId: string): Promise<void> {
    const g = this.group(conversationId);
    if (!g || g.unread === 0) return;
    const next = { ...g, unread: 0 };
    await this.store.write([{ store: 'groups', value: next }]);
    this.upsertGroup(next);
  }

  /** Direct or group: from local records, else asked of the server (first message of a new conversation). */
  private async conversationKind(conversationId: string): Promise<'direct' | 'group'> {
    if (this.state.contacts.some((c) => c.conversationId === conversationId)) return 'direct';
    if (this.group(conversationId)) return 'group';
    try {
      return (await this.api.getConversation(conversationId)).kind;
    } catch (e) {
      // Only a group can stop being ours.
      if (!ApiError.is(e, 'not_found')) throw e;
      return 'group';
    }
  }

  // ---- Attachments ----
  /**
   * A verified attachment as a URL (null while it is not stored here): images as data: URLs (the page's CSP
   * allows `img-src 'self' data:` only), other files as object URLs for the download link.
   */
  attachmentUrl(messageId: string, index: number): Promise<string | null> {
    const key = `${messageId}#${index}`;
    let p = this.fileUrls.get(key);
    if (!p) {
      p = this.store.file(messageId, index).then((f) => (!f ? null : f.data.type.startsWith('image/') ? dataUrl(f.data) : URL.createObjectURL(f.data)));
      p.then((u) => u === null && this.fileUrls.delete(key), () => this.fileUrls.delete(key));
      this.fileUrls.set(key, p);
    }
    return p;
  }

  /** Downloads, verifies (key commitment, every chunk, size, digest) and stores a message's attachments; only then are they shown. */
  private async fetchAttachments(messageId: string): Promise<void> {
    const m = await this.store.message(messageId);
    if (!m?.item || !m.attachments) return;
    const descriptors = decodeHeader(fromBase64Url(m.item.header, 'header')).attachments;
    const states: AttachmentState[] = [...m.attachments];
    for (const [i, d] of descriptors.entries()) {
      const st = states[i];
      if (!st || st.status === 'ready') continue;
      if (d.size > MAX_ATTACHMENT_BYTES) {
        states[i] = { ...st, status: 'failed', error: `Too large to open here (${formatBytes(d.size)}).` };
        continue;
      }
      try {
        const bytes = await this.api.downloadAttachment(d);
        await this.store.write([{ store: 'files', value: { id: `${m.id}#${i}`, messageId: m.id, index: i, data: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: d.mediaType }) } }]);
        states[i] = { mediaType: st.mediaType, size: st.size, status: 'ready' };
      } catch (e) {
        if (ApiError.is(e, 'network_error')) continue; // tried again on the next start
        states[i] = {
          ...st, status: 'failed',
          error: e instanceof AttachmentError
            ? 'This file did not match what the sender committed to, so it was discarded.'
            : ApiError.is(e, 'not_found') ? 'This file is no longer on the server.' : 'This file could not be downloaded.',
        };
      }
    }
    const latest = (await this.store.message(messageId)) ?? m;
    const next = { ...latest, attachments: states };
    await this.store.write([{ store: 'messages', value: next }]);
    this.putMessage(next);
  }

  /**
   * Protocol messages are not shown, so nobody presses Retry on one that failed: sent again at start with the same
   * ciphertext and seq (docs/PROTOCOL.md §8.4), or the peer would see a gap in this sender's chain where it sits.
   */
  private async resendProtocolMessages(): Promise<void> {
    for (const m of await this.store.messages()) if (isProtocolMessage(m) && m.pending && m.direction === 'out') await this.deliver(m);
  }

  private async resumeDownloads(): Promise<void> {
    for (const m of Object.values(this.state.messages).flat()) {
      if (m.direction === 'in' && m.attachments?.some((a) => a.status === 'loading')) await this.fetchAttachments(m.id).catch(() => undefined);
    }
  }

  // ---- Receiving ----
  private async receiveBatch(envelopes: EnvelopeJson[]): Promise<string[]> {
    const done: string[] = [];
    for (const env of envelopes) {
      try {
        if (await this.locked(() => this.receive(env))) done.push(env.id);
      } catch {
        // Left unacknowledged: pushed again on the next connection.
      }
    }
    return done;
  }

  /** Decrypts one envelope, opens its commitment, stores it; true when it may be acknowledged. */
  private async receive(env: EnvelopeJson): Promise<boolean> {
    const stamp = env.stamp;
    if (stamp.role !== 'recipient' || stamp.recipientId !== this.me) return true;
    if (this.blocking.isBlocked(stamp.senderId)) return true; // blocked: acknowledged and dropped unread
    if (await this.store.message(stamp.messageId)) return true; // already stored (ack was lost)
    // Groups are MLS only (./groups.ts): the relay refuses 1:1 envelopes for a group (400 group_requires_mls), so
    // one that still names a group is not ours to show — dropped before it touches a session.
    if ((await this.conversationKind(stamp.conversationId)) === 'group') return true;
    const peerId = stamp.senderId;
    const envelope = { commitment: fromBase64Url(env.commitment, 'commitment'), message: fromBase64Url(env.ciphertext, 'ciphertext') };
    const expect = { conversationId: stamp.conversationId, senderId: peerId };
    // Current session, then the archived ones; a prekey message may start a new one (docs/PROTOCOL-sessions.md §S16).
    const result = receiveWithSessionRecord(await this.store.session(peerId), envelope, {
      localUserId: this.me, peerId, identity: this.identity as IdentityKeyPair, preKeys: this.preKeys as PreKeyStore, expect,
    });
    if (result.status === 'replay') return true;
    let next: SessionRecord | null = result.status === 'opened' ? result.record : null;
    const receipt = result.status === 'opened' ? result.receipt : null;
    let remote: PublicIdentityJson | null = result.status === 'opened' ? identityJson(result.remoteIdentity) : null;
    const preKeysChanged = result.status === 'opened' && result.usedPreKey;

    // docs/TRANSPARENCY.md §6.1: the sender's identity key must be the one proven in the public key log, as on the send
    // path — a new session from anyone, a message request, a known contact whose key changed — before the message is
    // shown or the session kept (a reply must never be encrypted to a key the log does not hold).
    let refused = false;
    if (receipt?.status === 'accepted' && remote) {
      try {
        refused = !(await this.senderKeyProven(peerId, remote));
      } catch (e) {
        // The log or directory could not be reached: nothing is kept, the envelope stays unacknowledged and comes back.
        this.preKeys = PreKeyStore.deserialize((this.account as AccountRecord).preKeys);
        throw e;
      }
      if (refused) {
        next = null;
        remote = null;
      }
    }
    const contact = await this.contactForIncoming(peerId, stamp.conversationId, remote);
    const ops: Parameters<ChatStorage['write']>[0] = [];
    if (next) ops.push({ store: 'sessions', value: next });
    if (preKeysChanged) {
      this.account = { ...(this.account as AccountRecord), preKeys: (this.preKeys as PreKeyStore).serialize() };
      ops.push({ store: 'meta', key: 'account', value: this.account });
    }
    let message: MessageRecord;
    let gossip = false;
    if (receipt?.status === 'accepted' && refused) {
      message = {
        id: stamp.messageId, conversationId: stamp.conversationId, peerId, direction: 'system', senderId: peerId, sentAt: Date.now(), serverTime: stamp.serverTime, seq: null,
        text: `${peerId}: ${UNPROVEN_SENDER_TEXT}. Someone may be posing as ${peerId}: compare safety numbers with them in person before you trust new messages.`,
      };
    } else if (receipt?.status === 'accepted') {
      const opened = receipt.message;
      gossip = opened.header.contentType === KT_GOSSIP_CONTENT_TYPE;
      let text = '';
      try {
        // Gossip is a protocol message (docs/PROTOCOL.md §8.4): compared, kept for reports, never shown; alarms are banners.
        if (gossip) await this.kt.receiveGossip(peerId, opened.body);
        else text = opened.header.contentType.startsWith('text/plain') ? fromUtf8(opened.body) : '(a message this app cannot display)';
      } catch {
        text = gossip ? '' : '(a message that is not valid text)';
      }
      const attachments = opened.header.attachments;
      message = {
        id: stamp.messageId, conversationId: stamp.conversationId, peerId, direction: 'in', senderId: peerId, text,
        sentAt: opened.header.sentAt, serverTime: stamp.serverTime, seq: opened.header.seq,
        ...(gossip ? { kind: 'kt-gossip' as const } : {}),
        ...(attachments.length ? { attachments: attachments.map((a) => ({ mediaType: a.mediaType, size: a.size, status: 'loading' as const })) } : {}),
        item: { stamp, commitment: env.commitment, fk: toBase64Url(opened.fk), header: toBase64Url(opened.headerBytes), body: toBase64Url(opened.body) },
      };
    } else {
      message = {
        id: stamp.messageId, conversationId: stamp.conversationId, peerId, direction: 'system', senderId: peerId, sentAt: Date.now(),
        serverTime: stamp.serverTime, seq: null,
        text: receipt?.status === 'dropped'
          ? `A message from ${peerId} was dropped: it did not match its franking commitment, so it could never have been reported.`
          : `A message from ${peerId} could not be decrypted and was discarded.`,
      };
    }
    ops.push({ store: 'messages', value: message });
    const bump = message.direction === 'in' && !gossip ? 1 : 0;
    const updated = gossip ? contact : { ...contact, lastActivity: Date.now(), unread: contact.unread + bump };
    ops.push({ store: 'contacts', value: updated });
    await this.store.write(ops);
    this.upsertContact(updated);
    this.putMessage(message);
    if (message.attachments) void this.fetchAttachments(message.id).catch(() => undefined);
    // Views of the key log are exchanged when a conversation starts (docs/TRANSPARENCY.md §8): answer the first gossip.
    if (gossip) void this.maybeGossip(peerId).catch(() => undefined);
    return true;
  }

  /**
   * Whether `remote` is the identity key the public key log holds for `peerId` (docs/TRANSPARENCY.md §6.1): known when
   * proven before, else fetched from the directory with its inclusion proof. False: not proven (no proof, a proof for
   * another key, a log that contradicts itself). Throws when the directory or the log cannot be reached.
   */
  private async senderKeyProven(peerId: string, remote: PublicIdentityJson): Promise<boolean> {
    const key = toBase64Url(new Uint8Array([...fromBase64Url(remote.signingKey, 'signingKey'), ...fromBase64Url(remote.dhKey, 'dhKey')]));
    if (await this.kt.isProven(peerId, key)) return true;
    let bundle: FetchedBundleJson;
    try {
      bundle = await this.api.fetchBundle(peerId);
    } catch (e) {
      if (ApiError.is(e, 'not_found')) return false;
      throw e;
    }
    try {
      await this.kt.verifySender(peerId, bundle, remote);
      return true;
    } catch (e) {
      if (e instanceof KeyTransparencyError) return false;
      throw e;
    }
  }

  /** The contact a message comes from; created on first contact, flagged when the peer's keys changed. */
  private async contactForIncoming(peerId: string, conversationId: string, remote: PublicIdentityJson | null): Promise<ContactRecord> {
    const existing = this.contact(peerId);
    if (!existing) {
      // Someone you never wrote to: a message request, not an open chat (chat/src/blocking.ts).
      return { peerId, conversationId, identity: remote, verified: false, identityChanged: false, addedAt: Date.now(), lastActivity: Date.now(), unread: 0, request: true };
    }
    if (remote && existing.identity && !sameIdentity(existing.identity, remote)) {
      return { ...existing, identity: remote, verified: false, identityChanged: true };
    }
    return remote && !existing.identity ? { ...existing, identity: remote } : existing;
  }

  // ---- Reports ----
  /** The messages offered as context around `messageId`: the reported one, plus neighbours with an opening. */
  contextCandidates(messageId: string): ContextCandidate[] {
    const all = Object.values(this.state.messages).flat();
    const target = all.find((m) => m.id === messageId);
    if (!target) return [];
    const list = (this.state.messages[target.conversationId] ?? []).filter((m) => m.item && m.direction !== 'system');
    const at = list.findIndex((m) => m.id === messageId);
    return list.slice(Math.max(0, at - CONTEXT_BEFORE), at + CONTEXT_AFTER + 1).map((m) => ({ message: m, isReported: m.id === messageId }));
  }

  /** Reveals the chosen messages' openings (read from this browser's storage) to the server for moderators. */
  async submitReport(input: { messageId: string; category: ReportCategory; comment: string; contextIds: string[] }): Promise<SubmittedReport> {
    const reported = await this.store.message(input.messageId);
    if (!reported?.item) throw new Error('This message can no longer be reported from this device.');
    const context: ReportItemJson[] = [];
    // Report item positions: 0 the reported message, then the context in the order sent.
    const revealed: MessageRecord[] = [reported];
    for (const id of input.contextIds) {
      if (id === input.messageId) continue;
      const m = await this.store.message(id);
      if (m?.item) {
        context.push(m.item);
        revealed.push(m);
      }
    }
    const protocol = await this.protocolMessagesWithin(revealed);
    for (const m of protocol) {
      context.push(m.item as ReportItemJson);
      revealed.push(m);
    }
    const comment = input.comment.trim();
    let detail: ReportDetailJson;
    try {
      detail = await this.api.submitReport({ category: input.category, ...(comment ? { comment } : {}), reported: reported.item, context });
    } catch (e) {
      this.noteBlocked(e);
      throw new Error(ApiError.is(e) ? (e.code === 'network_error' ? "The server can't be reached; your report was not sent." : `The report was not accepted: ${e.detail}`) : 'The report could not be sent.');
    }
    const marked = { ...reported, reportId: detail.id };
    await this.store.write([{ store: 'messages', value: marked }]);
    this.putMessage(marked);
    void this.refreshReports();
    const attachments = revealed.some((m) => m.attachments?.length) ? await this.provideEvidence(detail.id, revealed).catch(() => null) : [];
    return { ...detail, attachments, protocolItems: protocol.length };
  }

  /**
   * docs/PROTOCOL.md §8.4: the protocol messages (key-log gossip) a revealed sender sent between its first and last
   * revealed message in the conversation. They are revealed with the context, never chosen: they carry only signed
   * tree heads, and without them the sender's sequence numbers would show a gap where they sit.
   */
  private async protocolMessagesWithin(revealed: readonly MessageRecord[]): Promise<MessageRecord[]> {
    const conversationId = revealed[0]?.conversationId;
    const span = new Map<string, { first: number; last: number }>();
    for (const m of revealed) {
      if (m.seq === null || m.conversationId !== conversationId) continue;
      const s = span.get(m.senderId);
      span.set(m.senderId, { first: Math.min(s?.first ?? m.seq, m.seq), last: Math.max(s?.last ?? m.seq, m.seq) });
    }
    const ids = new Set(revealed.map((m) => m.id));
    return (await this.store.messages()).filter((m) => {
      const s = span.get(m.senderId);
      return isProtocolMessage(m) && m.item && m.conversationId === conversationId && !ids.has(m.id) && s !== undefined && m.seq !== null && m.seq > s.first && m.seq < s.last;
    });
  }

  /**
   * The server verifies a reported attachment from its blob when it still has it; once every recipient
   * fetched it the blob is gone, and this browser re-creates the exact ciphertext from the file it verified
   * and shows (deterministic re-encryption under the committed key, §11.5) and uploads it as evidence.
   */
  private async provideEvidence(reportId: string, revealed: MessageRecord[]): Promise<ReportAttachmentJson[]> {
    const list = await this.api.reportAttachments(reportId);
    let uploaded = false;
    for (const a of list) {
      if (a.status === 'verified') continue;
      const m = revealed[a.position];
      const f = m ? await this.store.file(m.id, a.index) : undefined;
      const d = m?.item ? decodeHeader(fromBase64Url(m.item.header, 'header')).attachments[a.index] : undefined;
      if (!f || !d) continue;
      await this.api.uploadReportEvidence(reportId, a.position, a.index, d, new Uint8Array(await f.data.arrayBuffer())).catch(() => undefined);
      uploaded = true;
    }
    return uploaded ? this.api.reportAttachments(reportId) : list;
  }

  async refreshReports(): Promise<void> {
    if (!this.api.token || this.state.standing) return;
    try {
      this.set({ reports: await this.api.listReports() });
    } catch (e) {
      this.noteBlocked(e);
    }
  }

  async reportDetail(reportId: string): Promise<ReportDetailJson> {
    return this.api.getReport(reportId);
  }

  /** Appeal a warning/suspension/ban notice; then watch for the outcome (an overturn lifts the restriction at once). */
  async appeal(noticeId: number, statement: string): Promise<{ id: string; status: string }> {
    const r = await fileAppeal(this.api, this.me, this.identity as IdentityKeyPair, this.state.standing !== null, noticeId, statement);
    this.appealTimer ??= setInterval(() => void this.checkAppealOutcome(), 15_000);
    return r;
  }

  /** Polls notices until the appeal outcome arrives; an overturn means the account may send again: go back online. */
  async checkAppealOutcome(): Promise<void> {
    await this.refreshNotices();
    const last = this.state.notices[this.state.notices.length - 1];
    if (last?.kind !== 'appeal_outcome') return;
    if (this.appealTimer) clearInterval(this.appealTimer);
    this.appealTimer = null;
    if (last.appealResult === 'overturned' && this.state.standing) {
      this.set({ standing: null });
      await this.goOnline();
    }
  }

  async refreshNotices(): Promise<void> {
    if (!this.account || !this.identity) return;
    try {
      const notices = await fetchNotices(this.api, this.me, this.identity, this.state.standing !== null);
      if (notices) this.set({ notices });
    } catch (e) {
      this.noteBlocked(e);
    }
  }
}
