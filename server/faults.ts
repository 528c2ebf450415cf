// Database and storage faults answer as faults (docs/DEPLOY.md "Faults"): an unreachable or restarting database
// is 503 `not_ready`, a full disk (SQLite SQLITE_FULL, PostgreSQL 53100, ENOSPC) is 507 `insufficient_storage`,
// both problem+json with Retry-After — never a 500 `internal`. The last "full" answer is remembered for a short
// while so /readyz can report it (server/shared/readiness.ts): PostgreSQL's disk is seen only through failures.
import { type DbFault, dbFaultOf } from './data/_prisma-errors.ts';
import { AppError, StorageError } from './errors.ts';

/** Seconds a client should wait: a database restart or failover takes seconds; freeing disk space takes longer. */
export const RETRY_UNAVAILABLE_S = 5;
export const RETRY_FULL_S = 60;

export function faultError(e: unknown): AppError | null {
  const fault = dbFaultOf(e);
  if (fault === 'full')
    return new StorageError('insufficient_storage', 'the server has no room to store this right now; try again later', { cause: e, extra: { retryAfterSeconds: RETRY_FULL_S } });
  if (fault === 'unavailable')
    return new AppError('not_ready', 'the database is unreachable right now; try again shortly', { cause: e, extra: { retryAfterSeconds: RETRY_UNAVAILABLE_S } });
  return null;
}

/** The fault a database or disk error is (`unavailable`, `full`), or null: for the metrics' `kind` label (server/app.ts). */
export function faultKind(e: unknown): DbFault | null {
  return dbFaultOf(e);
}

/** Remembers when the server last answered 507, for /readyz. */
export class FullDiskLatch {
  private at = 0;
  constructor(private readonly holdMs = 5_000) {}
  record(now = Date.now()): void {
    this.at = now;
  }
  recent(now = Date.now()): boolean {
    return this.at > 0 && now - this.at < this.holdMs;
  }
}
