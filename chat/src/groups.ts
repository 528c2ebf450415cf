// Groups in the chat on MLS (docs/PROTOCOL.md §12), kept out of engine.ts: the group state of each
// conversation (an MlsGroup, stored in IndexedDB), key packages in the directory, membership changes as
// Commits ordered by the relay, one franked and MLS-encrypted message per send, and the group inbox.
// Membership shown here is only what verified Commits said, each change with the member who signed it; the
// server's roster is never read.
import { type ApiClient, ApiError, type FetchedBundleJson, type GroupInboxItemJson } from '@franking-chat/sdk';
import {
  type CredentialKeyPair, type GroupEvent, GroupError, type GroupIdentity, type MemberRole, type KeyPackageClaim, MlsGroup, type MembershipChange, type PendingCommit, decodeKeyPackageMessage, generateCredentialKey,
  generateGroupKeyPackage, inspectGroupWire,
} from '@franking-chat/sdk';
import type { PrivateKeyPackage } from 'ts-mls';
import type { AttachmentDescriptor } from '@franking-chat/sdk/protocol';
import { equalBytes, fromBase64Url, toBase64Url } from '@franking-chat/sdk/protocol';
import { fromUtf8, utf8 } from './utf8.ts';
import type { IdentityKeyPair } from '@franking-chat/sdk';
import type { ChatStorage, GroupRecord, MessageRecord } from './storage.ts';

/** Content type of the franked message that carries a group's name (body: JSON {"name": …}). */
export const GROUP_INFO_TYPE = 'application/vnd.franking-chat.group-info+json';
const TEXT_TYPE = 'text/plain; charset=utf-8';
/** One-time key packages kept in the directory, topped up below the low-water mark. */
const KEY_PACKAGE_BATCH = 20;
const KEY_PACKAGE_LOW_WATER = 5;
/** Long-poll of the group inbox, seconds. */
const INBOX_WAIT = 20;

interface StoredKeyPackage {
  bytes: Uint8Array;
  privatePackage: PrivateKeyPackage;
  lastResort: boolean;
}

/**
 * docs/PROTOCOL.md §12.11: the group's name is set only by its creator and admins, by the roles in the receiver's
 * MLS group state when it opens the group-info message (the same roles that authorise Commits, §12.5). A
 * group-info from anyone else is refused by every receiver: the name stays, and the refusal is shown.
 */
export function mayNameGroup(role: MemberRole | undefined): boolean {
  return role === 'creator' || role === 'admin';
}

/** What the engine lends the group code (thin hooks; engine.ts keeps 1:1 sessions, attachments, reports). */
export interface GroupsHost {
  api(): ApiClient;
  store(): ChatStorage;
  me(): string;
  identity(): IdentityKeyPair;
  locked<T>(fn: () => Promise<T>): Promise<T>;
  group(conversationId: string): GroupRecord | undefined;
  upsertGroup(g: GroupRecord): void;
  putMessage(m: MessageRecord): void;
  noteBlocked(e: unknown): boolean;
  /**
   * Key transparency (docs/TRANSPARENCY.md §6.4): resolves only when the claimed package's credential key is proven
   * in the public key log for `accountId`; else throws an Error whose message says, in plain words, what happened
   * and what to do.
   */
  verifyKeyPackage(accountId: string, claimed: KeyPackageClaim): Promise<void>;
  /**
   * Key transparency (docs/TRANSPARENCY.md §6.1): resolves only when the fetched bundle's identity key is proven in
   * the public key log for `accountId` (an unproven key must not vouch for anyone's group credential).
   */
  verifyBundle(accountId: string, bundle: FetchedBundleJson): Promise<void>;
  /** A contact's pinned identity signing key (1:1 sessions), if this user has that contact. */
  contactSigningKey(accountId: string): Uint8Array | undefined;
  /** Whether a message with this commitment (base64url) is already stored in the conversation (sent or received). */
  knownCommitment(conversationId: string, commitment: string): boolean;
  /** Incoming message with attachments stored: download and verify them. */
  fetchAttachments(messageId: string): void;
  online(): boolean;
}

