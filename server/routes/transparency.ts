// Key transparency log (docs/TRANSPARENCY.md §10): public, read-only (plus witness cosignatures). Anyone can
// audit the log without an account, like a Certificate Transparency log.
import { MAX_ENTRIES_PER_PAGE, MAX_HEADS_PER_PAGE, transparencyOperations as ops } from '../../client/transport/contract/transparency.ts';
import { toBase64Url } from '../../client/protocol.ts';
import { logKeyId } from '../../client/transparency/index.ts';
import type { Services } from '../services/index.ts';
import { witnessIdText } from '../services/transparency/index.ts';
import { type Route, route } from './_route.ts';

const clamp = (n: number | undefined, max: number) => Math.max(1, Math.min(n ?? max, max));

export function transparencyRoutes(s: Services): Route[] {
  const t = s.transparency;
  return [
    route(ops.transparencyLogKey, async () => ({
      algorithm: 'Ed25519' as const,
      logKeyId: toBase64Url(logKeyId(t.logPublicKey)),
      publicKey: toBase64Url(t.logPublicKey),
      witnesses: t.witnesses.map((w) => ({ name: w.name, publicKey: toBase64Url(w.publicKey), witnessKeyId: witnessIdText(w) })),
    })),
    route(ops.transparencyHead, async ({ query }) => t.headWithCosignatures({ cosigned: query.cosigned === 'true' })),
    route(ops.transparencyHeads, async ({ query }) => ({ heads: await t.heads(query.after ?? -1, clamp(query.limit, MAX_HEADS_PER_PAGE)) })),
    route(ops.transparencyConsistency, async ({ query }) => ({ first: query.first, second: query.second, proof: await t.consistency(query.first, query.second) })),
    route(ops.transparencyInclusion, async ({ query }) => ({ leafIndex: query.index, treeSize: query.treeSize, proof: await t.inclusion(query.index, query.treeSize) })),
    route(ops.transparencyEntries, async ({ query }) => ({ entries: await t.entries(query.start, clamp(query.limit, MAX_ENTRIES_PER_PAGE)) })),
    route(ops.transparencyCosign, async ({ body, setStatus }) => {
      const accepted = await t.addCosignature(body.head, body.cosignature);
      setStatus(accepted ? 201 : 200);
      return { accepted };
    }, { bodyLimitBytes: 4096 }),
  ];
}
