// Staff login throttling (replaces the old lockout; docs/MODERATION.md "Login throttling"). rate-limiter-flexible's
// documented login brute-force pattern, with three counters:
//
//   pair     failed logins in a row for one (login name, client address). 10 → that pair waits an hour. A success
//            clears it. This is what slows a guesser at one address without touching anyone else.
//   address  failed logins per client address per day, whatever the name. 100 → the address waits a day.
//   account  failed logins per login name per hour from addresses that never logged in to it. 100 → further
//            guesses from NEW addresses wait; an address that logged in successfully in the last 20 days
//            ("known") is never held by this counter, so a stranger cannot lock the owner out.
//
// Every attempt consumes its points BEFORE the password is checked (the store's consume is atomic), so 28
// parallel guesses are 28 counted guesses and the 11th is refused unchecked. Unknown login names go through
// the same counters: a refusal looks the same whether or not the name exists (429 rate_limited).
//
// Store: memory by default (one process). A Redis client (ioredis) passed at start makes every counter shared by
// all processes (RateLimiterRedis), as STYLE.md §14 asks; keys are prefixed `fc:login:`.
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { type AppError, AuthenticationError, RateLimitError } from '../../errors.ts';

export interface LoginThrottleConfig {
  /** failed logins in a row per (name, address) before that pair waits (MOD_LOGIN_PAIR_FAILS, default 10) */
  pairFails: number;
  pairBlockSeconds: number;
  /** failed logins per address per day (MOD_LOGIN_ADDRESS_FAILS_PER_DAY, default 100) */
  addressFailsPerDay: number;
  /** failed logins per name per hour from unknown addresses (MOD_LOGIN_ACCOUNT_FAILS_PER_HOUR, default 100) */
  accountFailsPerHour: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleConfig = { pairFails: 10, pairBlockSeconds: 3600, addressFailsPerDay: 100, accountFailsPerHour: 100 };

const DAY = 86_400;
/** How long a successful login keeps an address "known", and a failure streak lives without a success. Below
 * 24.8 days: the memory store expires keys with setTimeout, whose delay is a signed 32-bit count of ms. */
const KNOWN_ADDRESS_SECONDS = 20 * DAY;

/** Warn a failed login once this many attempts (or fewer) are left before the address must wait. */
export const WARN_ATTEMPTS_LEFT = 3;

/** One login attempt, already counted as a failure; `succeeded()` takes the count back. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
  /** Attempts still checked after this one before a counter holds the address, and how long it would hold it. */
  readonly left: { attempts: number; waitSeconds: number };
  /**
   * The answer to a failed attempt: `e`, with one more clause when few attempts are left
   * (docs/MODERATION.md "Login throttling"), and `attemptsLeft` in the problem document.
   */
  failed(e: AppError): AppError;
}

/** "1 hour", "1 hour 5 minutes", "20 minutes", "45 seconds": what people read, not "3600 s". */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const totalMinutes = Math.ceil(s / 60);
  const h = Math.floor(totalMinutes / 60);
  const m = totalMinutes % 60;
  const hours = h ? `${h} hour${h === 1 ? '' : 's'}` : '';
  const minutes = m ? `${m} minute${m === 1 ? '' : 's'}` : '';
  return [hours, minutes].filter(Boolean).join(' ');
}

const isRes = (e: unknown): e is RateLimiterRes => e instanceof RateLimiterRes;

export class LoginThrottle {
  private readonly pair: RateLimiterAbstract;
  private readonly address: RateLimiterAbstract;
  private readonly account: RateLimiterAbstract;
  private readonly known: RateLimiterAbstract;

