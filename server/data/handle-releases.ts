// Handle releases (docs/PROTOCOL-devices.md D6.6, docs/MODERATION.md "Account reset") are moderation events, not rows of
// their own: a `handle_released` event names the new device's fingerprint and an expiry, and the reset that uses it
// writes an `account_reset` event in the transaction that logs the reset list (server/data/devices.ts). Whether a
// release is live is derived from the two (STYLE §10: state from the append-only log).
import type { Db } from '../db.ts';
import { appendEventOp, type ModerationEventInput, type ModerationEventRow } from './moderation-events.ts';

export const HANDLE_RELEASED = 'handle_released';
export const ACCOUNT_RESET = 'account_reset';

const toRow = (r: { id: number; subjectType: string; subjectId: string; type: string; actorId: string | null; payload: string; createdAt: Date }): ModerationEventRow => ({
  ...r, subjectType: 'account', payload: JSON.parse(r.payload) as Record<string, unknown>,
});

export function handleReleasesRepo(db: Db) {
  return {
    /** Appends a `handle_released` event; answers its id. */
    async append(e: ModerationEventInput): Promise<ModerationEventRow> {
      return toRow(await appendEventOp(db, e));
    },
    /** The account's newest `handle_released` event, and the newest `account_reset` event after it (its use), if any. */
    async newest(accountId: string): Promise<{ release: ModerationEventRow; used: boolean } | null> {
      const release = await db.moderationEvent.findFirst({ where: { subjectType: 'account', subjectId: accountId, type: HANDLE_RELEASED }, orderBy: { id: 'desc' } });
      if (!release) return null;
      const use = await db.moderationEvent.findFirst({ where: { subjectType: 'account', subjectId: accountId, type: ACCOUNT_RESET, id: { gt: release.id } }, select: { id: true } });
      return { release: toRow(release), used: use !== null };
    },
  };
}
export type HandleReleasesRepo = ReturnType<typeof handleReleasesRepo>;
