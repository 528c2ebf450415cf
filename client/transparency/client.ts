// The client side of key transparency (docs/TRANSPARENCY.md §6): verify every fetched key's inclusion proof
// before the key is used, keep the newest tree head per log, and check a consistency proof from it to every
// new head. A head's signature is verified once (cached by size and root), not once per proof.
import { toBase64Url } from '../crypto/_bytes.ts';
import { type Cosignature, type WitnessKey, requireCosignatures } from './cosignature.ts';
import { TransparencyError } from './errors.ts';
import { type BindingAction, type KeyBinding, bindsKey, decodeLeaf } from './leaf.ts';
import { type Sha256, defaultSha256, hashLeaf, verifyConsistency, verifyInclusion } from './merkle.ts';
import type { LogSource } from './source.ts';
import { type SignedTreeHead, type SignedTreeHeadJson, headKey, logKeyId, treeHeadFromJson, treeHeadToJson, verifyTreeHead } from './tree-head.ts';

/** Persists the newest verified head per log (the chat keeps it in IndexedDB; tests in memory). */
export interface HeadStore {
  load(logKeyId: string): Promise<SignedTreeHeadJson | undefined>;
  save(logKeyId: string, head: SignedTreeHeadJson): Promise<void>;
}
export class MemoryHeadStore implements HeadStore {
  private readonly heads = new Map<string, SignedTreeHeadJson>();
  async load(id: string) {
    return this.heads.get(id);
  }
  async save(id: string, head: SignedTreeHeadJson) {
    this.heads.set(id, head);
  }
}

export interface KeyProof {
  leaf: Uint8Array;
  leafIndex: number;
  proof: Uint8Array[];
  head: SignedTreeHead;
  cosignatures: Cosignature[];
}

export interface ProvenBinding {
  binding: KeyBinding;
  leafIndex: number;
  /** the head the proof was checked against (after consistency with every head seen before) */
  head: SignedTreeHead;
  witnesses: string[];
}

export interface TransparencyClientOptions {
  /** The log's Ed25519 public key, obtained out of band (pinned in the app) or on first use. */
  logPublicKey: Uint8Array;
  source: LogSource;
  store?: HeadStore;
  /** Witnesses this client trusts and how many of them must cosign a head it relies on (default 0). */
  witnesses?: WitnessKey[];
  minCosignatures?: number;
  hash?: Sha256;
}

export type GossipVerdict =
  | { status: 'consistent'; head: SignedTreeHead }
  | { status: 'other_log' }
  | { status: 'invalid'; reason: string }
  | { status: 'split_view'; reason: string; ours: SignedTreeHead; theirs: SignedTreeHead }
  /** The log gave no valid consistency proof between our head and theirs (§8): an alarm, with both heads as evidence. */
  | { status: 'unproven'; reason: string; ours: SignedTreeHead; theirs: SignedTreeHead };

