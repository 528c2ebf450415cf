// The auditor (docs/TRANSPARENCY.md §7.1): what anyone can run independently, like a Certificate Transparency
// monitor. It downloads every entry and every signed head, recomputes each head's root from the entries,
// checks every signature and that heads only ever grew (each is a prefix of the next: append-only), spot-checks
// the server's consistency proofs, and — given the state of its previous run — that the history it saw then
// is still the history now. `npm run kt:audit -- --server URL` is the command-line wrapper (scripts/kt-audit.ts).
import { fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import { decodeLeaf } from './leaf.ts';
import { Frontier, type Sha256, defaultSha256, hashLeaf, verifyConsistency } from './merkle.ts';
import type { LogSource } from './source.ts';
import { type SignedTreeHead, logKeyId, verifyTreeHead } from './tree-head.ts';

export interface AuditState {
  logKeyId: string;
  treeSize: number;
  rootHash: string;
}

export interface AuditProblem {
  code: 'bad_signature' | 'root_mismatch' | 'not_append_only' | 'history_rewritten' | 'bad_consistency_proof' | 'malformed_entry' | 'missing_entries' | 'unknown_log_key';
  message: string;
  treeSize?: number;
}

export interface AuditReport {
  ok: boolean;
  entries: number;
  heads: number;
  problems: AuditProblem[];
  /** keep for the next run (detects rewritten history even if every new head is self-consistent) */
  state: AuditState | null;
  kinds: Record<string, number>;
}

export async function auditLog(source: LogSource, logPublicKey: Uint8Array, opts: { previous?: AuditState; hash?: Sha256; pageSize?: number; consistencySamples?: number } = {}): Promise<AuditReport> {
  const hash = opts.hash ?? defaultSha256;
  const keyId = toBase64Url(logKeyId(logPublicKey, hash));
  const problems: AuditProblem[] = [];
  const frontier = new Frontier(hash);
  const kinds: Record<string, number> = {};
  const page = opts.pageSize ?? 1000;
  const heads: SignedTreeHead[] = [];
  for (let after = -1; ; ) {
    const batch = await source.heads(after, page);
    if (batch.length === 0) break;
    for (const h of batch) {
      if (h.treeSize <= after) {
        problems.push({ code: 'not_append_only', message: `heads listed out of order at size ${h.treeSize}`, treeSize: h.treeSize });
        return finish();
      }
      heads.push(h);
      after = h.treeSize;
    }
    if (batch.length < page) break;
  }
  const newest = (await source.head()).head;
  for (const h of [...heads, newest]) {
    try {
      verifyTreeHead(h, logPublicKey, hash);
    } catch (e) {
      problems.push({ code: toBase64Url(h.logKeyId) === keyId ? 'bad_signature' : 'unknown_log_key', message: `head of size ${h.treeSize}: ${(e as Error).message}`, treeSize: h.treeSize });
    }
  }
  if (!heads.some((h) => h.treeSize === newest.treeSize)) heads.push(newest);
  let lastTime = -1;
  for (const h of heads) {
    if (h.timestamp < lastTime) problems.push({ code: 'not_append_only', message: `head of size ${h.treeSize} is older than a smaller head`, treeSize: h.treeSize });
    lastTime = Math.max(lastTime, h.timestamp);
  }
  const bySize = new Map<number, SignedTreeHead[]>();
  for (const h of heads) bySize.set(h.treeSize, [...(bySize.get(h.treeSize) ?? []), h]);
  const target = Math.max(newest.treeSize, ...heads.map((h) => h.treeSize));
  const check = (size: number) => {
    const root = toBase64Url(frontier.root());
    for (const h of bySize.get(size) ?? [])
      if (toBase64Url(h.rootHash) !== root) problems.push({ code: 'root_mismatch', message: `the signed head of size ${size} does not match the root recomputed from entries 0-${size - 1}`, treeSize: size });
    if (opts.previous && opts.previous.treeSize === size && opts.previous.rootHash !== root)
      problems.push({ code: 'history_rewritten', message: `the log's first ${size} entries differ from the ones audited before: history was rewritten`, treeSize: size });
  };
  check(0);
  while (frontier.size < target) {
    const entries = await source.entries(frontier.size, page);
    if (entries.length === 0) {
      problems.push({ code: 'missing_entries', message: `the log did not serve entry ${frontier.size} of ${target}` });
      break;
    }
    for (const e of entries) {
      if (e.index !== frontier.size || frontier.size >= target) break;
      try {
        const b = decodeLeaf(e.leaf);
        kinds[b.kind] = (kinds[b.kind] ?? 0) + 1;
      } catch (err) {
        problems.push({ code: 'malformed_entry', message: `entry ${e.index}: ${(err as Error).message}` });
      }
      frontier.append(hashLeaf(e.leaf, hash));
      check(frontier.size);
    }
  }
  if (opts.previous && opts.previous.treeSize > target)
    problems.push({ code: 'history_rewritten', message: `the log shrank from ${opts.previous.treeSize} to ${target} entries` });
  // Spot-check the server's consistency proofs between consecutive heads (clients rely on them).
  const samples = Math.min(opts.consistencySamples ?? 16, Math.max(0, heads.length - 1));
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(((s + 1) * (heads.length - 1)) / (samples + 0.0001));
    const a = heads[Math.max(0, i - 1)] as SignedTreeHead;
    const b = heads[Math.min(heads.length - 1, i)] as SignedTreeHead;
    if (a.treeSize >= b.treeSize) continue;
    const proof = await source.consistency(a.treeSize, b.treeSize);
    if (!verifyConsistency(a.treeSize, b.treeSize, a.rootHash, b.rootHash, proof, hash))
      problems.push({ code: 'bad_consistency_proof', message: `the served consistency proof ${a.treeSize}→${b.treeSize} does not verify`, treeSize: b.treeSize });
  }
  return finish();

  function finish(): AuditReport {
    const last = heads.at(-1);
    return {
      ok: problems.length === 0,
      entries: frontier.size,
      heads: heads.length,
      problems,
      state: last ? { logKeyId: keyId, treeSize: last.treeSize, rootHash: toBase64Url(last.rootHash) } : (opts.previous ?? null),
      kinds,
    };
  }
}

export function auditStateFromJson(j: { logKeyId: string; treeSize: number; rootHash: string }): AuditState {
  fromBase64Url(j.rootHash, 'rootHash');
  return { logKeyId: j.logKeyId, treeSize: j.treeSize, rootHash: j.rootHash };
}