/** A group-info body: the name, and whether it renames the group (`"rename": true`) rather than announcing its name. */
export function groupInfo(body: Uint8Array): { name: string; rename: boolean } | null {
  try {
    const v = JSON.parse(fromUtf8(body)) as unknown;
    if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string')
      return { name: (v as { name: string }).name.slice(0, 60), rename: (v as { rename?: unknown }).rename === true };
  } catch {
    /* not a group-info body */
  }
  return null;
}

/** The franking commitment in an application message's authenticated data (base64url; '' when it has none). */
function commitmentOf(bytes: Uint8Array): string {
  try {
    const info = inspectGroupWire(bytes);
    return info.kind === 'application' ? toBase64Url(info.commitment) : '';
  } catch {
    return '';
  }
}

export function systemNote(conversationId: string, text: string): MessageRecord {
  return {
    id: `note:${conversationId}:${Date.now()}:${Math.random().toString(36).slice(2)}`, conversationId, peerId: '', direction: 'system', senderId: '',
    text, sentAt: Date.now(), serverTime: Date.now(), seq: null, group: true,
  };
}

export class ChatGroups {
  private readonly identities = new Map<string, Uint8Array>();
  private credential: CredentialKeyPair | null = null;
  private polling = false;
  /** Members who asked to leave, per group, so their removal reads "left" rather than "removed". */
  private readonly leaving = new Map<string, Set<string>>();

  constructor(private readonly host: GroupsHost) {}

  // ---- Identity, credential, key packages ----
  private async credentialKey(): Promise<CredentialKeyPair> {
    if (this.credential) return this.credential;
    const store = this.host.store();
    let c = await store.meta<CredentialKeyPair>('mls-credential');
    if (!c) {
      c = generateCredentialKey();
      await store.write([{ store: 'meta', key: 'mls-credential', value: c }]);
    }
    return (this.credential = c);
  }

  /** This device's MLS credential public key (created on first use): a key this account published, for own-key monitoring. */
  async credentialPublicKey(): Promise<Uint8Array> {
    return (await this.credentialKey()).publicKey;
  }

  private async me(): Promise<GroupIdentity> {
    return { accountId: this.host.me(), identity: this.host.identity(), credentialKey: await this.credentialKey() };
  }

  /** The identity key group credentials must name: a contact's pinned key, else the key directory's. */
  private readonly opts = {
    resolveIdentity: async (accountId: string): Promise<Uint8Array | undefined> => {
      if (accountId === this.host.me()) return this.host.identity().signingPublicKey;
      const pinned = this.host.contactSigningKey(accountId);
      if (pinned) return pinned;
      return this.directoryIdentity(accountId).catch(() => undefined);
    },
  };

  /**
   * A non-contact's identity signing key from the key directory, used only once proven in the public key log: an
   * unproven key could vouch for a group credential the server made up. Throws (plain words) when it is not proven.
   */
  private async directoryIdentity(accountId: string): Promise<Uint8Array> {
    const known = this.identities.get(accountId);
    if (known) return known;
    const b = await this.host.api().fetchBundle(accountId);
    await this.host.verifyBundle(accountId, b);
    const k = fromBase64Url(b.identitySigningKey, 'identitySigningKey');
    this.identities.set(accountId, k);
    return k;
  }

  /** Keeps enough one-time key packages (and one last-resort package) in the directory. */
  async maintainKeyPackages(): Promise<void> {
    const count = await this.host.api().countKeyPackages();
    if (count.oneTime >= KEY_PACKAGE_LOW_WATER && count.lastResort) return;
    const me = await this.me();
    const made = [];
    const n = count.oneTime >= KEY_PACKAGE_LOW_WATER ? 0 : KEY_PACKAGE_BATCH;
    for (let i = 0; i < n + (count.lastResort ? 0 : 1); i++) made.push(await generateGroupKeyPackage(me));
    // Private halves first, then publish.
    await this.host.store().write(made.map((k, i) => ({ store: 'meta' as const, key: `kp:${k.ref}`, value: { bytes: k.bytes, privatePackage: k.privatePackage, lastResort: i >= n } satisfies StoredKeyPackage })));
    await this.host.api().publishKeyPackages(made.slice(0, n).map((k) => k.bytes), count.lastResort ? undefined : made[n]?.bytes);
  }

