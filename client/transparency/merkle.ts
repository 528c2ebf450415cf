// RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency proofs (docs/TRANSPARENCY.md §4).
//   MTH({})        = SHA-256()
//   leaf hash      = SHA-256(0x00 || leaf)
//   node hash      = SHA-256(0x01 || left || right)
// Proof generation works on any `SubtreeSource` (the server keeps complete-subtree hashes in memory, so a
// proof is O(log n) lookups, no database round trip); verification follows RFC 9162 §2.1.3.2 and §2.1.4.2
// step by step. Tree sizes are JavaScript safe integers: all index arithmetic uses division, never 32-bit
// bit operators.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { abytes, equalBytes } from '../crypto/_bytes.ts';
import { TransparencyError, malformed } from './errors.ts';

export const HASH_LENGTH = 32;
/** RFC 9162 §2.1.1 domain separation: 0x00 prefixes leaves, 0x01 interior nodes (second-preimage defence). */
export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;
/** No valid proof for a tree of at most 2^53 leaves has more hashes than this (inclusion ≤ 53, consistency ≤ 106). */
export const MAX_PROOF_HASHES = 2 * 53;

/** One SHA-256 implementation; the SDK defaults to the noble hashes package, the server passes node:crypto (same bytes). */
export type Sha256 = (data: Uint8Array) => Uint8Array;
export const defaultSha256: Sha256 = (d) => nobleSha256(d);

export function emptyRoot(hash: Sha256 = defaultSha256): Uint8Array {
  return hash(new Uint8Array(0));
}

export function hashLeaf(leaf: Uint8Array, hash: Sha256 = defaultSha256): Uint8Array {
  const buf = new Uint8Array(1 + leaf.length);
  buf[0] = LEAF_PREFIX;
  buf.set(leaf, 1);
  return hash(buf);
}

export function hashChildren(left: Uint8Array, right: Uint8Array, hash: Sha256 = defaultSha256): Uint8Array {
  const buf = new Uint8Array(1 + 2 * HASH_LENGTH);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_LENGTH);
  return hash(buf);
}

/** Largest power of two strictly smaller than n (n ≥ 2): RFC 9162's k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number) => n > 0 && splitPoint(n + 1) === n;
const odd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/** MTH over in-memory leaf hashes (reference implementation; the vectors and the auditor's cross-check use it). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[], hash: Sha256 = defaultSha256): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot(hash);
  const f = new Frontier(hash);
  for (const h of leafHashes) f.append(h);
  return f.root();
}

/** Where proofs come from: the hash of the subtree of `size` leaves starting at `start` (both within the tree). */
export interface SubtreeSource {
  readonly size: number;
  subtreeHash(start: number, size: number): Uint8Array;
}

function checkIndex(name: string, v: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) throw new RangeError(`${name}: expected integer in [0, ${max}], got ${v}`);
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf `index` in the tree of the first `treeSize` leaves. */
export function inclusionProof(src: SubtreeSource, index: number, treeSize: number): Uint8Array[] {
  checkIndex('treeSize', treeSize, src.size);
  checkIndex('index', index, treeSize - 1);
  const out: Uint8Array[] = [];
  const path = (m: number, start: number, n: number): void => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      path(m, start, k);
      out.push(src.subtreeHash(start + k, n - k));
    } else {
      path(m - k, start + k, n - k);
      out.push(src.subtreeHash(start, k));
    }
  };
  path(index, 0, treeSize);
  return out;
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) for 0 \< m ≤ n (m = n or m = 0: the empty proof). */
export function consistencyProof(src: SubtreeSource, first: number, second: number): Uint8Array[] {
  checkIndex('second', second, src.size);
  checkIndex('first', first, second);
  const out: Uint8Array[] = [];
  if (first === 0 || first === second) return out;
  const sub = (m: number, start: number, n: number, b: boolean): void => {
    if (m === n) {
      if (!b) out.push(src.subtreeHash(start, m));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, start, k, b);
      out.push(src.subtreeHash(start + k, n - k));
    } else {
      sub(m - k, start + k, n - k, false);
      out.push(src.subtreeHash(start, k));
    }
  };
  sub(first, 0, second, true);
  return out;
}

