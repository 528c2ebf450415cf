// Group rosters: the creator and the admins it names add and remove members; only the creator names or
// demotes admins; any member may leave. The server knows the roster, never the content. A removed member
// receives nothing new: the relay refuses envelopes addressed to non-members (server/services/relay.ts),
// and blobs uploaded for them stop waiting for their download.
import type { ConversationRecord, ConversationsRepo } from '../data/conversations.ts';
import type { GroupMembersRepo, MemberRole } from '../data/group-members.ts';
import { InputError, NotFoundError, PermissionError } from '../errors.ts';
import type { BlobsService } from './blobs.ts';
import { MAX_GROUP_MEMBERS } from './conversations.ts';

export type RosterRole = 'creator' | MemberRole;

export interface RosterEntry {
  accountId: string;
  role: RosterRole;
  joinedAt: Date;
}

export interface Roster {
  conversationId: string;
  createdBy: string;
  members: RosterEntry[];
}

export class GroupsService {
  constructor(
    private readonly members: GroupMembersRepo,
    private readonly conversations: ConversationsRepo,
    private readonly blobs: BlobsService,
  ) {}

  /** The conversation as its member `userId` sees it; to anyone else it does not exist. */
  private async visible(userId: string, conversationId: string): Promise<ConversationRecord> {
    const c = await this.conversations.find(conversationId);
    if (!c || !c.memberIds.includes(userId)) throw new NotFoundError('conversation');
    return c;
  }

  private async group(userId: string, conversationId: string): Promise<ConversationRecord> {
    const c = await this.visible(userId, conversationId);
    if (c.kind !== 'group') throw new InputError('validation_failed', 'direct conversations have a fixed pair of members');
    return c;
  }

  async roster(userId: string, conversationId: string): Promise<Roster> {
    const c = await this.visible(userId, conversationId);
    const rows = await this.members.roster(conversationId);
    return {
      conversationId, createdBy: c.createdBy,
      members: rows.map((r) => ({ accountId: r.accountId, joinedAt: r.joinedAt, role: r.accountId === c.createdBy ? 'creator' : r.role })),
    };
  }

  private async isAdmin(c: ConversationRecord, userId: string): Promise<boolean> {
    if (c.createdBy === userId) return true;
    return (await this.members.roster(c.id)).some((m) => m.accountId === userId && m.role === 'admin');
  }

  async addMembers(actorId: string, conversationId: string, accountIds: string[]): Promise<Roster> {
    const c = await this.group(actorId, conversationId);
    if (!(await this.isAdmin(c, actorId))) throw new PermissionError('not_group_admin', 'only the group creator and its admins add members');
    const ids = [...new Set(accountIds)].filter((a) => !c.memberIds.includes(a));
    if (c.memberIds.length + ids.length > MAX_GROUP_MEMBERS) throw new InputError('validation_failed', `accountIds: a group has at most ${MAX_GROUP_MEMBERS} members`);
    if (ids.length && (await this.conversations.countExistingAccounts(ids)) !== ids.length) throw new NotFoundError('account');
    await this.members.add(conversationId, ids);
    return this.roster(actorId, conversationId);
  }

  /**
   * Admins remove members; only the creator removes admins; anyone may remove themselves (leave). The
   * creator cannot be removed. Returns the roster as the actor now sees it (null after leaving).
   */
  async removeMember(actorId: string, conversationId: string, accountId: string): Promise<Roster | null> {
    const c = await this.group(actorId, conversationId);
    if (!c.memberIds.includes(accountId)) throw new NotFoundError('member');
    if (accountId === c.createdBy) throw new PermissionError('not_group_admin', 'the group creator cannot be removed');
    if (accountId !== actorId) {
      if (!(await this.isAdmin(c, actorId))) throw new PermissionError('not_group_admin', 'only the group creator and its admins remove members');
      const targetIsAdmin = (await this.members.roster(conversationId)).some((m) => m.accountId === accountId && m.role === 'admin');
      if (targetIsAdmin && actorId !== c.createdBy) throw new PermissionError('not_group_admin', 'only the group creator removes admins');
    }
    await this.members.remove(conversationId, accountId);
    await this.blobs.forgetMember(conversationId, accountId);
    return accountId === actorId ? null : this.roster(actorId, conversationId);
  }

  /** Only the creator names (or demotes) admins. */
  async setRole(actorId: string, conversationId: string, accountId: string, role: MemberRole): Promise<Roster> {
    const c = await this.group(actorId, conversationId);
    if (actorId !== c.createdBy) throw new PermissionError('not_group_admin', 'only the group creator names admins');
    if (!c.memberIds.includes(accountId)) throw new NotFoundError('member');
    if (accountId === c.createdBy) throw new InputError('validation_failed', 'the creator is always an admin');
    await this.members.setRole(conversationId, accountId, role);
    return this.roster(actorId, conversationId);
  }
}
