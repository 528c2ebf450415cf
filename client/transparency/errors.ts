// Typed errors of the key-transparency layer (docs/TRANSPARENCY.md §9). Stable codes; the chat maps them to
// plain words, the server's HTTP edge never sees them (it only produces the structures they check).

export const TRANSPARENCY_ERROR_CODES = [
  'malformed', // bytes or JSON do not parse as the structure they claim to be (truncated, oversized, wrong length)
  'bad_signature', // a tree head or cosignature does not verify under the expected key
  'unknown_log_key', // the tree head is signed by a key id this client was not configured with
  'inclusion_failed', // the inclusion proof does not lead from the leaf to the tree head's root
  'consistency_failed', // the consistency proof does not show the newer head extends the older one (a fork)
  'split_view', // two validly signed heads of the same log that cannot both be true (same size, other root; or no consistency)
  'rollback', // the server showed a smaller tree than one this client has already seen
  'binding_mismatch', // the proven leaf binds another account, kind or key than the one handed out
  'missing_proof', // a key was handed out without the inclusion proof that must come with it (§6.4)
  'witness_missing', // the client requires witness cosignatures and the head has too few valid ones
] as const;
export type TransparencyErrorCode = (typeof TRANSPARENCY_ERROR_CODES)[number];

export class TransparencyError extends Error {
  override readonly name = 'TransparencyError';
  constructor(
    readonly code: TransparencyErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (TransparencyError.is(e, 'split_view'))`. */
  static is(e: unknown, code?: TransparencyErrorCode): e is TransparencyError {
    return e instanceof TransparencyError && (code === undefined || e.code === code);
  }
}

export const malformed = (what: string): TransparencyError => new TransparencyError('malformed', what);
