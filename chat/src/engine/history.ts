// Carrying history to a newly linked device (docs/PROTOCOL-devices.md D15): the chat's stored conversations, contacts
// and groups become a HistoryArchive — every message with its report item (stamp, c, fk, header, body), so it stays
// reportable from the new device (D15.6) — encrypted as a scheme-1 attachment under a fresh key. The descriptor and the
// ciphertext travel in the link channel (the linking UI's); nothing of it is readable by the server. Import runs
// D15.5: descriptor, decryption, header, then each message on its own (a bad one is dropped and counted).
import {
  type ApiClient, type HistoryRecord, decodeHistoryDescriptor, decryptHistoryArchive, encodeHistoryDescriptor, encryptHistoryArchive, fromBase64Url, importHistoryRecords,
  pinnedVerifiedList, reportItemFromJson, reportItemToJson, toBase64Url,
} from '@franking-chat/sdk';
import { encodeReportItem } from '@franking-chat/sdk/protocol';
import type { ContactRecord, GroupRecord, MessageRecord } from '../storage.ts';
import { fromUtf8, utf8 } from '../utf8.ts';
import type { DeviceLists } from './device-lists.ts';
import type { Device } from './device.ts';
import { ChatError } from './errors.ts';
import type { Contacts } from './state/contacts.ts';
import type { Conversations } from './state/conversations.ts';
import type { Groups } from './state/groups.ts';
import { TEXT_TYPE } from './limits.ts';

export interface HistoryDeps {
  api: ApiClient;
  device: Device;
  lists: DeviceLists;
  contacts: Contacts;
  conversations: Conversations;
  groups: Groups;
  /** Reads everything back from storage (after an import). */
  reload(): Promise<void>;
}

/** What a conversation record's appData holds (D15.3: the app's JSON; the SDK never parses it). */
interface ConversationAppData {
  name?: string;
  contact?: Pick<ContactRecord, 'verified' | 'addedAt'>;
}

export interface ImportedHistory {
  imported: number;
  /** Messages that could not be checked and were not imported (D15.5 step 4). */
  dropped: number;
  skipped: number;
}

export class History {
  constructor(private readonly d: HistoryDeps) {}

  /**
   * D15.2–D15.4: the archive for `targetDeviceId` (a device of this account's verified list), encrypted. Returns the
   * descriptor bytes and the ciphertext for the link channel. Group messages travel as messages; MLS state never does.
   */
  async exportHistory(targetDeviceId: number, opts: { messages?: boolean } = {}): Promise<{ descriptor: Uint8Array; ciphertext: Uint8Array }> {
    const { device, lists } = this.d;
    const me = device.me();
    const ownPinned = await lists.pinned(me);
    const sourceDeviceId = device.deviceId;
    if (!ownPinned || sourceDeviceId === undefined) throw new ChatError('history_refused', { detail: 'this account has no device list yet' });
    const own = pinnedVerifiedList(ownPinned);
    if (!own.signed.list.devices.some((e) => e.deviceId === targetDeviceId)) throw new ChatError('device_unknown');
    const store = device.store();
    const [contacts, groups, messages] = await Promise.all([store.contacts(), store.groups(), store.messages()]);
    const records: HistoryRecord[] = [];
    for (const c of contacts) {
      const pinned = await lists.pinned(c.peerId);
      if (!pinned) continue;
      records.push({
        type: 'contact', accountId: c.peerId, listVersion: pinned.listVersion, listHash: fromBase64Url(pinned.listHash), founderKey: fromBase64Url(pinned.founderKey),
        verified: c.verified, verifiedAt: c.verified ? c.addedAt : 0,
      });
    }
    for (const c of contacts) {
      const app: ConversationAppData = { contact: { verified: c.verified, addedAt: c.addedAt } };
      records.push({ type: 'conversation', conversationId: c.conversationId, kind: 'direct', peerAccountId: c.peerId, appData: utf8(JSON.stringify(app)) });
    }
    for (const g of groups) records.push({ type: 'conversation', conversationId: g.conversationId, kind: 'group', peerAccountId: null, appData: utf8(JSON.stringify({ name: g.name } satisfies ConversationAppData)) });
    // Linking without history (docs/PROTOCOL-linking.md L7): contacts and conversations only.
    const withItems = (opts.messages === false ? [] : messages).filter((m): m is MessageRecord & { item: NonNullable<MessageRecord['item']> } => m.item !== undefined && m.direction !== 'system');
    withItems.sort((a, b) => (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : (a.serverTime ?? 0) - (b.serverTime ?? 0) || (a.id < b.id ? -1 : 1)));
    for (const m of withItems) {
      const sent = m.item.stamp.role === 'sender';
      records.push({
        type: 'message', direction: sent ? 'sent' : 'received', deliveredToDeviceId: sent ? (m.senderDeviceId ?? 1) : (m.deliveredToDeviceId ?? sourceDeviceId),
        storedAt: m.serverTime ?? m.sentAt, flags: (m.kind === 'kt-gossip' ? 1 : 0) | (m.importedFrom !== undefined ? 2 : 0), reportItem: encodeReportItem(reportItemFromJson(m.item)),
      });
    }
    const { ciphertext, descriptor } = await encryptHistoryArchive({
      accountId: me, sourceDeviceId, targetDeviceId, createdAt: Date.now(), listVersion: own.signed.list.listVersion, listHash: own.listHash, records,
    });
    return { descriptor: encodeHistoryDescriptor(descriptor), ciphertext };
  }

