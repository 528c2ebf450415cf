// Accounts and password-less authentication (docs/API.md "Authentication"):
//   register:  Ed25519.sign(identitySigningKey, REGISTER_LABEL || identityDhKey(32) || utf8(userId))
//   challenge: 32 random bytes, single use, CHALLENGE_TTL (60 s)
//   token:     Ed25519.sign(identitySigningKey, AUTH_LABEL || challenge(32) || utf8(userId)) → bearer token
// Tokens are 32 random bytes; only SHA-256(token) is stored; they expire after TOKEN_TTL (1 h).
import { createHash, randomBytes } from 'node:crypto';
import type { AccountRecord, AccountRole, AccountsRepo } from '../data/accounts.ts';
import { asBytes } from '../data/_bytes.ts';
import { AuthenticationError, InputError, NotFoundError, PermissionError } from '../errors.ts';
// The signed byte strings are wire format: one definition, in the SDK.
import { authSignatureInput, registerSignatureInput } from '../../client/transport/auth.ts';
import { verifyEd25519 } from './_ed25519.ts';
import { assertActive } from './enforcement.ts';

export const CHALLENGE_LENGTH = 32;

/**
 * Ids no chat account may take: the audit log writes dashboard staff as "staff:<login>" and the system as
 * "system", so an account named like that could pass for a moderator in the event log (issue 15).
 */
export function isReservedUserId(id: string): boolean {
  const folded = id.toLowerCase();
  return folded.startsWith('staff:') || folded === 'staff' || folded === 'system';
}

export interface Principal {
  userId: string;
  role: AccountRole;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CACHE_MAX = 50_000;

export class AccountsService {
  /** tokenHash → session. Sessions are immutable; standing (status, role) is never cached. */
  private readonly sessionCache = new Map<string, { userId: string; expiresAt: number }>();

  constructor(
    private readonly accounts: AccountsRepo,
    private readonly ttl: { tokenMs: number; challengeMs: number },
  ) {}

  async register(input: { userId: string; identitySigningKey: Uint8Array; identityDhKey: Uint8Array; signature: Uint8Array }): Promise<AccountRecord> {
    if (isReservedUserId(input.userId)) throw new InputError('id_reserved', `the id ${input.userId} is reserved (staff: and system are used by the moderation log)`);
    if (!verifyEd25519(input.identitySigningKey, registerSignatureInput(input.identityDhKey, input.userId), input.signature))
      throw new AuthenticationError('invalid_signature', 'registration signature does not verify under identitySigningKey');
    return this.accounts.create({ id: input.userId, identitySigningKey: asBytes(input.identitySigningKey), identityDhKey: asBytes(input.identityDhKey) });
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
    if (await this.accounts.standing(userId)) await this.accounts.createChallenge(challenge.toString('base64url'), userId, expiresAt);
    return { challenge, expiresAt };
  }

  async issueToken(input: { userId: string; challenge: Uint8Array; signature: Uint8Array }, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const account = await this.accounts.find(input.userId);
    // Verify before consuming, so a forged signature cannot burn someone else's challenge.
    if (!account || !verifyEd25519(account.identitySigningKey, authSignatureInput(input.challenge, input.userId), input.signature))
      throw new AuthenticationError('invalid_signature', 'signature does not verify for this user and challenge');
    if (!(await this.accounts.consumeChallenge(Buffer.from(input.challenge).toString('base64url'), input.userId, now)))
      throw new AuthenticationError('challenge_invalid', 'challenge unknown, expired or already used');
    assertActive(account, now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.ttl.tokenMs);
    await this.accounts.createSession(hashToken(token), input.userId, expiresAt);
    return { token, expiresAt };
  }

  async revokeToken(token: string): Promise<void> {
    const h = hashToken(token);
    this.sessionCache.delete(h);
    await this.accounts.deleteSession(h);
  }

  /** Token → user id, without touching account standing (the relay checks standing in its batch query). */
  async resolveToken(token: string, now = Date.now()): Promise<string> {
    if (!TOKEN_PATTERN.test(token)) throw new AuthenticationError('invalid_token', 'bearer token is malformed');
    const h = hashToken(token);
    let s = this.sessionCache.get(h);
    if (!s) {
      const row = await this.accounts.findSession(h);
      if (row) {
        s = { userId: row.accountId, expiresAt: row.expiresAt.getTime() };
        if (this.sessionCache.size >= CACHE_MAX) this.sessionCache.clear();
        this.sessionCache.set(h, s);
      }
    }
    if (!s || s.expiresAt <= now) throw new AuthenticationError('invalid_token', 'bearer token is unknown or expired');
    return s.userId;
  }

  /** Full check: token, then current standing (never cached) and role. */
  async authenticate(token: string, opts: { roles?: readonly AccountRole[] } = {}, now = new Date()): Promise<Principal> {
    const userId = await this.resolveToken(token, now.getTime());
    const standing = await this.accounts.standing(userId);
    if (!standing) throw new AuthenticationError('invalid_token', 'bearer token is unknown or expired');
    assertActive(standing, now);
    if (opts.roles && !opts.roles.includes(standing.role)) throw new PermissionError('forbidden', 'this endpoint needs a moderator or admin role');
    return { userId, role: standing.role };
  }

  /** Drop cached sessions of an account (after suspension/ban the standing check refuses them anyway). */
  forgetSessions(userId: string): void {
    for (const [h, s] of this.sessionCache) if (s.userId === userId) this.sessionCache.delete(h);
  }

  async sweep(now = new Date()): Promise<number> {
    for (const [h, s] of this.sessionCache) if (s.expiresAt <= now.getTime()) this.sessionCache.delete(h);
    return this.accounts.sweep(now);
  }
}

