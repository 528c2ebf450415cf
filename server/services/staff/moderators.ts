// Dashboard staff: accounts, password + TOTP login with throttling, cookie sessions and CSRF tokens
// (docs/MODERATION.md "Staff accounts and sessions").
//   session token: 32 random bytes (base64url) in an HttpOnly SameSite=Strict cookie; only SHA-256 stored.
//   CSRF token:    HMAC-SHA256(key = session token, CSRF_LABEL), sent back in X-CSRF-Token on every state
//                  change. A cross-site page can neither read it nor compute it without the cookie value.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ModeratorPublicRow, ModeratorsRepo, StaffRole } from '../../data/moderators.ts';
import { AuthenticationError, InputError, NotFoundError, PermissionError, ConflictError } from '../../errors.ts';
import type { ModerationConfig } from '../../moderation-config.ts';
import { LoginThrottle, loadLoginThrottleConfig } from './login-throttle.ts';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import { matchTotp, newTotpSecret, totpUri } from './totp.ts';

export const CSRF_LABEL = 'franking-chat/v1/mod-csrf';
export const MODERATOR_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;
/** Event-log actor id of a staff member (chat account ids never start with this in practice; see docs). */
export const staffActor = (moderatorId: string) => `staff:${moderatorId}`;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface StaffPrincipal {
  moderatorId: string;
  actorId: string;
  role: StaffRole;
  displayName: string;
  twoFactor: boolean;
}

export class ModeratorsService {
  private dummy: Promise<string> | null = null;

  private readonly throttle: LoginThrottle;

  constructor(
    private readonly repo: ModeratorsRepo,
    private readonly cfg: ModerationConfig,
    /** Memory store unless given (pass `new LoginThrottle(cfg, { redis })` to share counters between processes). */
    throttle?: LoginThrottle,
  ) {
    this.throttle = throttle ?? new LoginThrottle(loadLoginThrottleConfig());
  }

  get config(): ModerationConfig {
    return this.cfg;
  }

  csrfFor(sessionToken: string): string {
    return createHmac('sha256', sessionToken).update(CSRF_LABEL).digest('base64url');
  }

  async create(input: { id: string; displayName: string; role: StaffRole; password: string }, actorId: string | null): Promise<ModeratorPublicRow> {
    if (!MODERATOR_ID_PATTERN.test(input.id)) throw new InputError('validation_failed', 'login name: expected [a-z0-9._-]{2,32} starting with a letter or digit');
    const passwordHash = await this.hash(input.password);
    return this.repo.create(
      { id: input.id, displayName: input.displayName, role: input.role, passwordHash },
      { subjectType: 'moderator', subjectId: input.id, type: 'moderator_created', actorId, payload: { role: input.role, displayName: input.displayName } },
    );
  }

  async list(): Promise<ModeratorPublicRow[]> {
    return this.repo.list();
  }

  async update(id: string, change: { role?: StaffRole; disabled?: boolean; password?: string }, actorId: string | null): Promise<ModeratorPublicRow> {
    const before = await this.repo.find(id);
    if (!before) throw new NotFoundError('moderator');
    const losesAdmin = before.role === 'admin' && !before.disabled && ((change.role && change.role !== 'admin') || change.disabled === true);
    if (losesAdmin && (await this.repo.countActiveAdmins()) <= 1) throw new ConflictError('last_admin', 'this is the last active admin');
    const passwordHash = change.password !== undefined ? await this.hash(change.password) : undefined;
    const payload: Record<string, unknown> = {};
    if (change.role !== undefined) payload.role = { from: before.role, to: change.role };
    if (change.disabled !== undefined) payload.disabled = { from: before.disabled, to: change.disabled };
    if (passwordHash) payload.passwordReset = true;
    if (passwordHash && before.totpSecret) payload.twoFactorReset = true;
    return this.repo.update(
      id,
      {
        ...(change.role !== undefined ? { role: change.role } : {}), ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
        ...(passwordHash ? { passwordHash, resetTotp: true } : {}),
      },
      { subjectType: 'moderator', subjectId: id, type: 'moderator_updated', actorId, payload },
    );
  }

