// Prisma error shapes we react to (driver adapters map both SQLite and PostgreSQL unique violations to P2002).
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'P2002';
}

/**
 * Database and storage faults (docs/DEPLOY.md "Faults"): not the caller's error and not a bug, so never a 500.
 *   'unavailable' — the database cannot be reached or is shutting down/restarting/overloaded (503, retry soon);
 *   'full'        — the disk under the database (or the blob store) is full (507, retry later).
 * Looks through Prisma's wrapper (code, meta.driverAdapterError.cause) and `cause` chains, a few levels deep.
 */
export type DbFault = 'unavailable' | 'full';

/** Prisma codes: can't reach / timed out / server closed the connection / pool timeout / transaction could not start. */
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
/** Driver-adapter error kinds (@prisma/driver-adapter-utils MappedError). */
const ADAPTER_UNAVAILABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionWriteConflict', 'TlsConnectionError']);
/** PostgreSQL SQLSTATE: connection exceptions (08…), shutdown/crash/starting (57P01-57P03), too many connections, read-only standby. */
const PG_UNAVAILABLE = /^(08\d{3}|57P0[1-3]|53300|25006|40001|40P01)$/;
/** PostgreSQL disk_full (53100), SQLite SQLITE_FULL, the kernel's ENOSPC / EDQUOT. */
const FULL_CODES = new Set(['53100', 'SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
const SOCKET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'SQLITE_BUSY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN']);
/** node-postgres errors that carry no code. */
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly)/;

export function dbFaultOf(e: unknown, depth = 0): DbFault | null {
  if (typeof e !== 'object' || e === null || depth > 4) return null;
  const o = e as { code?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
  const codes = [o.code, o.originalCode].filter((c): c is string => typeof c === 'string');
  if (codes.some((c) => FULL_CODES.has(c) || c.startsWith('SQLITE_FULL'))) return 'full';
  if (typeof o.message === 'string' && /database or disk is full|could not extend file|No space left on device/.test(o.message)) return 'full';
  const inner = dbFaultOf(o.meta?.driverAdapterError, depth + 1) ?? dbFaultOf(o.cause, depth + 1);
  if (inner) return inner;
  if (codes.some((c) => PRISMA_UNAVAILABLE.has(c) || PG_UNAVAILABLE.test(c) || SOCKET_UNAVAILABLE.has(c) || c.startsWith('SQLITE_BUSY') || c.startsWith('SQLITE_IOERR'))) return 'unavailable';
  if (typeof o.kind === 'string' && ADAPTER_UNAVAILABLE.has(o.kind)) return 'unavailable';
  if (typeof o.message === 'string' && PG_MESSAGES.test(o.message)) return 'unavailable';
  return null;
}
