// Registration gate, per-address registration limit and the registration network record (docs/MODERATION.md
// "Registration gate"). The operator chooses the gate (REGISTRATION_GATE):
//   open    anyone may register (the default: the README quick start);
//   invite  the request carries a single-use invite code an admin created (only SHA-256(code) is stored);
//   pow     the request carries a solved altcha proof-of-work challenge the server issued: stateless and
//           HMAC-signed (no row per challenge issued), expiring, and single use across processes (a row per
//           redeemed challenge, deleted when it would have expired anyway).
// Whatever the gate, one client address may register REGISTRATION_LIMIT_PER_ADDRESS accounts per window, counted
// in Redis when the deployment has several processes (rate-limiter-flexible, as the staff login throttle).
import { createHash, randomBytes } from 'node:crypto';
import { type Challenge, type Solution, createChallenge, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RegistrationConfig } from '../../../config.ts';
import type { RegistrationRepo } from '../../../data/registration.ts';
import { AppError, InputError, PermissionError, RateLimitError } from '../../../errors.ts';
import { addressKey, registrationHashes } from './network.ts';
import type { RegistrationKeys } from './secret.ts';

/** altcha v2 key derivation: one SHA-256 of salt || nonce || u32be(counter) per attempt. */
export const POW_ALGORITHM = 'SHA-256';
export const INVITE_PREFIX = 'inv_';
const INVITE_PATTERN = /^inv_[A-Za-z0-9_-]{22}$/;

export interface PowPayload {
  challenge: Required<Pick<Challenge, 'parameters' | 'signature'>>;
  solution: Solution;
}

export interface RegistrationProof {
  invite?: string | undefined;
  pow?: PowPayload | undefined;
}

const hashInvite = (code: string) => createHash('sha256').update(code).digest('base64url');

export class RegistrationGate {
  private readonly limiter: RateLimiterAbstract | null;

  constructor(
    readonly config: RegistrationConfig,
    private readonly repo: RegistrationRepo,
    private readonly keys: RegistrationKeys,
    opts: { redis?: Redis | null | undefined; keyPrefix?: string } = {},
  ) {
    const points = config.perAddressLimit;
    const duration = Math.max(1, Math.ceil(config.perAddressWindowMs / 1000));
    const keyPrefix = `${opts.keyPrefix ?? 'fc:'}register`;
    this.limiter = points <= 0 ? null
      : opts.redis ? new RateLimiterRedis({ storeClient: opts.redis, keyPrefix, points, duration })
      : new RateLimiterMemory({ keyPrefix, points, duration });
  }

  /** What a client needs before registering: the gate, and for `pow` a fresh signed challenge. */
  async info(now = new Date()): Promise<{ gate: RegistrationConfig['gate']; pow: { challenge: PowPayload['challenge']; maxNumber: number; expiresAt: string } | null }> {
    if (this.config.gate !== 'pow') return { gate: this.config.gate, pow: null };
    const expiresAt = new Date(now.getTime() + this.config.powTtlMs);
    // Deterministic mode: the server draws the counter, so the expected work is maxNumber / 2 attempts and the
    // worst case maxNumber; the key signature lets it verify without re-deriving.
    const c = await createChallenge({
      algorithm: POW_ALGORITHM, cost: 1, deriveKey, counter: randomCounter(this.config.powMaxNumber), expiresAt,
      hmacSignatureSecret: this.keys.powSignature, hmacKeySignatureSecret: this.keys.powKeySignature,
    });
    if (!c.signature) throw new Error('altcha returned an unsigned challenge');
    return { gate: 'pow', pow: { challenge: { parameters: c.parameters, signature: c.signature }, maxNumber: this.config.powMaxNumber, expiresAt: expiresAt.toISOString() } };
  }

  /** Admin: `count` new single-use invite codes. The codes are shown once; only their hashes are kept. */
  async createInvites(count: number, createdBy: string | null, ttlMs = this.config.inviteTtlMs, now = new Date()): Promise<{ codes: string[]; expiresAt: Date }> {
    const codes = Array.from({ length: count }, () => `${INVITE_PREFIX}${randomBytes(16).toString('base64url')}`);
    const expiresAt = new Date(now.getTime() + ttlMs);
    await this.repo.createInvites(codes.map(hashInvite), createdBy, expiresAt);
    return { codes, expiresAt };
  }

