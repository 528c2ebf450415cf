// The chat's own limits and content types (the protocol's are in the SDK).

/** Handles: what the server accepts (case-insensitive lookups). */
export const HANDLE_PATTERN = /^[A-Za-z0-9._-]{3,32}$/;
/** One-time prekeys uploaded at registration and whenever the directory runs low. */
export const PREKEY_BATCH = 100;
export const PREKEY_LOW_WATER = 20;
/** Context offered around a reported message (each side), within the server's limit of 50 items. */
export const CONTEXT_BEFORE = 12;
export const CONTEXT_AFTER = 8;
/** Largest file the chat sends or downloads: files are kept whole in this browser's storage. */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
export const GROUP_NAME_MAX = 60;
export const TEXT_TYPE = 'text/plain; charset=utf-8';
