// Typed error hierarchy for services and data access. No HTTP here: server/problem.ts maps codes to
// RFC 9457 problem+json at the edge (one place), so services never pick status codes.
// Messages and details must never contain message content, ciphertext, franking keys or tokens.

export const ERROR_CODES = [
  'validation_failed', 'malformed_json', 'unsupported_media_type', 'payload_too_large',
  'unauthorized', 'invalid_token', 'invalid_signature', 'challenge_invalid',
  'forbidden', 'account_suspended', 'account_banned', 'not_a_member', 'not_a_party',
  'not_found', 'unknown_account', 'user_exists', 'identity_mismatch', 'too_many_prekeys',
  'invalid_reported_item', 'rate_limited', 'internal',
  // moderation (docs/MODERATION.md)
  'invalid_credentials', 'login_locked', 'csrf_failed', 'already_claimed', 'not_claimed', 'report_resolved',
  'stale_state', 'moderator_exists', 'last_admin',
  // appeals, policies, roles (docs/MODERATION.md)
  'policy_required', 'unknown_policy', 'appeal_not_allowed', 'appeal_window_closed', 'appeal_exists', 'appeal_decided',
  'same_moderator', 'evidence_purged', 'policy_exists',
  // attachments and groups (docs/PROTOCOL.md §11.8)
  'quota_exceeded', 'attachment_invalid', 'attachment_not_verified',
  // storage, quotas, reserved ids (docs/API.md "Blocking, handles, quotas"), staff second factor (docs/MODERATION.md "Sessions, cookies, CSRF, lockout")
  'insufficient_storage', 'undelivered_quota_exceeded', 'id_reserved', 'totp_required', 'totp_invalid', 'wrong_password',
  // staff-like handles (docs/API.md "Reserved handles")
  'handle_reserved',
  // scale-out (docs/SCALING.md)
  'client_message_id_reused', 'not_ready',
  // MLS groups (docs/PROTOCOL.md §12)
  'stale_epoch', 'invalid_key_package', 'no_key_package', 'group_requires_mls',
  // staff two-factor codes (docs/MODERATION.md "Staff accounts and sessions")
  'totp_code_used', 'totp_mismatch',
  // registration gate (docs/MODERATION.md "Registration gate")
  'invite_required', 'invite_invalid', 'pow_required', 'pow_invalid', 'pow_expired', 'pow_replayed',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

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
/** Too many requests (429). */
export class RateLimitError extends AppError {}
/** The server cannot store what it accepted (507): a full disk. Not the caller's fault; logged at error. */
export class StorageError extends AppError {}
