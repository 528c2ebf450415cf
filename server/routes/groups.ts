// Group rosters: list, add, remove (or leave), name admins. Conversations themselves are created in
// conversations.ts; sending and stamping per member happen in the relay (messages.ts).
import { z } from 'zod';
import type { Roster } from '../services/groups.ts';
import type { Services } from '../services/index.ts';
import { type Route, defineRoute } from './_route.ts';

import { ConversationParams, MemberParams, RosterResponse, AddMembersRequest, SetRoleRequest, Left } from '../../client/transport/contract/groups.ts';
const view = (r: Roster) => ({
  conversationId: r.conversationId, createdBy: r.createdBy,
  members: r.members.map((m) => ({ accountId: m.accountId, role: m.role, joinedAt: m.joinedAt.toISOString() })),
});
const authErrors = ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'] as const;

export const rosterSpec = {
  operationId: 'groupRoster', method: 'get', path: '/v1/conversations/{conversationId}/members', tag: 'conversations', auth: 'user',
  summary: 'Members and their roles (members only)', params: ConversationParams, response: RosterResponse,
  errors: ['validation_failed', 'not_found', ...authErrors],
} as const;
export const addMembersSpec = {
  operationId: 'addGroupMembers', method: 'post', path: '/v1/conversations/{conversationId}/members', tag: 'conversations', auth: 'user',
  summary: 'Add members (group creator and admins)', params: ConversationParams, body: AddMembersRequest, response: RosterResponse,
  errors: ['validation_failed', 'not_found', 'not_group_admin', ...authErrors],
} as const;
export const removeMemberSpec = {
  operationId: 'removeGroupMember', method: 'delete', path: '/v1/conversations/{conversationId}/members/{accountId}', tag: 'conversations', auth: 'user',
  summary: 'Remove a member (creator and admins; only the creator removes admins) or leave (your own id); the relay refuses envelopes to removed members',
  params: MemberParams, response: z.union([RosterResponse, Left]), errors: ['validation_failed', 'not_found', 'not_group_admin', ...authErrors],
} as const;
export const setRoleSpec = {
  operationId: 'setGroupMemberRole', method: 'put', path: '/v1/conversations/{conversationId}/members/{accountId}/role', tag: 'conversations', auth: 'user',
  summary: 'Name or demote an admin (group creator only)', params: MemberParams, body: SetRoleRequest, response: RosterResponse,
  errors: ['validation_failed', 'not_found', 'not_group_admin', ...authErrors],
} as const;

export function groupRoutes(s: Services): Route[] {
  return [
    defineRoute(rosterSpec, async ({ principal, params }) => view(await s.groups.roster(principal.userId, params.conversationId))),
    defineRoute(addMembersSpec, async ({ principal, params, body }) => view(await s.groups.addMembers(principal.userId, params.conversationId, body.accountIds))),
    defineRoute(removeMemberSpec, async ({ principal, params }) => {
      const r = await s.groups.removeMember(principal.userId, params.conversationId, params.accountId);
      return r ? view(r) : { left: true as const };
    }),
    defineRoute(setRoleSpec, async ({ principal, params, body }) => view(await s.groups.setRole(principal.userId, params.conversationId, params.accountId, body.role))),
  ];
}