  /**
   * Runs `register` behind the gate and the per-address limit. A refused or failed registration gives back what
   * it took (the limit's point, the invite, the challenge): only accounts that exist are counted and spent.
   */
  async admit<T extends { id: string }>(userId: string, proof: RegistrationProof, address: string, register: () => Promise<T>, now = new Date()): Promise<T> {
    const limitKey = addressKey(address);
    if (this.limiter) {
      try {
        await this.limiter.consume(limitKey);
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        const retryAfterSeconds = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        throw new RateLimitError('rate_limited', `too many registrations from this address; try again in ${retryAfterSeconds} s`, { extra: { retryAfterSeconds } });
      }
    }
    let undo: (() => Promise<void>) | null = null;
    try {
      undo = await this.pass(userId, proof, now);
      const account = await register();
      undo = null;
      await this.repo.recordNetwork(account.id, registrationHashes(this.keys.networkRoot, address, now), now);
      return account;
    } catch (e) {
      if (undo) await undo();
      if (this.limiter && AppError.is(e)) await this.limiter.reward(limitKey, 1);
      throw e;
    }
  }

  /** Checks and spends the proof the gate asks for; returns how to give it back. */
  private async pass(userId: string, proof: RegistrationProof, now: Date): Promise<(() => Promise<void>) | null> {
    if (this.config.gate === 'invite') {
      if (!proof.invite) throw new PermissionError('invite_required', 'registration on this server needs an invite code (invite)', { issues: [{ path: 'body.invite', message: 'required' }] });
      const h = hashInvite(proof.invite);
      if (!INVITE_PATTERN.test(proof.invite) || !(await this.repo.spendInvite(h, userId, now)))
        throw new PermissionError('invite_invalid', 'invite code unknown, expired or already used', { issues: [{ path: 'body.invite', message: 'unknown, expired or used' }] });
      return () => this.repo.restoreInvite(h, userId);
    }
    if (this.config.gate === 'pow') {
      if (!proof.pow) throw new PermissionError('pow_required', 'registration on this server needs a solved proof-of-work challenge (pow): GET /v1/accounts/registration', { issues: [{ path: 'body.pow', message: 'required' }] });
      const { challenge, solution } = proof.pow;
      // Every challenge this server issues expires: one without expiresAt is not ours (its signature fails anyway).
      if (!challenge.parameters.expiresAt) throw new InputError('pow_invalid', 'proof of work: the challenge has no expiry', { issues: [{ path: 'body.pow.challenge', message: 'not issued by this server' }] });
      const r = await verifySolution({
        challenge, solution, deriveKey, hmacSignatureSecret: this.keys.powSignature, hmacKeySignatureSecret: this.keys.powKeySignature,
      });
      if (r.expired) throw new InputError('pow_expired', 'proof of work: the challenge expired; fetch a new one', { issues: [{ path: 'body.pow.challenge', message: 'expired' }] });
      if (!r.verified) {
        const where = r.invalidSignature ? 'body.pow.challenge' : 'body.pow.solution';
        throw new InputError('pow_invalid', r.invalidSignature ? 'proof of work: the challenge was not issued by this server' : 'proof of work: the solution is wrong', { issues: [{ path: where, message: 'does not verify' }] });
      }
      const h = createHash('sha256').update(challenge.signature).digest('base64url');
      if (!(await this.repo.redeemPow(h, new Date(challenge.parameters.expiresAt * 1000))))
        throw new InputError('pow_replayed', 'proof of work: this challenge was already used; fetch a new one', { issues: [{ path: 'body.pow.challenge', message: 'already used' }] });
      return () => this.repo.releasePow(h);
    }
    return null;
  }
}

/** A uniform counter in 0..max (altcha's uint32 counter mode). */
function randomCounter(max: number): number {
  const m = Math.min(max, 0xffffffff);
  // rejection sampling over 32-bit values: no modulo bias
  const limit = Math.floor(0x100000000 / (m + 1)) * (m + 1);
  for (;;) {
    const v = randomBytes(4).readUInt32BE();
    if (v < limit) return v % (m + 1);
  }
}
