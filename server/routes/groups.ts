// MLS groups (docs/PROTOCOL.md §12.8): the relay's routing view of a group, sending group wire messages
// (application messages, Commits with their Welcome, leave proposals) and the group inbox. Groups are created
// in conversations.ts; membership changes only by Commits sent here — there is no endpoint that adds or
// removes a member on the server's say-so.
import type { Stamp } from '../../client/protocol.ts';
import type { GroupInboxItem, Roster } from '../services/relay/index.ts';
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';
import {
  ConversationParams, GroupAckRequest, GroupAckResponse, GroupInboxQuery, GroupInboxResponse, GroupSendRequest, GroupSendResponse, MAX_GROUP_WIRE_BYTES, RosterResponse,
} from '../../client/transport/contract/groups.ts';

const stampToJson = (s: Stamp) => ({
  messageId: s.messageId, conversationId: s.conversationId, senderId: s.senderId, recipientId: s.recipientId,
  role: s.role, serverTime: s.serverTime, kid: s.kid, tag: b64(s.tag),
});
const view = (r: Roster) => ({
  conversationId: r.conversationId, createdBy: r.createdBy, epoch: r.epoch,
  members: r.members.map((m) => ({ accountId: m.accountId, joinedAt: m.joinedAt.toISOString() })),
});
const itemToJson = (i: GroupInboxItem) => ({
  id: i.id, conversationId: i.conversationId, senderId: i.senderId, kind: i.kind, epoch: i.epoch, message: b64(i.message), serverTime: i.serverTime,
  ...(i.stamp ? { stamp: stampToJson(i.stamp) } : {}),
});
const authErrors = ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'] as const;

export const rosterSpec = {
  operationId: 'groupRoster', method: 'get', path: '/v1/conversations/{conversationId}/members', tag: 'groups', auth: 'user',
  summary: "The relay's routing view of a group (members only); clients take membership from MLS, not from this",
  params: ConversationParams, response: RosterResponse, errors: ['validation_failed', 'not_found', ...authErrors],
} as const;
export const groupSendSpec = {
  operationId: 'sendGroupMessage', method: 'post', path: '/v1/groups/{conversationId}/messages', tag: 'groups', auth: 'user', standing: 'deferred',
  rateLimit: 'send', bodyLimitBytes: 3 * MAX_GROUP_WIRE_BYTES,
  summary: 'Send one MLS message to the group: stored once, delivered to every member, stamped per member (application messages); the first Commit for the current epoch wins',
  params: ConversationParams, body: GroupSendRequest, response: GroupSendResponse, statuses: [201],
  errors: ['validation_failed', 'payload_too_large', 'not_found', 'not_a_member', 'stale_epoch', 'rate_limited', 'undelivered_quota_exceeded', ...authErrors],
} as const;
export const groupInboxSpec = {
  operationId: 'fetchGroupInbox', method: 'get', path: '/v1/groups/inbox', tag: 'groups', auth: 'user',
  summary: 'Pending group messages for the caller (oldest first), with its recipient stamps; long-polls up to `wait` seconds',
  query: GroupInboxQuery, response: GroupInboxResponse, errors: ['validation_failed', ...authErrors],
} as const;
export const groupAckSpec = {
  operationId: 'ackGroupInbox', method: 'post', path: '/v1/groups/inbox/ack', tag: 'groups', auth: 'user',
  summary: 'Acknowledge (delete) delivered group messages; a message is deleted with its last delivery',
  body: GroupAckRequest, response: GroupAckResponse, errors: ['validation_failed', ...authErrors],
} as const;

export function groupRoutes(s: Services): Route[] {
  return [
    defineRoute(rosterSpec, async ({ principal, params }) => view(await s.groups.roster(principal.userId, params.conversationId))),
    defineRoute(groupSendSpec, async ({ principal, params, body }) => {
      const r = await s.groups.send(principal.userId, params.conversationId, { message: bytes(body.message), welcome: body.welcome === undefined ? undefined : bytes(body.welcome) });
      return { messageId: r.messageId, serverTime: r.serverTime, kind: r.kind as 'application' | 'commit' | 'proposal', epoch: r.epoch, ...(r.senderStamp ? { stamp: stampToJson(r.senderStamp) } : {}) };
    }),
    defineRoute(groupInboxSpec, async ({ principal, query, signal }) => {
      const waitMs = Math.min(query.wait * 1000, s.config.longPollMaxMs);
      return { items: (await s.groups.fetch(principal.userId, query.limit, waitMs, signal)).map(itemToJson) };
    }),
    defineRoute(groupAckSpec, async ({ principal, body }) => ({ deleted: await s.groups.ack(principal.userId, body.ids) })),
  ];
}
