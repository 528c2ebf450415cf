// Typed errors of the session layer (identity, prekeys, X3DH, Double Ratchet, session state) with stable
// codes, shaped like FrankingError in ./errors.ts (docs/PROTOCOL-sessions.md §11). Type and length
// mistakes by the caller stay TypeError / RangeError; SessionError is for bytes from the outside world.

/** Stable error codes of the session layer. */
export const SESSION_ERROR_CODES = [
  'malformed', // bytes do not parse as the structure they claim to be (message, bundle, state)
  'bad_signature', // the signed prekey signature does not verify under the bundle's identity signing key
  'bad_key', // a public key is invalid for X25519 (low order: the shared secret would be all zero)
  'unknown_prekey', // a prekey message names a signed or one-time prekey this device does not hold
  'identity_mismatch', // a prekey message for an existing session carries different identity/ephemeral keys
  'tampered', // the ratchet AEAD rejected the message (wrong key, modified ciphertext, header or AD)
  'replay', // the message key was already used (or evicted from the skipped-key store): message refused
  'max_skip_exceeded', // the header asks to skip more than MAX_SKIP message keys in one chain
  'counter_overflow', // a chain reached 2^32 − 1 messages; the session must be re-established
  'bad_state', // the operation is impossible in this session state (e.g. sending before any chain exists)
  'unsupported_version', // serialized state or wire message with a version this code does not know
] as const;
export type SessionErrorCode = (typeof SESSION_ERROR_CODES)[number];

/** Error of the session layer with a stable {@link SessionErrorCode}. */
export class SessionError extends Error {
  override readonly name = 'SessionError';
  constructor(
    readonly code: SessionErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (SessionError.is(e, 'replay'))`. */
  static is(e: unknown, code?: SessionErrorCode): e is SessionError {
    return e instanceof SessionError && (code === undefined || e.code === code);
  }
}
