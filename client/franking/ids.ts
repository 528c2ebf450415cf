// Identifier syntax shared by every id in the protocol: conversation, user, message, blob ids and kids
// (docs/PROTOCOL.md §2). ASCII only, so ids have one byte encoding and no Unicode-normalisation games.
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** Whether `value` is a protocol id (ID_PATTERN). */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
