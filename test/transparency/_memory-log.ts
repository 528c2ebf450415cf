// An in-memory log that speaks LogSource, signed with a chosen key: the honest reference and, when two share a
// key but not a history, the forked/lying server of the attack tests.
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  type Cosignature, type KeyBinding, type LogEntry, type LogSource, MerkleTree, type SignedTreeHead, consistencyProof, encodeLeaf, hashLeaf, inclusionProof, logKeyId, signTreeHead,
} from '../../client/transparency/index.ts';
import type { KeyProof } from '../../client/transparency/client.ts';

export class MemoryLog implements LogSource {
  readonly tree = new MerkleTree();
  readonly leaves: Uint8Array[] = [];
  readonly signed: SignedTreeHead[] = [];
  readonly publicKey: Uint8Array;
  constructor(readonly secret: Uint8Array = ed25519.utils.randomSecretKey(), private clock = 1_700_000_000_000) {
    this.publicKey = ed25519.getPublicKey(secret);
    this.sign();
  }

  /** A fork: same key, the first `upTo` leaves of `other`. */
  static forkOf(other: MemoryLog, upTo: number): MemoryLog {
    const f = new MemoryLog(other.secret, other.clock);
    for (const l of other.leaves.slice(0, upTo)) f.push(l);
    f.sign();
    return f;
  }

  private push(leaf: Uint8Array): number {
    this.leaves.push(leaf);
    return this.tree.appendLeafHash(hashLeaf(leaf));
  }

  sign(): SignedTreeHead {
    const h = signTreeHead({ logKeyId: logKeyId(this.publicKey), treeSize: this.tree.size, rootHash: this.tree.root(), timestamp: this.clock++ }, this.secret);
    this.signed.push(h);
    return h;
  }

  add(b: Omit<KeyBinding, 'timestamp' | 'action'> & { action?: KeyBinding['action'] }): number {
    const i = this.push(encodeLeaf({ action: 'publish', ...b, timestamp: this.clock }));
    this.sign();
    return i;
  }

  /** Appends raw leaf bytes (a rewritten history re-uses most of another log's leaves). */
  addLeaf(leaf: Uint8Array): number {
    const i = this.push(leaf);
    this.sign();
    return i;
  }

  prove(index: number): KeyProof {
    const head = this.signed.at(-1) as SignedTreeHead;
    return { leaf: this.leaves[index] as Uint8Array, leafIndex: index, proof: inclusionProof(this.tree, index, head.treeSize), head, cosignatures: [] };
  }

  async head(): Promise<{ head: SignedTreeHead; cosignatures: Cosignature[] }> {
    return { head: this.signed.at(-1) as SignedTreeHead, cosignatures: [] };
  }
  async consistency(first: number, second: number): Promise<Uint8Array[]> {
    return consistencyProof(this.tree, first, Math.min(second, this.tree.size));
  }
  async entries(start: number, limit: number): Promise<LogEntry[]> {
    return this.leaves.slice(start, start + limit).map((leaf, i) => ({ index: start + i, leaf }));
  }
  async heads(after: number, limit: number): Promise<SignedTreeHead[]> {
    return this.signed.filter((h) => h.treeSize > after).slice(0, limit);
  }
}
