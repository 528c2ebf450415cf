// Accounts and password-less authentication (docs/API.md "Authentication"):
//   register:  Ed25519.sign(identitySigningKey, REGISTER_LABEL || identityDhKey(32) || utf8(userId))
//   challenge: 32 random bytes, single use, CHALLENGE_TTL (60 s)
//   token:     Ed25519.sign(identitySigningKey, AUTH_LABEL || challenge(32) || utf8(userId)) → bearer token
// Tokens are 32 random bytes; only SHA-256(token) is stored; they expire after TOKEN_TTL (1 h).
// Multi-device (docs/PROTOCOL-devices.md D8.2): registration may carry a genesis device list instead of bare keys; a
// device signs in with DEVICE_AUTH_LABEL and its id, and the token names (account, device). An account without a
// list signs in as above, as device 1.
import { createHash, randomBytes } from 'node:crypto';
import type { AccountRecord, AccountRole, AccountsRepo } from '../../data/accounts.ts';
import { asBytes } from '../../data/_bytes.ts';
import { AppError, AuthenticationError, type ErrorCode, InputError, NotFoundError, PermissionError, ConflictError } from '../../errors.ts';
import type { Revocation, Revocations } from '../../shared/revocations.ts';
// The signed byte strings are wire format: one definition, in the SDK.
import { toBase64Url } from '../../../client/protocol.ts';
import { authSignatureInput, deviceAuthSignatureInput, registerSignatureInput } from '../../../client/transport/auth.ts';
import type { DeviceEntry, VerifiedDeviceList } from '../../../client/index.ts';
import { verifyEd25519 } from '../_ed25519.ts';
import { assertActive } from './enforcement.ts';
import { ReservedHandles } from './reserved-handles.ts';

export const CHALLENGE_LENGTH = 32;

/**
 * Ids no chat account may take: the audit log writes dashboard staff as "staff:<login>" and the system as
 * "system", so an account named like that could pass for a moderator in the event log (docs/API.md "Blocking, handles, quotas").
 */
export function isReservedUserId(id: string): boolean {
  const folded = id.toLowerCase();
  return folded.startsWith('staff:') || folded === 'staff' || folded === 'system';
}

export interface Principal {
  userId: string;
  /** The calling device the token names (docs/PROTOCOL-devices.md D8.2; 1 for an account without a device list). */
  deviceId: number;
  role: AccountRole;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CACHE_MAX = 50_000;

/**
 * Why a live session ended: the error a request would get now, or `device_removed` — the token's device left the
 * account's logged list (docs/PROTOCOL-devices.md D13.6; a push close reason, never an HTTP problem code).
 */
export type SessionEndCode = ErrorCode | 'device_removed';

/** A live session holder (a push socket) told when its session ends. */
type SessionWatcher = { tokenHash: string; userId: string; deviceId: number; onEnd: (code: SessionEndCode) => void };

/** What accounts need of device lists (server/services/devices, docs/PROTOCOL-devices.md D8.2). */
export interface DeviceListPort {
  /** Whether the log holds a device list for the account. */
  hasList(accountId: string): Promise<boolean>;
  /** IKsig of the device in the current logged list, or null. */
  deviceSigningKey(accountId: string, deviceId: number): Promise<Uint8Array | null>;
  /** D5.1 of a genesis for the account (InputError invalid_device_list when it fails). */
  checkGenesis(accountId: string, list: Uint8Array): Promise<VerifiedDeviceList>;
  /** Logs and stores the genesis while the log holds no binding of the id (KeyLogConflict otherwise). */
  logGenesis(accountId: string, verified: VerifiedDeviceList): Promise<void>;
  /** Whether the device is in the account's current list (an account without a list: device 1 only). */
  isCurrentDevice(caller: { accountId: string; deviceId: number }): Promise<boolean>;
}

export type RegisterInput =
  | { userId: string; identitySigningKey: Uint8Array; identityDhKey: Uint8Array; signature: Uint8Array }
  | { userId: string; list: Uint8Array };

export class AccountsService {
  /**
   * tokenHash → session; `cachedUntil` bounds how long this process trusts it without the database (the
   * revocation broadcast normally drops it first). Standing (status, role) is never cached.
   */
  private readonly sessionCache = new Map<string, { userId: string; deviceId: number; expiresAt: number; cachedUntil: number }>();
  private readonly watchers = new Set<SessionWatcher>();
  private deviceLists: DeviceListPort | undefined;