  /**
   * Password (and, when enrolled, TOTP) login. Every attempt is counted by the throttle first (per name and
   * address, per address, per name from new addresses: server/services/staff/login-throttle.ts), then checked;
   * unknown names cost one real argon2id verification too (no timing oracle) and answer exactly like a wrong
   * password. Nobody can lock an account: a stranger's guesses hold only the stranger's address (and new
   * addresses), never the owner's known one.
   */
  async login(
    id: string,
    password: string,
    opts: { address?: string; totp?: string | undefined; now?: Date } = {},
  ): Promise<{ token: string; csrfToken: string; expiresAt: Date; moderator: ModeratorPublicRow }> {
    const now = opts.now ?? new Date();
    const attempt = await this.throttle.begin(id, opts.address ?? 'local');
    const m = MODERATOR_ID_PATTERN.test(id) ? await this.repo.find(id) : null;
    if (!m) {
      this.dummy ??= dummyHash(this.cfg.argon2);
      await verifyPassword(password, await this.dummy);
      throw attempt.failed(new AuthenticationError('invalid_credentials', 'wrong login name or password'));
    }
    // A disabled account answers exactly like a wrong password, right password or not (the password is still
    // verified, so the timing is the same): a guesser must not learn that a guess was right
    // (docs/MODERATION.md "Staff accounts and sessions").
    const passwordOk = await verifyPassword(password, m.passwordHash);
    if (!passwordOk || m.disabled) throw attempt.failed(new AuthenticationError('invalid_credentials', 'wrong login name or password'));
    if (m.totpSecret) {
      if (!opts.totp) throw new AuthenticationError('totp_required', 'enter the six-digit code from your authenticator app');
      const step = matchTotp(m.totpSecret, opts.totp, now.getTime());
      if (step === null) throw new AuthenticationError('totp_invalid', 'wrong two-factor code; check the time on your device and type the code your app shows now');
      // Each code is accepted once (RFC 6238 §5.2): the one just used to turn two-factor login on, or to sign
      // in, is spent until the app shows the next one (at most 30 seconds).
      if (!(await this.repo.claimTotpStep(m.id, step)))
        throw new AuthenticationError('totp_code_used', 'this code was already used; wait for your app to show the next code (at most 30 seconds) and enter that one');
    }
    await attempt.succeeded();
    await this.repo.recordSuccess(m.id, now, needsRehash(m.passwordHash, this.cfg.argon2) ? await this.hash(password) : undefined);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.cfg.sessionTtlMs);
    await this.repo.createSession(sha256(token), m.id, expiresAt);
    const { passwordHash: _p, totpSecret, totpPendingSecret: _t, totpLastStep: _s, ...pub } = m;
    return { token, csrfToken: this.csrfFor(token), expiresAt, moderator: { ...pub, failedLogins: 0, lockedUntil: null, lastLoginAt: now, twoFactor: Boolean(totpSecret) } };
  }

  /** Own password change: needs the current password; ends the member's other sessions, keeps this one. */
  async changeOwnPassword(id: string, current: string, next: string, sessionToken: string): Promise<void> {
    const m = await this.repo.find(id);
    if (!m) throw new NotFoundError('moderator');
    if (!(await verifyPassword(current, m.passwordHash))) throw new PermissionError('wrong_password', 'the current password is not right');
    const passwordHash = await this.hash(next);
    await this.repo.update(id, { passwordHash }, { subjectType: 'moderator', subjectId: id, type: 'moderator_password_changed', actorId: staffActor(id), payload: {} }, {
      keepSessionHash: sha256(sessionToken),
    });
  }

  /** TOTP enrolment, step 1: a fresh secret (kept pending until a code from it verifies). */
  async startTotp(id: string): Promise<{ secret: string; uri: string }> {
    const m = await this.repo.find(id);
    if (!m) throw new NotFoundError('moderator');
    const secret = newTotpSecret();
    await this.repo.setTotp(id, { totpPendingSecret: secret });
    return { secret, uri: totpUri(secret, id) };
  }

  /** TOTP enrolment, step 2: a code from the pending secret turns the second factor on. */
  async confirmTotp(id: string, code: string, now = Date.now()): Promise<void> {
    const m = await this.repo.find(id);
    if (!m?.totpPendingSecret) throw new ConflictError('stale_state', 'start the enrolment first');
    const step = matchTotp(m.totpPendingSecret, code, now);
    // 400, not 401: the session is fine, only the code is wrong (a 401 would sign the dashboard out).
    if (step === null) throw new InputError('totp_mismatch', 'that code does not match the new secret; check the time on your device and type the code the app shows now');
    await this.repo.setTotp(id, { totpSecret: m.totpPendingSecret, totpPendingSecret: null, totpLastStep: step }, {
      subjectType: 'moderator', subjectId: id, type: 'moderator_totp_enabled', actorId: staffActor(id), payload: {},
    });
  }

  /** Turning the second factor off needs the password and a current code. */
  async disableTotp(id: string, password: string, code: string, now = Date.now()): Promise<void> {
    const m = await this.repo.find(id);
    if (!m) throw new NotFoundError('moderator');
    if (!(await verifyPassword(password, m.passwordHash))) throw new PermissionError('wrong_password', 'the current password is not right');
    if (m.totpSecret) {
      const step = matchTotp(m.totpSecret, code, now);
      if (step === null || !(await this.repo.claimTotpStep(id, step))) throw new InputError('totp_mismatch', 'wrong or already used two-factor code; wait for the next code and try again');
    }
    await this.repo.setTotp(id, { totpSecret: null, totpPendingSecret: null, totpLastStep: null }, {
      subjectType: 'moderator', subjectId: id, type: 'moderator_totp_disabled', actorId: staffActor(id), payload: {},
    });
  }

  /**
   * Cookie session → staff principal. State-changing requests must carry the session's CSRF token
   * (checked before the role, so a cross-site request learns nothing about the account).
   */
  async authenticate(token: string, opts: { roles: readonly StaffRole[]; csrf: string | undefined | null; csrfRequired: boolean }, now = new Date()): Promise<StaffPrincipal & { expiresAt: Date }> {
    if (!TOKEN_PATTERN.test(token)) throw new AuthenticationError('invalid_token', 'dashboard session is malformed');
    const s = await this.repo.findSession(sha256(token));
    if (!s || s.expiresAt <= now || s.moderator.disabled) throw new AuthenticationError('invalid_token', 'dashboard session is unknown or expired; log in again');
    if (opts.csrfRequired) {
      const expected = Buffer.from(this.csrfFor(token));
      const got = Buffer.from(opts.csrf ?? '');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new PermissionError('csrf_failed', 'missing or invalid X-CSRF-Token header');
    }
    if (!opts.roles.includes(s.moderator.role)) throw new PermissionError('forbidden', `this endpoint needs the ${opts.roles.join(' or ')} role`);
    return {
      moderatorId: s.moderator.id, actorId: staffActor(s.moderator.id), role: s.moderator.role, displayName: s.moderator.displayName,
      twoFactor: s.moderator.twoFactor, expiresAt: s.expiresAt,
    };
  }

  async logout(token: string): Promise<void> {
    await this.repo.deleteSession(sha256(token));
  }

  async sweep(now = new Date()): Promise<number> {
    return this.repo.sweep(now);
  }

  private async hash(password: string): Promise<string> {
    try {
      return await hashPassword(password, this.cfg.argon2);
    } catch (e) {
      if (e instanceof RangeError) throw new InputError('validation_failed', e.message);
      throw e;
    }
  }

}
