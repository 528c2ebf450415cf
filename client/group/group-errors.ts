// Typed errors of the MLS group layer (docs/PROTOCOL.md §12.9) with stable codes, shaped like SessionError.
// ts-mls raises its own errors (ValidationError, CryptoVerificationError, ...); this layer maps every
// failure of bytes from the outside world to one of these codes, so callers never switch on library text.

export const GROUP_ERROR_CODES = [
  'malformed', // bytes do not parse as the structure they claim to be (MLS message, credential, AD, header)
  'bad_credential', // an MLS credential is not bound to the account's identity key (signature or directory mismatch)
  'not_authorized', // a commit or proposal from a member whose role does not allow it (§12.5)
  'not_a_member', // the operation needs membership this client does not (or no longer) have
  'wrong_group', // a message for another group (MLS group_id differs)
  'stale_epoch', // a message from an epoch this client has left behind and keeps no keys for
  'future_epoch', // a message from an epoch this client has not reached: a commit is missing (ask for it)
  'fork', // same epoch number, different group state: members were shown different commits (§12.7)
  'decrypt_failed', // MLS could not decrypt or verify the message (wrong keys, tampering, not for us)
  'commitment_mismatch', // the franked payload does not open the commitment in the authenticated data
  'header_mismatch', // the header disagrees with the MLS framing (group, epoch or sender)
  'bad_state', // the call is impossible in this state (e.g. a commit is pending, or the group is closed)
] as const;
export type GroupErrorCode = (typeof GROUP_ERROR_CODES)[number];

export class GroupError extends Error {
  override readonly name = 'GroupError';
  constructor(
    readonly code: GroupErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (GroupError.is(e, 'fork'))`. */
  static is(e: unknown, code?: GroupErrorCode): e is GroupError {
    return e instanceof GroupError && (code === undefined || e.code === code);
  }
}
