// Receiving a copy (docs/PROTOCOL-devices.md D11.3, `receiveCopy`): a 1:1 message from one of a peer's devices, or an
// own message sent from another device of this account. Routing first (this device, this account, the kind the stamp
// implies), then the sending device must be in its account's pinned verified list (refreshed first when the copy
// states a newer list), then the per-device session decrypts (D9: a prekey message only from that device's listed
// keys), then the commitment opens and the header names that device — only then is it stored and shown. An own copy
// is shown in its conversation as an own message, marked as sent from the other device.
import {
  type CopyEnvelope, type CopyReceipt, DeviceError, type EnvelopeJson, KT_GOSSIP_CONTENT_TYPE, type PinnedDeviceList, Session, SessionError, type SessionRecord,
  deviceSessionKey, fromBase64Url, isPreKeyMessage, receiveCopy, toBase64Url,
} from '@franking-chat/sdk';
import type { ContactRecord, MessageRecord, PublicIdentityJson } from '../storage.ts';
import type { ChatTransparency } from '../transparency.ts';
import { fromUtf8 } from '../utf8.ts';
import { NOT_VALID_TEXT, UNDISPLAYABLE, droppedMessage, gossipShared, undecryptableMessage } from '../wording.ts';
import type { DeviceLists } from './device-lists.ts';
import type { Device } from './device.ts';
import { deviceSessionRecord } from './fanout.ts';
import type { Contacts } from './state/contacts.ts';
import type { Conversations } from './state/conversations.ts';
import type { WriteOp } from './state/snapshot.ts';

export interface CopyReceiverDeps {
  device: Device;
  lists: DeviceLists;
  contacts: Contacts;
  conversations: Conversations;
  kt: ChatTransparency;
  /** The contact a peer's message comes from (a message request on first contact). */
  contactForIncoming(peerId: string, conversationId: string, remote: PublicIdentityJson | null): ContactRecord;
  /** The peer of a 1:1 conversation this device may not know yet (an own copy of a conversation begun elsewhere). */
  peerOf(conversationId: string): Promise<string | null>;
  fetchAttachments(messageId: string): void;
  gossipArrived(peerId: string): void;
}

/** Whether an envelope is a per-device copy (D13.5) rather than a single-device envelope (D17.3). */
export const isCopy = (env: EnvelopeJson): boolean => env.targetDeviceId !== undefined && env.copyKind !== undefined && env.senderDeviceId !== undefined;

/** The founder key of a pinned list as the contact's identity (D16: what the safety number covers). */
export function founderIdentity(pinned: PinnedDeviceList): PublicIdentityJson {
  const founder = fromBase64Url(pinned.founderKey, 'founderKey');
  return { signingKey: toBase64Url(founder.slice(0, 32)), dhKey: toBase64Url(founder.slice(32, 64)) };
}

export class CopyReceiver {
  constructor(private readonly d: CopyReceiverDeps) {}

  private copyOf(env: EnvelopeJson): CopyEnvelope {
    return {
      ciphertext: fromBase64Url(env.ciphertext, 'ciphertext'),
      commitment: fromBase64Url(env.commitment, 'commitment'),
      stamp: { ...env.stamp, tag: fromBase64Url(env.stamp.tag, 'tag') },
      senderDeviceId: env.senderDeviceId as number,
      copyKind: env.copyKind as CopyEnvelope['copyKind'],
      senderListVersion: env.senderListVersion ?? 0,
      senderListHash: fromBase64Url(env.senderListHash ?? '', 'senderListHash'),
      targetAccountId: env.targetAccountId ?? '',
      targetDeviceId: env.targetDeviceId as number,
      targetListVersion: env.targetListVersion ?? 0,
      targetListHash: fromBase64Url(env.targetListHash ?? '', 'targetListHash'),
    };
  }

