// Key transparency log (docs/TRANSPARENCY.md §10): public, read-only (plus witness cosignatures). Anyone can
// audit the log without an account, like a Certificate Transparency log.
import {
  ConsistencyQuery, ConsistencyResponse, CosignRequest, CosignResponse, EntriesQuery, EntriesResponse, HeadQuery, HeadResponse, HeadsQuery, HeadsResponse,
  InclusionQuery, InclusionResponse, LogKeyResponse, MAX_ENTRIES_PER_PAGE, MAX_HEADS_PER_PAGE,
} from '../../client/transport/contract/transparency.ts';
import { toBase64Url } from '../../client/crypto/_bytes.ts';
import { logKeyId } from '../../client/transparency/index.ts';
import type { Services } from '../services/index.ts';
import { witnessIdText } from '../services/transparency/index.ts';
import { type Route, defineRoute } from './_route.ts';

const base = { tag: 'transparency', auth: 'public', method: 'get' } as const;

export const logKeySpec = { ...base, operationId: 'transparencyLogKey', path: '/v1/transparency/log-key', summary: "The log's Ed25519 public key, its key id and the witnesses it accepts", response: LogKeyResponse, errors: ['validation_failed'] } as const;
export const headSpec = { ...base, operationId: 'transparencyHead', path: '/v1/transparency/head', summary: 'The newest signed tree head (cosigned=true: the newest cosigned one) with its cosignatures', query: HeadQuery, response: HeadResponse, errors: ['validation_failed', 'not_found'] } as const;
export const headsSpec = { ...base, operationId: 'transparencyHeads', path: '/v1/transparency/heads', summary: `Every signed tree head with treeSize > after, ascending (at most ${MAX_HEADS_PER_PAGE})`, query: HeadsQuery, response: HeadsResponse, errors: ['validation_failed'] } as const;
export const consistencySpec = { ...base, operationId: 'transparencyConsistency', path: '/v1/transparency/consistency', summary: 'RFC 9162 §2.1.4 consistency proof between two tree sizes', query: ConsistencyQuery, response: ConsistencyResponse, errors: ['validation_failed'] } as const;
export const inclusionSpec = { ...base, operationId: 'transparencyInclusion', path: '/v1/transparency/inclusion', summary: 'RFC 9162 §2.1.3 inclusion proof of a leaf in a tree size', query: InclusionQuery, response: InclusionResponse, errors: ['validation_failed'] } as const;
export const entriesSpec = { ...base, operationId: 'transparencyEntries', path: '/v1/transparency/entries', summary: `Log entries from start (at most ${MAX_ENTRIES_PER_PAGE})`, query: EntriesQuery, response: EntriesResponse, errors: ['validation_failed'] } as const;
export const cosignSpec = {
  tag: 'transparency', auth: 'public', method: 'post', operationId: 'transparencyCosign', path: '/v1/transparency/cosignatures', bodyLimitBytes: 4096,
  summary: "A configured witness's cosignature of a tree head (docs/TRANSPARENCY.md §7)", body: CosignRequest, response: CosignResponse, statuses: [201, 200],
  errors: ['validation_failed', 'malformed_json', 'unsupported_media_type', 'payload_too_large', 'not_found', 'invalid_signature'],
} as const;

const clamp = (n: number | undefined, max: number) => Math.max(1, Math.min(n ?? max, max));

export function transparencyRoutes(s: Services): Route[] {
  const t = s.transparency;
  return [
    defineRoute(logKeySpec, async () => ({
      algorithm: 'Ed25519' as const,
      logKeyId: toBase64Url(logKeyId(t.logPublicKey)),
      publicKey: toBase64Url(t.logPublicKey),
      witnesses: t.witnesses.map((w) => ({ name: w.name, publicKey: toBase64Url(w.publicKey), witnessKeyId: witnessIdText(w) })),
    })),
    defineRoute(headSpec, async ({ query }) => t.headWithCosignatures({ cosigned: query.cosigned === 'true' })),
    defineRoute(headsSpec, async ({ query }) => ({ heads: await t.heads(query.after ?? -1, clamp(query.limit, MAX_HEADS_PER_PAGE)) })),
    defineRoute(consistencySpec, async ({ query }) => ({ first: query.first, second: query.second, proof: await t.consistency(query.first, query.second) })),
    defineRoute(inclusionSpec, async ({ query }) => ({ leafIndex: query.index, treeSize: query.treeSize, proof: await t.inclusion(query.index, query.treeSize) })),
    defineRoute(entriesSpec, async ({ query }) => ({ entries: await t.entries(query.start, clamp(query.limit, MAX_ENTRIES_PER_PAGE)) })),
    defineRoute(cosignSpec, async ({ body, setStatus }) => {
      const accepted = await t.addCosignature(body.head, body.cosignature);
      setStatus(accepted ? 201 : 200);
      return { accepted };
    }),
  ];
}
