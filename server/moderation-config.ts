// Moderation dashboard settings from the environment (kept apart from config.ts so the relay's knobs and the
// dashboard's evolve independently). Every knob has a safe default; docs/MODERATION.md lists them.
import type { ArgonParams } from './services/staff/passwords.ts';

export interface ModerationConfig {
  /** Express 'trust proxy' (TRUST_PROXY): e.g. 1 or "loopback" when TLS ends at a reverse proxy; unset = false. */
  trustProxy: boolean | number | string;
  /** COOKIE_SECURE=always forces the Secure attribute; default 'auto' sets it whenever the request is HTTPS. */
  cookieSecure: 'auto' | 'always';
  /** Dashboard session lifetime (MOD_SESSION_HOURS, default 12 h: one shift). */
  sessionTtlMs: number;
  // No lockout any more: failed logins are throttled (MOD_LOGIN_* knobs, server/services/staff/login-throttle.ts).
  /** argon2id cost for new password hashes (MOD_ARGON2_M KiB / MOD_ARGON2_T passes). */
  argon2: ArgonParams;
  /** How long after a decision the actioned account may appeal (MOD_APPEAL_DAYS, default 14). */
  appealWindowMs: number;
  /** Revealed content is deleted this long after its case closes, unless held (MOD_RETENTION_DAYS, default 180). */
  retentionMs: number;
  /** Ed25519 key that signs evidence packages (MOD_EVIDENCE_KEY_FILE; default evidence-key.json beside the stamp keyring). */
  evidenceKeyFile: string | null;
  /** Brigading defence (docs/MODERATION.md "Cases and brigading"). */
  brigade: {
    /** look-back window for a burst (MOD_BRIGADE_WINDOW_MINUTES, default 60) */
    windowMs: number;
    /** reports from suspect reporters in the window that make a burst (MOD_BRIGADE_THRESHOLD, default 10) */
    threshold: number;
    /** a reporter account younger than this is "new" (MOD_NEW_ACCOUNT_DAYS, default 7) */
    newAccountMs: number;
    /** a track record (share upheld) below this, over at least 3 decided reports, is "poor" (MOD_POOR_RECORD_PERCENT, default 34) */
    poorRecord: number;
  };
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
    appealWindowMs: int(env, 'MOD_APPEAL_DAYS', 14, 1) * 86_400_000,
    retentionMs: int(env, 'MOD_RETENTION_DAYS', 180, 1) * 86_400_000,
    evidenceKeyFile: env.MOD_EVIDENCE_KEY_FILE || null,
    brigade: {
      windowMs: int(env, 'MOD_BRIGADE_WINDOW_MINUTES', 60, 1) * 60_000,
      threshold: int(env, 'MOD_BRIGADE_THRESHOLD', 10, 2),
      newAccountMs: int(env, 'MOD_NEW_ACCOUNT_DAYS', 7, 0) * 86_400_000,
      poorRecord: int(env, 'MOD_POOR_RECORD_PERCENT', 34, 0) / 100,
    },
  };
}
