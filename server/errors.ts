// Typed error hierarchy for services and data access. No HTTP here: server/problem.ts maps codes to
// RFC 9457 problem+json at the edge (one place), so services never pick status codes.
// Messages and details must never contain message content, ciphertext, franking keys or tokens.

// The codes themselves are part of the API contract (client/transport/contract/errors.ts): one list for the
// server's errors, the OpenAPI document and the SDK's ApiError.
import { ERROR_CODES, type ErrorCode } from '../client/transport/contract/errors.ts';

export { ERROR_CODES, type ErrorCode };

export interface FieldIssue {
  path: string;
  message: string;
}

/** Base class: `code` is stable and documented (docs/API.md "Errors"); `message` is safe to show and log. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: FieldIssue[] | undefined;
  /** Extra machine-readable members copied into the problem document (e.g. suspendedUntil). */
  readonly extra: Record<string, string | number> | undefined;
  constructor(code: ErrorCode, message: string, opts: { issues?: FieldIssue[]; extra?: Record<string, string | number>; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.issues = opts.issues;
    this.extra = opts.extra;
  }
  static is(e: unknown, code?: ErrorCode): e is AppError {
    return e instanceof AppError && (code === undefined || e.code === code);
  }
}

/** The request is syntactically or semantically invalid (400-class). */
export class InputError extends AppError {}
/** Who you are could not be established (401). */
export class AuthenticationError extends AppError {}
/** You are known but not allowed (403): role, membership, account status. */
export class PermissionError extends AppError {}
/** The thing does not exist or is not visible to you (404). */
export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}
/** State conflict (409). */
export class ConflictError extends AppError {}
/** One account of a `device_mismatch` answer (docs/PROTOCOL-devices.md D13.4). */
export interface DeviceMismatchAccountJson {
  accountId: string;
  listVersion: number;
  listHash: string;
  missing: number[];
  extra: number[];
  stale: boolean;
}
/** 409 device_mismatch (D13.4): the copies of a fan-out send do not match the current device lists; nothing was stored. */
export class DeviceMismatchError extends ConflictError {
  constructor(readonly accounts: DeviceMismatchAccountJson[]) {
    super('device_mismatch', 'Refresh the device lists of the accounts below and send again.');
  }
}
/** Too many requests (429). */
export class RateLimitError extends AppError {}
/** The server cannot store what it accepted (507): a full disk. Not the caller's fault; logged at error. */
export class StorageError extends AppError {}
