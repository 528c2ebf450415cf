// Contacts as the user manages them: adding one by handle (which starts the encrypted session from the peer's
// proven prekeys), verifying safety numbers, and exchanging views of the key log with them (docs/TRANSPARENCY.md §8).
import {
  type ApiClient, ApiError, CONTACT_DEVICE_LINE_TEXT, type ContactDeviceChange, accountSafetyNumber, currentRemoteIdentity, formatSafetyNumber, fromBase64Url,
  initiatedSessionRecord, safetyNumber,
} from '@franking-chat/sdk';
import type { Blocking } from '../blocking.ts';
import type { ContactRecord, MessageRecord, PublicIdentityJson } from '../storage.ts';
import type { ChatTransparency } from '../transparency.ts';
import { founderIdentity } from './copy-receiver.ts';
import type { DeviceLists } from './device-lists.ts';
import type { Device } from './device.ts';
import { ChatError } from './errors.ts';
import { type KeyChecks, identityJson } from './key-checks.ts';
import { HANDLE_PATTERN } from './limits.ts';
import type { Sender } from './sender.ts';
import { initiateSession } from './sessions.ts';
import type { Contacts } from './state/contacts.ts';
import type { Conversations } from './state/conversations.ts';
import type { AccountStanding } from './state/standing.ts';

export interface ContactBookDeps {
  device: Device;
  api: ApiClient;
  keys: KeyChecks;
  kt: ChatTransparency;
  contacts: Contacts;
  conversations: Conversations;
  blocking: Blocking;
  standing: AccountStanding;
  sender: Sender;
  lists: DeviceLists;
}

export class ContactBook {
  constructor(private readonly d: ContactBookDeps) {}

  /** Adds a contact by handle: opens the 1:1 conversation and starts an encrypted session from their prekeys. */
  async add(handle: string): Promise<ContactRecord> {
    const { device, contacts } = this.d;
    const typed = handle.trim();
    if (!HANDLE_PATTERN.test(typed)) throw new ChatError('contact_handle_invalid');
    if (typed.toLowerCase() === device.me().toLowerCase()) throw new ChatError('contact_is_self');
    let peerId = typed;
    let conversationId: string;
    try {
      peerId = await this.d.api.lookupAccount(typed); // handles are case-insensitive: "ALICE" is alice
      const existing = contacts.get(peerId);
      if (existing) {
        if (existing.request) await this.d.blocking.accept(peerId); // writing to someone accepts their request
        return contacts.get(peerId) as ContactRecord;
      }
      conversationId = (await this.d.api.createConversation({ kind: 'direct', peerId })).id;
    } catch (e) {
      if (ApiError.is(e, 'not_found')) throw new ChatError('contact_not_found', { handle: peerId });
      if (this.d.standing.noteBlocked(e)) throw new ChatError('contact_restricted');
      throw new ChatError('contact_failed', ApiError.is(e) ? { detail: e.detail } : {});
    }
    return device.locked(async () => {
      const contact: ContactRecord = {
        peerId, conversationId, identity: null, verified: false, identityChanged: false, addedAt: Date.now(), lastActivity: Date.now(), unread: 0,
      };
      const store = device.store();
      // docs/PROTOCOL-devices.md D5.4, D16: an account with a device list is pinned now (proven in the key log); its
      // founder key is what the safety number covers, and sessions start per device at the first send (D9).
      let list = device.deviceId !== undefined ? await this.d.lists.current(peerId) : null;
      // An account that signed its genesis a moment ago may not be served with its list yet: ask once more before
      // taking it for a single-device account (whose key the log must prove, D17.2).
      if (!list && device.deviceId !== undefined) {
        await new Promise((r) => setTimeout(r, 500));
        list = await this.d.lists.current(peerId, { force: true });
      }
      if (list) {
        const pinned = await this.d.lists.pinned(peerId);
        if (pinned) contact.identity = founderIdentity(pinned);
        await store.write([contacts.op(contact)]);
        contacts.shown(contact);
        return contact;
      }
      const session = (await store.session(peerId)) ? null : await initiateSession(this.d.api, this.d.keys, device, peerId);
      if (session) contact.identity = identityJson(session.remoteIdentity);
      else contact.identity = (await this.currentRemoteIdentity(peerId)) ?? null;
      await store.write([contacts.op(contact), ...(session ? [{ store: 'sessions' as const, value: initiatedSessionRecord(peerId, session) }] : [])]);
      contacts.shown(contact);
      return contact;
    });
  }

