// API contract: groups (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { Id, IsoTime } from './_common.ts';

export const ConversationParams = z.strictObject({ conversationId: Id });
export const MemberParams = z.strictObject({ conversationId: Id, accountId: Id });
export const RosterResponse = z
  .strictObject({
    conversationId: Id,
    createdBy: Id,
    members: z.array(z.strictObject({ accountId: Id, role: z.enum(['creator', 'admin', 'member']), joinedAt: IsoTime })),
  })
  .meta({ id: 'GroupRoster' });
export const AddMembersRequest = z.strictObject({ accountIds: z.array(Id).min(1).max(255) }).meta({ id: 'AddMembersRequest' });
export const SetRoleRequest = z.strictObject({ role: z.enum(['admin', 'member']) }).meta({ id: 'SetMemberRoleRequest' });
export const Left = z.strictObject({ left: z.literal(true) });
