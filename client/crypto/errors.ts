// Errors of the lowest layer (bytes, encodings, AEAD). They carry the same stable codes as the layers above
// (docs/PROTOCOL.md §9) so a caller can switch on `code` without knowing which layer failed.

/** Bytes do not parse as the encoding or structure they claim to be. */
export class EncodingError extends Error {
  override readonly name = 'EncodingError';
  readonly code = 'malformed' as const;
  static is(e: unknown): e is EncodingError {
    return e instanceof EncodingError;
  }
}

/** The AEAD rejected a ciphertext: wrong key, altered ciphertext or altered associated data. */
export class DecryptError extends Error {
  override readonly name = 'DecryptError';
  readonly code = 'decrypt_failed' as const;
  static is(e: unknown): e is DecryptError {
    return e instanceof DecryptError;
  }
}