  private async currentRemoteIdentity(peerId: string): Promise<PublicIdentityJson | undefined> {
    const rec = await this.d.device.store().session(peerId);
    return rec ? identityJson(currentRemoteIdentity(rec)) : undefined;
  }

  async setVerified(peerId: string, verified: boolean): Promise<void> {
    const c = this.d.contacts.get(peerId);
    if (!c) return;
    await this.d.contacts.save({ ...c, verified, identityChanged: verified ? false : c.identityChanged });
    // Confirming keys by hand is the moment to compare key-log views too.
    if (verified) void this.gossip(peerId, true).catch(() => undefined);
  }

  /**
   * The 60-digit safety number of this pair, grouped for reading aloud; null before the peer's keys are known. With
   * device lists on both sides it covers the two founder keys (docs/PROTOCOL-devices.md D16): the same on every device
   * of both accounts, unchanged when devices are linked or removed, changed only by a reset.
   */
  safetyNumber(peerId: string): string | null {
    const c = this.d.contacts.get(peerId);
    if (!c?.identity || !this.d.device.hasAccount) return null;
    const own = this.d.device.ownList();
    const theirList = this.d.lists.pinnedNow(peerId);
    if (own && theirList) return formatSafetyNumber(accountSafetyNumber(own, theirList));
    if (own) {
      // A legacy contact (D17.2): its identity key against this account's founder key.
      const legacy = { accountId: peerId, legacyIdentity: { signingKey: fromBase64Url(c.identity.signingKey), dhKey: fromBase64Url(c.identity.dhKey) } };
      return formatSafetyNumber(accountSafetyNumber(own, legacy));
    }
    const identity = this.d.device.identity();
    const mine = { userId: this.d.device.me(), identity: { signingKey: identity.signingPublicKey, dhKey: identity.dhPublicKey } };
    const theirs = { userId: peerId, identity: { signingKey: fromBase64Url(c.identity.signingKey), dhKey: fromBase64Url(c.identity.dhKey) } };
    return formatSafetyNumber(safetyNumber(mine, theirs));
  }

  /**
   * A contact's verified list changed (D16): quiet lines in the conversation ("bob linked a new device"); a reset
   * (a new founder key) is the "safety number changed" warning, and a verified contact must be verified again.
   */
  async devicesChanged(accountId: string, change: ContactDeviceChange): Promise<void> {
    const contact = this.d.contacts.get(accountId);
    if (!contact || change.kind === 'unchanged') return;
    const pinned = this.d.lists.pinnedNow(accountId);
    const now = Date.now();
    if (change.kind === 'safety_number_changed') {
      await this.d.contacts.save({ ...contact, identity: pinned ? founderIdentity(pinned) : contact.identity, verified: false, identityChanged: true });
      // D6.6, D16: with a device list, a new founder key is only ever a reset; said in the conversation, not only in its header.
      if (pinned) {
        await this.d.conversations.save({
          id: `devices:${accountId}:${pinned.listVersion}:reset`, conversationId: contact.conversationId, peerId: accountId, direction: 'system', senderId: accountId,
          sentAt: now, serverTime: now, seq: null, text: `${accountId}’s safety number changed — the account was reset`,
        });
      }
      return;
    }
    for (const [i, line] of change.lines.entries()) {
      const note: MessageRecord = {
        id: `devices:${accountId}:${pinned?.listVersion ?? 0}:${i}`, conversationId: contact.conversationId, peerId: accountId, direction: 'system', senderId: accountId,
        sentAt: now, serverTime: now, seq: null, text: `${accountId} ${CONTACT_DEVICE_LINE_TEXT[line.kind]}`,
      };
      await this.d.conversations.save(note);
    }
  }

  /** Shares this browser's view of the key log with a contact: when asked (`force`), or when due (../transparency.ts). */
  async gossip(peerId: string, force = false): Promise<void> {
    const contact = this.d.contacts.get(peerId);
    if (!contact) return;
    if (contact.request) return; // not before the user accepted: gossip would tell a stranger the request was read
    const bytes = await this.d.kt.gossipFor(contact.conversationId, { force });
    if (bytes) await this.d.sender.sendGossip(peerId, contact.conversationId, bytes);
  }
}
