// Key transparency log (docs/TRANSPARENCY.md): every key binding the directory serves is appended to an
// RFC 9162 Merkle log; every key fetch carries an inclusion proof against a signed tree head.
//
// TransparencyService is built in three layers, one file each: _log-state.ts (the in-memory tree, bindings and
// head, caught up from the database: §10.2), log-append.ts (group-committed, conditional appends: §10.2–§10.4)
// and this file: the reads the key directory serves with their proofs (§6.1, §10.4) and the public log behind
// server/routes/transparency.ts (§10.1, witness cosignatures §7.2). Proofs are computed from memory: no database
// round trip per tree level.
import { fromBase64Url, toBase64Url } from '../../../client/protocol.ts';
import {
  type BindingAction, type CosignatureJson, type SignedTreeHead, type SignedTreeHeadJson, consistencyProof, cosignatureFromJson,
  cosignatureToJson, decodeLeaf, hashLeaf, inclusionProof, treeHeadFromJson, treeHeadToJson, verifyCosignature,
} from '../../../client/transparency/index.ts';
import { asBytes } from '../../data/_bytes.ts';
import { AuthenticationError, InputError, NotFoundError } from '../../errors.ts';
import { nodeSha256 } from './hash.ts';
import { bindingKey, type Latest, rowToHead } from './_log-state.ts';
import { KeyLogAppender } from './log-append.ts';

export interface KeyProofJson {
  leaf: string;
  leafIndex: number;
  proof: string[];
  head: SignedTreeHeadJson;
  cosignatures: CosignatureJson[];
}

export class TransparencyService extends KeyLogAppender {
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
