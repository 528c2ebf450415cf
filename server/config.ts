// Server configuration from the environment (12-factor). Every knob has a safe default for `npm start`.
import path from 'node:path';
import { parseReservedHandles } from './services/accounts/reserved-handles.ts';

export interface RateLimitConfig {
  /** requests per window per client (IP for auth, user for send/report); 0 disables */
  auth: number;
  send: number;
  report: number;
  windowMs: number;
}

/** Attachment ciphertext blobs (docs/PROTOCOL.md §11.8). */
export interface BlobConfig {
  /** Directory of blob files (BLOB_DIR, default DATA_DIR/blobs); verified report evidence lives in its reported/ subdirectory. */
  dir: string;
  /** Largest blob in bytes (BLOB_MAX_BYTES; default 101 MiB: a 100 MiB file plus scheme-1 overhead). */
  maxBytes: number;
  /** Live (not yet deleted) blob bytes per uploading account (BLOB_QUOTA_BYTES, default 1 GiB). */
  quotaBytes: number;
  /** Unfetched blobs are deleted after this (BLOB_TTL_SECONDS, default 30 days). */
  ttlMs: number;
}

/** Several processes (docs/SCALING.md). */
export interface ScaleConfig {
  /** REDIS_URL: shared wake-ups, revocations and rate-limit counters. Unset = one process, in-memory. */
  redisUrl: string | undefined;
  /** REDIS_PREFIX: every Redis key and channel of this deployment starts with it (several deployments can share one Redis). */
  redisPrefix: string;
  /** SESSION_CACHE_SECONDS: with Redis, how long a process trusts a cached bearer session before re-reading it. */
  sessionCacheMs: number;
  /** IDEMPOTENCY_TTL_SECONDS: a send's result is kept this long for retries with the same clientMessageId. */
  idempotencyTtlMs: number;
  /** KEYRING_CHECK_SECONDS: how often the keyring file is checked for a rotation (besides the Redis event). */
  keyringCheckMs: number;
}

/** Who may register, and how often (docs/MODERATION.md "Registration gate"). */
export interface RegistrationConfig {
  /** REGISTRATION_GATE: open (default, the quick start) | invite (a code an admin made) | pow (a solved proof of work) */
  gate: 'open' | 'invite' | 'pow';
  /** REGISTRATION_POW_MAX_NUMBER: the secret counter is drawn from 0..this; a browser tries half of it on average */
  powMaxNumber: number;
  /** REGISTRATION_POW_TTL_SECONDS: a challenge must be solved and redeemed within this (default 600) */
  powTtlMs: number;
  /** REGISTRATION_INVITE_TTL_DAYS: default lifetime of a new invite code (default 7) */
  inviteTtlMs: number;
  /** REGISTRATION_LIMIT_PER_ADDRESS: accounts one client address may register per window (default 10; 0 = no limit) */
  perAddressLimit: number;
  /** REGISTRATION_LIMIT_WINDOW_SECONDS (default 3600) */
  perAddressWindowMs: number;
  /** REGISTRATION_SECRET: base64url ≥ 32 bytes; else the file REGISTRATION_SECRET_FILE (default DATA_DIR/registration-secret.json), created on first start */
  secret: string | undefined;
  secretFile: string;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** file:... (SQLite, default ./data/franking.db) or postgresql://... */
  databaseUrl: string;
  /** Stamping keyring: JSON in STAMP_KEYRING, else the file STAMP_KEYRING_FILE (never in the database). */
  keyringJson: string | undefined;
  keyringFile: string;
  /** Benchmark only: STAMPING=off skips the HMAC stamps (responses then carry no stamps). */
  stamping: boolean;
  /** Stamps older than this are outside the report window; retired keys are kept this long. Default 90 days. */
  reportWindowMs: number;
  envelopeTtlMs: number;
  /** Undelivered envelope bytes one account may have waiting (ENVELOPE_QUOTA_BYTES, default 128 MiB; 0 = none). */
  envelopeQuotaBytes: number;
  tokenTtlMs: number;
  challengeTtlMs: number;
  longPollMaxMs: number;
  sweepIntervalMs: number;
  /** Send batching (group commit): at most this many sends share one database write. */
  sendBatchMax: number;
  /** Group-commit window in ms (0 = next event-loop turn). */
  sendBatchDelayMs: number;
  /**
   * Largest MLS group the relay follows (GROUP_MAX_MEMBERS, default 1,024; docs/PROTOCOL.md §12.8): a Commit whose
   * Adds would take the roster past it is refused. Each application message costs one stamp and one delivery row
   * per member, so this bounds what one send can make the server do.
   */
  groupMaxMembers: number;
  rateLimits: RateLimitConfig;
  blobs: BlobConfig;
  scale: ScaleConfig;
  /** Key transparency log (docs/TRANSPARENCY.md): its own Ed25519 key and the witnesses whose cosignatures it accepts. */
  transparency: TransparencyConfig;
  registration: RegistrationConfig;
  logLevel: string;
  /** RESERVED_HANDLES: words reserved on top of the built-in staff-like list (server/services/accounts/reserved-handles.ts). */
  reservedHandles: string[];
  /** Prometheus metrics (docs/METRICS.md). */
  metrics: MetricsConfig;
}

