// API contract: MLS groups (request and response schemas; docs/API.md, docs/PROTOCOL.md §12.8). The server
// validates with these; the SDK types from them. Membership changes only by MLS Commits sent here.
import { z } from 'zod';
import { b64Max, Id, IsoTime, StampJson } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

/** Largest group wire message: a 1,024-member Commit with its UpdatePath, or a Welcome carrying the ratchet tree. */
export const MAX_GROUP_WIRE_BYTES = 4 * 1024 * 1024;

export const ConversationParams = z.strictObject({ conversationId: Id });
export const RosterResponse = z
  .strictObject({
    conversationId: Id,
    createdBy: Id,
    epoch: z.number().int().min(0).meta({ description: 'the epoch of the last Commit the relay accepted' }),
    members: z.array(z.strictObject({ accountId: Id, joinedAt: IsoTime })),
  })
  .meta({ id: 'GroupRoster', description: "The relay's routing view, followed from Commits. Clients show the roster their MLS state gives them, never this." });

export const GroupSendRequest = z
  .strictObject({
    message: b64Max(MAX_GROUP_WIRE_BYTES, 1).meta({ description: 'MLSMessage: a PrivateMessage (application, franked: §12.4) or a PublicMessage (Commit, or a member\'s own Remove proposal)' }),
    welcome: b64Max(MAX_GROUP_WIRE_BYTES, 1).optional().meta({ description: 'MLSMessage(Welcome) for the members a Commit adds' }),
  })
  .meta({ id: 'GroupSendRequest' });
export const GroupSendResponse = z
  .strictObject({
    messageId: Id,
    serverTime: z.number().int(),
    kind: z.enum(['application', 'commit', 'proposal']),
    epoch: z.number().int().min(0).meta({ description: 'the group epoch after this message (a Commit moves it on by one)' }),
    stamp: StampJson.optional().meta({ description: "application messages: the sender's own stamp (role sender)" }),
  })
  .meta({ id: 'GroupSendResponse' });

export const GroupInboxItem = z
  .strictObject({
    id: Id.meta({ description: 'message id; acknowledge with it' }),
    conversationId: Id,
    senderId: Id,
    kind: z.enum(['application', 'commit', 'proposal', 'welcome']),
    epoch: z.number().int().min(0),
    message: b64Max(MAX_GROUP_WIRE_BYTES, 1),
    serverTime: z.number().int(),
    stamp: StampJson.optional().meta({ description: "application messages: this member's recipient stamp" }),
  })
  .meta({ id: 'GroupInboxItem' });
export const GroupInboxQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  wait: z.coerce.number().int().min(0).max(60).default(0).meta({ description: 'long-poll: seconds to wait when nothing is pending' }),
});
export const GroupInboxResponse = z.strictObject({ items: z.array(GroupInboxItem) }).meta({ id: 'GroupInboxResponse' });
export const GroupAckRequest = z.strictObject({ ids: z.array(Id).min(1).max(500) }).meta({ id: 'GroupAckRequest' });
export const GroupAckResponse = z.strictObject({ deleted: z.number().int() }).meta({ id: 'GroupAckResponse' });

export const groupOperations = {
  groupRoster: defineOperation(endpoints.groupRoster, {
    tag: 'groups', summary: "The relay's routing view of a group (members only); clients take membership from MLS, not from this",
    params: ConversationParams, response: RosterResponse,
  }),
  sendGroupMessage: defineOperation(endpoints.sendGroupMessage, {
    tag: 'groups', rateLimit: 'send',
    summary: 'Send one MLS message to the group: stored once, delivered to every member, stamped per member (application messages); the first Commit for the current epoch wins',
    params: ConversationParams, body: GroupSendRequest, response: GroupSendResponse,
  }),
  fetchGroupInbox: defineOperation(endpoints.fetchGroupInbox, {
    tag: 'groups', summary: 'Pending group messages for the caller (oldest first), with its recipient stamps; long-polls up to `wait` seconds',
    query: GroupInboxQuery, response: GroupInboxResponse,
  }),
  ackGroupInbox: defineOperation(endpoints.ackGroupInbox, {
    tag: 'groups', summary: 'Acknowledge (delete) delivered group messages; a message is deleted with its last delivery', body: GroupAckRequest, response: GroupAckResponse,
  }),
} as const;