  // ---- Group state ----
  /**
   * The group state as stored, read afresh on every use: other tabs of this chat may have advanced it (they
   * share IndexedDB and the engine's cross-tab lock), and an MLS key must never be used twice from a stale copy.
   */
  private async load(conversationId: string): Promise<MlsGroup | undefined> {
    const rec = await this.host.store().group(conversationId);
    if (!rec?.mls) return undefined;
    return MlsGroup.deserialize(rec.mls, await this.me(), this.opts);
  }

  private async mustLoad(conversationId: string): Promise<MlsGroup> {
    const g = await this.load(conversationId);
    if (!g) throw new Error('This group is not available on this device.');
    return g;
  }

  /** The record after a change of the MLS state: members and roles from MLS, the state itself. */
  private recordOf(conversationId: string, g: MlsGroup, patch: Partial<GroupRecord> = {}): GroupRecord {
    const old = this.host.group(conversationId);
    const members = g.members().map((m) => ({ accountId: m.accountId, role: m.role }));
    return {
      conversationId, name: old?.name ?? 'New group', createdBy: g.roles.creator, members, active: g.active && !old?.left,
      addedAt: old?.addedAt ?? Date.now(), lastActivity: Date.now(), unread: old?.unread ?? 0,
      ...(g.fork !== undefined ? { forkedAt: g.fork } : {}),
      ...patch, mls: g.serialize(),
    };
  }

  private async save(g: GroupRecord, notes: MessageRecord[] = [], extra: Parameters<ChatStorage['write']>[0] = []): Promise<void> {
    await this.host.store().write([{ store: 'groups', value: g }, ...notes.map((n) => ({ store: 'messages' as const, value: n })), ...extra]);
    this.host.upsertGroup(g);
    for (const n of notes) this.host.putMessage(n);
  }

  /** A membership change as the conversation shows it, naming the member who signed the Commit. */
  private describe(conversationId: string, c: MembershipChange): MessageRecord[] {
    const me = this.host.me();
    const who = (id: string) => (id === me ? 'You' : id);
    const whom = (id: string) => (id === me ? 'you' : id);
    const notes: MessageRecord[] = [];
    if (c.added.length) notes.push(systemNote(conversationId, `${who(c.by)} added ${c.added.map(whom).join(', ')} to the group.`));
    const leavers = this.leaving.get(conversationId);
    for (const r of c.removed) {
      if (r === me && c.selfRemoved && this.host.group(conversationId)?.left) notes.push(systemNote(conversationId, `Your leaving was committed by ${c.by}: you are no longer a member of this group.`));
      else if (r === me && c.selfRemoved && c.by !== me) notes.push(systemNote(conversationId, `${c.by} removed you: you are no longer a member of this group.`));
      else if (leavers?.delete(r)) notes.push(systemNote(conversationId, `${r} left the group (committed by ${who(c.by) === 'You' ? 'you' : c.by}).`));
      else notes.push(systemNote(conversationId, `${who(c.by)} removed ${whom(r)} from the group.`));
    }
    for (const r of c.roles) notes.push(systemNote(conversationId, `${who(c.by)} ${r.role === 'admin' ? 'made' : 'removed'} ${whom(r.accountId)} ${r.role === 'admin' ? 'an admin' : 'as admin'}.`));
    return notes;
  }

  /** Sends a Commit; applies it only when the relay accepted it first for its epoch. On stale_epoch: catch up, let the user retry. */
  private async commit(conversationId: string, g: MlsGroup, pending: PendingCommit, what: string): Promise<void> {
    try {
      await this.host.api().sendGroupMessage(conversationId, pending.commit, pending.welcome);
    } catch (e) {
      g.discardCommit();
      if (ApiError.is(e, 'stale_epoch')) {
        await this.syncNow().catch(() => undefined);
        throw new Error(`Could not ${what}: the group changed at the same moment. Try again.`);
      }
      throw this.error(e, what);
    }
    const change = g.confirmCommit();
    await this.save(this.recordOf(conversationId, g), this.describe(conversationId, change));
  }