function checkProofShape(proof: readonly Uint8Array[], what: string): void {
  if (!Array.isArray(proof)) throw malformed(`${what}: expected an array of hashes`);
  if (proof.length > MAX_PROOF_HASHES) throw malformed(`${what}: expected at most ${MAX_PROOF_HASHES} hashes, got ${proof.length}`);
  for (const [i, p] of proof.entries()) {
    if (!(p instanceof Uint8Array) || p.length !== HASH_LENGTH) throw malformed(`${what}[${i}]: expected ${HASH_LENGTH}-byte hash`);
  }
}

/**
 * RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its audit path; true iff it equals `root`.
 * Throws TransparencyError('malformed') for structurally impossible input (wrong hash lengths, too many hashes).
 */
export function verifyInclusion(leafHash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array, hash: Sha256 = defaultSha256): boolean {
  abytes(leafHash, HASH_LENGTH, 'leafHash');
  abytes(root, HASH_LENGTH, 'root');
  checkProofShape(proof, 'inclusion proof');
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = hashChildren(p, r, hash);
      if (!odd(fn)) while (!(odd(fn) || fn === 0)) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p, hash);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(r, root);
}

/** RFC 9162 §2.1.4.2: true iff the tree (second, secondRoot) extends (first, firstRoot). */
export function verifyConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[], hash: Sha256 = defaultSha256): boolean {
  abytes(firstRoot, HASH_LENGTH, 'firstRoot');
  abytes(secondRoot, HASH_LENGTH, 'secondRoot');
  checkProofShape(proof, 'consistency proof');
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  // The empty tree is a prefix of every tree; an equal size needs an empty proof and the same root.
  if (first === 0) return proof.length === 0;
  if (first === second) return proof.length === 0 && equalBytes(firstRoot, secondRoot);
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = hashChildren(c, fr, hash);
      sr = hashChildren(c, sr, hash);
      if (!odd(fn)) while (!(odd(fn) || fn === 0)) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c, hash);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

/**
 * The right frontier of a tree (its "compact range" from leaf 0): the hashes of the complete subtrees in the
 * binary decomposition of its size, largest first — at most 53 hashes. Appending leaves and taking the root
 * needs nothing else, so a monitor or auditor downloads each leaf once and checks every signed head on the way.
 */
export class Frontier {
  private readonly nodes: Uint8Array[] = [];
  private readonly sizes: number[] = [];
  private count = 0;
  constructor(private readonly hash: Sha256 = defaultSha256) {}

  get size(): number {
    return this.count;
  }

  append(leafHash: Uint8Array): void {
    abytes(leafHash, HASH_LENGTH, 'leafHash');
    let node = leafHash;
    let size = 1;
    while (this.sizes.length && this.sizes[this.sizes.length - 1] === size) {
      node = hashChildren(this.nodes.pop() as Uint8Array, node, this.hash);
      this.sizes.pop();
      size *= 2;
    }
    this.nodes.push(node);
    this.sizes.push(size);
    this.count++;
  }

  root(): Uint8Array {
    if (this.nodes.length === 0) return emptyRoot(this.hash);
    let r = this.nodes[this.nodes.length - 1] as Uint8Array;
    for (let i = this.nodes.length - 2; i >= 0; i--) r = hashChildren(this.nodes[i] as Uint8Array, r, this.hash);
    return r;
  }

  /** Serializable state: the hashes, largest subtree first (sizes follow from `size`). */
  toJSON(): { size: number; nodes: Uint8Array[] } {
    return { size: this.count, nodes: [...this.nodes] };
  }

