// Conversations and membership: the server knows who may send to whom, nothing about what is said.
import { Prisma } from '../../generated/sqlite/client.ts';
import { type Db, dbProvider } from '../db.ts';
import { isUniqueViolation } from './_prisma-errors.ts';
import type { AccountStatus } from './accounts.ts';

export interface ConversationRecord {
  id: string;
  kind: 'direct' | 'group';
  createdBy: string;
  createdAt: Date;
  memberIds: string[];
}

export interface MemberStanding {
  conversationId: string;
  /** The conversation's kind: the 1:1 relay refuses group conversations (they take MLS messages only, §12.8). */
  kind: ConversationRecord['kind'];
  accountId: string;
  status: AccountStatus;
  suspendedUntil: Date | null;
}

const withMembers = { members: { select: { accountId: true }, orderBy: { accountId: 'asc' } } } as const;

type Row = { id: string; kind: string; createdBy: string; createdAt: Date; members: { accountId: string }[] };
const toRecord = (r: Row): ConversationRecord => ({
  id: r.id, kind: r.kind as ConversationRecord['kind'], createdBy: r.createdBy, createdAt: r.createdAt,
  memberIds: r.members.map((m) => m.accountId),
});

export function conversationsRepo(db: Db) {
  const sqlite = dbProvider(db) === 'sqlite';
  return {
    /** Returns the pair's existing direct conversation, or creates it (race-safe via the unique directKey). */
    async findOrCreateDirect(id: string, a: string, b: string): Promise<{ conversation: ConversationRecord; created: boolean }> {
      const directKey = a < b ? `${a}|${b}` : `${b}|${a}`;
      const existing = await db.conversation.findUnique({ where: { directKey }, include: withMembers });
      if (existing) return { conversation: toRecord(existing), created: false };
      try {
        const row = await db.conversation.create({
          data: { id, kind: 'direct', directKey, createdBy: a, members: { create: [...new Set([a, b])].map((accountId) => ({ accountId })) } },
          include: withMembers,
        });
        return { conversation: toRecord(row), created: true };
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        const row = await db.conversation.findUniqueOrThrow({ where: { directKey }, include: withMembers });
        return { conversation: toRecord(row), created: false };
      }
    },

    /** A group with its creator as the only member, and the relay's MLS routing state at epoch 0 (leaf 0 = creator). */
    async createGroup(id: string, createdBy: string): Promise<ConversationRecord> {
      const [row] = await db.$transaction([
        db.conversation.create({ data: { id, kind: 'group', createdBy, members: { create: [{ accountId: createdBy }] } }, include: withMembers }),
        db.mlsGroupState.create({ data: { conversationId: id, epoch: 0n, leaves: JSON.stringify([createdBy]), proposals: '{}' } }),
      ]);
      return toRecord(row);
    },

    async find(id: string): Promise<ConversationRecord | null> {
      const row = await db.conversation.findUnique({ where: { id }, include: withMembers });
      return row ? toRecord(row) : null;
    },

    async listForMember(accountId: string, limit: number): Promise<ConversationRecord[]> {
      const rows = await db.conversation.findMany({
        where: { members: { some: { accountId } } },
        include: withMembers,
        orderBy: { createdAt: 'desc' },
        take: limit,
      });
      return rows.map(toRecord);
    },

    /**
     * Every member (with account standing) of the given conversations, in ONE query: the relay's hot path.
     * Raw SQL through Prisma (no query compiler, no nested-include mapping); the id list is ONE parameter
     * (SQLite json_each / PostgreSQL = ANY(array)), so the statement text is the same for every batch size.
     */
    async membersWithStanding(conversationIds: string[]): Promise<MemberStanding[]> {
      if (conversationIds.length === 0) return [];
      const inList = sqlite
        ? Prisma.sql`m."conversationId" IN (SELECT value FROM json_each(${JSON.stringify(conversationIds)}))`
        : Prisma.sql`m."conversationId" = ANY(${conversationIds})`;
      const rows = await db.$queryRaw<Array<{ conversationId: string; kind: string; accountId: string; status: string; suspendedUntil: Date | string | null }>>`
        SELECT m."conversationId", c."kind", m."accountId", a."status", a."suspendedUntil"
        FROM "ConversationMember" m
        JOIN "Conversation" c ON c."id" = m."conversationId"
        JOIN "Account" a ON a."id" = m."accountId"
        WHERE ${inList}`;
      return rows.map((r) => ({
        conversationId: r.conversationId, kind: r.kind as ConversationRecord['kind'], accountId: r.accountId, status: r.status as AccountStatus,
        suspendedUntil: r.suspendedUntil === null ? null : r.suspendedUntil instanceof Date ? r.suspendedUntil : new Date(r.suspendedUntil),
      }));
    },

    async countExistingAccounts(ids: string[]): Promise<number> {
      return db.account.count({ where: { id: { in: ids } } });
    },
  };
}
export type ConversationsRepo = ReturnType<typeof conversationsRepo>;
