// Key transparency log (docs/TRANSPARENCY.md): every key binding the directory serves is appended to an
// RFC 9162 Merkle log; every key fetch carries an inclusion proof against a signed tree head.
//
// State. The database (KtLeaf, KtTreeHead) is the truth. Each process keeps the tree's node hashes in memory
// (MerkleTree: 64 bytes per leaf) plus the latest binding per (account, kind), rebuilt deterministically from
// the leaf rows; a process that finds a binding it does not know, or serves a cosigned head, catches up from the
// database first (`refresh`). Proofs are computed from memory: no database round trip per tree level.
// Appends are group-committed: concurrent callers share one transaction that holds the log's lock, so any
// number of processes append without conflicting indexes; a failed transaction rolls the memory back.
import { fromBase64Url, toBase64Url } from '../../../client/protocol.ts';
import {
  type BindingAction, type CosignatureJson, MerkleTree, type SignedTreeHead, type SignedTreeHeadJson, type WitnessKey, consistencyProof, cosignatureFromJson,
  cosignatureToJson, decodeLeaf, encodeLeaf, hashLeaf, inclusionProof, treeHeadFromJson, treeHeadSignatureInput, treeHeadToJson, verifyCosignature,
} from '../../../client/transparency/index.ts';
import { verifyEd25519 } from '../_ed25519.ts';
import type { AppendTx, HeadRow, LeafRow, TransparencyRepo } from '../../data/transparency.ts';
import { DeviceListConflict, KIND_DEVICE_LIST, parseDeviceListLeafKey } from './device-list.ts';
import { asBytes } from '../../data/_bytes.ts';
import { AuthenticationError, ConflictError, InputError, NotFoundError } from '../../errors.ts';
import { nodeSha256 } from './hash.ts';
import type { LogSigner } from './signer.ts';

export interface BindingRequest {
  accountId: string;
  kind: string;
  key: Uint8Array;
  action?: BindingAction;
  /**
   * 'first': append only while the log holds no binding of (accountId, kind) at all — decided under the append lock,
   * so it holds across processes. A binding of the same key already there is not appended again (its index is the
   * answer); any other binding makes the request fail with `KeyLogConflict` (docs/TRANSPARENCY.md §10.4).
   */
  only?: 'first' | 'next-list';
  /**
   * With only 'next-list' (kind `device-list`, docs/PROTOCOL-devices.md D7.2), decided under the append lock: appended
   * only if the account's newest `device-list` leaf is version listVersion − 1 with the hash prevListHash (or there is
   * none and listVersion = 1); otherwise the request fails with DeviceListConflict.
   */
  list?: {
    listVersion: number;
    prevListHash: Uint8Array;
    /** listVersion 1: kinds of which the log must hold no binding of the account (D8.2's "only while none"); else KeyLogConflict. */
    noneOf?: readonly string[];
    /** listVersion 1 of a legacy account (D17.1): the newest binding of this kind must be a publish of this key; else KeyLogConflict. */
    requires?: { kind: string; key: Uint8Array };
  };
  /** Leaves appended right after this one, in the same batch, only when it is appended (D17.1: the identity revoke). */
  also?: ReadonlyArray<{ kind: string; key: Uint8Array; action: BindingAction }>;
  /** Runs in the append transaction once the leaf is inserted (D13.6: the list is stored with its leaf). */
  inTx?: (tx: AppendTx, leafIndex: number, timestamp: number) => Promise<void>;
}

/** A first publication refused because the log already binds another key to the account (docs/TRANSPARENCY.md §10.4). */
export class KeyLogConflict extends ConflictError {
  constructor(accountId: string, kind: string) {
    super('identity_mismatch', `the public key log already holds another ${kind} key for ${accountId}; an account's ${kind} key is logged once, when its owner registers`);
  }
}

export interface KeyProofJson {
  leaf: string;
  leafIndex: number;
  proof: string[];
  head: SignedTreeHeadJson;
  cosignatures: CosignatureJson[];
}

interface Latest {
  index: number;
  key: string;
  action: BindingAction;
  leaf: string;
}

const MAX_BATCH = 512;
const APPEND_ATTEMPTS = 5;
const bindingKey = (accountId: string, kind: string) => `${accountId}\u0000${kind}`;

