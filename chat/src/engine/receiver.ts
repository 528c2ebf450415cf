// Receiving 1:1 messages: decrypt (the peer's session record, docs/PROTOCOL-sessions.md §S16), open the franking
// commitment, verify the sender's key in the public key log, store — then show. Group messages arrive through the
// group inbox (../groups/group-inbox.ts).
import { type ApiClient, ApiError, type EnvelopeJson, KT_GOSSIP_CONTENT_TYPE, fromBase64Url, receiveWithSessionRecord, toBase64Url } from '@franking-chat/sdk';
import type { Blocking } from '../blocking.ts';
import type { ContactRecord, MessageRecord, PublicIdentityJson, SessionRecord } from '../storage.ts';
import type { ChatTransparency } from '../transparency.ts';
import { fromUtf8 } from '../utf8.ts';
import { NOT_VALID_TEXT, UNDISPLAYABLE, UNPROVEN_SENDER_TEXT, droppedMessage, undecryptableMessage, unprovenSender } from '../wording.ts';
import { CopyReceiver, isCopy } from './copy-receiver.ts';
import type { DeviceLists } from './device-lists.ts';
import type { Device } from './device.ts';
import { type KeyChecks, identityJson, sameIdentity } from './key-checks.ts';
import type { Contacts } from './state/contacts.ts';
import type { Conversations } from './state/conversations.ts';
import type { Groups } from './state/groups.ts';
import type { WriteOp } from './state/snapshot.ts';

export interface ReceiverDeps {
  device: Device;
  api: ApiClient;
  contacts: Contacts;
  conversations: Conversations;
  groups: Groups;
  blocking: Blocking;
  keys: KeyChecks;
  kt: ChatTransparency;
  lists: DeviceLists;
  /** A stored message with attachments: download and verify them. */
  fetchAttachments(messageId: string): void;
  /** Key-log gossip arrived from `peerId`: answer it when due (docs/TRANSPARENCY.md §8). */
  gossipArrived(peerId: string): void;
}

export class Receiver {
  private readonly copies: CopyReceiver;

  constructor(private readonly d: ReceiverDeps) {
    this.copies = new CopyReceiver({
      device: d.device, lists: d.lists, contacts: d.contacts, conversations: d.conversations, kt: d.kt,
      contactForIncoming: (peerId, conversationId, remote) => this.contactForIncoming(peerId, conversationId, remote),
      peerOf: (conversationId) => this.peerOf(conversationId),
      fetchAttachments: d.fetchAttachments, gossipArrived: d.gossipArrived,
    });
  }

  /** A batch pushed by the server: the ids that may be acknowledged (the others come back on the next connection). */
  async receiveBatch(envelopes: EnvelopeJson[]): Promise<string[]> {
    const done: string[] = [];
    for (const env of envelopes) {
      try {
        if (await this.d.device.locked(() => this.receive(env))) done.push(env.id);
      } catch {
        // Left unacknowledged: pushed again on the next connection.
      }
    }
    return done;
  }

