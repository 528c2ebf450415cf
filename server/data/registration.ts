// Registration gate and ban-evasion data (docs/MODERATION.md "Registration gate", "Registration network
// signal", "Ban evasion"): invite codes (SHA-256 of the code only), redeemed proof-of-work challenges, keyed
// network hashes, and the one transaction that bans an account for ban evasion.
import type { Db } from '../db.ts';
import { isUniqueViolation } from './_prisma-errors.ts';
import type { ModerationEventInput, ModerationEventRow, SubjectType } from './moderation-events.ts';
import type { NoticeInput } from './moderation.ts';

export interface InviteRow {
  codeHash: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  usedBy: string | null;
}

export function registrationRepo(db: Db) {
  return {
    async createInvites(hashes: readonly string[], createdBy: string | null, expiresAt: Date): Promise<void> {
      await db.$transaction(hashes.map((codeHash) => db.inviteCode.create({ data: { codeHash, createdBy, expiresAt } })));
    },

    /** Single use: true only for the one caller whose update finds the code unused and unexpired. */
    async spendInvite(codeHash: string, userId: string, now: Date): Promise<boolean> {
      const { count } = await db.inviteCode.updateMany({ where: { codeHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now, usedBy: userId } });
      return count === 1;
    },

    /** Gives the code back when the registration it was spent on failed (only that registration's spend). */
    async restoreInvite(codeHash: string, userId: string): Promise<void> {
      await db.inviteCode.updateMany({ where: { codeHash, usedBy: userId }, data: { usedAt: null, usedBy: null } });
    },

    async invites(limit: number): Promise<InviteRow[]> {
      return db.inviteCode.findMany({ orderBy: { createdAt: 'desc' }, take: limit });
    },

    /** Single use across processes: the primary key lets exactly one insert of a challenge succeed. */
    async redeemPow(challengeHash: string, expiresAt: Date): Promise<boolean> {
      try {
        await db.powRedemption.create({ data: { challengeHash, expiresAt } });
        return true;
      } catch (e) {
        if (isUniqueViolation(e)) return false;
        throw e;
      }
    },

    async releasePow(challengeHash: string): Promise<void> {
      await db.powRedemption.deleteMany({ where: { challengeHash } });
    },

    async recordNetwork(accountId: string, hashes: ReadonlyArray<{ period: number; hash: string }>, at: Date): Promise<void> {
      await db.registrationNetwork.createMany({ data: hashes.map((h) => ({ accountId, period: h.period, hash: h.hash, createdAt: at })) });
    },

    /** Other accounts that registered from a network with one of `accountId`'s hashes (rows newer than `since`). */
    async sharingNetwork(accountId: string, since: Date): Promise<string[]> {
      const mine = await db.registrationNetwork.findMany({ where: { accountId, createdAt: { gt: since } }, select: { hash: true } });
      if (!mine.length) return [];
      const rows = await db.registrationNetwork.findMany({
        where: { hash: { in: mine.map((m) => m.hash) }, accountId: { not: accountId }, createdAt: { gt: since } },
        select: { accountId: true }, distinct: ['accountId'], take: 50,
      });
      return rows.map((r) => r.accountId);
    },

    /** Suspensions and bans of `accountIds` since `since`, newest first (account_status_changed events). */
    async actionsSince(accountIds: readonly string[], since: Date): Promise<ModerationEventRow[]> {
      if (!accountIds.length) return [];
      const rows = await db.moderationEvent.findMany({
        where: { subjectType: 'account', subjectId: { in: [...accountIds] }, type: 'account_status_changed', createdAt: { gte: since } },
        orderBy: { id: 'desc' }, take: 200,
      });
      return rows
        .map((r) => ({ ...r, subjectType: r.subjectType as SubjectType, payload: JSON.parse(r.payload) as Record<string, unknown> }))
        .filter((r) => r.payload.to === 'suspended' || r.payload.to === 'banned');
    },

    async event(id: number): Promise<ModerationEventRow | null> {
      const r = await db.moderationEvent.findUnique({ where: { id } });
      return r ? { ...r, subjectType: r.subjectType as SubjectType, payload: JSON.parse(r.payload) as Record<string, unknown> } : null;
    },

    /** The statement id (DSA puid) the account was sent for the decision on `reportId`, if any. */
    async statementId(accountId: string, reportId: string): Promise<string | null> {
      const n = await db.notice.findFirst({ where: { accountId, reportId, statement: { not: null } }, orderBy: { id: 'desc' }, select: { statement: true } });
      try {
        const puid = (JSON.parse(n?.statement ?? 'null') as { puid?: unknown } | null)?.puid;
        return typeof puid === 'string' ? puid : null;
      } catch {
        return null;
      }
    },

    /** Ban for ban evasion: standing, sessions, the events and the notice in one transaction. */
    async banForEvasion(accountId: string, events: ModerationEventInput[], notice: NoticeInput): Promise<void> {
      await db.$transaction([
        db.account.update({ where: { id: accountId }, data: { status: 'banned', suspendedUntil: null } }),
        db.session.deleteMany({ where: { accountId } }),
        ...events.map((e) => db.moderationEvent.create({ data: { subjectType: e.subjectType, subjectId: e.subjectId, type: e.type, actorId: e.actorId, payload: JSON.stringify(e.payload) } })),
        db.notice.create({ data: notice }),
      ]);
    },

    /** Retention: network hashes older than `before` (personal data, kept at most 30 days), spent challenges and invites. */
    async sweep(before: Date, now: Date): Promise<{ networks: number; pow: number; invites: number }> {
      const [networks, pow, invites] = await db.$transaction([
        db.registrationNetwork.deleteMany({ where: { createdAt: { lte: before } } }),
        db.powRedemption.deleteMany({ where: { expiresAt: { lte: now } } }),
        db.inviteCode.deleteMany({ where: { expiresAt: { lte: now }, usedAt: null } }),
      ]);
      return { networks: networks.count, pow: pow.count, invites: invites.count };
    },
  };
}
export type RegistrationRepo = ReturnType<typeof registrationRepo>;