export class TransparencyClient {
  readonly logKeyId: Uint8Array;
  readonly logKeyIdText: string;
  private readonly store: HeadStore;
  private readonly hash: Sha256;
  private readonly verified = new Set<string>();
  private newest: SignedTreeHead | undefined;
  private loaded = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: TransparencyClientOptions) {
    this.hash = opts.hash ?? defaultSha256;
    this.logKeyId = logKeyId(opts.logPublicKey, this.hash);
    this.logKeyIdText = toBase64Url(this.logKeyId);
    this.store = opts.store ?? new MemoryHeadStore();
  }

  get source(): LogSource {
    return this.opts.source;
  }

  /** The newest head this client has verified and accepted (undefined before the first). */
  async newestHead(): Promise<SignedTreeHead | undefined> {
    await this.load();
    return this.newest;
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    const saved = await this.store.load(this.logKeyIdText);
    if (saved) {
      const h = treeHeadFromJson(saved);
      this.checkSignature(h);
      this.newest = h;
    }
    this.loaded = true;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private checkSignature(h: SignedTreeHead): void {
    const k = `${headKey(h)}:${toBase64Url(h.signature)}`;
    if (this.verified.has(k)) return;
    verifyTreeHead(h, this.opts.logPublicKey, this.hash);
    if (this.verified.size > 1024) this.verified.clear();
    this.verified.add(k);
  }

  /**
   * Consistency between two validly signed heads of this log, fetching the proof from the server (docs/TRANSPARENCY.md
   * §6.3). An answer that is not a valid proof — refused, missing, malformed — is consistency_unproven, with both heads
   * as evidence: an honest log can always prove that a smaller head it signed is a prefix of a larger one. Only no
   * answer at all (the network) passes through as the source's own error.
   */
  private async checkConsistent(older: SignedTreeHead, newer: SignedTreeHead): Promise<void> {
    const evidence = { older, newer };
    if (older.treeSize === newer.treeSize) {
      if (toBase64Url(older.rootHash) !== toBase64Url(newer.rootHash))
        throw new TransparencyError('split_view', `two signed heads of size ${older.treeSize} with different roots: the log shows more than one history`, evidence);
      return;
    }
    let proof: Uint8Array[];
    let valid: boolean;
    try {
      proof = await this.opts.source.consistency(older.treeSize, newer.treeSize);
      valid = verifyConsistency(older.treeSize, newer.treeSize, older.rootHash, newer.rootHash, proof, this.hash);
    } catch (e) {
      if (!TransparencyError.is(e)) throw e;
      throw new TransparencyError('consistency_unproven', `the log would not prove that its head of size ${newer.treeSize} extends its head of size ${older.treeSize} (${e.message})`, evidence);
    }
    if (!valid)
      throw new TransparencyError('consistency_failed', `the log's head of size ${newer.treeSize} does not extend the head of size ${older.treeSize} seen before: history was rewritten or forked`, evidence);
  }

  /**
   * Verifies a head (signature once, witness policy) and its consistency with the newest head seen so far;
   * a larger consistent head becomes the newest. Throws TransparencyError on any failure.
   */
  acceptHead(head: SignedTreeHead, cosignatures: readonly Cosignature[] = [], opts: { witnessPolicy?: boolean } = {}): Promise<{ head: SignedTreeHead; witnesses: string[] }> {
    return this.serial(async () => {
      await this.load();
      this.checkSignature(head);
      // Gossiped heads are compared, not relied on for a key: the witness policy applies to heads we use.
      const witnesses = (opts.witnessPolicy ?? true) ? await this.witnessPolicy(head, cosignatures) : [];
      const newest = this.newest;
      if (newest) {
        if (head.treeSize >= newest.treeSize) await this.checkConsistent(newest, head);
        else await this.checkConsistent(head, newest); // a lagging server process: fine if it is a prefix
      }
      if (!newest || head.treeSize > newest.treeSize) {
        this.newest = head;
        await this.store.save(this.logKeyIdText, treeHeadToJson(head));
      }
      return { head, witnesses };
    });
  }

  private async witnessPolicy(head: SignedTreeHead, cosignatures: readonly Cosignature[]): Promise<string[]> {
    const min = this.opts.minCosignatures ?? 0;
    if (min <= 0) return [];
    const witnesses = this.opts.witnesses ?? [];
    try {
      return requireCosignatures(head, cosignatures, witnesses, min);
    } catch (e) {
      if (!TransparencyError.is(e, 'witness_missing')) throw e;
      // A fresh head is not cosigned yet: a cosigned head that extends it proves the same inclusion (§7.3).
      let later: Awaited<ReturnType<LogSource['head']>>;
      try {
        later = await this.opts.source.head({ cosigned: true });
      } catch {
        throw e; // no cosigned head at all yet
      }
      if (later.head.treeSize < head.treeSize) throw e;
      this.checkSignature(later.head);
      const names = requireCosignatures(later.head, later.cosignatures, witnesses, min);
      await this.checkConsistent(head, later.head);
      return names;
    }
  }

  /**
   * Verifies that `expected` (the key the directory just handed out) is exactly the leaf proven by `p`, that
   * the leaf is a publish, that the audit path leads to the head's root, and that the head is consistent with
   * every head seen before. Only then may the caller use the key.
   */
  async verifyKey(p: KeyProof, expected: { accountId: string; kind: string; key: Uint8Array }): Promise<ProvenBinding> {
    const binding = decodeLeaf(p.leaf);
    if (!bindsKey(binding, expected.accountId, expected.kind, expected.key))
      throw new TransparencyError('binding_mismatch', `the proven log entry does not bind this ${expected.kind} key to ${expected.accountId}`);
    if (binding.action !== ('publish' satisfies BindingAction)) throw new TransparencyError('binding_mismatch', 'the proven log entry revokes the key');
    if (!verifyInclusion(hashLeaf(p.leaf, this.hash), p.leafIndex, p.head.treeSize, p.proof, p.head.rootHash, this.hash))
      throw new TransparencyError('inclusion_failed', `the key of ${expected.accountId} is not in the log at index ${p.leafIndex} of the signed head of size ${p.head.treeSize}`);
    const { head, witnesses } = await this.acceptHead(p.head, p.cosignatures);
    return { binding, leafIndex: p.leafIndex, head, witnesses };
  }

  /** Checks heads a peer gossiped (§8) against our view; a consistent larger head advances ours. */
  async checkPeerHeads(heads: readonly SignedTreeHead[]): Promise<GossipVerdict[]> {
    const out: GossipVerdict[] = [];
    for (const theirs of heads) {
      if (toBase64Url(theirs.logKeyId) !== this.logKeyIdText) {
        out.push({ status: 'other_log' });
        continue;
      }
      try {
        this.checkSignature(theirs);
      } catch (e) {
        out.push({ status: 'invalid', reason: e instanceof Error ? e.message : String(e) });
        continue;
      }
      try {
        out.push({ status: 'consistent', head: (await this.acceptHead(theirs, [], { witnessPolicy: false })).head });
      } catch (e) {
        if (TransparencyError.is(e, 'split_view') || TransparencyError.is(e, 'consistency_failed')) {
          const ours = (await this.newestHead()) as SignedTreeHead;
          out.push({ status: 'split_view', reason: e.message, ours, theirs });
        } else if (TransparencyError.is(e, 'consistency_unproven')) {
          const ours = (await this.newestHead()) as SignedTreeHead;
          out.push({ status: 'unproven', reason: e.message, ours, theirs });
        } else throw e;
      }
    }
    return out;
  }
}
