// Typed errors of the key-transparency layer (docs/TRANSPARENCY.md §9). Stable codes; the chat maps them to
// plain words, the server's HTTP edge never sees them (it only produces the structures they check).
import type { SignedTreeHead } from './tree-head-types.ts';

export const TRANSPARENCY_ERROR_CODES = [
  'malformed', // bytes or JSON do not parse as the structure they claim to be (truncated, oversized, wrong length)
  'bad_signature', // a tree head or cosignature does not verify under the expected key
  'unknown_log_key', // the tree head is signed by a key id this client was not configured with
  'inclusion_failed', // the inclusion proof does not lead from the leaf to the tree head's root
  'consistency_failed', // the consistency proof does not show the newer head extends the older one (a fork)
  'consistency_unproven', // the log answered with no valid consistency proof between two signed heads (refused, missing, malformed)
  'split_view', // two validly signed heads of the same log that cannot both be true (same size, other root; or no consistency)
  'rollback', // the server showed a smaller tree than one this client has already seen
  'binding_mismatch', // the proven leaf binds another account, kind or key than the one handed out
  'missing_proof', // a key was handed out without the inclusion proof that must come with it (§6.4)
  'witness_missing', // the client requires witness cosignatures and the head has too few valid ones
] as const;
export type TransparencyErrorCode = (typeof TRANSPARENCY_ERROR_CODES)[number];

/**
 * The two validly signed heads a failed comparison was about (docs/TRANSPARENCY.md §6.3): kept as evidence, since each
 * is signed by the log and together they show that it could not (or would not) prove one history.
 */
export interface HeadEvidence {
  older: SignedTreeHead;
  newer: SignedTreeHead;
}

export class TransparencyError extends Error {
  override readonly name = 'TransparencyError';
  constructor(
    readonly code: TransparencyErrorCode,
    message: string,
    /** For split_view, consistency_failed and consistency_unproven between two signed heads. */
    readonly evidence?: HeadEvidence,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (TransparencyError.is(e, 'split_view'))`. */
  static is(e: unknown, code?: TransparencyErrorCode): e is TransparencyError {
    return e instanceof TransparencyError && (code === undefined || e.code === code);
  }
}

export const malformed = (what: string): TransparencyError => new TransparencyError('malformed', what);
