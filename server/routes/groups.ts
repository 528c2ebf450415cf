// MLS groups (docs/PROTOCOL.md §12.8): the relay's routing view of a group, sending group wire messages
// (application messages, Commits with their Welcome, leave proposals) and the group inbox. Groups are created
// in conversations.ts; membership changes only by Commits sent here; the inbox is per device (docs/PROTOCOL-devices.md D14.2) — there is no endpoint that adds or
// removes a member on the server's say-so.
import type { Stamp } from '../../client/protocol.ts';
import type { GroupInboxItem, Roster } from '../services/relay/index.ts';
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { callerDevice, type Route, route } from './_route.ts';
import { MAX_GROUP_WIRE_BYTES, groupOperations as ops } from '../../client/transport/contract/groups.ts';

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

export function groupRoutes(s: Services): Route[] {
  return [
    route(ops.groupRoster, async ({ principal, params }) => view(await s.groups.roster(principal.userId, params.conversationId))),
    route(ops.sendGroupMessage, async ({ principal, params, body }) => {
      const r = await s.groups.send(principal.userId, params.conversationId, { message: bytes(body.message), welcome: body.welcome === undefined ? undefined : bytes(body.welcome) }, callerDevice(principal));
      return { messageId: r.messageId, serverTime: r.serverTime, kind: r.kind as 'application' | 'commit' | 'proposal', epoch: r.epoch, ...(r.senderStamp ? { stamp: stampToJson(r.senderStamp) } : {}) };
    }, { standing: 'deferred', bodyLimitBytes: 3 * MAX_GROUP_WIRE_BYTES }),
    route(ops.fetchGroupInbox, async ({ principal, query, signal }) => {
      const waitMs = Math.min(query.wait * 1000, s.config.longPollMaxMs);
      return { items: (await s.groups.fetch(principal.userId, query.limit, waitMs, signal, callerDevice(principal))).map(itemToJson) };
    }),
    route(ops.ackGroupInbox, async ({ principal, body }) => ({ deleted: await s.groups.ack(principal.userId, body.ids, callerDevice(principal)) })),
  ];
}
