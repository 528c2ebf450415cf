// Accounts, login challenges and bearer-token sessions. Only SHA-256(token) is stored.
import type { Bytes } from './_bytes.ts';
import type { Db } from '../db.ts';
import { ConflictError } from '../errors.ts';
import { isUniqueViolation } from './_prisma-errors.ts';
import { appendEventOp, type ModerationEventInput } from './moderation-events.ts';

export type AccountRole = 'user' | 'moderator' | 'admin';
export type AccountStatus = 'active' | 'suspended' | 'banned';

export interface AccountStanding {
  id: string;
  role: AccountRole;
  status: AccountStatus;
  suspendedUntil: Date | null;
}

export interface AccountRecord extends AccountStanding {
  identitySigningKey: Bytes;
  identityDhKey: Bytes;
  createdAt: Date;
}

const standing = { id: true, role: true, status: true, suspendedUntil: true } as const;

export function accountsRepo(db: Db) {
  return {
    async create(a: { id: string; identitySigningKey: Bytes; identityDhKey: Bytes }): Promise<AccountRecord> {
      try {
        return (await db.account.create({
          // handleKey (unique): "Alice" cannot register when "alice" exists — handles are case-insensitive.
          data: { ...a, handleKey: a.id.toLowerCase() },
          select: { ...standing, identitySigningKey: true, identityDhKey: true, createdAt: true },
        })) as AccountRecord;
      } catch (e) {
        if (isUniqueViolation(e)) throw new ConflictError('user_exists', `user id ${a.id} is already registered`);
        throw e;
      }
    },

    async find(id: string): Promise<AccountRecord | null> {
      return (await db.account.findUnique({
        where: { id },
        select: { ...standing, identitySigningKey: true, identityDhKey: true, createdAt: true },
      })) as AccountRecord | null;
    },

    /** The registered id for a handle in any letter case (exact ids first: accounts older than handleKey). */
    async resolveHandle(handle: string): Promise<string | null> {
      const exact = await db.account.findUnique({ where: { id: handle }, select: { id: true } });
      if (exact) return exact.id;
      const folded = await db.account.findUnique({ where: { handleKey: handle.toLowerCase() }, select: { id: true } });
      return folded?.id ?? null;
    },

    async standing(id: string): Promise<AccountStanding | null> {
      return (await db.account.findUnique({ where: { id }, select: standing })) as AccountStanding | null;
    },

    /** Status change and its audit event in one transaction. */
    async setStatus(id: string, status: AccountStatus, suspendedUntil: Date | null, event: ModerationEventInput): Promise<void> {
      await db.$transaction([
        db.account.update({ where: { id }, data: { status, suspendedUntil } }),
        appendEventOp(db, event),
        ...(status === 'active' ? [] : [db.session.deleteMany({ where: { accountId: id } })]),
      ]);
    },

    async setRole(id: string, role: AccountRole, event: ModerationEventInput): Promise<void> {
      await db.$transaction([db.account.update({ where: { id }, data: { role } }), appendEventOp(db, event)]);
    },

    async createChallenge(challenge: string, accountId: string, expiresAt: Date): Promise<void> {
      await db.authChallenge.create({ data: { challenge, accountId, expiresAt } });
    },

    /** Single use: true only for the one caller that deletes the unexpired row. */
    async consumeChallenge(challenge: string, accountId: string, now: Date): Promise<boolean> {
      const { count } = await db.authChallenge.deleteMany({ where: { challenge, accountId, expiresAt: { gt: now } } });
      return count === 1;
    },

    /** deviceId: the signed-in device (docs/PROTOCOL-devices.md D8.2); 1 for an account without a device list. */
    async createSession(tokenHash: string, accountId: string, expiresAt: Date, deviceId = 1): Promise<void> {
      await db.session.create({ data: { tokenHash, accountId, expiresAt, deviceId: BigInt(deviceId) } });
    },

    async findSession(tokenHash: string): Promise<{ accountId: string; deviceId: number; expiresAt: Date } | null> {
      const row = await db.session.findUnique({ where: { tokenHash }, select: { accountId: true, deviceId: true, expiresAt: true } });
      return row ? { ...row, deviceId: Number(row.deviceId) } : null;
    },

    async deleteSession(tokenHash: string): Promise<void> {
      await db.session.deleteMany({ where: { tokenHash } });
    },

    async sweep(now: Date): Promise<number> {
      const [a, b] = await db.$transaction([
        db.authChallenge.deleteMany({ where: { expiresAt: { lte: now } } }),
        db.session.deleteMany({ where: { expiresAt: { lte: now } } }),
      ]);
      return a.count + b.count;
    },
  };
}
export type AccountsRepo = ReturnType<typeof accountsRepo>;
