// Server stamps (docs/PROTOCOL.md §7): a MAC over the commitment and the delivery metadata the server
// itself observed. Only the server can compute or check one — that keeps deniability (§10.4).
//   t = HMAC-SHA256(K[kid], STAMP_LABEL ‖ c ‖ id(messageId) ‖ id(conversationId) ‖ id(senderId)
//                           ‖ id(recipientId) ‖ u8(role) ‖ u64(serverTime))
import { Writer, abytes, equalBytes } from '../crypto/_bytes.ts';
import { FrankingError } from './errors.ts';
import { COMMITMENT_LENGTH } from './franking.ts';
import { type HmacSha256, defaultHmacSha256 } from '../crypto/hmac.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { isValidId } from './ids.ts';
import type { Keyring } from './keyring.ts';
import { STAMP_LABEL } from './labels.ts';

export type Role = 'recipient' | 'sender';
/** Wire codes of roles (§7.1). */
export const ROLE_CODES: Readonly<Record<Role, number>> = { recipient: 0x01, sender: 0x02 };
export const TAG_LENGTH = 32;

export interface StampFields {
  messageId: string;
  conversationId: string;
  senderId: string;
  /** For role 'sender' this equals senderId: the sender's own receipt. */
  recipientId: string;
  role: Role;
  /** Server time of acceptance, ms since the Unix epoch. */
  serverTime: number;
}

export interface Stamp extends StampFields {
  kid: string;
  tag: Uint8Array;
}

/** Throws FrankingError('malformed') unless the fields are well-formed (§7.1). */
export function checkStampFields(f: StampFields): void {
  for (const name of ['messageId', 'conversationId', 'senderId', 'recipientId'] as const)
    if (!isValidId(f[name])) throw new FrankingError('malformed', `stamp.${name}: expected id matching [A-Za-z0-9._:-]{1,64}`);
  if (f.role !== 'recipient' && f.role !== 'sender') throw new FrankingError('malformed', 'stamp.role: expected recipient or sender');
  if (f.role === 'sender' && f.recipientId !== f.senderId)
    throw new FrankingError('malformed', 'stamp.recipientId: must equal senderId for role sender');
  if (!Number.isSafeInteger(f.serverTime) || f.serverTime < 0) throw new FrankingError('malformed', 'stamp.serverTime: expected ms since epoch');
}

/** The exact HMAC input after the key (§7.1). */
export function encodeStampInput(f: StampFields, commitment: Uint8Array): Uint8Array {
  // Exact size (ids are ASCII, one byte per character): one allocation, no trimming copy.
  const idBytes = f.messageId.length + f.conversationId.length + f.senderId.length + f.recipientId.length;
  return new Writer(STAMP_LABEL.length + COMMITMENT_LENGTH + 4 + idBytes + 1 + 8)
    .raw(STAMP_LABEL)
    .fixed(commitment, COMMITMENT_LENGTH, 'commitment')
    .ascii8(f.messageId)
    .ascii8(f.conversationId)
    .ascii8(f.senderId)
    .ascii8(f.recipientId)
    .u8(ROLE_CODES[f.role])
    .u64(f.serverTime)
    .finish();
}

export function stampTag(key: Uint8Array, fields: StampFields, commitment: Uint8Array, hmac?: HmacSha256): Uint8Array {
  return (hmac ?? defaultHmacSha256())(key, encodeStampInput(fields, commitment));
}

/** Options of the stamp and verification calls: the HMAC to use, or the provider whose HMAC to use. */
export interface StampCryptoOptions {
  hmac?: HmacSha256;
  crypto?: CryptoProvider;
}
const macOf = (opts: StampCryptoOptions): HmacSha256 | undefined => opts.hmac ?? opts.crypto?.hmacSha256;

/** Stamps with the keyring's active key. */
export function computeStamp(keyring: Keyring, fields: StampFields, commitment: Uint8Array, opts: StampCryptoOptions = {}): Stamp {
  checkStampFields(fields);
  const { kid, key } = keyring.current();
  return { ...fields, kid, tag: stampTag(key, fields, commitment, macOf(opts)) };
}

export type StampCheck = 'valid' | 'unknown_key' | 'retired_key' | 'stamp_invalid';

/** Checks a stamp's MAC (constant time). Field syntax is the caller's job (checkStampFields). */
export function checkStamp(keyring: Keyring, stamp: Stamp, commitment: Uint8Array, opts: StampCryptoOptions = {}): StampCheck {
  abytes(stamp.tag, TAG_LENGTH, 'stamp.tag');
  const key = keyring.verificationKey(stamp.kid);
  if (typeof key === 'string') return key;
  return equalBytes(stampTag(key, stamp, commitment, macOf(opts)), stamp.tag) ? 'valid' : 'stamp_invalid';
}