  /**
   * D11.3 steps 1–7 on the sessions held for the sending device (current, then the older ones), then as a prekey
   * message; a copy stating a newer list is received again after that list is refreshed (at most twice). Returns the
   * receipt and the session slot it used, or null when it cannot be read now (left unacknowledged).
   */
  private async open(env: EnvelopeJson, copy: CopyEnvelope): Promise<{ receipt: CopyReceipt; record: SessionRecord | undefined; slot: number } | 'replay' | 'refused' | null> {
    const { device, lists } = this.d;
    const me = device.me();
    const senderId = env.stamp.senderId;
    let withheld = senderId;
    for (let round = 0; round < 3; round++) {
      const ownPinned = device.ownList();
      const senderPinned = senderId === me ? ownPinned : ((await lists.pinned(senderId)) ?? (await lists.refresh(senderId)) ?? undefined);
      if (!ownPinned || !senderPinned) return 'refused';
      const record = await deviceSessionRecord(device, senderId, copy.senderDeviceId);
      const slots: Array<Uint8Array | null> = [...(record ? [record.current, ...record.previous] : []), null];
      let refresh: { accountId: string } | null = null;
      let lastError: unknown = null;
      for (const [slot, bytes] of slots.entries()) {
        if (bytes === null && !isPreKeyMessage(copy.ciphertext)) break;
        try {
          const receipt = receiveCopy(copy, {
            accountId: me, deviceId: device.deviceId as number, senderPinned, ownPinned, ownLog: [],
            session: bytes === null ? null : Session.deserialize(bytes),
            responder: { identity: device.identity(), preKeys: device.preKeys() },
          });
          if (receipt.status === 'refresh') {
            refresh = receipt;
            break;
          }
          return { receipt, record, slot };
        } catch (e) {
          if (SessionError.is(e, 'replay')) return 'replay';
          // Refused before anything was decrypted (another device's copy, a device not listed): acknowledged, not shown.
          if (DeviceError.is(e, 'wrong_device') || DeviceError.is(e, 'unknown_device')) return 'refused';
          lastError = e;
        }
      }
      if (!refresh) {
        if (lastError && DeviceError.is(lastError, 'binding_mismatch')) return 'refused';
        return lastError ? 'refused' : null;
      }
      withheld = refresh.accountId;
      await lists.refresh(refresh.accountId);
    }
    // D11.3 step 2: a stated list the server cannot prove after the refresh: held, unacknowledged, and said (list_withheld).
    await this.d.kt.listWithheld(withheld, withheld === senderId ? copy.senderListVersion : copy.targetListVersion).catch(() => undefined);
    return null;
  }

