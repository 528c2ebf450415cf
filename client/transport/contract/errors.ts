// The stable error codes of the HTTP API (docs/API.md "Errors"): every problem+json answer carries one of these in
// `code`. Plain data, no zod: the SDK's ApiError types `code` with this union without bundling the schemas.

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
  // storage, quotas, reserved ids, staff second factor (docs/API.md "Blocking, handles, quotas")
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
  // device lists (docs/PROTOCOL-devices.md D8, D18)
  'device_list_conflict', 'invalid_device_list', 'reset_not_allowed',
  // the relay's fan-out send (docs/PROTOCOL-devices.md D13.4)
  'device_mismatch',
  // link channels (docs/PROTOCOL-linking.md L8)
  'link_channel_taken', 'link_sequence',
  // revoking a handle release (docs/PROTOCOL-devices.md D6.6, docs/MODERATION.md "Account reset")
  'no_live_release', 'release_used',
] as const;
/** A code the server may send in a problem document. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Codes the SDK's client makes up itself, never sent by the server: `network_error` (the server could not be
 * reached, status 0) and `http_<status>` (a non-2xx answer without a problem document).
 */
export type ClientErrorCode = 'network_error' | `http_${number}`;

/** Every code an ApiError may carry. */
export type ApiErrorCode = ErrorCode | ClientErrorCode;
