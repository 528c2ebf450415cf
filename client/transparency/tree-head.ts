// Signed tree heads (docs/TRANSPARENCY.md §5). The log signs with its own Ed25519 key — never a stamping key.
//   logKeyId   = SHA-256(utf8("franking-chat/v1/kt-log-key\0") || publicKey)
//   signed     = utf8("franking-chat/v1/kt-tree-head\0") || logKeyId(32) || u64be treeSize || rootHash(32) || u64be timestamp
//   wire (144) = logKeyId(32) || u64be treeSize || rootHash(32) || u64be timestamp || signature(64)
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519VerifyStrict } from '../crypto/_ed25519-verify.ts';
import { abytes, concatBytes, fromBase64Url, toBase64Url, utf8 } from '../crypto/_bytes.ts';
import { Reader, u64be } from './_codec.ts';
import { TransparencyError, malformed } from './errors.ts';
import { HASH_LENGTH, type Sha256, defaultSha256 } from './merkle.ts';
import type { SignedTreeHead, SignedTreeHeadJson, TreeHead } from './tree-head-types.ts';

export const LOG_KEY_LABEL = utf8('franking-chat/v1/kt-log-key\0');
export const TREE_HEAD_LABEL = utf8('franking-chat/v1/kt-tree-head\0');
export const SIGNED_TREE_HEAD_LENGTH = 32 + 8 + 32 + 8 + 64;

export type { SignedTreeHead, SignedTreeHeadJson, TreeHead } from './tree-head-types.ts';

export function logKeyId(publicKey: Uint8Array, hash: Sha256 = defaultSha256): Uint8Array {
  return hash(concatBytes(LOG_KEY_LABEL, abytes(publicKey, 32, 'publicKey')));
}

export function treeHeadSignatureInput(h: TreeHead): Uint8Array {
  return concatBytes(TREE_HEAD_LABEL, abytes(h.logKeyId, 32, 'logKeyId'), u64be(h.treeSize), abytes(h.rootHash, HASH_LENGTH, 'rootHash'), u64be(h.timestamp));
}

/** Signs with noble (the server signs through node:crypto; both are RFC 8032 deterministic: same bytes). */
export function signTreeHead(h: TreeHead, secretKey: Uint8Array): SignedTreeHead {
  return { ...h, signature: ed25519.sign(treeHeadSignatureInput(h), secretKey) };
}

/** Checks the signature under `publicKey` and that the head names that key; throws TransparencyError. */
export function verifyTreeHead(h: SignedTreeHead, publicKey: Uint8Array, hash: Sha256 = defaultSha256): void {
  const id = logKeyId(publicKey, hash);
  if (h.logKeyId.length !== 32 || toBase64Url(h.logKeyId) !== toBase64Url(id)) throw new TransparencyError('unknown_log_key', 'tree head is signed by another log key');
  // docs/PROTOCOL.md §14.4: the project's one Ed25519 rule.
  if (!ed25519VerifyStrict(publicKey, treeHeadSignatureInput(h), h.signature)) throw new TransparencyError('bad_signature', `tree head of size ${h.treeSize} does not verify under the log key`);
}

export function encodeSignedTreeHead(h: SignedTreeHead): Uint8Array {
  return concatBytes(abytes(h.logKeyId, 32, 'logKeyId'), u64be(h.treeSize), abytes(h.rootHash, 32, 'rootHash'), u64be(h.timestamp), abytes(h.signature, 64, 'signature'));
}

export function decodeSignedTreeHead(b: Uint8Array): SignedTreeHead {
  if (!(b instanceof Uint8Array) || b.length !== SIGNED_TREE_HEAD_LENGTH) throw malformed(`signed tree head: expected ${SIGNED_TREE_HEAD_LENGTH} bytes, got ${b instanceof Uint8Array ? b.length : typeof b}`);
  const r = new Reader(b, 'signed tree head');
  const h = { logKeyId: r.bytes(32, 'logKeyId'), treeSize: r.u64('treeSize'), rootHash: r.bytes(32, 'rootHash'), timestamp: r.u64('timestamp'), signature: r.bytes(64, 'signature') };
  r.end();
  return h;
}

export function treeHeadToJson(h: SignedTreeHead): SignedTreeHeadJson {
  return { logKeyId: toBase64Url(h.logKeyId), treeSize: h.treeSize, rootHash: toBase64Url(h.rootHash), timestamp: h.timestamp, signature: toBase64Url(h.signature) };
}

function b64Field(v: unknown, len: number, name: string): Uint8Array {
  if (typeof v !== 'string') throw malformed(`tree head: ${name} must be a base64url string`);
  let b: Uint8Array;
  try {
    b = fromBase64Url(v, name);
  } catch {
    throw malformed(`tree head: ${name} is not base64url`);
  }
  if (b.length !== len) throw malformed(`tree head: ${name} must be ${len} bytes, got ${b.length}`);
  return b;
}
function u53Field(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(`tree head: ${name} must be an integer in [0, 2^53-1]`);
  return v;
}

/** Parses untrusted JSON (from the server or a peer) strictly: exact fields, exact lengths. */
export function treeHeadFromJson(j: unknown): SignedTreeHead {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw malformed('tree head: expected an object');
  const o = j as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (keys !== 'logKeyId,rootHash,signature,timestamp,treeSize') throw malformed(`tree head: unexpected fields (${keys.slice(0, 80)})`);
  return {
    logKeyId: b64Field(o.logKeyId, 32, 'logKeyId'),
    treeSize: u53Field(o.treeSize, 'treeSize'),
    rootHash: b64Field(o.rootHash, 32, 'rootHash'),
    timestamp: u53Field(o.timestamp, 'timestamp'),
    signature: b64Field(o.signature, 64, 'signature'),
  };
}

/** Identity of a head for caches: size and root (the signature is not part of what is claimed). */
export const headKey = (h: TreeHead): string => `${h.treeSize}:${toBase64Url(h.rootHash)}`;
