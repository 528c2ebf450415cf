// Moderation dashboard settings from the environment (kept apart from config.ts so the relay's knobs and the
// dashboard's evolve independently). Every knob has a safe default; docs/MODERATION.md lists them.
import type { ArgonParams } from './services/passwords.ts';

export interface ModerationConfig {
  /** Express 'trust proxy' (TRUST_PROXY): e.g. 1 or "loopback" when TLS ends at a reverse proxy; unset = false. */
  trustProxy: boolean | number | string;
  /** COOKIE_SECURE=always forces the Secure attribute; default 'auto' sets it whenever the request is HTTPS. */
  cookieSecure: 'auto' | 'always';
  /** Dashboard session lifetime (MOD_SESSION_HOURS, default 12 h: one shift). */
  sessionTtlMs: number;
  // No lockout any more: failed logins are throttled (MOD_LOGIN_* knobs, server/services/login-throttle.ts).
  /** argon2id cost for new password hashes (MOD_ARGON2_M KiB / MOD_ARGON2_T passes). */
  argon2: ArgonParams;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new RangeError(`${name}: expected an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

/** Default argon2id cost: measured ~130–260 ms per hash on the 2-core CI machine (docs/MODERATION.md). */
export const DEFAULT_ARGON2: ArgonParams = { m: 12_288, t: 2, p: 1 };

export function loadModerationConfig(env: NodeJS.ProcessEnv = process.env): ModerationConfig {
  return {
    trustProxy: trustProxy(env.TRUST_PROXY),
    cookieSecure: env.COOKIE_SECURE === 'always' ? 'always' : 'auto',
    sessionTtlMs: int(env, 'MOD_SESSION_HOURS', 12, 1) * 3_600_000,
    argon2: { m: int(env, 'MOD_ARGON2_M', DEFAULT_ARGON2.m, 1024), t: int(env, 'MOD_ARGON2_T', DEFAULT_ARGON2.t, 1), p: 1 },
  };
}
