// API contract: messages (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, b64Max, Id, StampJson, U32 } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

export const MAX_CIPHERTEXT_BYTES = 64 * 1024;
/**
 * Envelopes per send: one, for the peer of a 1:1 conversation (v1: one device per account). Groups send one MLS
 * message to `/v1/groups/{id}/messages` instead (docs/PROTOCOL.md §12.8); there is no pairwise fan-out.
 */
export const MAX_RECIPIENTS = 1;

/** docs/PROTOCOL-devices.md D13.2: copies per fan-out send, `2 × MAX_DEVICES − 1` (the peer's 8 and the sender's 7 others). */
export const MAX_COPIES = 15;
/** A device id on the wire (D4.1: u32 ≥ 1). */
const DeviceId = U32.min(1);

/** The single-device send body: one envelope for the peer account (delivered to its device 1, D17.3 "legacy"). */
export const SendEnvelopesRequest = z
  .strictObject({
    conversationId: Id,
    commitment: b64Exact(32).meta({ description: 'franking commitment c (docs/PROTOCOL.md §4)' }),
    clientMessageId: Id.optional().meta({ description: 'echoed back; lets the client match responses to sends' }),
    envelopes: z
      .array(z.strictObject({ recipientId: Id, ciphertext: b64Max(MAX_CIPHERTEXT_BYTES, 1) }))
      .min(1)
      .max(MAX_RECIPIENTS),
  })
  .meta({ id: 'SendEnvelopesRequest' });

/** One account's list as the sender states it (D13.2 `lists[]`, D11.1: a legacy account is version 0 and 32 zero bytes). */
export const StatedList = z.strictObject({ accountId: Id, listVersion: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), listHash: b64Exact(32) });
/** docs/PROTOCOL-devices.md D13.2: one franking, one sealed copy per target device (client/devices/fanout.ts fanOutRequestBody). */
export const SendCopiesRequest = z
  .strictObject({
    conversationId: Id,
    commitment: b64Exact(32).meta({ description: 'franking commitment c (docs/PROTOCOL.md §4), one for every copy' }),
    clientMessageId: Id.meta({ description: 'idempotency key: a resend after device_mismatch keeps it (docs/PROTOCOL-devices.md D11.2 step 4)' }),
    lists: z.array(StatedList).length(2).meta({ description: "the sender's and the peer's account, as the copies' CopyAD state them" }),
    copies: z
      .array(z.strictObject({ accountId: Id, deviceId: DeviceId, ciphertext: b64Max(MAX_CIPHERTEXT_BYTES, 1) }))
      .min(1)
      .max(MAX_COPIES),
  })
  .superRefine((b, ctx) => {
    if (b.lists[0]?.accountId === b.lists[1]?.accountId) ctx.addIssue({ code: 'custom', path: ['lists'], message: 'lists: two different accounts (the sender and the peer)' });
    const seen = new Set<string>();
    for (const [i, c] of b.copies.entries()) {
      const key = `${c.accountId}#${c.deviceId}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['copies', i], message: `copies: ${c.accountId} device ${c.deviceId} appears twice` });
      seen.add(key);
      if (!b.lists.some((l) => l.accountId === c.accountId)) ctx.addIssue({ code: 'custom', path: ['copies', i, 'accountId'], message: 'copies: every copy is for an account of lists' });
    }
  })
  .meta({ id: 'SendCopiesRequest' });

/** Either body; the single-device one unless both accounts have a device list (docs/PROTOCOL-devices.md D17.3). */
export const SendRequest = z.union([SendEnvelopesRequest, SendCopiesRequest]).meta({ id: 'SendRequest' });
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
    stamp: StampJson.meta({ description: 'recipient stamp (role recipient); for an own copy the sender stamp (role sender)' }),
    // docs/PROTOCOL-devices.md D13.5: a copy carries every CopyAD field in the clear; a single-device envelope none.
    senderDeviceId: DeviceId.optional(),
    copyKind: z.enum(['recipient', 'own']).optional(),
    senderListVersion: z.number().int().min(0).optional(),
    senderListHash: b64Exact(32).optional(),
    targetAccountId: Id.optional(),
    targetDeviceId: DeviceId.optional(),
    targetListVersion: z.number().int().min(0).optional(),
    targetListHash: b64Exact(32).optional(),
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
    summary: 'Send one 1:1 message: a commitment and one ciphertext for the peer, or one copy per device of both accounts (docs/PROTOCOL-devices.md D13.2; device_mismatch when the copies do not match the current lists); returns the sender stamp. Groups take MLS messages only (sendGroupMessage): group_requires_mls',
    body: SendRequest, response: SendResponse,
  }),
  fetchMessages: defineOperation(endpoints.fetchMessages, {
    tag: 'messages', summary: 'Pending envelopes for the calling device (oldest first); long-polls up to `wait` seconds when none', query: FetchQuery, response: FetchResponse,
  }),
  ackMessages: defineOperation(endpoints.ackMessages, {
    tag: 'messages', summary: "Acknowledge (delete) delivered envelopes of the calling device; ids of other users' or devices' envelopes are ignored", body: AckRequest, response: AckResponse,
  }),
} as const;
