// The operator's handle-release rule for a reset (docs/PROTOCOL-devices.md D6.6, docs/MODERATION.md "Account reset"):
// an admin, after support has satisfied itself that the person owns the account, releases the handle for one new
// device — named by its reset code (the 30-digit fingerprint of its keys under the account id) — with a reason and an
// expiry. The release is a `handle_released` moderation event; the one reset list it allows writes `account_reset`
// in the transaction that logs it, which uses the release up. A newer release replaces an older one. An admin can
// revoke the live release (`handle_release_revoked`); a release is used or revoked, never both (D6.6 "Revocation":
// the two are decided under the account's release lock, server/data/handle-releases.ts).
import { resetCode } from '../../../client/index.ts';
import type { DeviceEntry } from '../../../client/index.ts';
import { HANDLE_RELEASE_DEFAULT_DAYS } from '../../../client/transport/contract/moderation/accounts.ts';
import { ACCOUNT_RESET, HANDLE_RELEASED, type HandleReleasesRepo } from '../../data/handle-releases.ts';
import type { ModerationEventInput, ModerationEventRow } from '../../data/moderation-events.ts';
import { AppError, ConflictError, NotFoundError, PermissionError } from '../../errors.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface HandleRelease {
  releaseId: number;
  userId: string;
  /** The new device's reset code (30 digits). */
  fingerprint: string;
  reason: string;
  expiresAt: Date;
  releasedBy: string | null;
}

export interface RevokedHandleRelease extends HandleRelease {
  revokedAt: Date;
  revokedBy: string | null;
  revokeReason: string;
}

export interface HandleReleaseRequest {
  fingerprint: string;
  reason: string;
  expiresInDays?: number;
}

export class HandleReleases {
  constructor(
    private readonly repo: HandleReleasesRepo,
    /** Whether the account has a logged device list (a reset is the next version of one, D6.6). */
    private readonly hasList: (accountId: string) => Promise<boolean>,
    private readonly now: () => number = Date.now,
  ) {}

  /** An admin's release (the route requires the role); recorded as `handle_released` with its actor. */
  async release(accountId: string, req: HandleReleaseRequest, actorId: string | null): Promise<HandleRelease> {
    if (!(await this.hasList(accountId))) throw new NotFoundError(`device list of ${accountId}`);
    const expiresAt = new Date(this.now() + (req.expiresInDays ?? HANDLE_RELEASE_DEFAULT_DAYS) * DAY_MS);
    const e = await this.repo.append({
      subjectType: 'account', subjectId: accountId, type: HANDLE_RELEASED, actorId,
      payload: { fingerprint: req.fingerprint, reason: req.reason, expiresAt: expiresAt.toISOString() },
    });
    return { releaseId: e.id, userId: accountId, fingerprint: req.fingerprint, reason: req.reason, expiresAt, releasedBy: actorId };
  }

  /** The account's live release: the newest one, unused, unrevoked and unexpired; null otherwise. */
  async live(accountId: string): Promise<HandleRelease | null> {
    const found = await this.repo.newest(accountId);
    if (!found || found.used || found.revoked || !this.unexpired(found.release)) return null;
    return view(accountId, found.release);
  }

  /**
   * An admin's revocation of the live release (the route requires the role), recorded as `handle_release_revoked`
   * {releaseId, reason} with its actor. 404 no_live_release when nothing is live (none, expired, already revoked);
   * 409 release_used when a reset used the newest release (the reset stands). Race-safe with a reset: see the file head.
   */
  async revoke(accountId: string, reason: string, actorId: string | null): Promise<RevokedHandleRelease> {
    const r = await this.repo.revoke(accountId, actorId, reason, (release) => this.unexpired(release));
    if (r.outcome === 'used')
      throw new ConflictError('release_used', `the handle release of ${accountId} was already used by a reset at ${r.state.used?.createdAt.toISOString() ?? '?'}: the reset stands (suspend the account if it was not its owner)`);
    if (r.outcome === 'none') throw new AppError('no_live_release', `${accountId} has no live handle release to revoke (none, expired, or already revoked)`);
    return { ...view(accountId, r.state.release), revokedAt: r.event.createdAt, revokedBy: r.event.actorId, revokeReason: reason };
  }


  private unexpired(release: ModerationEventRow): boolean {
    return new Date(String(release.payload.expiresAt)).getTime() > this.now();
  }

  /**
   * D6.6 at `PUT /v1/devices/reset`: the reset list's one device must have the reset code of the account's live
   * release (else 403 reset_not_allowed). Answers the `account_reset` event that commits with the list's leaf; that
   * transaction re-checks the release under the account's release lock (server/data/handle-releases.ts useReleaseTx),
   * so a revocation committed meanwhile makes the reset 403 reset_not_allowed.
   */
  async authorise(accountId: string, device: DeviceEntry, listVersion: number): Promise<ModerationEventInput> {
    const live = await this.live(accountId);
    const code = resetCode(accountId, device);
    if (!live || live.fingerprint !== code)
      throw new PermissionError('reset_not_allowed', 'an account reset needs a live release of the handle for this device\'s reset code, given by the operator\'s support (docs/PROTOCOL-devices.md D6.6)');
    return {
      subjectType: 'account', subjectId: accountId, type: ACCOUNT_RESET, actorId: null,
      payload: { releaseId: live.releaseId, fingerprint: code, listVersion, deviceId: device.deviceId },
    };
  }
}

function view(accountId: string, release: ModerationEventRow): HandleRelease {
  const p = release.payload;
  return { releaseId: release.id, userId: accountId, fingerprint: String(p.fingerprint), reason: String(p.reason), expiresAt: new Date(String(p.expiresAt)), releasedBy: release.actorId };
}
