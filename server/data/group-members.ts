// Group rosters with roles (creator / admin / member). Membership rows are the ones the relay's batched
// membership query reads, so a change here takes effect for the very next send.
import type { Db } from '../db.ts';

export type MemberRole = 'member' | 'admin';

export interface MemberRow {
  accountId: string;
  role: MemberRole;
  joinedAt: Date;
}

export function groupMembersRepo(db: Db) {
  return {
    async roster(conversationId: string): Promise<MemberRow[]> {
      const rows = await db.conversationMember.findMany({
        where: { conversationId },
        select: { accountId: true, role: true, joinedAt: true },
        orderBy: { accountId: 'asc' },
      });
      return rows.map((r) => ({ ...r, role: r.role === 'admin' ? 'admin' : 'member' }));
    },

    /** Adds accounts that are not members yet, in one transaction. */
    async add(conversationId: string, accountIds: string[]): Promise<void> {
      const existing = new Set(
        (await db.conversationMember.findMany({ where: { conversationId, accountId: { in: accountIds } }, select: { accountId: true } })).map((r) => r.accountId),
      );
      const fresh = accountIds.filter((a) => !existing.has(a));
      if (fresh.length) await db.$transaction(fresh.map((accountId) => db.conversationMember.create({ data: { conversationId, accountId } })));
    },

    async remove(conversationId: string, accountId: string): Promise<boolean> {
      const { count } = await db.conversationMember.deleteMany({ where: { conversationId, accountId } });
      return count === 1;
    },

    async setRole(conversationId: string, accountId: string, role: MemberRole): Promise<void> {
      await db.conversationMember.updateMany({ where: { conversationId, accountId }, data: { role } });
    },
  };
}
export type GroupMembersRepo = ReturnType<typeof groupMembersRepo>;
