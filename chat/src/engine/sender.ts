// Sending, before the outbox: the attachment is uploaded (encrypted while uploading: only ciphertext leaves), then
// the message is franked once and sealed — per recipient session for 1:1 (docs/PROTOCOL.md §5), once for the group
// on MLS (§12) — and stored with everything it changed before it leaves; the outbox then hands it to the relay.
import {
  type ApiClient, ApiError, AttachmentError, type AttachmentDescriptor, type FrankedMessage, KT_GOSSIP_CONTENT_TYPE, SenderChain, type Session, currentSession, fromBase64Url,
  initiatedSessionRecord, toBase64Url, withCurrentSession,
} from '@franking-chat/sdk';
import type { MessageRecord, SessionRecord } from '../storage.ts';
import { utf8 } from '../utf8.ts';
import { describeSendError, gossipShared } from '../wording.ts';
import type { Device } from './device.ts';
import { ChatError } from './errors.ts';
import type { DirectFanOut } from './fanout.ts';
import type { KeyChecks } from './key-checks.ts';
import { MAX_ATTACHMENT_BYTES, TEXT_TYPE } from './limits.ts';
import type { Outbox } from './outbox.ts';
import { initiateSession } from './sessions.ts';
import type { Contacts } from './state/contacts.ts';
import type { Conversations } from './state/conversations.ts';
import type { Groups } from './state/groups.ts';
import type { WriteOp } from './state/snapshot.ts';
import type { AccountStanding } from './state/standing.ts';

export interface OutgoingFile {
  data: Blob;
  mediaType: string;
}

/** Where a message goes: a 1:1 peer (recipients: [peer]) or a group (no recipients: MLS knows the members). */
export interface Destination {
  conversationId: string;
  recipients: string[];
  peerId: string;
  group: boolean;
}

export interface SenderDeps {
  device: Device;
  api: ApiClient;
  keys: KeyChecks;
  contacts: Contacts;
  conversations: Conversations;
  groups: Groups;
  standing: AccountStanding;
  outbox: Outbox;
  /** 1:1 to an account with a device list: one franking, a copy per device (docs/PROTOCOL-devices.md D11.2). */
  fanOut: DirectFanOut;
  /** Franks once and MLS-encrypts once for the group; stores the message (../groups/group-sender.ts). */
  sealGroup(conversationId: string, body: string, attachments: AttachmentDescriptor[], kind?: 'group-info'): Promise<MessageRecord>;
}

export class Sender {
  constructor(private readonly d: SenderDeps) {}

  /** Sends to a 1:1 contact: text, an attachment, or both. */
  async send(peerId: string, text: string, file?: OutgoingFile): Promise<void> {
    const contact = this.d.contacts.get(peerId);
    if (!contact) throw new ChatError('unknown_contact');
    await this.sendTo({ conversationId: contact.conversationId, recipients: [peerId], peerId, group: false }, text, file);
  }

  /** Sends to a group: franked once, MLS-encrypted once for every member (docs/PROTOCOL.md §12). */
  async sendGroup(conversationId: string, text: string, file?: OutgoingFile): Promise<void> {
    const g = this.d.groups.get(conversationId);
    if (!g?.active) throw new ChatError('not_a_group_member');
    if (g.forkedAt !== undefined) throw new ChatError('group_forked');
    await this.sendTo({ conversationId, recipients: [], peerId: '', group: true }, text, file);
  }

  /** A group-info message (the group's name, docs/PROTOCOL.md §12.11), franked and encrypted like any message. */
  async sendGroupInfo(conversationId: string, info: { name: string; rename?: boolean }): Promise<void> {
    await this.sendTo({ conversationId, recipients: [], peerId: '', group: true }, JSON.stringify(info), undefined, 'group-info');
  }

  /** Key-log gossip (docs/TRANSPARENCY.md §8): a protocol message carrying the gossip bytes. */
  async sendGossip(peerId: string, conversationId: string, bytes: Uint8Array): Promise<void> {
    await this.sendTo({ conversationId, recipients: [peerId], peerId, group: false }, toBase64Url(bytes), undefined, 'kt-gossip');
  }

  private async sendTo(t: Destination, text: string, file?: OutgoingFile, kind?: 'group-info' | 'kt-gossip'): Promise<void> {
    const body = kind ? text : text.trim();
    if (!body && !file) return;
    if (file && file.data.size > MAX_ATTACHMENT_BYTES) throw new ChatError('file_too_large', { size: file.data.size });
    const attachments: AttachmentDescriptor[] = [];
    let plaintext: Uint8Array | null = null;
    if (file) {
      plaintext = new Uint8Array(await file.data.arrayBuffer());
      try {
        attachments.push(await this.d.api.uploadAttachment(t.conversationId, plaintext, file.mediaType || 'application/octet-stream', { maxSize: MAX_ATTACHMENT_BYTES }));
      } catch (e) {
        this.d.standing.noteBlocked(e);
        if (ApiError.is(e, 'payload_too_large') || AttachmentError.is(e, 'too_large')) throw new ChatError('file_too_large', { size: file.data.size });
        if (ApiError.is(e, 'quota_exceeded')) throw new ChatError('attachment_quota');
        throw new ChatError('file_not_sent', { detail: describeSendError(e).text.replace('Not sent:', 'The file was not sent:') });
      }
    }
    const fileOf = (m: MessageRecord): WriteOp[] => (plaintext && file
      ? [{ store: 'files', value: { id: `${m.id}#0`, messageId: m.id, index: 0, data: new Blob([plaintext as Uint8Array<ArrayBuffer>], { type: file.mediaType }) } }]
      : []);
    const shownFile = file ? { attachments: [{ mediaType: attachments[0]?.mediaType ?? file.mediaType, size: file.data.size, status: 'ready' as const }] } : {};
    if (t.group) {
      // Key-log gossip is pairwise (docs/TRANSPARENCY.md §8); in a group only the group-info kind exists.
      const sealed = await this.d.sealGroup(t.conversationId, body, attachments, kind === 'group-info' ? kind : undefined);
      const store = this.d.device.store();
      if (file) await store.write(fileOf(sealed));
      const withFile: MessageRecord = { ...sealed, ...shownFile };
      if (file) await store.write([this.d.conversations.op(withFile)]);
      this.d.conversations.shown(withFile);
      return this.d.outbox.deliver(withFile);
    }
    const message = await this.d.device.locked(() => this.sealDirect(t, body, attachments, kind, shownFile, fileOf));
    await this.d.outbox.deliver(message);
  }