  private error(e: unknown, what: string): Error {
    if (this.host.noteBlocked(e)) return new Error(`Your account is restricted, so you cannot ${what}.`);
    if (GroupError.is(e, 'not_authorized')) return new Error(`Only the group's creator and admins can ${what}.`);
    if (GroupError.is(e, 'bad_credential')) return new Error(`Could not ${what}: a member's group key is not bound to their identity key.`);
    if (GroupError.is(e, 'fork')) return new Error(`Could not ${what}: members of this group were shown different histories.`);
    if (GroupError.is(e)) return new Error(`Could not ${what}: ${e.message}`);
    if (ApiError.is(e, 'not_found')) return new Error(`Could not ${what}: one of those handles is not registered (or has no group keys yet). Check the spelling.`);
    if (ApiError.is(e, 'network_error')) return new Error(`Could not ${what}: the server can't be reached.`);
    return new Error(ApiError.is(e) ? `Could not ${what}: ${e.detail}` : e instanceof Error ? e.message : `Could not ${what}.`);
  }

  /** Claims one key package per member, each verified against the key log before any Commit is built. */
  private async claim(ids: string[], what: string): Promise<Uint8Array[]> {
    const out = [];
    for (const id of ids) {
      for (let attempt = 0; ; attempt++) {
        let claimed: KeyPackageClaim;
        try {
          claimed = await this.host.api().claimKeyPackage(id);
        } catch (e) {
          // A user who just registered may still be publishing its key packages: a few short retries.
          if (ApiError.is(e, 'not_found') && attempt < 4) {
            await new Promise((r) => setTimeout(r, 750));
            continue;
          }
          if (ApiError.is(e, 'not_found')) throw new Error(`Could not ${what}: “${id}” is not registered, or has not opened the chat since groups changed.`);
          throw this.error(e, what);
        }
        // Refused keys never reach MlsGroup.add: nothing is committed, nobody is added. Both keys must be proven:
        // the group key, and (for someone who is not a contact) the identity key that signed its credential.
        try {
          await this.host.verifyKeyPackage(id, claimed);
          if (id !== this.host.me() && !this.host.contactSigningKey(id)) await this.directoryIdentity(id);
        } catch (e) {
          throw new Error(`Could not ${what}: ${ApiError.is(e) ? e.detail : e instanceof Error ? e.message : String(e)}`);
        }
        out.push(claimed.keyPackage);
        break;
      }
    }
    return out;
  }

  // ---- Membership: every change is a Commit ----
  async create(name: string, members: string[]): Promise<GroupRecord> {
    let conversationId: string;
    try {
      conversationId = (await this.host.api().createConversation({ kind: 'group' })).id;
    } catch (e) {
      throw this.error(e, 'create the group');
    }
    return this.host.locked(async () => {
      const g = await MlsGroup.create(conversationId, await this.me(), this.opts);
      await this.save(this.recordOf(conversationId, g, { name, addedAt: Date.now() }), [systemNote(conversationId, `You created the group “${name}”.`)]);
      const kps = await this.claim(members, 'add members');
      await this.commit(conversationId, g, await g.add(kps).catch((e: unknown) => Promise.reject(this.error(e, 'add members'))), 'add members');
      return this.host.group(conversationId) as GroupRecord;
    });
  }

  async add(conversationId: string, members: string[]): Promise<void> {
    await this.host.locked(async () => {
      const g = await this.mustLoad(conversationId);
      const kps = await this.claim(members, 'add members');
      await this.commit(conversationId, g, await g.add(kps).catch((e: unknown) => Promise.reject(this.error(e, 'add members'))), 'add members');
    });
  }

  async remove(conversationId: string, accountId: string): Promise<void> {
    await this.host.locked(async () => {
      const g = await this.mustLoad(conversationId);
      if (accountId === this.host.me()) {
        if (g.roles.creator === accountId) throw new Error('The creator cannot leave the group: remove the other members instead.');
        // Leaving: a Remove proposal of our own leaf; another member commits it. We stop at once.
        try {
          await this.host.api().sendGroupMessage(conversationId, await g.proposeLeave());
        } catch (e) {
          throw this.error(e, 'leave the group');
        }
        const rec = this.host.group(conversationId) as GroupRecord;
        await this.save({ ...rec, active: false, left: true, mls: g.serialize() }, [systemNote(conversationId, 'You left the group.')]);
        return;
      }
      await this.commit(conversationId, g, await g.remove([accountId]).catch((e: unknown) => Promise.reject(this.error(e, 'remove that member'))), 'remove that member');
    });
  }