  constructor(
    private readonly accounts: AccountsRepo,
    private readonly ttl: { tokenMs: number; challengeMs: number; sessionCacheMs?: number },
    private readonly revocations?: Revocations,
    /**
     * Key transparency (docs/TRANSPARENCY.md §3, §10.4): the identity binding is logged as soon as the account exists,
     * and an id the log already binds is never registered again (a deleted account row does not free it).
     */
    private readonly identityLog?: {
      isBound(userId: string): Promise<boolean>;
      publish(userId: string, identitySigningKey: Uint8Array, identityDhKey: Uint8Array): Promise<void>;
    },
    /** Staff-like handles nobody may register (./reserved-handles.ts). */
    private readonly reserved: ReservedHandles = new ReservedHandles(),
  ) {
    revocations?.on((r) => this.applyRevocation(r));
  }

  /** Connects device lists (wired after both services exist: server/services/index.ts). */
  useDeviceLists(port: DeviceListPort): void {
    this.deviceLists = port;
  }

  private applyRevocation(r: Revocation | 'all'): void {
    if (r === 'all') this.sessionCache.clear();
    else if (r.kind === 'token') this.sessionCache.delete(r.tokenHash);
    else for (const [h, s] of this.sessionCache) if (s.userId === r.userId && (r.kind === 'account' || s.deviceId === r.deviceId)) this.sessionCache.delete(h);
    for (const w of [...this.watchers]) {
      if (r !== 'all' && (r.kind === 'token' ? w.tokenHash !== r.tokenHash : w.userId !== r.userId || (r.kind === 'device' && w.deviceId !== r.deviceId))) continue;
      if (r !== 'all' && r.kind !== 'account') {
        this.watchers.delete(w);
        w.onEnd(r.kind === 'device' ? 'device_removed' : 'invalid_token');
      } else void this.recheck(w);
    }
  }

  /** Re-checks a watched session against the database (not the cache); ends it if a request would be refused. */
  private async recheck(w: SessionWatcher, now = new Date()): Promise<void> {
    try {
      // Standing first: a ban also deletes the sessions, and the socket should say "banned", not "logged out".
      const standing = await this.accounts.standing(w.userId);
      if (!standing) throw new AuthenticationError('invalid_token', 'bearer token is unknown or expired');
      assertActive(standing, now);
      const row = await this.accounts.findSession(w.tokenHash);
      if (!row || row.expiresAt.getTime() <= now.getTime()) {
        // A session deleted with its device (a removal whose broadcast this process missed) says so (D13.6).
        if (!row && this.deviceLists && !(await this.deviceLists.isCurrentDevice({ accountId: w.userId, deviceId: w.deviceId }).catch(() => true))) return this.end(w, 'device_removed');
        throw new AuthenticationError('invalid_token', 'bearer token is unknown or expired');
      }
    } catch (e) {
      if (!AppError.is(e)) return; // a database error keeps the socket (re-checked later)
      this.end(w, e.code);
    }
  }

  private end(w: SessionWatcher, code: SessionEndCode): void {
    if (!this.watchers.delete(w)) return;
    w.onEnd(code);
  }

  /**
   * Watches the session of `token` (already authenticated) for a live connection: `onEnd` is called once, with the
   * error code a request would now get, when it is logged out (here or on another process), expires, or its
   * account is suspended or banned, or its device is removed from the account's list. Returns `stop` and `recheck` (periodic safety net against lost broadcasts).
   */
  watchSession(token: string, caller: { userId: string; deviceId: number }, onEnd: (code: SessionEndCode) => void): { stop(): void; recheck(): Promise<void> } {
    const tokenHash = hashToken(token);
    let expiry: NodeJS.Timeout | undefined;
    const w: SessionWatcher = {
      tokenHash, userId: caller.userId, deviceId: caller.deviceId,
      onEnd: (code) => {
        clearTimeout(expiry);
        onEnd(code);
      },
    };
    this.watchers.add(w);
    const s = this.sessionCache.get(tokenHash);
    const arm = (expiresAt: number) => {
      // setTimeout holds at most 2^31-1 ms (24.8 days); tokens live far shorter.
      expiry = setTimeout(() => {
        if (this.watchers.delete(w)) w.onEnd('invalid_token');
      }, Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1));
      expiry.unref();
    };
    if (s) arm(s.expiresAt);
    else void this.accounts.findSession(tokenHash).then((row) => row && this.watchers.has(w) && arm(row.expiresAt.getTime()), () => {});
    return {
      stop: () => {
        clearTimeout(expiry);
        this.watchers.delete(w);
      },
      recheck: () => this.recheck(w),
    };
  }