  /**
   * Franks once, seals for every recipient and stores sessions, chain and message in one transaction: a crash cannot
   * leave a used ratchet key or a sequence number without the message that consumed it.
   */
  private async sealDirect(
    t: Destination, body: string, attachments: AttachmentDescriptor[], kind: 'group-info' | 'kt-gossip' | undefined,
    shownFile: Partial<MessageRecord>, fileOf: (m: MessageRecord) => WriteOp[],
  ): Promise<MessageRecord> {
    const { device } = this.d;
    const store = device.store();
    const chainState = await store.chain(t.conversationId);
    const deviceId = device.deviceId;
    // docs/PROTOCOL-devices.md D10.2: a device's chain franks header version 3; a migrated device 1 continues its
    // version 1 chain (seq and prevCommitment go on: those messages count as device 1's, D17.4).
    const chain = chainState
      ? SenderChain.fromJSON(deviceId !== undefined && chainState.senderDeviceId === undefined ? { ...chainState, senderDeviceId: deviceId } : chainState)
      : deviceId !== undefined ? new SenderChain(t.conversationId, device.me(), deviceId) : new SenderChain(t.conversationId, device.me());
    // A key-log gossip message carries the gossip bytes themselves (docs/TRANSPARENCY.md §8), passed here as base64url.
    const bodyBytes = kind === 'kt-gossip' ? fromBase64Url(body) : utf8(body);
    const contentType = kind === 'kt-gossip' ? KT_GOSSIP_CONTENT_TYPE : TEXT_TYPE;
    const ops: WriteOp[] = [];
    let franked: FrankedMessage;
    let envelopes: Array<{ recipientId: string; ciphertext: string }> | undefined;
    let copies;
    // D11.2: to an account with a device list, one franking and a copy per device of both accounts; to a legacy
    // account (D17.2) the single-device body, one session with the peer (its device 1).
    const fanned = deviceId !== undefined && t.recipients.length === 1 ? await this.d.fanOut.seal(t.peerId, chain, bodyBytes, { contentType, attachments }) : null;
    if (fanned) {
      franked = fanned.franked;
      copies = fanned.copies;
      ops.push(...fanned.ops);
    } else {
      const sessions = new Map<string, Session>();
      const records = new Map<string, SessionRecord>();
      for (const id of t.recipients) {
        const rec = (await store.session(id)) ?? initiatedSessionRecord(id, await initiateSession(this.d.api, this.d.keys, device, id));
        records.set(id, rec);
        sessions.set(id, currentSession(rec));
      }
      franked = chain.frank(bodyBytes, { contentType, attachments });
      // The commitment travels beside the session ciphertext (§5); one ciphertext for the peer.
      envelopes = t.recipients.map((id) => ({ recipientId: id, ciphertext: toBase64Url((sessions.get(id) as Session).sendFranked(franked).message) }));
      for (const [id, rec] of records) ops.push({ store: 'sessions', value: withCurrentSession(rec, sessions.get(id) as Session) });
    }
    const clientMessageId = toBase64Url(franked.header.clientMessageId);
    const m: MessageRecord = {
      id: `local:${clientMessageId}`,
      conversationId: t.conversationId,
      peerId: t.peerId,
      direction: 'out',
      senderId: device.me(),
      text: kind === 'kt-gossip' ? gossipShared(t.peerId) : body,
      sentAt: franked.header.sentAt,
      serverTime: null,
      seq: franked.header.seq,
      state: 'sending',
      ...(kind ? { kind } : {}),
      ...(deviceId !== undefined ? { senderDeviceId: deviceId } : {}),
      ...shownFile,
      pending: {
        commitment: toBase64Url(franked.commitment),
        ...(copies ? { copies } : { envelopes }),
        clientMessageId,
        fk: toBase64Url(franked.fk),
        header: toBase64Url(franked.headerBytes),
        body: toBase64Url(bodyBytes),
      },
    };
    ops.push({ store: 'chains', value: chain.toJSON() }, this.d.conversations.op(m));
    ops.push(...fileOf(m));
    const contact = this.d.contacts.get(t.peerId);
    if (contact) ops.push(this.d.contacts.op({ ...contact, lastActivity: Date.now() }));
    await store.write(ops);
    if (contact) this.d.contacts.shown({ ...contact, lastActivity: Date.now() });
    this.d.conversations.shown(m);
    return m;
  }
}
