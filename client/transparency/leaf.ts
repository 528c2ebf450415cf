// The log's leaf: one key binding the directory serves (docs/TRANSPARENCY.md §3).
//   leaf = u8 version (0x01) || u64be timestamp (ms) || u8 action (0x01 publish, 0x02 revoke)
//        || u8 len || kind (ASCII [a-z0-9-], 1–32) || u8 len || accountId (ASCII id, 1–64)
//        || u16be len || key (1–1024 bytes)
// `kind` is generic: "identity" (Ed25519 signing key || X25519 DH key, 64 bytes) is written by the key
// directory; "mls-credential" (the MLS credential's signature public key) by the groups code; any later kind
// (new device keys, recovery keys) needs no format change. A publish of (account, kind) supersedes the
// previous one; a revoke names the key it revokes.
import { concatBytes, equalBytes, utf8 } from '../crypto/_bytes.ts';
import { ID_PATTERN } from '../franking/ids.ts';
import { Reader, u64be } from './_codec.ts';
import { malformed } from './errors.ts';
import { type Sha256, defaultSha256, hashLeaf } from './merkle.ts';

export const LEAF_VERSION = 0x01;
export const KIND_IDENTITY = 'identity';
export const KIND_MLS_CREDENTIAL = 'mls-credential';
/** One version of an account's signed device list (docs/PROTOCOL-devices.md D7.1). */
export const KIND_DEVICE_LIST = 'device-list';
export const DEVICE_LIST_KEY_LENGTH = 40;
export const KIND_PATTERN = /^[a-z0-9-]{1,32}$/;
export const MAX_KEY_BYTES = 1024;
export const ACTION_CODES = { publish: 0x01, revoke: 0x02 } as const;
export type BindingAction = keyof typeof ACTION_CODES;

export interface KeyBinding {
  accountId: string;
  kind: string;
  key: Uint8Array;
  action: BindingAction;
  /** server time of the append, ms since the Unix epoch */
  timestamp: number;
}

function ascii8(s: string, pattern: RegExp, name: string): Uint8Array {
  if (typeof s !== 'string' || !pattern.test(s)) throw malformed(`${name}: expected ASCII matching ${pattern}`);
  const b = utf8(s);
  return concatBytes(Uint8Array.of(b.length), b);
}

/** The identity binding's key bytes: identitySigningKey (32) || identityDhKey (32). */
export function identityBindingKey(signingKey: Uint8Array, dhKey: Uint8Array): Uint8Array {
  if (signingKey.length !== 32 || dhKey.length !== 32) throw new RangeError('identity keys: expected two 32-byte keys');
  return concatBytes(signingKey, dhKey);
}

/** The `device-list` binding's key bytes (docs/PROTOCOL-devices.md D7.1): u64 listVersion (big-endian, ≥ 1) || listHash (32). */
export function deviceListBindingKey(listVersion: number, listHash: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(listVersion) || listVersion < 1) throw new RangeError('listVersion: expected a positive safe integer');
  if (!(listHash instanceof Uint8Array) || listHash.length !== 32) throw new RangeError('listHash: expected 32 bytes');
  return concatBytes(u64be(listVersion), listHash);
}

/** The version and hash a `device-list` key names; null when it is not 40 bytes or the version is 0 or beyond 2^53 − 1. */
export function parseDeviceListBindingKey(key: Uint8Array): { listVersion: number; listHash: Uint8Array } | null {
  if (!(key instanceof Uint8Array) || key.length !== DEVICE_LIST_KEY_LENGTH) return null;
  const v = new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0);
  if (v < 1n || v > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { listVersion: Number(v), listHash: key.slice(8) };
}

export function encodeLeaf(b: KeyBinding): Uint8Array {
  const code = ACTION_CODES[b.action];
  if (code === undefined) throw malformed(`action: expected publish or revoke`);
  if (!(b.key instanceof Uint8Array) || b.key.length < 1 || b.key.length > MAX_KEY_BYTES) throw malformed(`key: expected 1-${MAX_KEY_BYTES} bytes`);
  return concatBytes(
    Uint8Array.of(LEAF_VERSION),
    u64be(b.timestamp),
    Uint8Array.of(code),
    ascii8(b.kind, KIND_PATTERN, 'kind'),
    ascii8(b.accountId, ID_PATTERN, 'accountId'),
    Uint8Array.of(b.key.length >>> 8, b.key.length & 0xff),
    b.key,
  );
}

export function decodeLeaf(bytes: Uint8Array): KeyBinding {
  if (!(bytes instanceof Uint8Array)) throw malformed('leaf: expected bytes');
  if (bytes.length > 1 + 8 + 1 + 33 + 65 + 2 + MAX_KEY_BYTES) throw malformed(`leaf: ${bytes.length} bytes exceeds the largest valid leaf`);
  const r = new Reader(bytes, 'leaf');
  const version = r.u8('version');
  if (version !== LEAF_VERSION) throw malformed(`leaf: unsupported version ${version}`);
  const timestamp = r.u64('timestamp');
  const code = r.u8('action');
  const action = code === ACTION_CODES.publish ? 'publish' : code === ACTION_CODES.revoke ? 'revoke' : null;
  if (!action) throw malformed(`leaf: unknown action 0x${code.toString(16)}`);
  const kind = ascii(r.bytes(r.u8('kind length'), 'kind'), 'kind');
  if (!KIND_PATTERN.test(kind)) throw malformed('leaf: kind');
  const accountId = ascii(r.bytes(r.u8('accountId length'), 'accountId'), 'accountId');
  if (!ID_PATTERN.test(accountId)) throw malformed('leaf: accountId');
  const keyLength = r.u16('key length');
  if (keyLength < 1 || keyLength > MAX_KEY_BYTES) throw malformed(`leaf: key length ${keyLength} outside 1-${MAX_KEY_BYTES}`);
  const key = r.bytes(keyLength, 'key');
  r.end();
  return { accountId, kind, key, action, timestamp };
}

/** Both text fields are ASCII by their patterns (§3): any other byte is malformed, not an encoding crash. */
function ascii(b: Uint8Array, field: string): string {
  for (const c of b) if (c > 0x7f) throw malformed(`leaf: ${field} is not ASCII`);
  return String.fromCharCode(...b);
}

export function leafHashOf(b: KeyBinding, hash: Sha256 = defaultSha256): Uint8Array {
  return hashLeaf(encodeLeaf(b), hash);
}

/** Same account, kind and key bytes (the timestamp and action are checked separately). */
export function bindsKey(b: KeyBinding, accountId: string, kind: string, key: Uint8Array): boolean {
  return b.accountId === accountId && b.kind === kind && equalBytes(b.key, key);
}
