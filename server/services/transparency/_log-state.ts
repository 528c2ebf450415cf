// Key transparency log, its state (docs/TRANSPARENCY.md §10.2): the base class of TransparencyService (log.ts).
// The database (KtLeaf, KtTreeHead) is the truth. Each process keeps the tree's node hashes in memory (MerkleTree:
// 64 bytes per leaf) plus the latest binding per (account, kind), rebuilt deterministically from the leaf rows; a
// process that finds a binding it does not know, or serves a cosigned head, catches up from the database first
// (`refresh`). A stored head is adopted only if its root matches the stored leaves and, when it names this log's
// key, its signature verifies (§10.4). Every mutation of the in-memory state runs one at a time (`exclusive`).
// Appending: log-append.ts; proofs and the public log: log.ts.
import { toBase64Url } from '../../../client/protocol.ts';
import {
  type BindingAction, MerkleTree, type SignedTreeHead, type WitnessKey, decodeLeaf, treeHeadSignatureInput,
} from '../../../client/transparency/index.ts';
import { verifyEd25519 } from '../_ed25519.ts';
import type { HeadRow, LeafRow, TransparencyRepo } from '../../data/transparency.ts';
import { nodeSha256 } from './hash.ts';
import type { LogSigner } from './signer.ts';

/** The newest binding of one (account, kind) in the log. */
export interface Latest {
  index: number;
  key: string;
  action: BindingAction;
  leaf: string;
}

export const bindingKey = (accountId: string, kind: string) => `${accountId}\u0000${kind}`;

/** The in-memory log (tree, newest bindings, newest head) and its catching up with the database. */
export class KeyLogState {
  protected readonly tree = new MerkleTree(nodeSha256);
  protected readonly latest = new Map<string, Latest>();
  protected head: SignedTreeHead | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    protected readonly repo: TransparencyRepo,
    protected readonly signer: LogSigner,
    readonly witnesses: readonly WitnessKey[],
    protected readonly now: () => number = Date.now,
  ) {}

  get logPublicKey(): Uint8Array {
    return this.signer.publicKey;
  }
  /** The id of the key this process signs heads with (docs/TRANSPARENCY.md §5). */
  get logKeyId(): Uint8Array {
    return this.signer.logKeyId;
  }
  get size(): number {
    return this.tree.size;
  }

  protected signHead(treeSize: number, rootHash: Uint8Array, timestamp: number): SignedTreeHead {
    const h = { logKeyId: this.signer.logKeyId, treeSize, rootHash, timestamp };
    return { ...h, signature: this.signer.sign(treeHeadSignatureInput(h)) };
  }

  private absorb(rows: readonly LeafRow[]): void {
    for (const r of rows) {
      if (r.index !== this.tree.size) throw new Error(`transparency log: leaf ${r.index} arrived while ${this.tree.size} was expected`);
      this.tree.appendLeafHash(r.leafHash);
      const b = decodeLeaf(r.leaf);
      this.latest.set(bindingKey(b.accountId, b.kind), { index: r.index, key: toBase64Url(b.key), action: b.action, leaf: toBase64Url(r.leaf) });
    }
  }

  private adoptHead(row: HeadRow): void {
    const head = rowToHead(row);
    // The database is the truth, but not blindly: a head whose root the leaves do not reproduce is refused.
    if (toBase64Url(this.tree.root(head.treeSize)) !== toBase64Url(head.rootHash)) throw new Error(`transparency log: stored head ${head.treeSize} does not match the stored leaves`);
    if (!this.head || head.treeSize >= this.head.treeSize) this.head = head;
  }

  /**
   * A stored head is adopted, and later extended by this process's signature, only if this log's key signed it
   * (docs/TRANSPARENCY.md §10.4): someone who can write the database but does not hold the log key could otherwise add
   * a leaf and a head over it, and the next append would sign over their leaf. Such a head stops the log: nothing is
   * absorbed, appended or served from it, and a process starting on it refuses to start. A head that names another
   * log key is left to the start check, which names the setting to fix (checkLogKey); appends never extend it.
   */
  private checkStoredHead(row: HeadRow): void {
    const head = rowToHead(row);
    if (!this.ownLogKey(head)) return;
    if (!verifyEd25519(this.signer.publicKey, treeHeadSignatureInput(head), head.signature))
      throw new Error(`transparency log: stored head ${head.treeSize} names this log's key but its signature does not verify — written into the database without the log key; refused`);
  }

  protected ownLogKey(head: SignedTreeHead): boolean {
    return toBase64Url(head.logKeyId) === toBase64Url(this.signer.logKeyId);
  }

  protected async catchUp(loadLeaves: (start: number, end: number) => Promise<LeafRow[]>, newest: HeadRow | null): Promise<void> {
    if (!newest) return;
    this.checkStoredHead(newest);
    while (this.tree.size < newest.treeSize) {
      const rows = await loadLeaves(this.tree.size, Math.min(newest.treeSize, this.tree.size + 10_000));
      if (rows.length === 0) throw new Error(`transparency log: leaves missing below head ${newest.treeSize}`);
      this.absorb(rows);
    }
    this.adoptHead(newest);
  }

  /** Catches up with appends made by other processes (one query when nothing changed). */
  refresh(): Promise<void> {
    this.refreshing ??= this.exclusive(async () => {
      try {
        const newest = await this.repo.newestHead();
        if (newest && (!this.head || newest.treeSize > this.head.treeSize))
          await this.catchUp((s, e) => this.repo.leaves(s, e - s), newest);
      } finally {
        this.refreshing = null;
      }
    });
    return this.refreshing;
  }

  /** Every mutation of the in-memory tree runs here, one at a time (refresh vs. append in one process). */
  protected exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn, fn);
    this.mutex = run.catch(() => undefined);
    return run;
  }
  private mutex: Promise<unknown> = Promise.resolve();
}

export function rowToHead(row: HeadRow): SignedTreeHead {
  return { logKeyId: row.logKeyId, treeSize: row.treeSize, rootHash: row.rootHash, timestamp: Number(row.timestamp), signature: row.signature };
}
