// Dashboard staff: accounts, password login with lockout, cookie sessions and CSRF tokens
// (docs/MODERATION.md "Staff accounts and sessions").
//   session token: 32 random bytes (base64url) in an HttpOnly SameSite=Strict cookie; only SHA-256 stored.
//   CSRF token:    HMAC-SHA256(key = session token, CSRF_LABEL), sent back in X-CSRF-Token on every state
//                  change. A cross-site page can neither read it nor compute it without the cookie value.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ModeratorPublicRow, ModeratorsRepo, StaffRole } from '../data/moderators.ts';
import { AuthenticationError, InputError, NotFoundError, PermissionError, AppError, ConflictError } from '../errors.ts';
import type { ModerationConfig } from '../moderation-config.ts';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './passwords.ts';

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
}

export class LoginLockedError extends AppError {}

export class ModeratorsService {
  private dummy: Promise<string> | null = null;

  constructor(
    private readonly repo: ModeratorsRepo,
    private readonly cfg: ModerationConfig,
  ) {}

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
    return this.repo.update(
      id,
      { ...(change.role !== undefined ? { role: change.role } : {}), ...(change.disabled !== undefined ? { disabled: change.disabled } : {}), ...(passwordHash ? { passwordHash } : {}) },
      { subjectType: 'moderator', subjectId: id, type: 'moderator_updated', actorId, payload },
    );
  }

  /**
   * Password login. Unknown names cost one real argon2id verification too (no timing oracle); a locked
   * account is refused before the hash is computed; `lockoutThreshold` wrong passwords in a row lock it.
   */
  async login(id: string, password: string, now = new Date()): Promise<{ token: string; csrfToken: string; expiresAt: Date; moderator: ModeratorPublicRow }> {
    const m = MODERATOR_ID_PATTERN.test(id) ? await this.repo.find(id) : null;
    if (!m) {
      this.dummy ??= dummyHash(this.cfg.argon2);
      await verifyPassword(password, await this.dummy);
      throw new AuthenticationError('invalid_credentials', 'wrong login name or password');
    }
    if (m.lockedUntil && m.lockedUntil > now) throw this.lockedError(m.lockedUntil);
    if (!(await verifyPassword(password, m.passwordHash))) {
      const failures = await this.repo.recordFailure(m.id);
      if (failures >= this.cfg.lockoutThreshold) {
        const until = new Date(now.getTime() + this.cfg.lockoutMs);
        await this.repo.lock(m.id, until, {
          subjectType: 'moderator', subjectId: m.id, type: 'moderator_locked', actorId: null, payload: { failedLogins: failures, until: until.toISOString() },
        });
        throw this.lockedError(until);
      }
      throw new AuthenticationError('invalid_credentials', 'wrong login name or password');
    }
    if (m.disabled) throw new PermissionError('forbidden', 'this moderator account is disabled');
    await this.repo.recordSuccess(m.id, now, needsRehash(m.passwordHash, this.cfg.argon2) ? await this.hash(password) : undefined);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.cfg.sessionTtlMs);
    await this.repo.createSession(sha256(token), m.id, expiresAt);
    const { passwordHash: _p, ...pub } = m;
    return { token, csrfToken: this.csrfFor(token), expiresAt, moderator: { ...pub, failedLogins: 0, lockedUntil: null, lastLoginAt: now } };
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
    return { moderatorId: s.moderator.id, actorId: staffActor(s.moderator.id), role: s.moderator.role, displayName: s.moderator.displayName, expiresAt: s.expiresAt };
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

  private lockedError(until: Date): LoginLockedError {
    return new LoginLockedError('login_locked', `too many failed logins; try again after ${until.toISOString()}`, { extra: { lockedUntil: until.toISOString() } });
  }
}
