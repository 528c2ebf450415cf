// Enforcement hook: account standing (active / suspended until T / banned). A suspended or banned account
// can neither obtain a token nor use one (403 account_suspended / account_banned), and cannot send.
// Status changes are recorded in the moderation event log in the same transaction.
import type { AccountRole, AccountStanding, AccountStatus, AccountsRepo } from '../../data/accounts.ts';
import { NotFoundError, PermissionError } from '../../errors.ts';

export function assertActive(s: Pick<AccountStanding, 'status' | 'suspendedUntil'>, now: Date): void {
  if (s.status === 'banned') throw new PermissionError('account_banned', 'this account is banned');
  if (s.status === 'suspended' && (s.suspendedUntil === null || s.suspendedUntil > now)) {
    throw new PermissionError(
      'account_suspended',
      s.suspendedUntil ? `this account is suspended until ${s.suspendedUntil.toISOString()}` : 'this account is suspended',
      s.suspendedUntil ? { extra: { suspendedUntil: s.suspendedUntil.toISOString() } } : {},
    );
  }
}

export interface StatusChange {
  status: AccountStatus;
  /** required meaning for 'suspended': null = indefinitely */
  suspendedUntil?: Date | null;
  reason?: string;
  /** moderator/admin id, or null for the system/CLI */
  actorId: string | null;
}

export class EnforcementService {
  constructor(private readonly accounts: AccountsRepo) {}

  async setStatus(accountId: string, change: StatusChange): Promise<AccountStanding> {
    const before = await this.accounts.standing(accountId);
    if (!before) throw new NotFoundError('account');
    const until = change.status === 'suspended' ? (change.suspendedUntil ?? null) : null;
    await this.accounts.setStatus(accountId, change.status, until, {
      subjectType: 'account', subjectId: accountId, type: 'account_status_changed', actorId: change.actorId,
      payload: { from: before.status, to: change.status, suspendedUntil: until?.toISOString() ?? null, reason: change.reason ?? null },
    });
    return { ...before, status: change.status, suspendedUntil: until };
  }

  async setRole(accountId: string, role: AccountRole, actorId: string | null): Promise<void> {
    const before = await this.accounts.standing(accountId);
    if (!before) throw new NotFoundError('account');
    await this.accounts.setRole(accountId, role, {
      subjectType: 'account', subjectId: accountId, type: 'account_role_changed', actorId, payload: { from: before.role, to: role },
    });
  }
}
