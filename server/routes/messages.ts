// 1:1 relay: send (one commitment, one ciphertext per recipient account unless both accounts have a device list, D17.3
// — or one copy per device of both accounts, docs/PROTOCOL-devices.md D13), fetch with long-poll, acknowledge — per
// device. Groups use server/routes/groups.ts (MLS) only; this send refuses them (group_requires_mls).
// The live push channel (WebSocket /v1/stream) is in server/push.ts and uses the same envelope schema.
import type { Stamp } from '../../client/protocol.ts';
import type { Delivered } from '../services/relay/index.ts';
import type { Services } from '../services/index.ts';
import { AuthenticationError } from '../errors.ts';
import { b64, bytes } from './_schemas.ts';
import { callerDevice, type Route, route } from './_route.ts';
import { messageOperations as ops } from '../../client/transport/contract/messages.ts';

/** Largest ciphertext per envelope. Attachments travel as separate encrypted blobs, not inline. */
export const stampToJson = (s: Stamp) => ({
  messageId: s.messageId, conversationId: s.conversationId, senderId: s.senderId, recipientId: s.recipientId,
  role: s.role, serverTime: s.serverTime, kid: s.kid, tag: b64(s.tag),
});
/** D13.5: a copy carries every CopyAD field in the clear; a single-device envelope (D17.3) carries none of them. */
export const envelopeToJson = (d: Delivered) => {
  const base = { id: d.id, ciphertext: b64(d.ciphertext), commitment: b64(d.commitment), stamp: stampToJson(d.stamp) };
  const c = d.copy;
  if (!c) return base;
  return {
    ...base, senderDeviceId: c.senderDeviceId, copyKind: c.copyKind === 2 ? ('own' as const) : ('recipient' as const),
    senderListVersion: c.senderListVersion, senderListHash: b64(c.senderListHash),
    targetAccountId: d.stamp.recipientId, targetDeviceId: c.targetDeviceId, targetListVersion: c.targetListVersion, targetListHash: b64(c.targetListHash),
  };
};

export function messageRoutes(s: Services): Route[] {
  return [
    route(ops.sendMessage, async ({ principal, body }) => {
      if ('copies' in body) {
        // docs/PROTOCOL-devices.md D13.3, in order: (1) the schema, (2) the sending device in its account's current list,
        // (3)–(5) in checkCopies, (6) a peer that blocked the sender gets no copy (own copies are delivered).
        const senderDeviceId = callerDevice(principal);
        const senderOk = (await s.devices.currentDevices([principal.userId])).get(principal.userId);
        if (senderOk ? !senderOk.deviceIds.includes(senderDeviceId) : senderDeviceId !== 1)
          throw new AuthenticationError('invalid_token', `device ${senderDeviceId} is not in the current device list`);
        const copies = body.copies.map((c) => ({ accountId: c.accountId, deviceId: c.deviceId, ciphertext: bytes(c.ciphertext) }));
        const stated = body.lists.map((l) => ({ accountId: l.accountId, listVersion: l.listVersion, listHash: bytes(l.listHash) }));
        const { peerId, lists } = await s.relay.checkCopies(principal.userId, senderDeviceId, { conversationId: body.conversationId, clientMessageId: body.clientMessageId, lists: stated, copies });
        const { refused } = await s.blocks.partition(principal.userId, [{ recipientId: peerId }]);
        const r = await s.relay.send(principal.userId, {
          conversationId: body.conversationId, commitment: bytes(body.commitment), clientMessageId: body.clientMessageId, envelopes: [],
          fanOut: { senderDeviceId, lists, copies: refused.length ? copies.filter((c) => c.accountId !== peerId) : copies },
        });
        await s.undelivered.refused({ messageId: r.messageId, conversationId: body.conversationId, senderId: principal.userId, senderDeviceId, serverTime: r.serverTime, recipientIds: refused });
        return { messageId: r.messageId, serverTime: r.serverTime, clientMessageId: body.clientMessageId, stamp: stampToJson(r.senderStamp) };
      }
      // D17.3: refused between two accounts with device lists; it reaches the recipient's device 1 only.
      await s.relay.checkEnvelopes(principal.userId, { conversationId: body.conversationId, clientMessageId: body.clientMessageId, recipientIds: body.envelopes.map((e) => e.recipientId) });
      // Recipients who blocked the sender get nothing (the sender is not told); the refusals are recorded below. The
      // undelivered-bytes quota is checked where the envelopes are written (server/services/send-receipts.ts).
      const { deliver, refused } = await s.blocks.partition(principal.userId, body.envelopes);
      const envelopes = deliver.map((e) => ({ recipientId: e.recipientId, ciphertext: bytes(e.ciphertext) }));
      const r = await s.relay.send(principal.userId, {
        conversationId: body.conversationId,
        commitment: bytes(body.commitment),
        clientMessageId: body.clientMessageId,
        envelopes,
      });
      // docs/PROTOCOL.md §8.3.1: a refused delivery is recorded (no content), so a later report's gap is not blamed on the
      // reporter. This body carries a version 1/2 header, which is device 1's chain whichever device sent it (D17.3, D17.4).
      await s.undelivered.refused({ messageId: r.messageId, conversationId: body.conversationId, senderId: principal.userId, senderDeviceId: 1, serverTime: r.serverTime, recipientIds: refused });
      return {
        messageId: r.messageId, serverTime: r.serverTime, ...(r.clientMessageId ? { clientMessageId: r.clientMessageId } : {}),
        stamp: stampToJson(r.senderStamp),
      };
    }, {
      standing: 'deferred',
      // D13.2: up to 15 copies of ≤ MAX_CIPHERTEXT_BYTES, base64url (4/3), plus the JSON around them: 1.1 MiB. The
      // single-device body keeps its own limit: one envelope of ≤ MAX_CIPHERTEXT_BYTES plus the JSON around it, 128 KiB.
      bodyLimitBytes: Math.ceil(1.1 * 1024 * 1024),
      bodyLimitFor: (body) => (body !== null && typeof body === 'object' && 'copies' in body ? Math.ceil(1.1 * 1024 * 1024) : 128 * 1024),
    }),
    route(ops.fetchMessages, async ({ principal, query, signal }) => {
      const waitMs = Math.min(query.wait * 1000, s.config.longPollMaxMs);
      const deviceId = callerDevice(principal);
      return { envelopes: (await s.relay.fetch(principal.userId, query.limit, waitMs, signal, deviceId)).map(envelopeToJson) };
    }),
    route(ops.ackMessages, async ({ principal, body }) => ({ deleted: await s.relay.ack(principal.userId, body.ids, callerDevice(principal)) })),
  ];
}
