// 1:1 relay: send (one commitment, one ciphertext per recipient), fetch with long-poll, acknowledge. Groups use
// server/routes/groups.ts (MLS) only; this send refuses them (group_requires_mls).
// The live push channel (WebSocket /v1/stream) is in server/push.ts and uses the same envelope schema.
import type { Stamp } from '../../client/protocol.ts';
import type { Delivered } from '../services/relay/index.ts';
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { type Route, route } from './_route.ts';
import { messageOperations as ops } from '../../client/transport/contract/messages.ts';

/** Largest ciphertext per envelope. Attachments travel as separate encrypted blobs, not inline. */
export const stampToJson = (s: Stamp) => ({
  messageId: s.messageId, conversationId: s.conversationId, senderId: s.senderId, recipientId: s.recipientId,
  role: s.role, serverTime: s.serverTime, kid: s.kid, tag: b64(s.tag),
});
export const envelopeToJson = (d: Delivered) => ({ id: d.id, ciphertext: b64(d.ciphertext), commitment: b64(d.commitment), stamp: stampToJson(d.stamp) });

export function messageRoutes(s: Services): Route[] {
  return [
    route(ops.sendMessage, async ({ principal, body }) => {
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
      // docs/PROTOCOL.md §8.3.1: a refused delivery is recorded (no content), so a later report's gap is not blamed on the reporter.
      await s.undelivered.refused({ messageId: r.messageId, conversationId: body.conversationId, senderId: principal.userId, serverTime: r.serverTime, recipientIds: refused });
      return {
        messageId: r.messageId, serverTime: r.serverTime, ...(r.clientMessageId ? { clientMessageId: r.clientMessageId } : {}),
        stamp: stampToJson(r.senderStamp),
      };
    }, {
      standing: 'deferred',
      // One envelope of ≤ MAX_CIPHERTEXT_BYTES, base64url (4/3) plus the JSON around it: 128 KiB is ample.
      bodyLimitBytes: 128 * 1024,
    }),
    route(ops.fetchMessages, async ({ principal, query, signal }) => {
      const waitMs = Math.min(query.wait * 1000, s.config.longPollMaxMs);
      return { envelopes: (await s.relay.fetch(principal.userId, query.limit, waitMs, signal)).map(envelopeToJson) };
    }),
    route(ops.ackMessages, async ({ principal, body }) => ({ deleted: await s.relay.ack(principal.userId, body.ids) })),
  ];
}
