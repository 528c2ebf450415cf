// Typed errors with stable codes (docs/PROTOCOL.md §9). The HTTP edge maps codes to RFC 9457 problems;
import { DecryptError, EncodingError } from '../crypto/errors.ts';
// nothing below the edge knows about HTTP.

/** Stable error codes of the franking layer. */
export const FRANKING_ERROR_CODES = [
  'malformed', // bytes do not parse as the structure they claim to be
  'decrypt_failed', // the session AEAD rejected the ciphertext (wrong key, tampered, wrong associated data)
  'commitment_mismatch', // the decrypted (header, fk, body) does not open the commitment c
  'header_mismatch', // the header disagrees with the transport metadata (conversation, sender)
  'unknown_key', // no stamping key with this kid
  'retired_key', // the stamping key was retired; it neither stamps nor verifies
] as const;
export type FrankingErrorCode = (typeof FRANKING_ERROR_CODES)[number];

/** Error of the franking layer with a stable {@link FrankingErrorCode}. */
export class FrankingError extends Error {
  override readonly name = 'FrankingError';
  constructor(
    readonly code: FrankingErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (FrankingError.is(e, 'commitment_mismatch'))`. */
  static is(e: unknown, code?: FrankingErrorCode): e is FrankingError {
    return e instanceof FrankingError && (code === undefined || e.code === code);
  }
}

/**
 * Runs `fn`, re-raising the byte layer's EncodingError / DecryptError (client/crypto/errors.ts) as a FrankingError
 * with the same code and message, so every franking entry point fails with one error type.
 */
export function asFrankingError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (EncodingError.is(e) || DecryptError.is(e)) throw new FrankingError(e.code, e.message);
    throw e;
  }
}
