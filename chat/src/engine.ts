// The chat client without React: account, sessions, franked sending and receiving, reports. Every
// cryptographic step runs in this page; the server sees ciphertext, commitments and stamps, and plaintext
// only in the items of a report the user confirms. UI code reads `snapshot` and calls the methods below.
import { ApiClient, ApiError, type EnvelopeJson, type ReportCategory } from '../../client/api.ts';
import { fromUtf8, utf8 } from '../../client/_bytes.ts';
import { deserializeIdentity, generateIdentity, type IdentityKeyPair, serializeIdentity } from '../../client/identity.ts';
import { PreKeyStore } from '../../client/prekeys.ts';
import { SenderChain, fromBase64Url, toBase64Url, type ReportItemJson } from '../../client/protocol.ts';
import { PushChannel, type PushState } from '../../client/push.ts';
import { formatSafetyNumber, safetyNumber } from '../../client/safety-number.ts';
import { SessionError } from '../../client/session-errors.ts';
import { Session, isPreKeyMessage } from '../../client/session.ts';
import type { ReportDetailJson, ReportSummaryJson } from '../../client/api.ts';
import { type AccountRecord, ChatStorage, type ContactRecord, type MessageRecord, type PublicIdentityJson, type SessionRecord } from './storage.ts';
import { type NoticeJson, fetchNotices } from './notices.ts';

export const HANDLE_PATTERN = /^[A-Za-z0-9._-]{3,32}$/;
/** One-time prekeys uploaded at registration and whenever the directory runs low. */
const PREKEY_BATCH = 100;
const PREKEY_LOW_WATER = 20;
/** Context offered around a reported message (each side), within the server's limit of 50 items. */
export const CONTEXT_BEFORE = 12;
export const CONTEXT_AFTER = 8;
const MAX_PREVIOUS_SESSIONS = 3;

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
  /** By conversation id, oldest first. */
  messages: Readonly<Record<string, readonly MessageRecord[]>>;
  reports: readonly ReportSummaryJson[];
  notices: readonly NoticeJson[];
}

export interface ContextCandidate {
  message: MessageRecord;
  isReported: boolean;
}

const EMPTY: Snapshot = {
  phase: 'loading', me: null, banner: null, connection: 'idle', standing: null, contacts: [], messages: {}, reports: [], notices: [],
};

