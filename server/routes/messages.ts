// Relay: send (one commitment, one ciphertext per recipient), fetch with long-poll, acknowledge.
// The live push channel (WebSocket /v1/stream) is in server/push.ts and uses the same envelope schema.
import { z } from 'zod';
import type { Stamp } from '../../client/protocol.ts';
import type { Delivered } from '../services/relay.ts';
import type { Services } from '../services/index.ts';
import { Id, StampJson, b64, b64Exact, b64Max, bytes } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

/** Largest ciphertext per envelope. Attachments travel as separate encrypted blobs, not inline. */
export const MAX_CIPHERTEXT_BYTES = 64 * 1024;
export const MAX_RECIPIENTS = 255;

export const SendRequest = z
  .strictObject({
    conversationId: Id,
    commitment: b64Exact(32).meta({ description: 'franking commitment c (docs/PROTOCOL.md §4)' }),
    clientMessageId: Id.optional().meta({ description: 'echoed back; lets the client match responses to sends' }),
    envelopes: z
      .array(z.strictObject({ recipientId: Id, ciphertext: b64Max(MAX_CIPHERTEXT_BYTES, 1) }))
      .min(1)
      .max(MAX_RECIPIENTS),
  })
  .meta({ id: 'SendRequest' });
export const SendResponse = z
  .strictObject({
    messageId: Id,
    serverTime: z.number().int(),
    clientMessageId: Id.optional(),
    stamp: StampJson.meta({ description: "the sender's own stamp (role sender, recipientId = senderId)" }),
  })
  .meta({ id: 'SendResponse' });

export const Envelope = z
  .strictObject({
    id: z.string().meta({ description: 'envelope id, for acknowledgement' }),
    ciphertext: b64Max(MAX_CIPHERTEXT_BYTES, 1),
    commitment: b64Exact(32),
    stamp: StampJson.meta({ description: 'recipient stamp (role recipient)' }),
  })
  .meta({ id: 'Envelope' });
export const FetchQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  wait: z.coerce.number().int().min(0).max(60).default(0).meta({ description: 'long-poll: seconds to wait when nothing is pending' }),
});
export const FetchResponse = z.strictObject({ envelopes: z.array(Envelope) }).meta({ id: 'FetchResponse' });
export const AckRequest = z.strictObject({ ids: z.array(z.string().min(1).max(160)).min(1).max(500) }).meta({ id: 'AckRequest' });
export const AckResponse = z.strictObject({ deleted: z.number().int() }).meta({ id: 'AckResponse' });

export const stampToJson = (s: Stamp) => ({
  messageId: s.messageId, conversationId: s.conversationId, senderId: s.senderId, recipientId: s.recipientId,
  role: s.role, serverTime: s.serverTime, kid: s.kid, tag: b64(s.tag),
});
export const envelopeToJson = (d: Delivered) => ({ id: d.id, ciphertext: b64(d.ciphertext), commitment: b64(d.commitment), stamp: stampToJson(d.stamp) });

const authErrors = ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'] as const;

export const sendSpec = {
  operationId: 'sendMessage', method: 'post', path: '/v1/messages', tag: 'messages', auth: 'user', standing: 'deferred',
  rateLimit: 'send', bodyLimitBytes: 24 * 1024 * 1024,
  summary: 'Send one message: a commitment and one ciphertext per recipient; returns the sender stamp',
  body: SendRequest, response: SendResponse, statuses: [201],
  errors: ['validation_failed', 'payload_too_large', 'not_a_member', 'rate_limited', ...authErrors],
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
      const r = await s.relay.send(principal.userId, {
        conversationId: body.conversationId,
        commitment: bytes(body.commitment),
        clientMessageId: body.clientMessageId,
        envelopes: body.envelopes.map((e) => ({ recipientId: e.recipientId, ciphertext: bytes(e.ciphertext) })),
      });
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
