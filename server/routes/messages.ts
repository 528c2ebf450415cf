// 1:1 relay: send (one commitment, one ciphertext per recipient), fetch with long-poll, acknowledge. Groups use
// server/routes/groups.ts (MLS) only; this send refuses them (group_requires_mls).
// The live push channel (WebSocket /v1/stream) is in server/push.ts and uses the same envelope schema.
import type { Stamp } from '../../client/protocol.ts';
import type { Delivered } from '../services/relay/index.ts';
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

/** Largest ciphertext per envelope. Attachments travel as separate encrypted blobs, not inline. */
import { SendRequest, SendResponse, FetchQuery, FetchResponse, AckRequest, AckResponse } from '../../client/transport/contract/messages.ts';
export const stampToJson = (s: Stamp) => ({
  messageId: s.messageId, conversationId: s.conversationId, senderId: s.senderId, recipientId: s.recipientId,
  role: s.role, serverTime: s.serverTime, kid: s.kid, tag: b64(s.tag),
});
export const envelopeToJson = (d: Delivered) => ({ id: d.id, ciphertext: b64(d.ciphertext), commitment: b64(d.commitment), stamp: stampToJson(d.stamp) });

const authErrors = ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'] as const;

export const sendSpec = {
  operationId: 'sendMessage', method: 'post', path: '/v1/messages', tag: 'messages', auth: 'user', standing: 'deferred',
  // One envelope of ≤ MAX_CIPHERTEXT_BYTES, base64url (4/3) plus the JSON around it: 128 KiB is ample.
  rateLimit: 'send', bodyLimitBytes: 128 * 1024,
  summary: 'Send one 1:1 message: a commitment and one ciphertext per recipient; returns the sender stamp. Groups take MLS messages only (sendGroupMessage): group_requires_mls',
  body: SendRequest, response: SendResponse, statuses: [201],
  errors: ['validation_failed', 'group_requires_mls', 'payload_too_large', 'not_a_member', 'client_message_id_reused', 'rate_limited', 'undelivered_quota_exceeded', ...authErrors],
} as const;
export const fetchSpec = {
  operationId: 'fetchMessages', method: 'get', path: '/v1/messages', tag: 'messages', auth: 'user',
  summary: 'Pending envelopes for the caller (oldest first); long-polls up to `wait` seconds when none',
  query: FetchQuery, response: FetchResponse, errors: ['validation_failed', ...authErrors],
} as const;
export const ackSpec = {
  operationId: 'ackMessages', method: 'post', path: '/v1/messages/ack', tag: 'messages', auth: 'user',
  summary: "Acknowledge (delete) delivered envelopes; ids of other users' envelopes are ignored",
  body: AckRequest, response: AckResponse, errors: ['validation_failed', ...authErrors],
} as const;

export function messageRoutes(s: Services): Route[] {
  return [
    defineRoute(sendSpec, async ({ principal, body }) => {
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
    }),
    defineRoute(fetchSpec, async ({ principal, query, signal }) => {
      const waitMs = Math.min(query.wait * 1000, s.config.longPollMaxMs);
      return { envelopes: (await s.relay.fetch(principal.userId, query.limit, waitMs, signal)).map(envelopeToJson) };
    }),
    defineRoute(ackSpec, async ({ principal, body }) => ({ deleted: await s.relay.ack(principal.userId, body.ids) })),
  ];
}