  static from(state: { size: number; nodes: readonly Uint8Array[] }, hash: Sha256 = defaultSha256): Frontier {
    const f = new Frontier(hash);
    if (!Number.isSafeInteger(state.size) || state.size < 0) throw malformed('frontier: size');
    let rest = state.size;
    const sizes: number[] = [];
    for (let bit = 2 ** 52; bit >= 1; bit /= 2) if (rest >= bit) {
      sizes.push(bit);
      rest -= bit;
    }
    if (sizes.length !== state.nodes.length) throw new TransparencyError('malformed', `frontier: size ${state.size} needs ${sizes.length} hashes, got ${state.nodes.length}`);
    for (const n of state.nodes) f.nodes.push(abytes(n, HASH_LENGTH, 'frontier node'));
    f.sizes.push(...sizes);
    f.count = state.size;
    return f;
  }
}

/**
 * In-memory complete-subtree store (RFC 9162 node hashes, level by level, in flat buffers: 64 bytes per leaf in
 * all). `subtreeHash` of an aligned power-of-two range is one lookup; the at most log2(n) ranges along the right
 * edge are computed once per tree size and memoized. Used by the server and by the benchmark; deterministic:
 * rebuilding from the same leaf hashes gives the same buffers.
 */
export class MerkleTree implements SubtreeSource {
  private levels: Uint8Array[] = [new Uint8Array(0)];
  private counts: number[] = [0];
  private memo = new Map<string, Uint8Array>();
  constructor(private readonly hash: Sha256 = defaultSha256) {}

  get size(): number {
    return this.counts[0] as number;
  }

  private push(level: number, h: Uint8Array): void {
    if (this.levels.length <= level) {
      this.levels.push(new Uint8Array(0));
      this.counts.push(0);
    }
    const count = this.counts[level] as number;
    let buf = this.levels[level] as Uint8Array;
    if ((count + 1) * HASH_LENGTH > buf.length) {
      const grown = new Uint8Array(Math.max(64 * HASH_LENGTH, buf.length * 2));
      grown.set(buf);
      this.levels[level] = buf = grown;
    }
    buf.set(h, count * HASH_LENGTH);
    this.counts[level] = count + 1;
    if ((count + 1) % 2 === 0) this.push(level + 1, hashChildren(this.node(level, count - 1), h, this.hash));
  }

  private node(level: number, i: number): Uint8Array {
    const buf = this.levels[level] as Uint8Array;
    return buf.subarray(i * HASH_LENGTH, (i + 1) * HASH_LENGTH);
  }

  appendLeafHash(leafHash: Uint8Array): number {
    abytes(leafHash, HASH_LENGTH, 'leafHash');
    // Memoized ranges stay valid: a range's hash depends only on the leaves inside it, which never change.
    this.push(0, leafHash);
    return this.size - 1;
  }

  leafHash(index: number): Uint8Array {
    checkIndex('index', index, this.size - 1);
    return this.node(0, index).slice();
  }

  /** Drops every leaf from `size` on (a failed append is rolled back this way). */
  truncate(size: number): void {
    checkIndex('size', size, this.size);
    this.memo.clear();
    for (let level = 0, n = size; level < this.counts.length; level++, n = half(n)) this.counts[level] = Math.min(this.counts[level] as number, n);
  }

  subtreeHash(start: number, size: number): Uint8Array {
    if (size <= 0 || start < 0 || start + size > this.size) throw new RangeError(`subtree [${start}, ${start + size}) outside tree of size ${this.size}`);
    if (isPowerOfTwo(size) && start % size === 0) {
      let level = 0;
      for (let s = size; s > 1; s /= 2) level++;
      return this.node(level, start / size);
    }
    const key = `${start}:${size}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const k = splitPoint(size);
    const h = hashChildren(this.subtreeHash(start, k), this.subtreeHash(start + k, size - k), this.hash);
    if (this.memo.size >= 4096) this.memo.clear();
    this.memo.set(key, h);
    return h;
  }

  root(size = this.size): Uint8Array {
    checkIndex('size', size, this.size);
    return size === 0 ? emptyRoot(this.hash) : this.subtreeHash(0, size);
  }

  /** Bytes held (for the benchmark's memory report). */
  get bytes(): number {
    return this.levels.reduce((n, b) => n + b.length, 0);
  }
}
