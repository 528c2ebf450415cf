// Handle releases (docs/PROTOCOL-devices.md D6.6, docs/MODERATION.md "Account reset") are moderation events, not rows of
// their own: a `handle_released` event names the new device's fingerprint and an expiry, the reset that uses it
// writes an `account_reset` event in the transaction that logs the reset list (server/data/devices.ts), and an admin's
// revocation writes `handle_release_revoked` naming it. Whether a release is live is derived from the three (STYLE §10:
// state from the append-only log).
//
// The consistency rule (D6.6 "Revocation"): a release is used by at most one reset or revoked, never both. The
// reset's `account_reset` and the revocation's event are each written in a transaction that first takes the
// account's release lock and then re-reads the release's state — PostgreSQL: a transaction-scoped advisory lock per
// account (every process waits for it until commit or rollback); SQLite: one process whose driver adapter runs one
// transaction at a time (the transaction is the lock, as in ./_quota-lock.ts). Releasing takes the same lock, so a
// newer release's id always follows every event written under an older one.
import { type Db, type DbProvider, dbProvider } from '../db.ts';
import { PermissionError } from '../errors.ts';
import type { ModerationEventInput, ModerationEventRow } from './moderation-events.ts';

export const HANDLE_RELEASED = 'handle_released';
export const ACCOUNT_RESET = 'account_reset';
export const HANDLE_RELEASE_REVOKED = 'handle_release_revoked';

/** The transaction client handed to `db.$transaction(async (tx) => …)`. */
type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
type Reader = Pick<Tx, 'moderationEvent'>;

/** Advisory-lock class of the release lock (the quota locks of ./_quota-lock.ts use 72707372–72707373). */
const RELEASE_LOCK_CLASS = 72707374;

type EventRecord = { id: number; subjectType: string; subjectId: string; type: string; actorId: string | null; payload: string; createdAt: Date };
const toRow = (r: EventRecord): ModerationEventRow => ({
  ...r, subjectType: 'account', payload: JSON.parse(r.payload) as Record<string, unknown>,
});

/** The newest release of an account and what happened to it. */
export interface ReleaseState {
  release: ModerationEventRow;
  /** The `account_reset` that used it, if any. */
  used: ModerationEventRow | null;
  /** The `handle_release_revoked` that took it back, if any. */
  revoked: ModerationEventRow | null;
}

/** Takes the account's release lock for the rest of the transaction (PostgreSQL; SQLite: the transaction is the lock). */
async function lockAccount(tx: Tx, provider: DbProvider, accountId: string): Promise<void> {
  if (provider !== 'postgres') return;
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(${RELEASE_LOCK_CLASS}::int4, hashtext(${accountId}::text))::text AS "l"`;
}

/** The account's newest `handle_released` event and its use or revocation (both written after it). */
async function newestState(db: Reader, accountId: string): Promise<ReleaseState | null> {
  const release = await db.moderationEvent.findFirst({ where: { subjectType: 'account', subjectId: accountId, type: HANDLE_RELEASED }, orderBy: { id: 'desc' } });
  if (!release) return null;
  const after = await db.moderationEvent.findMany({
    where: { subjectType: 'account', subjectId: accountId, type: { in: [ACCOUNT_RESET, HANDLE_RELEASE_REVOKED] }, id: { gt: release.id } }, orderBy: { id: 'asc' },
  });
  const rows = after.map(toRow);
  // Any reset after the newest release was made under it (the lock orders releases after resets); a revocation names it.
  const used = rows.find((e) => e.type === ACCOUNT_RESET) ?? null;
  const revoked = rows.find((e) => e.type === HANDLE_RELEASE_REVOKED && e.payload.releaseId === release.id) ?? null;
  return { release: toRow(release), used, revoked };
}

/** A revocation's outcome, decided under the account's release lock. */
export type RevokeOutcome =
  | { outcome: 'revoked'; state: ReleaseState; event: ModerationEventRow }
  | { outcome: 'used'; state: ReleaseState }
  | { outcome: 'none'; state: ReleaseState | null };

/**
 * The reset's use of a release, inside the transaction that logs the reset list (server/data/devices.ts): under the
 * account's release lock, the release the reset was authorised under (`event.payload.releaseId`) must still be the
 * newest, unused and unrevoked; otherwise 403 reset_not_allowed and the whole transaction (the list's leaf with it)
 * rolls back. Then appends the `account_reset` event. The log confines that refusal to the reset: the other requests
 * of its group commit are appended again at once without it (server/services/transparency/log-append.ts,
 * RequestRefused). It happens when a revocation or a newer release committed between the reset's authorisation and
 * its commit, in this process or another.
 */
export async function useReleaseTx(tx: Tx, provider: DbProvider, event: ModerationEventInput): Promise<void> {
  await lockAccount(tx, provider, event.subjectId);
  const st = await newestState(tx, event.subjectId);
  if (!st || st.release.id !== event.payload.releaseId || st.used || st.revoked)
    throw new PermissionError('reset_not_allowed', 'the handle release was revoked, replaced or used while this reset was being logged (docs/PROTOCOL-devices.md D6.6)');
  await tx.moderationEvent.create({ data: { ...event, payload: JSON.stringify(event.payload) } });
}

export function handleReleasesRepo(db: Db) {
  const locked = <T>(accountId: string, fn: (tx: Tx) => Promise<T>): Promise<T> =>
    db.$transaction(async (tx) => {
      await lockAccount(tx, dbProvider(db), accountId);
      return fn(tx);
    }, { timeout: 30_000, maxWait: 30_000 });
  return {
    /** Appends a `handle_released` event under the account's release lock; answers it. */
    async append(e: ModerationEventInput): Promise<ModerationEventRow> {
      return locked(e.subjectId, async (tx) => toRow(await tx.moderationEvent.create({
        data: { subjectType: e.subjectType, subjectId: e.subjectId, type: e.type, actorId: e.actorId, payload: JSON.stringify(e.payload) },
      })));
    },
    /** The account's newest release and its use or revocation, if any. */
    newest: (accountId: string): Promise<ReleaseState | null> => newestState(db, accountId),
    /**
     * Revokes the account's newest release if it is live (`isLive` decides expiry: the service's clock), appending
     * `handle_release_revoked` {releaseId, reason} — all under the account's release lock, so a concurrent reset
     * either committed its `account_reset` before (outcome 'used') or finds the revocation in its own transaction.
     */
    async revoke(accountId: string, actorId: string | null, reason: string, isLive: (release: ModerationEventRow) => boolean | Promise<boolean>): Promise<RevokeOutcome> {
      return locked(accountId, async (tx) => {
        const state = await newestState(tx, accountId);
        if (state?.used) return { outcome: 'used', state };
        if (!state || state.revoked || !(await isLive(state.release))) return { outcome: 'none', state };
        const event = toRow(await tx.moderationEvent.create({
          data: { subjectType: 'account', subjectId: accountId, type: HANDLE_RELEASE_REVOKED, actorId, payload: JSON.stringify({ releaseId: state.release.id, reason }) },
        }));
        return { outcome: 'revoked', state, event };
      });
    },
  };
}
export type HandleReleasesRepo = ReturnType<typeof handleReleasesRepo>;
