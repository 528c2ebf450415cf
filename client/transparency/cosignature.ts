// Witness cosignatures (docs/TRANSPARENCY.md §7). A witness keeps the newest head it has cosigned per log,
// cosigns a new head only after checking the log's signature and a consistency proof from its last one, and
// so promises: "this log showed me no other history". Clients may require k cosignatures from witnesses they trust.
//   witnessKeyId = SHA-256(utf8("franking-chat/v1/kt-witness-key\0") || witnessPublicKey)
//   signed       = utf8("franking-chat/v1/kt-cosignature\0") || witnessKeyId(32) || logKeyId(32)
//                  || u64be treeSize || rootHash(32) || u64be cosignedAt
//   wire (104)   = witnessKeyId(32) || u64be cosignedAt || signature(64)
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519VerifyStrict } from '../crypto/_ed25519-verify.ts';
import { abytes, concatBytes, fromBase64Url, toBase64Url, utf8 } from '../crypto/_bytes.ts';
import { u64be } from './_codec.ts';
import { TransparencyError, malformed } from './errors.ts';
import { type Sha256, defaultSha256 } from './merkle.ts';
import type { TreeHead } from './tree-head.ts';

export const WITNESS_KEY_LABEL = utf8('franking-chat/v1/kt-witness-key\0');
export const COSIGNATURE_LABEL = utf8('franking-chat/v1/kt-cosignature\0');

export interface Cosignature {
  witnessKeyId: Uint8Array;
  cosignedAt: number;
  signature: Uint8Array;
}
export interface CosignatureJson {
  witnessKeyId: string;
  cosignedAt: number;
  signature: string;
}
export interface WitnessKey {
  name: string;
  publicKey: Uint8Array;
}

export function witnessKeyId(publicKey: Uint8Array, hash: Sha256 = defaultSha256): Uint8Array {
  return hash(concatBytes(WITNESS_KEY_LABEL, abytes(publicKey, 32, 'publicKey')));
}

export function cosignatureInput(witnessId: Uint8Array, head: TreeHead, cosignedAt: number): Uint8Array {
  return concatBytes(COSIGNATURE_LABEL, abytes(witnessId, 32, 'witnessKeyId'), abytes(head.logKeyId, 32, 'logKeyId'), u64be(head.treeSize), abytes(head.rootHash, 32, 'rootHash'), u64be(cosignedAt));
}

export function cosign(head: TreeHead, secretKey: Uint8Array, cosignedAt: number): Cosignature {
  const id = witnessKeyId(ed25519.getPublicKey(secretKey));
  return { witnessKeyId: id, cosignedAt, signature: ed25519.sign(cosignatureInput(id, head, cosignedAt), secretKey) };
}

export function verifyCosignature(head: TreeHead, c: Cosignature, witness: WitnessKey): boolean {
  const id = witnessKeyId(witness.publicKey);
  if (toBase64Url(id) !== toBase64Url(c.witnessKeyId) || c.signature.length !== 64) return false;
  return ed25519VerifyStrict(witness.publicKey, cosignatureInput(id, head, c.cosignedAt), c.signature); // docs/PROTOCOL.md §14.4
}

/** Throws witness_missing unless at least `min` distinct trusted witnesses cosigned exactly this head. */
export function requireCosignatures(head: TreeHead, cosignatures: readonly Cosignature[], witnesses: readonly WitnessKey[], min: number): string[] {
  const names = new Set<string>();
  for (const w of witnesses) if (cosignatures.some((c) => verifyCosignature(head, c, w))) names.add(w.name);
  if (names.size < min) throw new TransparencyError('witness_missing', `tree head of size ${head.treeSize} has ${names.size} valid witness cosignature(s); ${min} required`);
  return [...names];
}

export function encodeCosignature(c: Cosignature): Uint8Array {
  return concatBytes(abytes(c.witnessKeyId, 32, 'witnessKeyId'), u64be(c.cosignedAt), abytes(c.signature, 64, 'signature'));
}

export const cosignatureToJson = (c: Cosignature): CosignatureJson => ({ witnessKeyId: toBase64Url(c.witnessKeyId), cosignedAt: c.cosignedAt, signature: toBase64Url(c.signature) });

export function cosignatureFromJson(j: unknown): Cosignature {
  if (typeof j !== 'object' || j === null) throw malformed('cosignature: expected an object');
  const o = j as Record<string, unknown>;
  const bytes = (v: unknown, n: number, name: string) => {
    if (typeof v !== 'string') throw malformed(`cosignature: ${name} must be base64url`);
    let b: Uint8Array;
    try {
      b = fromBase64Url(v, name);
    } catch {
      throw malformed(`cosignature: ${name} is not base64url`);
    }
    if (b.length !== n) throw malformed(`cosignature: ${name} must be ${n} bytes`);
    return b;
  };
  if (typeof o.cosignedAt !== 'number' || !Number.isSafeInteger(o.cosignedAt) || o.cosignedAt < 0) throw malformed('cosignature: cosignedAt');
  return { witnessKeyId: bytes(o.witnessKeyId, 32, 'witnessKeyId'), cosignedAt: o.cosignedAt, signature: bytes(o.signature, 64, 'signature') };
}
