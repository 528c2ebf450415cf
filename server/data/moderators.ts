// Dashboard staff accounts and their cookie sessions. Only SHA-256(session token) is stored.
import type { Db } from '../db.ts';
import { ConflictError } from '../errors.ts';
import { isUniqueViolation } from './_prisma-errors.ts';
import { appendEventOp, type ModerationEventInput } from './moderation-events.ts';

/** triage: claim, dismiss, escalate, notes; moderator: every decision and appeals; admin: plus staff, policies, routing, holds. */
export type StaffRole = 'triage' | 'moderator' | 'admin';

export interface ModeratorRow {
  id: string;
  displayName: string;
  role: StaffRole;
  passwordHash: string;
  disabled: boolean;
  failedLogins: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  totpLastStep: number | null;
}

export type ModeratorPublicRow = Omit<ModeratorRow, 'passwordHash' | 'totpSecret' | 'totpPendingSecret' | 'totpLastStep'> & {
  /** TOTP second factor enrolled */
  twoFactor: boolean;
};

const toPublic = (r: Record<string, unknown> & { totpSecret?: string | null }): ModeratorPublicRow => {
  const { totpSecret, ...rest } = r;
  return { ...(rest as Omit<ModeratorPublicRow, 'twoFactor'>), twoFactor: Boolean(totpSecret) };
};

const publicFields = {
  id: true, displayName: true, role: true, disabled: true, failedLogins: true, lockedUntil: true, lastLoginAt: true, createdAt: true,
  totpSecret: true,
} as const;

export function moderatorsRepo(db: Db) {
  return {
    async create(m: { id: string; displayName: string; role: StaffRole; passwordHash: string }, event: ModerationEventInput): Promise<ModeratorPublicRow> {
      try {
        const [row] = await db.$transaction([db.moderator.create({ data: m, select: publicFields }), appendEventOp(db, event)]);
        return toPublic(row);
      } catch (e) {
        if (isUniqueViolation(e)) throw new ConflictError('moderator_exists', `moderator ${m.id} already exists`);
        throw e;
      }
    },

    async find(id: string): Promise<ModeratorRow | null> {
      return (await db.moderator.findUnique({ where: { id } })) as ModeratorRow | null;
    },

    async list(): Promise<ModeratorPublicRow[]> {
      return (await db.moderator.findMany({ orderBy: { id: 'asc' }, select: publicFields })).map(toPublic);
    },

    async countActiveAdmins(): Promise<number> {
      return db.moderator.count({ where: { role: 'admin', disabled: false } });
    },

    /** Role / disabled / password change and its audit event in one transaction; disabling or a new password ends sessions. */
    async update(
      id: string,
      data: { role?: StaffRole; disabled?: boolean; passwordHash?: string; resetTotp?: boolean },
      event: ModerationEventInput,
      opts: { keepSessionHash?: string } = {},
    ): Promise<ModeratorPublicRow> {
      const { resetTotp, ...fields } = data;
      const endSessions = data.disabled === true || data.passwordHash !== undefined || data.role !== undefined;
      const [row] = await db.$transaction([
        db.moderator.update({
          where: { id },
          data: {
            ...fields,
            ...(data.passwordHash ? { failedLogins: 0, lockedUntil: null } : {}),
            // Recovery of a lost second factor: an admin's password reset also removes the TOTP enrolment.
            ...(resetTotp ? { totpSecret: null, totpPendingSecret: null, totpLastStep: null } : {}),
          },
          select: publicFields,
        }),
        appendEventOp(db, event),
        ...(endSessions
          ? [db.moderatorSession.deleteMany({ where: { moderatorId: id, ...(opts.keepSessionHash ? { tokenHash: { not: opts.keepSessionHash } } : {}) } })]
          : []),
      ]);
      return toPublic(row);
    },

    async setTotp(id: string, data: { totpSecret?: string | null; totpPendingSecret?: string | null; totpLastStep?: number | null }, event?: ModerationEventInput): Promise<void> {
      await db.$transaction([db.moderator.update({ where: { id }, data }), ...(event ? [appendEventOp(db, event)] : [])]);
    },

    /** Records an accepted TOTP step only if it is later than the last one (atomic: a code is used once). */
    async claimTotpStep(id: string, step: number): Promise<boolean> {
      const { count } = await db.moderator.updateMany({
        where: { id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
        data: { totpLastStep: step },
      });
      return count === 1;
    },

    /** Atomic increment (concurrent wrong guesses all count); returns the new count. */
    async recordFailure(id: string): Promise<number> {
      const r = await db.moderator.update({ where: { id }, data: { failedLogins: { increment: 1 } }, select: { failedLogins: true } });
      return r.failedLogins;
    },

    async lock(id: string, until: Date, event: ModerationEventInput): Promise<void> {
      await db.$transaction([db.moderator.update({ where: { id }, data: { lockedUntil: until, failedLogins: 0 } }), appendEventOp(db, event)]);
    },

    async recordSuccess(id: string, now: Date, rehashed?: string): Promise<void> {
      await db.moderator.update({ where: { id }, data: { failedLogins: 0, lockedUntil: null, lastLoginAt: now, ...(rehashed ? { passwordHash: rehashed } : {}) } });
    },

    async createSession(tokenHash: string, moderatorId: string, expiresAt: Date): Promise<void> {
      await db.moderatorSession.create({ data: { tokenHash, moderatorId, expiresAt } });
    },

    async findSession(tokenHash: string): Promise<{ expiresAt: Date; moderator: ModeratorPublicRow } | null> {
      const r = await db.moderatorSession.findUnique({ where: { tokenHash }, select: { expiresAt: true, moderator: { select: publicFields } } });
      return r ? { expiresAt: r.expiresAt, moderator: toPublic(r.moderator) } : null;
    },

    async deleteSession(tokenHash: string): Promise<void> {
      await db.moderatorSession.deleteMany({ where: { tokenHash } });
    },

    async sweep(now: Date): Promise<number> {
      return (await db.moderatorSession.deleteMany({ where: { expiresAt: { lte: now } } })).count;
    },
  };
}
export type ModeratorsRepo = ReturnType<typeof moderatorsRepo>;
