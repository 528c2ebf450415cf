// What the chat's engine can refuse, as stable codes (no words: chat/src/wording.ts says them to people). The UI
// shows any error through wording.errorText, which maps each code to its sentence.

/** What a group action was, for errors that name it ("Could not add members: …"). */
export type GroupAction = 'create' | 'add' | 'remove' | 'leave' | 'admins' | 'send' | 'commit_leave';

export const CHAT_ERROR_CODES = [
  // Start-up and registration
  'not_ready', 'handle_invalid', 'handle_taken', 'handle_reserved', 'invite_required', 'invite_invalid', 'pow_expired',
  'registration_rate_limited', 'server_unreachable', 'registration_failed',
  // Contacts and keys
  'contact_handle_invalid', 'contact_is_self', 'contact_not_found', 'contact_restricted', 'contact_failed', 'unknown_contact',
  'key_not_proven', 'key_log_unreachable', 'group_key_log_unreachable',
  // Sending
  'file_too_large', 'attachment_quota', 'file_not_sent', 'not_a_group_member', 'group_forked', 'group_empty', 'group_catching_up',
  // Groups
  'group_name_missing', 'group_name_too_long', 'group_members_missing', 'members_to_add_missing', 'not_a_handle', 'no_longer_member',
  'rename_not_allowed', 'group_unavailable', 'creator_cannot_leave', 'group_changed', 'group_restricted', 'group_not_authorized',
  'group_bad_credential', 'group_fork', 'group_failed', 'group_handle_unknown', 'group_unreachable', 'member_not_registered',
  'member_key_refused',
  // Devices (docs/PROTOCOL-devices.md)
  'devices_unproven', 'devices_unsettled', 'device_signed_out', 'device_unknown', 'device_list_conflict', 'device_last', 'link_refused',
  'history_refused', 'recovery_failed', 'reset_not_released', 'reset_failed', 'devices_failed',
  // Reports
  'report_unavailable', 'report_unreachable', 'report_refused', 'report_failed',
  // Anything else that went wrong in this page (its own message is all there is to say)
  'unexpected',
] as const;
export type ChatErrorCode = (typeof CHAT_ERROR_CODES)[number];

/** What the words of some codes need: the handle, the size, the server's own detail, the group action. */
export interface ChatErrorParams {
  handle?: string;
  size?: number;
  detail?: string;
  action?: GroupAction;
  /** The refusal this one wraps (a key that was not proven, while adding a member). */
  cause?: ChatError;
}

export class ChatError extends Error {
  override readonly name = 'ChatError';
  constructor(readonly code: ChatErrorCode, readonly params: ChatErrorParams = {}) {
    super(params.detail ? `${code}: ${params.detail}` : code);
  }

  static is(e: unknown, code?: ChatErrorCode): e is ChatError {
    return e instanceof ChatError && (code === undefined || e.code === code);
  }
}