/** Prometheus metrics exposure (docs/METRICS.md "Exposure"): a separate listener, a bearer token, or both. */
export interface MetricsConfig {
  /** METRICS_PORT: serve GET /metrics on its own listener (unset = no listener; 0 = any free port). */
  port: number | undefined;
  /** METRICS_HOST: that listener's address (default 127.0.0.1). */
  host: string;
  /** METRICS_TOKEN: also serve GET /metrics on the main port, to `Authorization: Bearer <token>` only; required on the separate port too when set. */
  token: string | undefined;
}

export interface TransparencyConfig {
  /** KT_LOG_KEY: base64url 32-byte Ed25519 seed; else the file KT_LOG_KEY_FILE (default DATA_DIR/kt-log-key.json), created on first start. */
  logKeySeed: string | undefined;
  logKeyFile: string;
  /** KT_WITNESSES: JSON [{"name":"…","publicKey":"<base64url 32 bytes>"}] */
  witnessesJson: string | undefined;
  /** Benchmark only: KT_PROOFS=off serves key fetches without inclusion proofs (bindings are still logged). */
  proofsOnFetch: boolean;
}

const DAY = 86_400_000;

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name}: expected a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Chosen from bench:pow (docs/BENCHMARKS.md "Registration proof of work"). */
export const DEFAULT_POW_MAX_NUMBER = 50_000;

function registrationGate(raw: string | undefined): RegistrationConfig['gate'] {
  if (raw === undefined || raw === '') return 'open';
  if (raw === 'open' || raw === 'invite' || raw === 'pow') return raw;
  throw new RangeError(`REGISTRATION_GATE: expected open | invite | pow, got ${JSON.stringify(raw)}`);
}

