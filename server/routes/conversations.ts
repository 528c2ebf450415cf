// Conversations: 1:1 and groups (member lists). Only members can see or send to a conversation.
import type { ConversationRecord } from '../services/relay/index.ts';
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { conversationOperations as ops } from '../../client/transport/contract/conversations.ts';

const view = (c: ConversationRecord) => ({ id: c.id, kind: c.kind, memberIds: c.memberIds, createdBy: c.createdBy, createdAt: c.createdAt.toISOString() });

export function conversationRoutes(s: Services): Route[] {
  return [
    route(ops.createConversation, async ({ principal, body, setStatus }) => {
      if (body.kind === 'group') return view(await s.conversations.createGroup(principal.userId));
      const { conversation, created } = await s.conversations.createDirect(principal.userId, body.peerId);
      if (!created) setStatus(200);
      return view(conversation);
    }),
    route(ops.listConversations, async ({ principal }) => ({ conversations: (await s.conversations.list(principal.userId)).map(view) })),
    route(ops.getConversation, async ({ principal, params }) => view(await s.conversations.get(principal.userId, params.conversationId))),
  ];
}