const identityJson = (s: { signingKey: Uint8Array; dhKey: Uint8Array }): PublicIdentityJson => ({ signingKey: toBase64Url(s.signingKey), dhKey: toBase64Url(s.dhKey) });
const sameIdentity = (a: PublicIdentityJson, b: PublicIdentityJson) => a.signingKey === b.signingKey && a.dhKey === b.dhKey;
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
      return { text: "Not sent: the server can't be reached. Check your connection, then retry.", code: e.code };
    case 'rate_limited':
      return { text: "Not sent: you're sending very fast. Wait a moment, then retry.", code: e.code };
    case 'not_a_member':
      return { text: "Not sent: you're not a member of this conversation.", code: e.code };
    default:
      return { text: `Not sent: ${e.detail}`, code: e.code };
  }
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

  constructor(private readonly baseUrl = '') {
    this.api = new ApiClient({ baseUrl, refreshToken: () => this.relogin() });
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
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
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
    this.set({ phase: 'ready', me: account.userId });
    await this.goOnline();
  }

  /** Creates the identity and prekeys here, keeps them in IndexedDB, registers only the public halves. */
  async register(handle: string): Promise<void> {
    if (!HANDLE_PATTERN.test(handle)) throw new Error('Use 3–32 letters, digits, dots, dashes or underscores.');
    const identity = generateIdentity();
    const preKeys = PreKeyStore.create(identity, { oneTimePreKeys: PREKEY_BATCH });
    try {
      await this.api.registerIdentity(handle, identity);
    } catch (e) {
      if (ApiError.is(e, 'user_exists')) throw new Error(`The handle “${handle}” is taken. Try another one.`);
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
    void this.refreshNotices();
    void this.refreshReports();
    const scheme = typeof location !== 'undefined' && location.protocol === 'https:' ? 'wss:' : 'ws:';
    const origin = this.baseUrl ? new URL(this.baseUrl) : location;
    this.push = new PushChannel({
      url: `${origin.protocol === 'https:' ? 'wss:' : scheme}//${origin.host}/v1/stream`,
      getToken: async () => this.api.token ?? (await this.relogin()) ?? Promise.reject(new Error('not logged in')),
      onEnvelopes: (envs) => this.receiveBatch(envs),
      onState: (connection) => this.set({ connection }),
      onServerError: (code) => {
        if (code === 'invalid_token') this.api.token = null;
        if (code === 'account_banned' || code === 'account_suspended') void this.relogin();
      },
    });
    this.push.start();
    // Report status and notices change on a moderator's schedule: poll gently. (A restricted account's
    // notices are read once when the restriction is noticed: that path costs a login challenge.)
    this.reportsTimer ??= setInterval(() => {
      if (this.state.standing) return;
      void this.refreshReports();
      void this.refreshNotices();
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
    const [contacts, messages] = await Promise.all([this.store.contacts(), this.store.messages()]);
    const byConversation: Record<string, MessageRecord[]> = {};
    for (const m of messages) (byConversation[m.conversationId] ??= []).push(m);
    for (const list of Object.values(byConversation)) list.sort(byTime);
    this.set({ contacts: contacts.sort((a, b) => b.lastActivity - a.lastActivity), messages: byConversation });
  }

  /** Log out and delete every key and message from this browser. */
  async forgetDevice(): Promise<void> {
    this.push?.stop();
    if (this.reportsTimer) clearInterval(this.reportsTimer);
    await this.api.logout().catch(() => undefined);
    await this.store.wipe();
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
    const peerId = handle.trim();
    if (!HANDLE_PATTERN.test(peerId)) throw new Error('Handles are 3–32 letters, digits, dots, dashes or underscores.');
    if (peerId === this.me) throw new Error("That's you. Add someone else's handle.");
    const existing = this.contact(peerId);
    if (existing) return existing;
    let conversationId: string;
    try {
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
        ...(session ? [{ store: 'sessions' as const, value: { peerId, current: session.serialize(), previous: [], heardBack: false } satisfies SessionRecord }] : []),
      ]);
      this.upsertContact(contact);
      return contact;
    });
  }

  private async currentRemoteIdentity(peerId: string): Promise<PublicIdentityJson | undefined> {
    const rec = await this.store.session(peerId);
    return rec ? identityJson(Session.deserialize(rec.current).remoteIdentity) : undefined;
  }

  /** X3DH with the peer's published bundle (the signed prekey signature is verified inside). */
  private async initiate(peerId: string): Promise<Session> {
    const bundle = await this.api.fetchBundle(peerId);
    return Session.initiate(this.identity as IdentityKeyPair, bundle);
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
    const list = (this.state.messages[m.conversationId] ?? []).filter((x) => x.id !== m.id && x.id !== opts.replaceId);
    list.push(m);
    list.sort(byTime);
    this.set({ messages: { ...this.state.messages, [m.conversationId]: list } });
  }

  /** Franks, encrypts and stores the message before it leaves, then hands it to the relay. */
  async send(peerId: string, text: string): Promise<void> {
    const body = text.trim();
    if (!body) return;
    const contact = this.contact(peerId);
    if (!contact) throw new Error('unknown contact');
    const message = await this.locked(async () => {
      let rec = await this.store.session(peerId);
      if (!rec) {
        const s = await this.initiate(peerId);
        rec = { peerId, current: s.serialize(), previous: [], heardBack: false };
      }
      const session = Session.deserialize(rec.current);
      const chainState = await this.store.chain(contact.conversationId);
      const chain = chainState ? SenderChain.fromJSON(chainState) : new SenderChain(contact.conversationId, this.me);
      const franked = chain.frank(utf8(body));
      const envelope = session.sendFranked(franked);
      const clientMessageId = toBase64Url(franked.header.clientMessageId);
      const m: MessageRecord = {
        id: `local:${clientMessageId}`,
        conversationId: contact.conversationId,
        peerId,
        direction: 'out',
        senderId: this.me,
        text: body,
        sentAt: franked.header.sentAt,
        serverTime: null,
        seq: franked.header.seq,
        state: 'sending',
        pending: {
          commitment: toBase64Url(franked.commitment),
          ciphertext: toBase64Url(envelope.message),
          clientMessageId,
          fk: toBase64Url(franked.fk),
          header: toBase64Url(franked.headerBytes),
          body: toBase64Url(utf8(body)),
        },
      };
      const touched = { ...contact, lastActivity: Date.now() };
      // Session, chain and message in one transaction: a crash cannot leave a used ratchet key or a
      // sequence number without the message that consumed it.
      await this.store.write([
        { store: 'sessions', value: { ...rec, current: session.serialize() } },
        { store: 'chains', value: chain.toJSON() },
        { store: 'messages', value: m },
        { store: 'contacts', value: touched },
      ]);
      this.upsertContact(touched);
      this.putMessage(m);
      return m;
    });
    await this.deliver(message);
  }

  /** Sends (or re-sends) exactly the stored ciphertext and commitment: same seq, so no gap in the chain. */
  async deliver(m: MessageRecord): Promise<void> {
    const p = m.pending;
    if (!p) return;
    if (m.state !== 'sending') {
      m = { ...m, state: 'sending' };
      delete m.error;
      delete m.errorCode;
      this.putMessage(m);
    }
    try {
      const sent = await this.api.send({
        conversationId: m.conversationId, commitment: p.commitment, clientMessageId: p.clientMessageId,
        envelopes: [{ recipientId: m.peerId, ciphertext: p.ciphertext }],
      });
      const item: ReportItemJson = { stamp: sent.stamp, commitment: p.commitment, fk: p.fk, header: p.header, body: p.body };
      const done: MessageRecord = { ...m, state: 'sent', serverTime: sent.serverTime, item };
      delete done.pending;
      await this.store.write([{ store: 'messages', value: done }]);
      this.putMessage(done);
    } catch (e) {
      this.noteBlocked(e);
      // A ban ends the session: the send then fails as invalid_token and re-login as account_banned.
      const standing = this.state.standing;
      const { text, code } = describeSendError(standing && ApiError.is(e) && e.status === 401 ? standingError(standing) : e);
      const failed: MessageRecord = { ...m, state: 'failed', error: text, errorCode: code };
      await this.store.write([{ store: 'messages', value: failed }]);
      this.putMessage(failed);
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
    if (await this.store.message(stamp.messageId)) return true; // already stored (ack was lost)
    const peerId = stamp.senderId;
    const envelope = { commitment: fromBase64Url(env.commitment, 'commitment'), message: fromBase64Url(env.ciphertext, 'ciphertext') };
    const expect = { conversationId: stamp.conversationId, senderId: peerId };
    const rec = await this.store.session(peerId);
    let next: SessionRecord | null = null;
    let receipt: ReturnType<Session['receiveFranked']> | null = null;
    let remote: PublicIdentityJson | null = null;
    let preKeysChanged = false;

    const slots = rec ? [rec.current, ...rec.previous] : [];
    for (let i = 0; i < slots.length && !receipt; i++) {
      const s = Session.deserialize(slots[i] as Uint8Array);
      try {
        receipt = s.receiveFranked(envelope, { expect });
      } catch (e) {
        if (SessionError.is(e, 'replay')) return true;
        continue;
      }
      const r = rec as SessionRecord;
      next = i === 0
        ? { ...r, current: s.serialize(), heardBack: true }
        : { ...r, previous: r.previous.map((b, j) => (j === i - 1 ? s.serialize() : b)) };
      remote = identityJson(s.remoteIdentity);
    }
    if (!receipt && isPreKeyMessage(envelope.message)) {
      try {
        const r = Session.respondFranked(this.identity as IdentityKeyPair, this.preKeys as PreKeyStore, envelope, { expect });
        receipt = r.receipt;
        preKeysChanged = true;
        remote = identityJson(r.session.remoteIdentity);
        const fresh = r.session.serialize();
        // Both sides started a session at once: keep the one the smaller user id initiated, on both sides.
        const keepOurs = rec !== undefined && !rec.heardBack && Session.deserialize(rec.current).role === 'initiator' && this.me < peerId;
        next = keepOurs
          ? { ...rec, previous: [fresh, ...rec.previous].slice(0, MAX_PREVIOUS_SESSIONS) }
          : { peerId, current: fresh, previous: rec ? [rec.current, ...rec.previous].slice(0, MAX_PREVIOUS_SESSIONS) : [], heardBack: true };
      } catch {
        receipt = null;
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
    if (receipt?.status === 'accepted') {
      const opened = receipt.message;
      let text: string;
      try {
        text = opened.header.contentType.startsWith('text/plain') ? fromUtf8(opened.body) : '(a message this app cannot display)';
      } catch {
        text = '(a message that is not valid text)';
      }
      message = {
        id: stamp.messageId, conversationId: stamp.conversationId, peerId, direction: 'in', senderId: peerId, text,
        sentAt: opened.header.sentAt, serverTime: stamp.serverTime, seq: opened.header.seq,
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
    const updated = { ...contact, lastActivity: Date.now(), unread: contact.unread + (message.direction === 'in' ? 1 : 0) };
    ops.push({ store: 'messages', value: message }, { store: 'contacts', value: updated });
    await this.store.write(ops);
    this.upsertContact(updated);
    this.putMessage(message);
    return true;
  }

  /** The contact a message comes from; created on first contact, flagged when the peer's keys changed. */
  private async contactForIncoming(peerId: string, conversationId: string, remote: PublicIdentityJson | null): Promise<ContactRecord> {
    const existing = this.contact(peerId);
    if (!existing) {
      return { peerId, conversationId, identity: remote, verified: false, identityChanged: false, addedAt: Date.now(), lastActivity: Date.now(), unread: 0 };
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
  async submitReport(input: { messageId: string; category: ReportCategory; comment: string; contextIds: string[] }): Promise<ReportDetailJson> {
    const reported = await this.store.message(input.messageId);
    if (!reported?.item) throw new Error('This message can no longer be reported from this device.');
    const context: ReportItemJson[] = [];
    for (const id of input.contextIds) {
      if (id === input.messageId) continue;
      const m = await this.store.message(id);
      if (m?.item) context.push(m.item);
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
    return detail;
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