  /** One copy; true when it may be acknowledged. */
  async receive(env: EnvelopeJson): Promise<boolean> {
    const { device, conversations } = this.d;
    const store = device.store();
    const stamp = env.stamp;
    const me = device.me();
    const own = stamp.senderId === me;
    const copy = this.copyOf(env);
    let opened;
    try {
      opened = await this.open(env, copy);
    } catch (e) {
      device.revertPreKeys();
      throw e; // the directory or the log could not be reached: comes back on the next connection
    }
    if (opened === 'replay') return true;
    if (opened === null) {
      device.revertPreKeys();
      return false;
    }
    const peerId = own ? await this.d.peerOf(stamp.conversationId) : stamp.senderId;
    if (!peerId) return true;
    if (opened === 'refused') {
      device.revertPreKeys();
      if (own) return true;
      const contact = this.d.contactForIncoming(peerId, stamp.conversationId, null);
      const note: MessageRecord = {
        id: stamp.messageId, conversationId: stamp.conversationId, peerId, direction: 'system', senderId: peerId, sentAt: Date.now(), serverTime: stamp.serverTime, seq: null,
        text: undecryptableMessage(peerId),
      };
      await store.write([conversations.op(note), this.d.contacts.op(contact)]);
      this.d.contacts.shown(contact);
      conversations.shown(note);
      return true;
    }
    const { receipt, record, slot } = opened;
    if (receipt.status === 'refresh') return false;
    // The session that opened it (or the one a prekey message started) is kept; the message key is spent either way.
    const key = deviceSessionKey(stamp.senderId, copy.senderDeviceId);
    const fresh = receipt.session.serialize();
    let next: SessionRecord;
    if (!record) next = { peerId: key, current: fresh, previous: [], heardBack: true };
    else if (slot === 0) next = { ...record, peerId: key, current: fresh, heardBack: true };
    else if (slot <= record.previous.length) next = { ...record, peerId: key, previous: record.previous.map((b, j) => (j === slot - 1 ? fresh : b)) };
    else {
      // A prekey message started a new session. PROTOCOL-sessions.md §S16.4: when both devices initiated and neither
      // heard back, both keep the session the smaller (account#device) initiated, so they converge.
      const keepOurs = !record.heardBack && Session.deserialize(record.current).role === 'initiator' && deviceSessionKey(me, device.deviceId as number) < key;
      next = keepOurs
        ? { ...record, peerId: key, previous: [fresh, ...record.previous].slice(0, 3) }
        : { peerId: key, current: fresh, previous: [record.current, ...record.previous].slice(0, 3), heardBack: true };
    }
    const ops: WriteOp[] = [{ store: 'sessions', value: next }, device.preKeysOp()];
    const peerPinned = own ? await this.d.lists.pinned(peerId) : await this.d.lists.pinned(stamp.senderId);
    const existing = this.d.contacts.get(peerId);
    const contact: ContactRecord = own
      // Writing from another device of this account opens the conversation here too (not a request).
      ? existing ?? { peerId, conversationId: stamp.conversationId, identity: peerPinned ? founderIdentity(peerPinned) : null, verified: false, identityChanged: false, addedAt: Date.now(), lastActivity: Date.now(), unread: 0 }
      : this.d.contactForIncoming(peerId, stamp.conversationId, peerPinned ? founderIdentity(peerPinned) : null);
    let message: MessageRecord;
    let gossip = false;
    if (receipt.status === 'dropped') {
      message = {
        id: stamp.messageId, conversationId: stamp.conversationId, peerId, direction: 'system', senderId: stamp.senderId, sentAt: Date.now(), serverTime: stamp.serverTime, seq: null,
        text: droppedMessage(own ? 'your other device' : peerId),
      };
    } else {
      const o = receipt.message;
      gossip = o.header.contentType === KT_GOSSIP_CONTENT_TYPE;
      let text = '';
      try {
        // Gossip is a protocol message (docs/PROTOCOL.md §8.4): compared (a peer's), kept for reports, never shown.
        if (gossip && !own) await this.d.kt.receiveGossip(peerId, o.body);
        else if (gossip) text = gossipShared(peerId);
        else text = o.header.contentType.startsWith('text/plain') ? fromUtf8(o.body) : UNDISPLAYABLE;
      } catch {
        text = gossip ? '' : NOT_VALID_TEXT;
      }
      const attachments = o.header.attachments;
      message = {
        id: stamp.messageId, conversationId: stamp.conversationId, peerId, direction: own ? 'out' : 'in', senderId: stamp.senderId, text,
        sentAt: o.header.sentAt, serverTime: stamp.serverTime, seq: o.header.seq,
        senderDeviceId: copy.senderDeviceId, deliveredToDeviceId: receipt.deliveredToDeviceId,
        ...(own ? { state: 'sent' as const, fromOtherDevice: copy.senderDeviceId } : {}),
        ...(gossip ? { kind: 'kt-gossip' as const } : {}),
        ...(attachments.length ? { attachments: attachments.map((a) => ({ mediaType: a.mediaType, size: a.size, status: 'loading' as const })) } : {}),
        item: { stamp, commitment: env.commitment, fk: toBase64Url(o.fk), header: toBase64Url(o.headerBytes), body: toBase64Url(o.body) },
      };
      for (const a of receipt.alarms) await this.d.kt.copyAlarm(a).catch(() => undefined);
    }
    ops.push(conversations.op(message));
    const bump = message.direction === 'in' && !gossip ? 1 : 0;
    const updated = gossip ? contact : { ...contact, lastActivity: Date.now(), unread: contact.unread + bump };
    ops.push(this.d.contacts.op(updated));
    await store.write(ops);
    this.d.contacts.shown(updated);
    conversations.shown(message);
    if (message.attachments) this.d.fetchAttachments(message.id);
    if (gossip && !own) this.d.gossipArrived(peerId);
    return true;
  }
}
