// API contract: messages (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, b64Max, Id, StampJson } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

export const MAX_CIPHERTEXT_BYTES = 64 * 1024;
/**
 * Envelopes per send: one, for the peer of a 1:1 conversation (v1: one device per account). Groups send one MLS
 * message to `/v1/groups/{id}/messages` instead (docs/PROTOCOL.md §12.8); there is no pairwise fan-out.
 */
export const MAX_RECIPIENTS = 1;

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

export const messageOperations = {
  sendMessage: defineOperation(endpoints.sendMessage, {
    tag: 'messages', rateLimit: 'send',
    summary: 'Send one 1:1 message: a commitment and one ciphertext per recipient; returns the sender stamp. Groups take MLS messages only (sendGroupMessage): group_requires_mls',
    body: SendRequest, response: SendResponse,
  }),
  fetchMessages: defineOperation(endpoints.fetchMessages, {
    tag: 'messages', summary: 'Pending envelopes for the caller (oldest first); long-polls up to `wait` seconds when none', query: FetchQuery, response: FetchResponse,
  }),
  ackMessages: defineOperation(endpoints.ackMessages, {
    tag: 'messages', summary: "Acknowledge (delete) delivered envelopes; ids of other users' envelopes are ignored", body: AckRequest, response: AckResponse,
  }),
} as const;