  async setAdmin(conversationId: string, accountId: string, admin: boolean): Promise<void> {
    await this.host.locked(async () => {
      const g = await this.mustLoad(conversationId);
      await this.commit(conversationId, g, await g.setRole(accountId, admin ? 'admin' : 'member').catch((e: unknown) => Promise.reject(this.error(e, 'change admins'))), 'change admins');
    });
  }

  /** The identity key this member's group credential names — compare with the safety number's. */
  async memberIdentityKey(conversationId: string, accountId: string): Promise<Uint8Array | undefined> {
    return (await this.load(conversationId))?.members().find((m) => m.accountId === accountId)?.identitySigningKey;
  }

  // ---- Sending ----
  /**
   * Franks once and encrypts once for the whole group (§12.3–§12.4); the message record keeps the MLS
   * ciphertext so a failed upload is retried with the same bytes (same seq: no gap in the chain).
   */
  async seal(conversationId: string, body: string, attachments: AttachmentDescriptor[], kind?: 'group-info'): Promise<MessageRecord> {
    return this.host.locked(async () => {
      const g = await this.mustLoad(conversationId);
      if (!g.active) throw new Error("Not sent: you're no longer a member of this group.");
      if (g.members().length < 2) throw new Error('Not sent: nobody else is in this group yet. Add members first.');
      let sent;
      try {
        sent = await g.send(utf8(body), { contentType: kind ? GROUP_INFO_TYPE : TEXT_TYPE, attachments });
      } catch (e) {
        if (GroupError.is(e, 'future_epoch')) throw new Error('Not sent: this group changed and this device is catching up. Try again in a moment.');
        throw this.error(e, 'send');
      }
      const f = sent.franked;
      const clientMessageId = toBase64Url(f.header.clientMessageId);
      const info = kind ? groupInfo(utf8(body)) : null;
      const m: MessageRecord = {
        id: `local:${clientMessageId}`, conversationId, peerId: '', direction: 'out', senderId: this.host.me(),
        text: info ? info.name : body,
        sentAt: f.header.sentAt, serverTime: null, seq: f.header.seq, state: 'sending', group: true,
        ...(kind ? { kind } : {}),
        ...(info?.rename ? { rename: true } : {}),
        pending: { commitment: toBase64Url(f.commitment), mls: toBase64Url(sent.message), clientMessageId, fk: toBase64Url(f.fk), header: toBase64Url(f.headerBytes), body: toBase64Url(utf8(body)) },
      };
      const rec = this.recordOf(conversationId, g);
      await this.save(rec, [], [{ store: 'messages', value: m }]);
      this.host.putMessage(m);
      return m;
    });
  }

  /** Hands the stored MLS message to the relay; returns the sender stamp and time. */
  async deliver(m: MessageRecord): Promise<{ stamp: NonNullable<Awaited<ReturnType<ApiClient['sendGroupMessage']>>['stamp']>; serverTime: number }> {
    const p = m.pending as NonNullable<MessageRecord['pending']>;
    const r = await this.host.api().sendGroupMessage(m.conversationId, fromBase64Url(p.mls as string, 'mls'));
    if (!r.stamp) throw new Error('the relay returned no stamp');
    return { stamp: r.stamp, serverTime: r.serverTime };
  }