  async register(input: RegisterInput): Promise<AccountRecord> {
    if (isReservedUserId(input.userId)) throw new InputError('id_reserved', `the id ${input.userId} is reserved (staff: and system are used by the moderation log)`);
    if (this.reserved.match(input.userId))
      throw new InputError('handle_reserved', `The handle “${input.userId}” looks like the service or its staff (admin, moderator, support, staff, franking-chat and similar names are reserved, in any spelling), so it cannot be registered. Choose another handle.`);
    if ('list' in input) return this.registerWithList(input.userId, input.list);
    if (!verifyEd25519(input.identitySigningKey, registerSignatureInput(input.identityDhKey, input.userId), input.signature))
      throw new AuthenticationError('invalid_signature', 'registration signature does not verify under identitySigningKey');
    if (await this.identityLog?.isBound(input.userId))
      throw new ConflictError('user_exists', `user id ${input.userId} is already bound to an identity key in the public key log`);
    const account = await this.accounts.create({ id: input.userId, identitySigningKey: asBytes(input.identitySigningKey), identityDhKey: asBytes(input.identityDhKey) });
    // A crash between the two writes is healed by the owner's next bundle publication (KeyDirectoryService.publish),
    // never by a key fetch: the log is appended only when the owner publishes (docs/TRANSPARENCY.md §10.4).
    await this.identityLog?.publish(account.id, account.identitySigningKey, account.identityDhKey);
    return account;
  }

  /**
   * D8.2: the genesis list is the registration (its self-signature by device 1 proves IKsig and binds IKdh); it is
   * logged only while the log holds no binding of the id, of kind identity or device-list.
   */
  private async registerWithList(userId: string, list: Uint8Array): Promise<AccountRecord> {
    const devices = this.deviceLists;
    if (!devices) throw new InputError('validation_failed', 'this server does not accept device lists');
    const verified = await devices.checkGenesis(userId, list);
    if ((await this.identityLog?.isBound(userId)) || (await devices.hasList(userId)))
      throw new ConflictError('user_exists', `user id ${userId} is already bound to keys in the public key log`);
    const device1 = verified.signed.list.devices[0] as DeviceEntry;
    const account = await this.accounts.create({ id: userId, identitySigningKey: asBytes(device1.identitySigningKey), identityDhKey: asBytes(device1.identityDhKey) });
    try {
      await devices.logGenesis(account.id, verified);
    } catch (e) {
      if (AppError.is(e) && (e.code === 'identity_mismatch' || e.code === 'device_list_conflict'))
        throw new ConflictError('user_exists', `user id ${userId} is already bound to keys in the public key log`);
      throw e;
    }
    return account;
  }

  /** Case-insensitive handle → the registered id (404 when nobody has it). */
  async lookup(handle: string): Promise<string> {
    const id = await this.accounts.resolveHandle(handle);
    if (!id) throw new NotFoundError('account');
    return id;
  }

  async get(userId: string): Promise<AccountRecord> {
    const a = await this.accounts.find(userId);
    if (!a) throw new NotFoundError('account');
    return a;
  }

  /** A challenge is issued for any id (unknown ids get one that can never be redeemed: no enumeration here). */
  async challenge(userId: string, now = new Date()): Promise<{ challenge: Uint8Array; expiresAt: Date }> {
    const challenge = randomBytes(CHALLENGE_LENGTH);
    const expiresAt = new Date(now.getTime() + this.ttl.challengeMs);
    if (await this.accounts.standing(userId)) await this.accounts.createChallenge(toBase64Url(challenge), userId, expiresAt);
    return { challenge, expiresAt };
  }