  /** Decrypts one envelope, opens its commitment, stores it; true when it may be acknowledged. */
  private async receive(env: EnvelopeJson): Promise<boolean> {
    const { device } = this.d;
    const store = device.store();
    const stamp = env.stamp;
    if (isCopy(env)) {
      // docs/PROTOCOL-devices.md D11.3: a per-device copy (a peer's, or an own message from another device).
      if (device.deviceId === undefined) return false; // not migrated yet (D17.1): read after the genesis is pinned
      if (stamp.senderId !== device.me() && this.d.blocking.isBlocked(stamp.senderId)) return true;
      if (await store.message(stamp.messageId)) return true;
      if ((await this.conversationKind(stamp.conversationId)) === 'group') return true;
      return this.copies.receive(env);
    }
    if (stamp.role !== 'recipient' || stamp.recipientId !== device.me()) return true;
    if (this.d.blocking.isBlocked(stamp.senderId)) return true; // blocked: acknowledged and dropped unread
    if (await store.message(stamp.messageId)) return true; // already stored (ack was lost)
    // Groups are MLS only (docs/PROTOCOL.md §12): the relay refuses 1:1 envelopes for a group (400
    // group_requires_mls), so one that still names a group is not ours to show — dropped before it touches a session.
    if ((await this.conversationKind(stamp.conversationId)) === 'group') return true;
    const peerId = stamp.senderId;
    const envelope = { commitment: fromBase64Url(env.commitment, 'commitment'), message: fromBase64Url(env.ciphertext, 'ciphertext') };
    const expect = { conversationId: stamp.conversationId, senderId: peerId };
    // Current session, then the archived ones; a prekey message may start a new one (docs/PROTOCOL-sessions.md §S16).
    const result = receiveWithSessionRecord(await store.session(peerId), envelope, {
      localUserId: device.me(), peerId, identity: device.identity(), preKeys: device.preKeys(), expect,
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
        refused = !(await this.d.keys.senderKeyProven(peerId, remote));
      } catch (e) {
        // The log or directory could not be reached: nothing is kept, the envelope stays unacknowledged and comes back.
        device.revertPreKeys();
        throw e;
      }
      if (refused) {
        next = null;
        remote = null;
      }
    }
    const contact = this.contactForIncoming(peerId, stamp.conversationId, remote);
    const ops: WriteOp[] = [];
    if (next) ops.push({ store: 'sessions', value: next });
    if (preKeysChanged) ops.push(device.preKeysOp());
    let message: MessageRecord;
    let gossip = false;
    if (receipt?.status === 'accepted' && refused) {
      message = {
        id: stamp.messageId, conversationId: stamp.conversationId, peerId, direction: 'system', senderId: peerId, sentAt: Date.now(), serverTime: stamp.serverTime, seq: null,
        text: unprovenSender(peerId, UNPROVEN_SENDER_TEXT),
      };
    } else if (receipt?.status === 'accepted') {
      const opened = receipt.message;
      gossip = opened.header.contentType === KT_GOSSIP_CONTENT_TYPE;
      let text = '';
      try {
        // Gossip is a protocol message (docs/PROTOCOL.md §8.4): compared, kept for reports, never shown; alarms are banners.
        if (gossip) await this.d.kt.receiveGossip(peerId, opened.body);
        else text = opened.header.contentType.startsWith('text/plain') ? fromUtf8(opened.body) : UNDISPLAYABLE;
      } catch {
        text = gossip ? '' : NOT_VALID_TEXT;
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
        text: receipt?.status === 'dropped' ? droppedMessage(peerId) : undecryptableMessage(peerId),
      };
    }
    ops.push(this.d.conversations.op(message));
    const bump = message.direction === 'in' && !gossip ? 1 : 0;
    const updated = gossip ? contact : { ...contact, lastActivity: Date.now(), unread: contact.unread + bump };
    ops.push(this.d.contacts.op(updated));
    await store.write(ops);
    this.d.contacts.shown(updated);
    this.d.conversations.shown(message);
    if (message.attachments) this.d.fetchAttachments(message.id);
    // Views of the key log are exchanged when a conversation starts (docs/TRANSPARENCY.md §8): answer the first gossip.
    if (gossip) this.d.gossipArrived(peerId);
    return true;
  }

  /** The contact a message comes from; created on first contact, flagged when the peer's keys changed. */
  private contactForIncoming(peerId: string, conversationId: string, remote: PublicIdentityJson | null): ContactRecord {
    const existing = this.d.contacts.get(peerId);
    if (!existing) {
      // Someone you never wrote to: a message request, not an open chat (chat/README.md "Blocking and message requests").
      return { peerId, conversationId, identity: remote, verified: false, identityChanged: false, addedAt: Date.now(), lastActivity: Date.now(), unread: 0, request: true };
    }
    if (remote && existing.identity && !sameIdentity(existing.identity, remote)) {
      return { ...existing, identity: remote, verified: false, identityChanged: true };
    }
    return remote && !existing.identity ? { ...existing, identity: remote } : existing;
  }

  /** The other member of a 1:1 conversation: from local records, else asked of the server. */
  private async peerOf(conversationId: string): Promise<string | null> {
    const known = this.d.contacts.byConversation(conversationId);
    if (known) return known.peerId;
    const c = await this.d.api.getConversation(conversationId);
    return c.kind === 'direct' ? (c.memberIds.find((id) => id !== this.d.device.me()) ?? null) : null;
  }

  /** Direct or group: from local records, else asked of the server (first message of a new conversation). */
  private async conversationKind(conversationId: string): Promise<'direct' | 'group'> {
    if (this.d.contacts.byConversation(conversationId)) return 'direct';
    if (this.d.groups.get(conversationId)) return 'group';
    try {
      return (await this.d.api.getConversation(conversationId)).kind;
    } catch (e) {
      // Only a group can stop being ours.
      if (!ApiError.is(e, 'not_found')) throw e;
      return 'group';
    }
  }
}
