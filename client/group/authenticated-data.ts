// What a franked group message carries in the MLS authenticated_data (docs/PROTOCOL.md §12.4):
//
//   GROUP_AD_LABEL (24 bytes) ‖ commitment c (32) ‖ epochTag (16)      — 72 bytes
//
// RFC 9420 §6.3.2: authenticated_data travels in the clear in the PrivateMessage and is bound into the
// AEAD of its content (PrivateContentAAD), so a recipient that decrypted the message knows c came with it,
// and the relay reads c from the same bytes to stamp it. epochTag lets a recipient tell a fork (same epoch
// number, other group state: members were shown different commits) from plain garbage before decrypting.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { abytes, concatBytes, equalBytes, utf8 } from '../crypto/_bytes.ts';
import { GroupError } from './group-errors.ts';

export const GROUP_AD_LABEL = utf8('franking-chat/v1/mls-ad\0');
export const EPOCH_TAG_LABEL = utf8('franking-chat/v1/mls-epoch-tag\0');
export const EPOCH_TAG_LENGTH = 16;
export const GROUP_AD_LENGTH = GROUP_AD_LABEL.length + 32 + EPOCH_TAG_LENGTH;

/** §12.4: epochTag = HMAC-SHA256(epoch_authenticator, EPOCH_TAG_LABEL)[0..16]. */
export function epochTag(epochAuthenticator: Uint8Array): Uint8Array {
  return hmac(sha256, abytes(epochAuthenticator, undefined, 'epochAuthenticator'), EPOCH_TAG_LABEL).slice(0, EPOCH_TAG_LENGTH);
}

export function encodeGroupAd(commitment: Uint8Array, tag: Uint8Array): Uint8Array {
  return concatBytes(GROUP_AD_LABEL, abytes(commitment, 32, 'commitment'), abytes(tag, EPOCH_TAG_LENGTH, 'epochTag'));
}

export function decodeGroupAd(ad: Uint8Array): { commitment: Uint8Array; epochTag: Uint8Array } {
  if (!(ad instanceof Uint8Array) || ad.length !== GROUP_AD_LENGTH || !equalBytes(ad.subarray(0, GROUP_AD_LABEL.length), GROUP_AD_LABEL))
    throw new GroupError('malformed', `authenticated_data: expected ${GROUP_AD_LENGTH} bytes starting with the group AD label`);
  const at = GROUP_AD_LABEL.length;
  return { commitment: ad.slice(at, at + 32), epochTag: ad.slice(at + 32) };
}
