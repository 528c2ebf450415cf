// API contract: conversations (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { Id, IsoTime } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

export const CreateConversationRequest = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('direct'), peerId: Id }),
    z.strictObject({ kind: z.literal('group') }).meta({ description: 'an MLS group with the caller as its only member; members join by Commit (POST /v1/groups/{id}/messages)' }),
  ])
  .meta({ id: 'CreateConversationRequest' });
export const Conversation = z
  .strictObject({ id: Id, kind: z.enum(['direct', 'group']), memberIds: z.array(Id), createdBy: Id, createdAt: IsoTime })
  .meta({ id: 'Conversation' });
export const ConversationList = z.strictObject({ conversations: z.array(Conversation) }).meta({ id: 'ConversationList' });
export const ConversationParams = z.strictObject({ conversationId: Id });

export const conversationOperations = {
  createConversation: defineOperation(endpoints.createConversation, {
    tag: 'conversations', summary: 'Create a group, or get-or-create the 1:1 conversation with a peer (201 created, 200 existing)',
    body: CreateConversationRequest, response: Conversation,
  }),
  listConversations: defineOperation(endpoints.listConversations, {
    tag: 'conversations', summary: 'Conversations the caller is a member of (newest first, at most 100)', response: ConversationList,
  }),
  getConversation: defineOperation(endpoints.getConversation, {
    tag: 'conversations', summary: 'One conversation (members only)', params: ConversationParams, response: Conversation,
  }),
} as const;
