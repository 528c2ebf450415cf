// API contract: conversations (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { Id, IsoTime } from './_common.ts';

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