  constructor(
    readonly config: LoginThrottleConfig = DEFAULT_LOGIN_THROTTLE,
    opts: { redis?: Redis | undefined; keyPrefix?: string } = {},
  ) {
    const prefix = opts.keyPrefix ?? 'fc:login';
    const make = (name: string, points: number, duration: number, blockDuration: number): RateLimiterAbstract =>
      opts.redis
        ? new RateLimiterRedis({ storeClient: opts.redis, keyPrefix: `${prefix}:${name}`, points, duration, blockDuration })
        : new RateLimiterMemory({ keyPrefix: `${prefix}:${name}`, points, duration, blockDuration });
    // "in a row": the counter lives until a success deletes it (or 20 days pass).
    this.pair = make('pair', config.pairFails, KNOWN_ADDRESS_SECONDS, config.pairBlockSeconds);
    this.address = make('addr', config.addressFailsPerDay, DAY, DAY);
    this.account = make('acct', config.accountFailsPerHour, 3600, 3600);
    this.known = make('known', 1, KNOWN_ADDRESS_SECONDS, 0);
  }

  /**
   * Counts one attempt for `name` from `address` and throws RateLimitError when any applicable counter is
   * spent. The name is case-folded (login names are lower-case; a guesser must not get 10 more tries per
   * spelling). Nothing about the account is read: known and unknown names are treated alike.
   */
  async begin(name: string, address: string): Promise<LoginAttempt> {
    const login = name.toLowerCase();
    const pairKey = `${login}|${address}`;
    const isKnown = ((await this.known.get(pairKey))?.consumedPoints ?? 0) > 0;
    const taken: Array<[RateLimiterAbstract, string]> = [];
    const left = { attempts: Number.MAX_SAFE_INTEGER, waitSeconds: 0 };
    try {
      for (const [limiter, key] of [[this.pair, pairKey], [this.address, address], ...(isKnown ? [] : [[this.account, login]])] as Array<[RateLimiterAbstract, string]>) {
        const res = await limiter.consume(key);
        taken.push([limiter, key]);
        if (res.remainingPoints < left.attempts) {
          left.attempts = res.remainingPoints;
          left.waitSeconds = limiter === this.pair ? this.config.pairBlockSeconds : limiter === this.address ? DAY : 3600;
        }
      }
    } catch (e) {
      if (!isRes(e)) throw e;
      // A refused attempt is not a guess: give back what it took from the other counters.
      await Promise.all(taken.map(([l, k]) => l.reward(k, 1)));
      const retryAfterSeconds = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      throw new RateLimitError('rate_limited', `Too many failed sign-ins from this address; try again in ${formatWait(retryAfterSeconds)}.`, { extra: { retryAfterSeconds } });
    }
    return {
      left,
      failed: (e) => {
        if (left.attempts > WARN_ATTEMPTS_LEFT) return e;
        const clause = left.attempts === 0
          ? `sign-in from this address is now paused for ${formatWait(left.waitSeconds)}`
          : `${left.attempts} attempt${left.attempts === 1 ? '' : 's'} left before sign-in from this address is paused for ${formatWait(left.waitSeconds)}`;
        return new AuthenticationError(e.code, `${e.message}; ${clause}`, { extra: { ...e.extra, attemptsLeft: left.attempts } });
      },
      succeeded: async () => {
        await Promise.all([
          this.pair.delete(pairKey),
          this.address.reward(address, 1),
          ...(isKnown ? [] : [this.account.reward(login, 1)]),
          this.known.set(pairKey, 1, KNOWN_ADDRESS_SECONDS),
        ]);
      },
    };
  }
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name}: expected an integer >= 1, got ${JSON.stringify(raw)}`);
  return n;
}

export function loadLoginThrottleConfig(env: NodeJS.ProcessEnv = process.env): LoginThrottleConfig {
  return {
    pairFails: int(env, 'MOD_LOGIN_PAIR_FAILS', DEFAULT_LOGIN_THROTTLE.pairFails),
    pairBlockSeconds: int(env, 'MOD_LOGIN_PAIR_BLOCK_SECONDS', DEFAULT_LOGIN_THROTTLE.pairBlockSeconds),
    addressFailsPerDay: int(env, 'MOD_LOGIN_ADDRESS_FAILS_PER_DAY', DEFAULT_LOGIN_THROTTLE.addressFailsPerDay),
    accountFailsPerHour: int(env, 'MOD_LOGIN_ACCOUNT_FAILS_PER_HOUR', DEFAULT_LOGIN_THROTTLE.accountFailsPerHour),
  };
}
