// Conversations: 1:1 and groups (member lists). Only members can see or send to a conversation.
import type { ConversationRecord } from '../data/conversations.ts';
import type { Services } from '../services/index.ts';
import { type Route, defineRoute } from './_route.ts';

import { CreateConversationRequest, Conversation, ConversationList, ConversationParams } from '../../client/transport/contract/conversations.ts';
const view = (c: ConversationRecord) => ({ id: c.id, kind: c.kind, memberIds: c.memberIds, createdBy: c.createdBy, createdAt: c.createdAt.toISOString() });
const authErrors = ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'] as const;

export const createConversationSpec = {
  operationId: 'createConversation', method: 'post', path: '/v1/conversations', tag: 'conversations', auth: 'user',
  summary: 'Create a group, or get-or-create the 1:1 conversation with a peer (201 created, 200 existing)',
  body: CreateConversationRequest, response: Conversation, statuses: [201, 200], errors: ['validation_failed', 'not_found', ...authErrors],
} as const;
export const listConversationsSpec = {
  operationId: 'listConversations', method: 'get', path: '/v1/conversations', tag: 'conversations', auth: 'user',
  summary: 'Conversations the caller is a member of (newest first, at most 100)', response: ConversationList, errors: authErrors,
} as const;
export const getConversationSpec = {
  operationId: 'getConversation', method: 'get', path: '/v1/conversations/{conversationId}', tag: 'conversations', auth: 'user',
  summary: 'One conversation (members only)', params: ConversationParams, response: Conversation, errors: ['validation_failed', 'not_found', ...authErrors],
} as const;

export function conversationRoutes(s: Services): Route[] {
  return [
    defineRoute(createConversationSpec, async ({ principal, body, setStatus }) => {
      if (body.kind === 'group') return view(await s.conversations.createGroup(principal.userId));
      const { conversation, created } = await s.conversations.createDirect(principal.userId, body.peerId);
      if (!created) setStatus(200);
      return view(conversation);
    }),
    defineRoute(listConversationsSpec, async ({ principal }) => ({ conversations: (await s.conversations.list(principal.userId)).map(view) })),
    defineRoute(getConversationSpec, async ({ principal, params }) => view(await s.conversations.get(principal.userId, params.conversationId))),
  ];
}