  /** D15.5 on the new device: only an archive for this account and this device, of a list in its own verified chain. */
  async importHistory(descriptorBytes: Uint8Array, ciphertext: Uint8Array): Promise<ImportedHistory> {
    const { device, lists } = this.d;
    const me = device.me();
    const ownPinned = await lists.pinned(me);
    if (!ownPinned || device.deviceId === undefined) throw new ChatError('history_refused', { detail: 'this device is not linked yet' });
    const store = device.store();
    const held = new Set((await store.messages()).map((m) => m.id));
    let imported;
    try {
      const descriptor = decodeHistoryDescriptor(descriptorBytes);
      const archive = await decryptHistoryArchive(descriptor, ciphertext, { accountId: me, deviceId: device.deviceId, ownLists: [pinnedVerifiedList(ownPinned)] });
      imported = importHistoryRecords(archive, me, { isHeld: (id) => held.has(id) });
    } catch (e) {
      throw new ChatError('history_refused', { detail: e instanceof Error ? e.message : String(e) });
    }
    const byConversation = new Map(imported.conversations.map((c) => [c.conversationId, c]));
    const contacts = new Map((await store.contacts()).map((c) => [c.peerId, c]));
    const groups = new Map((await store.groups()).map((g) => [g.conversationId, g]));
    const ops: Array<{ store: 'messages' | 'contacts' | 'groups'; value: unknown }> = [];
    // D15.5 step 5: a contact record is a hint; this device verifies the contact's list itself (when it is used).
    for (const c of imported.conversations) {
      let app: ConversationAppData = {};
      try {
        app = JSON.parse(fromUtf8(c.appData)) as ConversationAppData;
      } catch {
        app = {};
      }
      if (c.kind === 'direct' && c.peerAccountId && !contacts.has(c.peerAccountId)) {
        const hint = imported.contacts.find((h) => h.accountId === c.peerAccountId);
        let identity: ContactRecord['identity'] = null;
        let verified = false;
        const pinned = await lists.refresh(c.peerAccountId).catch(() => null);
        if (pinned) {
          const founder = fromBase64Url(pinned.founderKey);
          identity = { signingKey: toBase64Url(founder.slice(0, 32)), dhKey: toBase64Url(founder.slice(32)) };
          // "verified" carries over only when the founder key matches the one the other device compared.
          verified = Boolean(hint?.verified && toBase64Url(hint.founderKey) === pinned.founderKey);
        }
        const contact: ContactRecord = {
          peerId: c.peerAccountId, conversationId: c.conversationId, identity, verified, identityChanged: false, addedAt: app.contact?.addedAt ?? Date.now(), lastActivity: Date.now(), unread: 0,
        };
        contacts.set(contact.peerId, contact);
        ops.push({ store: 'contacts', value: contact });
      }
      if (c.kind === 'group' && !groups.has(c.conversationId)) {
        // The group's history only: this device joins the MLS group when a member adds it (D14.5), not from an archive.
        const g: GroupRecord = { conversationId: c.conversationId, name: app.name ?? 'Group', createdBy: '', members: [], active: false, addedAt: Date.now(), lastActivity: Date.now(), unread: 0 };
        groups.set(g.conversationId, g);
        ops.push({ store: 'groups', value: g });
      }
    }
    for (const m of imported.messages) {
      const item = reportItemToJson(m.item);
      const stamp = item.stamp;
      const conv = byConversation.get(stamp.conversationId);
      const group = conv?.kind === 'group';
      const peerId = group ? '' : (conv?.peerAccountId ?? (m.direction === 'sent' ? stamp.recipientId : stamp.senderId));
      const text = m.header.contentType.startsWith(TEXT_TYPE.split(';')[0] as string) ? fromUtf8(m.item.body) : '';
      const gossip = (m.flags & 1) === 1;
      const record: MessageRecord = {
        id: stamp.messageId, conversationId: stamp.conversationId, peerId, direction: m.direction === 'sent' ? 'out' : 'in', senderId: stamp.senderId, text,
        sentAt: m.header.sentAt, serverTime: stamp.serverTime, seq: m.header.seq, ...(m.direction === 'sent' ? { state: 'sent' as const } : {}),
        ...(group ? { group: true } : {}), ...(gossip ? { kind: 'kt-gossip' as const } : {}),
        ...(m.header.senderDeviceId !== undefined ? { senderDeviceId: m.header.senderDeviceId } : {}),
        ...(m.direction === 'sent' && m.header.senderDeviceId !== undefined && m.header.senderDeviceId !== device.deviceId ? { fromOtherDevice: m.header.senderDeviceId } : {}),
        deliveredToDeviceId: m.deliveredToDeviceId, importedFrom: m.importedFrom, item,
      };
      ops.push({ store: 'messages', value: record });
    }
    if (ops.length) await store.write(ops);
    await this.d.reload();
    return { imported: imported.messages.length, dropped: imported.dropped.length, skipped: imported.skipped.length };
  }
}