  // ---- Receiving: the group inbox ----
  /** Long-polls the group inbox while the engine is online. */
  start(): void {
    if (this.polling) return;
    this.polling = true;
    void (async () => {
      let backoff = 1000;
      while (this.polling && this.host.online()) {
        try {
          await this.syncNow(INBOX_WAIT);
          backoff = 1000;
        } catch (e) {
          // A restricted account stops polling; the engine learns the standing where the user acts (sending).
          if (ApiError.is(e) && e.isAccountBlocked) break;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 30_000);
        }
      }
      this.polling = false;
    })();
  }

  stop(): void {
    this.polling = false;
  }

  /** Fetches, processes (under the engine lock) and acknowledges what waits in the group inbox. */
  async syncNow(wait = 0): Promise<void> {
    const items = await this.host.api().groupInbox({ limit: 100, wait });
    if (!items.length) return;
    const done: string[] = [];
    for (const item of items) {
      try {
        await this.host.locked(() => this.process(item));
        done.push(item.id);
      } catch {
        // left unacknowledged: tried again on the next fetch
      }
    }
    if (done.length) await this.host.api().ackGroupInbox(done);
  }

  private async process(item: GroupInboxItemJson): Promise<void> {
    const bytes = fromBase64Url(item.message, 'message');
    const conv = item.conversationId;
    if (item.kind === 'welcome') return this.join(conv, bytes, item.senderId);
    const g = await this.load(conv);
    if (!g) return; // not (or no longer) ours
    // Already processed (two inbox fetches overlapped, or the ack was lost): its MLS keys are used up, so opening it
    // again would fail — that is not a failure to report (it was shown the first time).
    if (item.kind === 'application' && (await this.host.store().message(item.id))) return;
    // The same message stored twice by the relay (its sender resent it after the first answer was lost, docs/PROTOCOL.md
    // §12.11): the copy has the commitment of a message already shown, and its MLS keys are used up — skip it quietly.
    if (item.kind === 'application' && this.host.knownCommitment(conv, commitmentOf(bytes))) return;
    let ev: GroupEvent;
    try {
      ev = await g.receive(bytes);
    } catch (e) {
      return this.dropped(conv, g, item, e);
    }
    const rec = this.host.group(conv) as GroupRecord;
    if (ev.kind === 'duplicate') return;
    // After leaving, only the Commit that removes us matters; nothing else is shown.
    if (rec.left && ev.kind !== 'membership') return;
    if (ev.kind === 'leave_request') {
      let set = this.leaving.get(conv);
      if (!set) this.leaving.set(conv, (set = new Set()));
      set.add(ev.accountId);
      await this.save(this.recordOf(conv, g), [systemNote(conv, `${ev.accountId} is leaving the group.`)]);
      // The creator (else an admin) commits leaves; other members wait for it.
      const mine = g.members().find((m) => m.accountId === this.host.me())?.role;
      if (mine === 'creator' || (mine === 'admin' && !g.members().some((m) => m.role === 'creator'))) {
        const pending = await g.commitLeaves();
        await this.commit(conv, g, pending, 'commit the leave').catch(() => undefined);
      }
      return;
    }
    if (ev.kind === 'membership') {
      const notes = this.describe(conv, ev);
      const next = this.recordOf(conv, g, ev.selfRemoved ? { active: false } : {});
      await this.save(next, notes);
      return;
    }
    // An application message: MLS verified the sender's signature; its commitment opened (§12.4).
    if (ev.senderId !== item.senderId || !item.stamp) return this.dropped(conv, g, item, new Error('relay and MLS disagree on the sender'));
    if (await this.host.store().message(item.id)) return;
    const opened = ev.opened;
    const info = opened.header.contentType === GROUP_INFO_TYPE ? groupInfo(opened.body) : null;
    // §12.11: a name from a plain member is refused (the name stays); the message is kept, shown as refused and
    // reportable like any franked message (an abusive group name is abuse too).
    const refused = info !== null && !mayNameGroup(g.members().find((m) => m.accountId === ev.senderId)?.role);
    let text: string;
    try {
      text = info ? info.name : opened.header.contentType.startsWith('text/plain') ? fromUtf8(opened.body) : '(a message this app cannot display)';
    } catch {
      text = '(a message that is not valid text)';
    }
    const attachments = opened.header.attachments;
    const message: MessageRecord = {
      id: item.id, conversationId: conv, peerId: ev.senderId, direction: 'in', senderId: ev.senderId, text,
      sentAt: opened.header.sentAt, serverTime: item.stamp.serverTime, seq: opened.header.seq, group: true,
      ...(info ? { kind: 'group-info' as const } : {}),
      ...(info?.rename ? { rename: true } : {}),
      ...(refused ? { refused: true } : {}),
      ...(attachments.length ? { attachments: attachments.map((a) => ({ mediaType: a.mediaType, size: a.size, status: 'loading' as const })) } : {}),
      item: { stamp: item.stamp, commitment: toBase64Url(opened.commitment), fk: toBase64Url(opened.fk), header: toBase64Url(opened.headerBytes), body: toBase64Url(opened.body) },
    };
    const next = this.recordOf(conv, g, { unread: rec.unread + 1, ...(info && !refused ? { name: info.name } : {}) });
    await this.save(next, [], [{ store: 'messages', value: message }]);
    this.host.putMessage(message);
    if (message.attachments) this.host.fetchAttachments(message.id);
  }

  private async join(conv: string, welcome: Uint8Array, from: string): Promise<void> {
    if (this.host.group(conv)?.mls && (await this.load(conv))?.active) return;
    const store = this.host.store();
    const mine = new Map<string, StoredKeyPackage>();
    for (const key of await store.metaKeys('kp:')) mine.set(key.slice(3), (await store.meta<StoredKeyPackage>(key)) as StoredKeyPackage);
    let used: string | undefined;
    let g: MlsGroup;
    try {
      g = await MlsGroup.join(welcome, await this.me(), (ref) => {
        const k = mine.get(ref);
        if (!k) return undefined;
        used = ref;
        return { publicPackage: decodeKeyPackageMessage(k.bytes), privatePackage: k.privatePackage };
      }, this.opts);
    } catch {
      return; // not for us, or a member not bound to its identity key: nothing is shown
    }
    const members = g.members().map((m) => m.accountId).filter((id) => id !== this.host.me());
    const rec = this.recordOf(conv, g, { name: this.host.group(conv)?.name ?? `Group with ${members.join(', ')}`, addedAt: Date.now(), active: true, unread: 0, left: false });
    // §12.6: a one-time key package is used once — its private half goes; the last-resort one stays.
    const forget = used && !mine.get(used)?.lastResort ? [{ store: 'meta' as const, delete: `kp:${used}` }] : [];
    // Who sent the Welcome is the relay's word; it is shown only when that member may add people (§12.5).
    const adder = g.members().find((m) => m.accountId === from && m.role !== 'member') ? ` (added by ${from})` : '';
    await this.save(rec, [systemNote(conv, `You joined the group${adder}. Members: ${members.join(', ')}.`)], forget);
    void this.maintainKeyPackages().catch(() => undefined);
  }

  private async dropped(conv: string, g: MlsGroup, item: GroupInboxItemJson, e: unknown): Promise<void> {
    const rec = this.host.group(conv) as GroupRecord;
    if (GroupError.is(e, 'fork')) {
      if (rec.forkedAt !== undefined) return;
      await this.save(this.recordOf(conv, g, { forkedAt: g.fork ?? item.epoch }), [
        systemNote(conv, `Warning: members of this group were shown different histories of who is in it (epoch ${g.fork ?? item.epoch}). Messages from the other branch are not shown and sending is stopped. Compare safety numbers and start a new group.`),
      ]);
      return;
    }
    if (GroupError.is(e, 'stale_epoch') || GroupError.is(e, 'future_epoch')) return; // old news, or a change not yet seen: nothing to show
    // §12.7: a group change that fails MLS checks (no member's signature, replay) is dropped and counted; state and status stay.
    if (item.kind !== 'application') {
      const counted = rec.refusedIds ?? [];
      if (counted.includes(item.id)) return; // the same item again (its ack was lost): counted once
      return this.save({ ...rec, refused: (rec.refused ?? 0) + 1, refusedIds: [...counted, item.id].slice(-50) });
    }
    await this.save(this.recordOf(conv, g), [
      systemNote(conv, GroupError.is(e, 'commitment_mismatch')
        ? `A message from ${item.senderId} was dropped: it did not match its franking commitment, so it could never have been reported.`
        : `A message from ${item.senderId} could not be decrypted and was discarded.`),
    ]);
  }

  /** Whether the member's group key is bound to the identity key this user compares safety numbers with. */
  async keyMatchesContact(conversationId: string, accountId: string): Promise<boolean | null> {
    const inGroup = await this.memberIdentityKey(conversationId, accountId);
    const pinned = this.host.contactSigningKey(accountId);
    if (!inGroup || !pinned) return null;
    return equalBytes(inGroup, pinned);
  }
}
