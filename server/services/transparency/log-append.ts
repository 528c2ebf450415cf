// Key transparency log, appending (docs/TRANSPARENCY.md §10.2–§10.4): the middle class of TransparencyService.
// Appends are group-committed: concurrent callers share one transaction that holds the log's lock, so any number of
// processes append without conflicting indexes; a failed transaction rolls the memory back. Conditional requests
// ('first', §10.4; 'next-list', docs/PROTOCOL-devices.md D7.2) are decided under that lock. Each head this process
// signs is announced to the push channel (§6.3). State: _log-state.ts; proofs and the public log: log.ts.
import { fromBase64Url, toBase64Url } from '../../../client/protocol.ts';
import { type BindingAction, type SignedTreeHead, decodeLeaf, encodeLeaf, hashLeaf } from '../../../client/transparency/index.ts';
import type { AppendTx, LeafRow } from '../../data/transparency.ts';
import { DeviceListConflict, KIND_DEVICE_LIST, parseDeviceListLeafKey } from './device-list.ts';
import { asBytes } from '../../data/_bytes.ts';
import { AppError, ConflictError } from '../../errors.ts';
import { nodeSha256 } from './hash.ts';
import { bindingKey, KeyLogState } from './_log-state.ts';

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

const MAX_BATCH = 512;
const APPEND_ATTEMPTS = 5;

/**
 * One request's own refusal inside the append transaction: its `inTx` threw an AppError (an answer for that caller,
 * e.g. D6.6's reset whose release was revoked meanwhile). The transaction rolls back; only that request fails, and the
 * rest of its batch is appended again at once (a refusal is not a busy log, so it costs no attempt).
 */
class RequestRefused extends Error {
  constructor(readonly request: BindingRequest, readonly refusal: AppError) {
    super(refusal.message);
  }
}

/** Appends to the log: one batch at a time, each in one transaction under the log's lock. */
export class KeyLogAppender extends KeyLogState {
  private pending: Array<{ req: BindingRequest; resolve: (i: number) => void; reject: (e: unknown) => void }> = [];
  private readonly headListeners = new Set<(head: SignedTreeHead) => void>();
  private flushing: Promise<void> | null = null;

  /** Loads the log (and signs the empty tree's head on a fresh database). */
  async init(): Promise<void> {
    await this.refresh();
    if (!this.head) await this.appendBatch([]);
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
            if (e instanceof RequestRefused) {
              const at = batch.findIndex((b) => b.req === e.request);
              if (at >= 0) {
                (batch.splice(at, 1)[0] as (typeof batch)[number]).reject(e.refusal);
                attempt--;
                if (batch.length === 0) break;
                continue;
              }
            }
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
          for (const [i, r] of reqs.entries()) {
            if (!r.inTx) continue;
            try {
              await r.inTx(tx, reqIndex[i] as number, timestamp);
            } catch (e) {
              throw e instanceof AppError ? new RequestRefused(r, e) : e;
            }
          }
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
}
