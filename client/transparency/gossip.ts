// Tree-head gossip (docs/TRANSPARENCY.md §8): clients exchange the newest signed heads they hold inside their
// end-to-end encrypted traffic, as a franked control message of content type KT_GOSSIP_CONTENT_TYPE.
//   gossip = u8 version (0x01) || u8 count (1–8) || count × SignedTreeHead (144 bytes each)
// The server relays it as ciphertext like any message and cannot tell it from text, so it cannot show one
// history to Alice and another to Bob without one of them noticing when they next talk.
import { concatBytes } from '../crypto/_bytes.ts';
import { malformed } from './errors.ts';
import { SIGNED_TREE_HEAD_LENGTH, type SignedTreeHead, decodeSignedTreeHead, encodeSignedTreeHead } from './tree-head.ts';

export const GOSSIP_VERSION = 0x01;
export const MAX_GOSSIP_HEADS = 8;
export const KT_GOSSIP_CONTENT_TYPE = 'application/vnd.franking-chat.kt-gossip';

export function encodeGossip(heads: readonly SignedTreeHead[]): Uint8Array {
  if (heads.length < 1 || heads.length > MAX_GOSSIP_HEADS) throw malformed(`gossip: expected 1-${MAX_GOSSIP_HEADS} heads, got ${heads.length}`);
  return concatBytes(Uint8Array.of(GOSSIP_VERSION, heads.length), ...heads.map(encodeSignedTreeHead));
}

export function decodeGossip(b: Uint8Array): SignedTreeHead[] {
  if (!(b instanceof Uint8Array) || b.length < 2) throw malformed('gossip: truncated');
  if (b[0] !== GOSSIP_VERSION) throw malformed(`gossip: unsupported version ${b[0]}`);
  const count = b[1] as number;
  if (count < 1 || count > MAX_GOSSIP_HEADS) throw malformed(`gossip: count ${count} outside 1-${MAX_GOSSIP_HEADS}`);
  if (b.length !== 2 + count * SIGNED_TREE_HEAD_LENGTH) throw malformed(`gossip: expected ${2 + count * SIGNED_TREE_HEAD_LENGTH} bytes for ${count} heads, got ${b.length}`);
  const out: SignedTreeHead[] = [];
  for (let i = 0; i < count; i++) out.push(decodeSignedTreeHead(b.subarray(2 + i * SIGNED_TREE_HEAD_LENGTH, 2 + (i + 1) * SIGNED_TREE_HEAD_LENGTH)));
  return out;
}