export class TransparencyService {
  private readonly tree = new MerkleTree(nodeSha256);
  private readonly latest = new Map<string, Latest>();
  private head: SignedTreeHead | null = null;
  private pending: Array<{ req: BindingRequest; resolve: (i: number) => void; reject: (e: unknown) => void }> = [];
  private readonly headListeners = new Set<(head: SignedTreeHead) => void>();
  private flushing: Promise<void> | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly repo: TransparencyRepo,
    private readonly signer: LogSigner,
    readonly witnesses: readonly WitnessKey[],
    private readonly now: () => number = Date.now,
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

  /** Loads the log (and signs the empty tree's head on a fresh database). */
  async init(): Promise<void> {
    await this.refresh();
    if (!this.head) await this.appendBatch([]);
  }

  private signHead(treeSize: number, rootHash: Uint8Array, timestamp: number): SignedTreeHead {
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

  private ownLogKey(head: SignedTreeHead): boolean {
    return toBase64Url(head.logKeyId) === toBase64Url(this.signer.logKeyId);
  }

  private async catchUp(loadLeaves: (start: number, end: number) => Promise<LeafRow[]>, newest: HeadRow | null): Promise<void> {
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

  /** Appends bindings (group-committed with concurrent callers); resolves with each leaf index. */
  append(reqs: readonly BindingRequest[]): Promise<number[]> {
    for (const r of reqs) encodeLeaf({ ...r, action: r.action ?? 'publish', timestamp: 0 }); // validate before queueing
    const out = Promise.all(reqs.map((req) => new Promise<number>((resolve, reject) => this.pending.push({ req, resolve, reject }))));
    this.kick();
    return out;
  }

  private kick(): void {
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = (async () => {
      // Yield once so every caller of this event-loop turn joins the same transaction (group commit).
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.pending.length) {
        const batch = this.pending.splice(0, MAX_BATCH);
        // Another process may hold the write lock or have appended under our feet (SQLite reports a busy
        // snapshot instead of waiting): the batch is retried from a fresh catch-up, a few times.
        for (let attempt = 1; ; attempt++) {
          try {
            const indexes = await this.appendBatch(batch.map((b) => b.req));
            batch.forEach((b, i) => {
              const r = indexes[i] as number | Error;
              if (r instanceof Error) b.reject(r);
              else b.resolve(r);
            });
            break;
          } catch (e) {
            if (attempt >= APPEND_ATTEMPTS) {
              for (const b of batch) b.reject(e);
              break;
            }
            await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
          }
        }
      }
    })().finally(() => {
      this.flushing = null;
      this.kick();
    });
  }

  private async appendBatch(all: readonly BindingRequest[]): Promise<Array<number | Error>> {
    return this.exclusive(async () => {
      let before = -1;
      let signed: SignedTreeHead | null = null;
      let rows: LeafRow[] = [];
      let outcome: Array<number | Error | null> = [];
      let appendedAt: number[] = [];
      try {
        await this.repo.withAppendLock(async (tx) => {
          // Under the lock: first absorb what other processes appended, so our indexes follow theirs.
          await this.catchUp((s, e) => tx.leavesFrom(s, e), await tx.newestHead());
          if (this.head && !this.ownLogKey(this.head)) throw new Error(`transparency log: the newest stored head (${this.head.treeSize}) is signed by another log key; this process does not extend it`);
          // Conditional requests are decided here, against the log as it stands under the lock (and the batch before).
          const claimed = new Map<string, string>();
          const claimedLists = new Map<string, Uint8Array>();
          outcome = all.map((r) => {
            if (r.only === 'next-list') return this.decideNextList(r, claimedLists);
            if (r.only !== 'first') return null;
            const k = bindingKey(r.accountId, r.kind);
            const want = toBase64Url(r.key);
            const l = this.latest.get(k);
            if (l) return l.action === 'publish' && l.key === want ? l.index : new KeyLogConflict(r.accountId, r.kind);
            const earlier = claimed.get(k); // an earlier request of this batch
            if (earlier !== undefined && earlier !== want) return new KeyLogConflict(r.accountId, r.kind);
            claimed.set(k, want);
            return null;
          });
          const reqs = all.filter((_, i) => outcome[i] === null);
          if (reqs.length === 0 && this.head) return;
          before = this.tree.size;
          const timestamp = Math.max(this.now(), this.head?.timestamp ?? 0);
          rows = [];
          const reqIndex: number[] = [];
          for (const r of reqs) {
            reqIndex.push(before + rows.length);
            for (const b of [{ kind: r.kind, key: r.key, action: r.action ?? 'publish' }, ...(r.also ?? [])]) {
              const leaf = encodeLeaf({ accountId: r.accountId, kind: b.kind, key: b.key, action: b.action, timestamp });
              rows.push({ index: before + rows.length, leaf: asBytes(leaf), leafHash: asBytes(hashLeaf(leaf, nodeSha256)), accountId: r.accountId, kind: b.kind });
            }
          }
          for (const r of rows) this.tree.appendLeafHash(r.leafHash);
          signed = this.signHead(this.tree.size, this.tree.root(), timestamp);
          await tx.insert(rows, { treeSize: signed.treeSize, rootHash: asBytes(signed.rootHash), timestamp: BigInt(signed.timestamp), signature: asBytes(signed.signature), logKeyId: asBytes(signed.logKeyId) });
          for (const [i, r] of reqs.entries()) if (r.inTx) await r.inTx(tx, reqIndex[i] as number, timestamp);
          appendedAt = reqIndex;
        });
      } catch (e) {
        if (before >= 0) this.tree.truncate(before); // nothing was committed: forget the uncommitted hashes
        throw e;
      }
      // Committed: only now do the bindings become visible to key fetches.
      for (const r of rows) {
        const b = decodeLeaf(r.leaf);
        this.latest.set(bindingKey(b.accountId, b.kind), { index: r.index, key: toBase64Url(b.key), action: b.action, leaf: toBase64Url(r.leaf) });
      }
      if (signed) {
        this.head = signed;
        this.announce(signed);
      }
      let next = 0;
      return all.map((_, i) => outcome[i] ?? (appendedAt[next++] as number));
    });
  }

  /** D7.2's condition for a `device-list` leaf, against the log under the lock (and the batch before it). */
  private decideNextList(r: BindingRequest, claimed: Map<string, Uint8Array>): Error | null {
    const cond = r.list;
    if (r.kind !== KIND_DEVICE_LIST || !cond) return new Error('transparency log: a next-list request needs kind device-list and its list condition');
    const k = bindingKey(r.accountId, KIND_DEVICE_LIST);
    const l = this.latest.get(k);
    const newestKey = claimed.get(k) ?? (l ? fromBase64Url(l.key) : null);
    if (newestKey === null) {
      if (cond.listVersion !== 1) return new DeviceListConflict(r.accountId, cond.listVersion);
      for (const kind of cond.noneOf ?? []) if (this.latest.has(bindingKey(r.accountId, kind))) return new KeyLogConflict(r.accountId, kind);
      if (cond.requires) {
        const q = this.latest.get(bindingKey(r.accountId, cond.requires.kind));
        if (!q || q.action !== 'publish' || q.key !== toBase64Url(cond.requires.key)) return new KeyLogConflict(r.accountId, cond.requires.kind);
      }
    } else {
      const newest = parseDeviceListLeafKey(newestKey);
      if (!newest || newest.listVersion !== cond.listVersion - 1 || toBase64Url(newest.listHash) !== toBase64Url(cond.prevListHash)) return new DeviceListConflict(r.accountId, cond.listVersion);
    }
    claimed.set(k, r.key);
    return null;
  }

  /** Calls `fn` with every head this process signs (the push channel announces them: docs/TRANSPARENCY.md §6.3). */
  onHead(fn: (head: SignedTreeHead) => void): () => void {
    this.headListeners.add(fn);
    return () => this.headListeners.delete(fn);
  }

  private announce(head: SignedTreeHead): void {
    for (const fn of this.headListeners) {
      try {
        fn(head);
      } catch {
        // a listener's failure never fails an append that has committed
      }
    }
  }

  /** Every mutation of the in-memory tree runs here, one at a time (refresh vs. append in one process). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn, fn);
    this.mutex = run.catch(() => undefined);
    return run;
  }
  private mutex: Promise<unknown> = Promise.resolve();

  // ---- Reads (no database round trip when this process is current) ----

  /** The newest signed head this process knows (after `init`, never null). */
  currentHead(): SignedTreeHead {
    if (!this.head) throw new Error('transparency log not initialised');
    return this.head;
  }

  private async bindingIndex(accountId: string, kind: string, key: Uint8Array): Promise<Latest | null> {
    const want = toBase64Url(key);
    const hit = () => {
      const l = this.latest.get(bindingKey(accountId, kind));
      return l && l.action === 'publish' && l.key === want ? l : null;
    };
    const now = hit();
    if (now !== null) return now;
    await this.refresh();
    return hit();
  }

  /**
   * The proof that (accountId, kind, key) is the newest binding of its kind in the log; NotFoundError when it is
   * not. Reading never appends (docs/TRANSPARENCY.md §10.4): only an owner's publication does.
   */
  async proveBinding(accountId: string, kind: string, key: Uint8Array): Promise<KeyProofJson> {
    const found = await this.bindingIndex(accountId, kind, key);
    if (!found) throw new NotFoundError(`${kind} binding of ${accountId} in the key log`);
    return this.proofOf(found);
  }

  /**
   * The proof of (accountId, kind, key) when it is the newest binding of its kind in the log, else null —
   * nothing is appended. For keys the directory hands out from stored bytes (MLS key packages): a stored key the
   * log does not hold is served without proof and refused by clients, rather than logged on the way out.
   */
  async proveIfLogged(accountId: string, kind: string, key: Uint8Array): Promise<KeyProofJson | null> {
    const found = await this.bindingIndex(accountId, kind, key);
    return found ? this.proofOf(found) : null;
  }

  private proofOf(found: Latest): KeyProofJson {
    // Synchronous from here: the head and the proof are taken from one state of the tree.
    const head = this.currentHead();
    return {
      leaf: found.leaf,
      leafIndex: found.index,
      proof: inclusionProof(this.tree, found.index, head.treeSize).map(toBase64Url),
      head: treeHeadToJson(head),
      cosignatures: (this.cosignatureCache.get(head.treeSize) ?? []).map(cosignatureToJson),
    };
  }

  /**
   * Every committed leaf of (account, kind) this process's tree holds, in log order, decoded, each checked against the
   * tree's leaf hash (a stored leaf row that is not what the tree committed to is left out). Reading never appends.
   */
  async leavesOf(accountId: string, kind: string): Promise<Array<{ index: number; leaf: Uint8Array; key: Uint8Array; action: BindingAction }>> {
    await this.refresh();
    const size = this.tree.size;
    const out: Array<{ index: number; leaf: Uint8Array; key: Uint8Array; action: BindingAction }> = [];
    for (const r of await this.repo.leavesOf(accountId, kind)) {
      if (r.index >= size || toBase64Url(hashLeaf(r.leaf, nodeSha256)) !== toBase64Url(this.tree.leafHash(r.index))) continue;
      const b = decodeLeaf(r.leaf);
      if (b.accountId === accountId && b.kind === kind) out.push({ index: r.index, leaf: r.leaf, key: b.key, action: b.action });
    }
    return out;
  }

  /** Inclusion proofs of several leaves against one signed head (docs/PROTOCOL-devices.md D7.3), from memory. */
  proveLeaves(leaves: ReadonlyArray<{ index: number; leaf: Uint8Array }>): KeyProofJson[] {
    const head = this.currentHead();
    const cosignatures = (this.cosignatureCache.get(head.treeSize) ?? []).map(cosignatureToJson);
    return leaves.map((l) => {
      if (l.index >= head.treeSize) throw new Error(`transparency log: leaf ${l.index} is not under head ${head.treeSize}`);
      return { leaf: toBase64Url(l.leaf), leafIndex: l.index, proof: inclusionProof(this.tree, l.index, head.treeSize).map(toBase64Url), head: treeHeadToJson(head), cosignatures };
    });
  }

  /**
   * The owner's first publication of an account's `kind` key (docs/TRANSPARENCY.md §10.4): appended only while the
   * log holds no binding of (account, kind); a no-op when it holds exactly this key; KeyLogConflict when it holds
   * another. For kinds that are bound once per account (identity): a database row swapped afterwards can never be
   * logged by a publication that reads it.
   */
  async ensureFirstBinding(accountId: string, kind: string, key: Uint8Array): Promise<void> {
    if (await this.bindingIndex(accountId, kind, key)) return;
    await this.append([{ accountId, kind, key, only: 'first' }]);
  }

  /** Whether the log holds any binding (publish or revoke) of (account, kind). */
  async hasBinding(accountId: string, kind: string): Promise<boolean> {
    await this.refresh();
    return this.latest.has(bindingKey(accountId, kind));
  }

  /** The key of the newest `publish` binding of (account, kind) in the log, or null (none, or revoked). */
  async loggedKey(accountId: string, kind: string): Promise<Uint8Array | null> {
    await this.refresh();
    const l = this.latest.get(bindingKey(accountId, kind));
    return l && l.action === 'publish' ? fromBase64Url(l.key) : null;
  }

  /** Idempotent: publishes (account, kind, key) unless it is already the newest binding of its kind. */
  async ensureBinding(accountId: string, kind: string, key: Uint8Array): Promise<void> {
    if (!(await this.bindingIndex(accountId, kind, key))) await this.append([{ accountId, kind, key }]);
  }

  /** Revokes the current binding of (account, kind) if it is `key`. */
  async revokeBinding(accountId: string, kind: string, key: Uint8Array): Promise<void> {
    if (await this.bindingIndex(accountId, kind, key)) await this.append([{ accountId, kind, key, action: 'revoke' }]);
  }

  // ---- The public log (routes in server/routes/transparency.ts) ----

  private readonly cosignatureCache = new Map<number, ReturnType<typeof cosignatureFromJson>[]>();

  async headWithCosignatures(opts: { cosigned?: boolean } = {}): Promise<{ head: SignedTreeHeadJson; cosignatures: CosignatureJson[] }> {
    await this.refresh();
    let head = this.currentHead();
    if (opts.cosigned) {
      const size = await this.repo.newestCosignedSize();
      if (size === null) throw new NotFoundError('cosigned tree head');
      const row = await this.repo.head(size);
      if (!row) throw new NotFoundError('cosigned tree head');
      head = rowToHead(row);
    }
    const cos = await this.repo.cosignatures(head.treeSize);
    return { head: treeHeadToJson(head), cosignatures: cos.map((c) => ({ witnessKeyId: toBase64Url(c.witnessKeyId), cosignedAt: Number(c.cosignedAt), signature: toBase64Url(c.signature) })) };
  }

  async heads(after: number, limit: number): Promise<SignedTreeHeadJson[]> {
    const rows = await this.repo.heads(after, limit);
    return rows.map((r) => treeHeadToJson(rowToHead(r)));
  }

  private async checkSize(size: number, name: string): Promise<void> {
    if (size > this.tree.size) await this.refresh();
    if (size > this.tree.size) throw new InputError('validation_failed', `${name}: the log has ${this.tree.size} entries`, { issues: [{ path: `query.${name}`, message: `at most ${this.tree.size}` }] });
  }

  async consistency(first: number, second: number): Promise<string[]> {
    if (first > second) throw new InputError('validation_failed', 'first must not exceed second', { issues: [{ path: 'query.first', message: 'must be ≤ second' }] });
    await this.checkSize(second, 'second');
    return consistencyProof(this.tree, first, second).map(toBase64Url);
  }

  async inclusion(index: number, treeSize: number): Promise<string[]> {
    await this.checkSize(treeSize, 'treeSize');
    if (index >= treeSize) throw new InputError('validation_failed', 'index must be below treeSize', { issues: [{ path: 'query.index', message: 'must be < treeSize' }] });
    return inclusionProof(this.tree, index, treeSize).map(toBase64Url);
  }

  async entries(start: number, limit: number): Promise<Array<{ index: number; leaf: string }>> {
    const rows = await this.repo.leaves(start, limit);
    return rows.map((r) => ({ index: r.index, leaf: toBase64Url(r.leaf) }));
  }

  /**
   * A witness's cosignature (docs/TRANSPARENCY.md §7): accepted only from a configured witness, for a head this
   * log really signed (same size and root as the stored head), with a valid signature.
   */
  async addCosignature(headJson: SignedTreeHeadJson, cosJson: CosignatureJson): Promise<boolean> {
    const head = treeHeadFromJson(headJson);
    const cos = cosignatureFromJson(cosJson);
    const row = await this.repo.head(head.treeSize);
    if (!row || toBase64Url(row.rootHash) !== toBase64Url(head.rootHash)) throw new NotFoundError('tree head');
    const witness = this.witnesses.find((w) => verifyCosignature(rowToHead(row), cos, w));
    if (!witness) throw new AuthenticationError('invalid_signature', 'the cosignature does not verify under any configured witness key');
    const added = await this.repo.addCosignature({ treeSize: head.treeSize, witnessKeyId: asBytes(cos.witnessKeyId), cosignedAt: BigInt(cos.cosignedAt), signature: asBytes(cos.signature) });
    const cached = this.cosignatureCache.get(head.treeSize) ?? [];
    if (!cached.some((c) => toBase64Url(c.witnessKeyId) === toBase64Url(cos.witnessKeyId))) cached.push(cos);
    if (this.cosignatureCache.size > 64) this.cosignatureCache.clear();
    this.cosignatureCache.set(head.treeSize, cached);
    return added;
  }
}

function rowToHead(row: HeadRow): SignedTreeHead {
  return { logKeyId: row.logKeyId, treeSize: row.treeSize, rootHash: row.rootHash, timestamp: Number(row.timestamp), signature: row.signature };
}