  async issueToken(input: { userId: string; deviceId?: number; challenge: Uint8Array; signature: Uint8Array }, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const account = await this.accounts.find(input.userId);
    // Verify before consuming, so a forged signature cannot burn someone else's challenge. A device signs in with its
    // own IKsig from the current logged list (D8.2); an account with a list never signs in the legacy way.
    const refused = () => new AuthenticationError('invalid_signature', 'signature does not verify for this user, device and challenge');
    if (!account) throw refused();
    if (input.deviceId !== undefined) {
      const key = await this.deviceLists?.deviceSigningKey(input.userId, input.deviceId);
      if (!key || !verifyEd25519(key, deviceAuthSignatureInput(input.challenge, input.deviceId, input.userId), input.signature)) throw refused();
    } else {
      if (!verifyEd25519(account.identitySigningKey, authSignatureInput(input.challenge, input.userId), input.signature)) throw refused();
      if (await this.deviceLists?.hasList(input.userId)) throw refused();
    }
    if (!(await this.accounts.consumeChallenge(toBase64Url(input.challenge), input.userId, now)))
      throw new AuthenticationError('challenge_invalid', 'challenge unknown, expired or already used');
    assertActive(account, now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.ttl.tokenMs);
    await this.accounts.createSession(hashToken(token), input.userId, expiresAt, input.deviceId ?? 1);
    return { token, expiresAt };
  }

  async revokeToken(token: string): Promise<void> {
    const h = hashToken(token);
    await this.accounts.deleteSession(h);
    // Every process: drop the cached session, close the push sockets that use it.
    if (this.revocations) this.revocations.publish({ kind: 'token', tokenHash: h });
    else this.applyRevocation({ kind: 'token', tokenHash: h });
  }

  /**
   * Devices removed by a logged list (docs/PROTOCOL-devices.md D13.6; the database already deleted their tokens): every
   * process drops their cached sessions and closes their push sockets with `device_removed`, as logout does with
   * `invalid_token`.
   */
  forgetDevices(userId: string, deviceIds: readonly number[]): void {
    for (const deviceId of deviceIds) {
      const r = { kind: 'device', userId, deviceId } as const;
      if (this.revocations) this.revocations.publish(r);
      else this.applyRevocation(r);
    }
  }

  /** Token → user id, without touching account standing (the relay checks standing in its batch query). */
  async resolveToken(token: string, now = Date.now()): Promise<string> {
    return (await this.resolveSession(token, now)).userId;
  }

  /** Token → the account and the device it names (docs/PROTOCOL-devices.md D8.2), without touching standing. */
  async resolveSession(token: string, now = Date.now()): Promise<{ userId: string; deviceId: number }> {
    if (!TOKEN_PATTERN.test(token)) throw new AuthenticationError('invalid_token', 'bearer token is malformed');
    const h = hashToken(token);
    let s = this.sessionCache.get(h);
    if (s && s.cachedUntil <= now) {
      this.sessionCache.delete(h);
      s = undefined;
    }
    if (!s) {
      const row = await this.accounts.findSession(h);
      if (row) {
        const expiresAt = row.expiresAt.getTime();
        s = { userId: row.accountId, deviceId: row.deviceId, expiresAt, cachedUntil: Math.min(expiresAt, now + (this.ttl.sessionCacheMs ?? Infinity)) };
        if (this.sessionCache.size >= CACHE_MAX) this.sessionCache.clear();
        this.sessionCache.set(h, s);
      }
    }
    if (!s || s.expiresAt <= now) throw new AuthenticationError('invalid_token', 'bearer token is unknown or expired');
    return { userId: s.userId, deviceId: s.deviceId };
  }

  /** Full check: token, then current standing (never cached) and role. */
  async authenticate(token: string, opts: { roles?: readonly AccountRole[] } = {}, now = new Date()): Promise<Principal> {
    const { userId, deviceId } = await this.resolveSession(token, now.getTime());
    const standing = await this.accounts.standing(userId);
    if (!standing) throw new AuthenticationError('invalid_token', 'bearer token is unknown or expired');
    assertActive(standing, now);
    if (opts.roles && !opts.roles.includes(standing.role)) throw new PermissionError('forbidden', 'this endpoint needs a moderator or admin role');
    return { userId, deviceId, role: standing.role };
  }

  /**
   * After a standing change (suspension, ban, reinstatement; the database already deleted the account's sessions
   * where it ends them): every process drops the account's cached sessions and re-checks its push sockets.
   */
  forgetSessions(userId: string): void {
    if (this.revocations) this.revocations.publish({ kind: 'account', userId });
    else this.applyRevocation({ kind: 'account', userId });
  }

  async sweep(now = new Date()): Promise<number> {
    for (const [h, s] of this.sessionCache) if (s.expiresAt <= now.getTime()) this.sessionCache.delete(h);
    return this.accounts.sweep(now);
  }
}

