// RFC 9457 problem details: the ONLY place errors become HTTP. Every error leaving the server is
// application/problem+json with a stable `code`; unknown errors become a generic 500 whose detail says
// nothing about the request (no echo of input: it may be message content).
import { PROBLEM_CONTENT_TYPE, type Problem, ProblemSchema } from '../client/transport/contract/problem.ts';
import { AppError, DeviceMismatchError, type ErrorCode } from './errors.ts';

// The problem document's schema is the contract's (client/transport/contract/problem.ts): the SDK reads the same shape.
export { PROBLEM_CONTENT_TYPE, type Problem, ProblemSchema };

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400, malformed_json: 400, invalid_reported_item: 400, too_many_prekeys: 400,
  unsupported_media_type: 415, payload_too_large: 413,
  unauthorized: 401, invalid_token: 401, invalid_signature: 401, challenge_invalid: 401,
  forbidden: 403, account_suspended: 403, account_banned: 403, not_a_member: 403, not_a_party: 403,
  not_found: 404, unknown_account: 404,
  user_exists: 409, identity_mismatch: 409,
  rate_limited: 429, internal: 500,
  invalid_credentials: 401, login_locked: 423, csrf_failed: 403,
  already_claimed: 409, not_claimed: 409, report_resolved: 409, stale_state: 409, moderator_exists: 409, last_admin: 409,
  policy_required: 400, unknown_policy: 400, appeal_not_allowed: 403, appeal_window_closed: 409, appeal_exists: 409,
  appeal_decided: 409, same_moderator: 403, evidence_purged: 410, policy_exists: 409,
  quota_exceeded: 413, attachment_invalid: 422, attachment_not_verified: 409,
  insufficient_storage: 507, undelivered_quota_exceeded: 429, id_reserved: 400, handle_reserved: 400, totp_required: 401, totp_invalid: 401, wrong_password: 403,
  client_message_id_reused: 409, not_ready: 503,
  stale_epoch: 409, invalid_key_package: 400, no_key_package: 404, group_requires_mls: 400,
  totp_code_used: 401, totp_mismatch: 400,
  invite_required: 403, invite_invalid: 403, pow_required: 403, pow_invalid: 400, pow_expired: 400, pow_replayed: 409,
  device_list_conflict: 409, invalid_device_list: 400, reset_not_allowed: 403,
  device_mismatch: 409,
  link_channel_taken: 409, link_sequence: 409,
  no_live_release: 404, release_used: 409,
};

const TITLE: Record<ErrorCode, string> = {
  validation_failed: 'Request validation failed', malformed_json: 'Malformed JSON body',
  invalid_reported_item: 'Invalid reported item', too_many_prekeys: 'Too many one-time prekeys',
  unsupported_media_type: 'Unsupported media type', payload_too_large: 'Payload too large',
  unauthorized: 'Authentication required', invalid_token: 'Invalid or expired token',
  invalid_signature: 'Invalid signature', challenge_invalid: 'Invalid or expired challenge',
  forbidden: 'Forbidden', account_suspended: 'Account suspended', account_banned: 'Account banned',
  not_a_member: 'Not a conversation member', not_a_party: 'Not a party to the message',
  not_found: 'Not found', unknown_account: 'Unknown account', user_exists: 'User id already taken',
  identity_mismatch: 'Identity key mismatch', rate_limited: 'Too many requests', internal: 'Internal server error',
  invalid_credentials: 'Wrong login name or password', login_locked: 'Login temporarily locked',
  csrf_failed: 'Missing or invalid CSRF token', already_claimed: 'Report claimed by another moderator',
  not_claimed: 'You do not hold the claim on this report', report_resolved: 'Report already resolved',
  stale_state: 'Report changed meanwhile; reload and retry', moderator_exists: 'Moderator login name already taken',
  last_admin: 'At least one active admin must remain',
  policy_required: 'A decision must cite a policy', unknown_policy: 'Unknown or archived policy',
  appeal_not_allowed: 'Nothing of yours to appeal here', appeal_window_closed: 'The appeal window has closed',
  appeal_exists: 'This decision was already appealed', appeal_decided: 'Appeal already decided',
  same_moderator: 'An appeal must be decided by another moderator', evidence_purged: 'Revealed content was deleted by retention', policy_exists: 'Policy id already taken',
  quota_exceeded: 'Attachment storage quota exceeded', attachment_invalid: 'Attachment does not verify against its descriptor',
  attachment_not_verified: 'Attachment not verified yet',
  insufficient_storage: 'Server storage is full', undelivered_quota_exceeded: 'Too much of your mail is waiting to be delivered',
  id_reserved: 'This user id is reserved', handle_reserved: 'This handle is reserved for the service and its staff', totp_required: 'Two-factor code required', totp_invalid: 'Wrong or reused two-factor code',
  wrong_password: 'Current password is wrong',
  client_message_id_reused: 'clientMessageId already used for a different message', not_ready: 'Not ready: a dependency is unreachable',
  stale_epoch: 'The group has moved to a newer epoch; fetch its commits and retry',
  invalid_key_package: 'Invalid MLS key package', no_key_package: 'No key package left for this account',
  group_requires_mls: 'A group takes MLS group messages only',
  totp_code_used: 'Two-factor code already used: wait for the next one', totp_mismatch: 'That two-factor code does not match',
  invite_required: 'Registration needs an invite code', invite_invalid: 'Invite code unknown, expired or used',
  pow_required: 'Registration needs a solved proof of work', pow_invalid: 'Proof of work does not verify',
  pow_expired: 'Proof-of-work challenge expired', pow_replayed: 'Proof-of-work challenge already used',
  device_list_conflict: 'The device list is not the next version of the current one',
  invalid_device_list: 'The device list does not verify', reset_not_allowed: 'An account reset needs the operator\'s release',
  device_mismatch: 'The copies do not match the current device lists',
  link_channel_taken: 'Another device already joined this link channel', link_sequence: 'Not the next frame of this side of the link channel',
  no_live_release: 'The account has no live handle release', release_used: 'The handle release was already used by a reset',
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

export function problemFor(code: ErrorCode, detail: string, extra?: Partial<Problem>): Problem {
  return { ...extra, type: `urn:franking-chat:problem:${code}`, title: TITLE[code], status: STATUS[code], detail, code };
}

/** Maps anything thrown to a problem document. Unknown errors → 500 `internal`, never their message. */
export function toProblem(e: unknown): Problem {
  if (AppError.is(e)) {
    const extra: Partial<Problem> = {};
    if (e.issues) extra.errors = e.issues;
    if (typeof e.extra?.suspendedUntil === 'string') extra.suspendedUntil = e.extra.suspendedUntil;
    if (typeof e.extra?.lockedUntil === 'string') extra.lockedUntil = e.extra.lockedUntil;
    if (e instanceof DeviceMismatchError) extra.accounts = e.accounts;
    for (const k of ['current', 'reason'] as const) if (typeof e.extra?.[k] === 'string') extra[k] = e.extra[k];
    for (const k of ['retryAfterSeconds', 'limitBytes', 'pendingBytes', 'attemptsLeft'] as const) if (typeof e.extra?.[k] === 'number') extra[k] = e.extra[k];
    return problemFor(e.code, e.message, extra);
  }
  return problemFor('internal', 'The server could not complete the request.');
}
