// Typed errors of the link channel (docs/PROTOCOL-linking.md L9): one stable code per check. The chat maps them to
// plain words. The list checks of D6.1 step 3 keep their own codes (DeviceListError, DeviceError).

export const LINK_ERROR_CODES = [
  'malformed', // L3, L4, L7: a code, frame or message that does not decode exactly; a data chunk out of place
  'unsupported_version', // L3: a link code of another version
  'wrong_server', // L3: the code's origin is another server than the scanning device's
  'bad_commitment', // L4: the revealed key does not open the commitment
  'bad_key', // L4: X25519 with the peer's key gives all zeros (a low-order key)
  'tampered', // L6: a sealed frame does not authenticate
  'out_of_order', // L6: a frame's seq is not its sender's next
  'unexpected_message', // L4, L7: a frame or message the state does not allow
  'too_large', // L6, L7: a plaintext or a stream over its bound
  'bad_proof', // L7: a proof of possession in `device` does not verify over this channel
  'aborted', // L7: the peer sent abort
  'expired', // L8: the relay no longer knows the channel (expired, closed, never existed)
  'channel_taken', // L8: another device already joined the channel
] as const;
export type LinkErrorCode = (typeof LINK_ERROR_CODES)[number];

/** L7 `abort` reasons. */
export const LINK_ABORT_REASONS = { cancelled: 1, too_many_devices: 2, link_mismatch: 3, wrong_account: 4, failed: 5 } as const;
export type LinkAbortReason = keyof typeof LINK_ABORT_REASONS;

export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly code: LinkErrorCode,
    message: string,
    /** For `aborted`: the reason the peer gave. */
    readonly reason?: LinkAbortReason,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (LinkError.is(e, 'tampered'))`. */
  static is(e: unknown, code?: LinkErrorCode): e is LinkError {
    return e instanceof LinkError && (code === undefined || e.code === code);
  }
}
