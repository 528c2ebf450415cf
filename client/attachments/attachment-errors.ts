// Typed errors of attachment encryption (docs/PROTOCOL.md §11.6), shaped like FrankingError in ./errors.ts.
// Type and length mistakes by the caller stay TypeError / RangeError; AttachmentError is for bytes and
// descriptors from the outside world. Every failure means: do not show any of this attachment.

/** Stable error codes of the attachment layer. */
export const ATTACHMENT_ERROR_CODES = [
  'unsupported_scheme', // descriptor.scheme is not a scheme this code implements
  'malformed', // descriptor parameters do not parse (params length, chunk size out of range, size too large)
  'key_commitment_mismatch', // the blob's key commitment is not HMAC(key, …): the blob was made for another key
  'chunk_invalid', // a chunk failed AES-256-GCM authentication (modified, reordered, duplicated or wrong flag)
  'truncated', // the blob ended before the descriptor's size was reached
  'trailing_data', // the blob continues after its last chunk
  'digest_mismatch', // the blob's digest differs from descriptor.ciphertextDigest (not the bytes the sender franked)
  'too_large', // more plaintext than the scheme or the declared size allows
] as const;
export type AttachmentErrorCode = (typeof ATTACHMENT_ERROR_CODES)[number];

/** Error of the attachment layer with a stable {@link AttachmentErrorCode}. */
export class AttachmentError extends Error {
  override readonly name = 'AttachmentError';
  constructor(
    readonly code: AttachmentErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (AttachmentError.is(e, 'digest_mismatch'))`. */
  static is(e: unknown, code?: AttachmentErrorCode): e is AttachmentError {
    return e instanceof AttachmentError && (code === undefined || e.code === code);
  }
}