/** METRICS_TOKEN is a bearer secret: refuse one short enough to guess (docs/METRICS.md "Exposure"). */
function metricsToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.length < 16 || /\s/.test(raw)) throw new RangeError(`METRICS_TOKEN: expected at least 16 characters without spaces, got length=${raw.length}`);
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const dataDir = env.DATA_DIR ?? './data';
  return {
    host: env.HOST ?? '127.0.0.1',
    port: int(env, 'PORT', 3000),
    databaseUrl: env.DATABASE_URL ?? `file:${path.join(dataDir, 'franking.db')}`,
    keyringJson: env.STAMP_KEYRING || undefined,
    keyringFile: env.STAMP_KEYRING_FILE ?? path.join(dataDir, 'stamp-keys.json'),
    stamping: env.STAMPING !== 'off',
    reportWindowMs: int(env, 'REPORT_WINDOW_DAYS', 90) * DAY,
    envelopeTtlMs: int(env, 'ENVELOPE_TTL_SECONDS', 30 * 86_400) * 1000,
    envelopeQuotaBytes: int(env, 'ENVELOPE_QUOTA_BYTES', 128 * 1024 * 1024),
    tokenTtlMs: int(env, 'TOKEN_TTL_SECONDS', 3600) * 1000,
    challengeTtlMs: int(env, 'CHALLENGE_TTL_SECONDS', 60) * 1000,
    longPollMaxMs: int(env, 'LONG_POLL_MAX_SECONDS', 30) * 1000,
    sweepIntervalMs: int(env, 'SWEEP_INTERVAL_SECONDS', 60) * 1000,
    sendBatchMax: Math.max(1, int(env, 'SEND_BATCH_MAX', 128)),
    sendBatchDelayMs: int(env, 'SEND_BATCH_DELAY_MS', 0),
    groupMaxMembers: Math.max(2, int(env, 'GROUP_MAX_MEMBERS', 1024)),
    rateLimits: {
      auth: int(env, 'RATE_LIMIT_AUTH', 30),
      send: int(env, 'RATE_LIMIT_SEND', 600),
      report: int(env, 'RATE_LIMIT_REPORT', 20),
      windowMs: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60) * 1000,
    },
    blobs: {
      dir: env.BLOB_DIR ?? path.join(dataDir, 'blobs'),
      maxBytes: int(env, 'BLOB_MAX_BYTES', 101 * 1024 * 1024),
      quotaBytes: int(env, 'BLOB_QUOTA_BYTES', 1024 * 1024 * 1024),
      ttlMs: int(env, 'BLOB_TTL_SECONDS', 30 * 86_400) * 1000,
    },
    scale: {
      redisUrl: env.REDIS_URL || undefined,
      redisPrefix: env.REDIS_PREFIX ?? 'fc:',
      sessionCacheMs: int(env, 'SESSION_CACHE_SECONDS', 60) * 1000,
      idempotencyTtlMs: int(env, 'IDEMPOTENCY_TTL_SECONDS', 86_400) * 1000,
      keyringCheckMs: int(env, 'KEYRING_CHECK_SECONDS', 2) * 1000,
    },
    transparency: {
      logKeySeed: env.KT_LOG_KEY || undefined,
      logKeyFile: env.KT_LOG_KEY_FILE ?? path.join(dataDir, 'kt-log-key.json'),
      witnessesJson: env.KT_WITNESSES || undefined,
      proofsOnFetch: env.KT_PROOFS !== 'off',
    },
    registration: {
      gate: registrationGate(env.REGISTRATION_GATE),
      powMaxNumber: Math.max(1, int(env, 'REGISTRATION_POW_MAX_NUMBER', DEFAULT_POW_MAX_NUMBER)),
      powTtlMs: Math.max(1, int(env, 'REGISTRATION_POW_TTL_SECONDS', 600)) * 1000,
      inviteTtlMs: Math.max(1, int(env, 'REGISTRATION_INVITE_TTL_DAYS', 7)) * DAY,
      perAddressLimit: int(env, 'REGISTRATION_LIMIT_PER_ADDRESS', 10),
      perAddressWindowMs: Math.max(1, int(env, 'REGISTRATION_LIMIT_WINDOW_SECONDS', 3600)) * 1000,
      secret: env.REGISTRATION_SECRET || undefined,
      secretFile: env.REGISTRATION_SECRET_FILE ?? path.join(dataDir, 'registration-secret.json'),
    },
    logLevel: env.LOG_LEVEL ?? 'info',
    reservedHandles: parseReservedHandles(env.RESERVED_HANDLES),
    metrics: {
      port: env.METRICS_PORT === undefined || env.METRICS_PORT === '' ? undefined : int(env, 'METRICS_PORT', 0),
      host: env.METRICS_HOST ?? '127.0.0.1',
      token: metricsToken(env.METRICS_TOKEN),
    },
  };
}
