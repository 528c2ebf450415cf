// API contract: key transparency (docs/TRANSPARENCY.md §10). The log is public: no token, anyone may audit it.
import { z } from 'zod';
import { b64Exact, b64Max, Id } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

const U53 = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Hash = b64Exact(32);
/** Counts in query strings arrive as text. */
const QueryU53 = z.string().regex(/^(0|[1-9][0-9]{0,15})$/, 'expected a non-negative decimal integer').transform(Number).pipe(U53);

export const MAX_ENTRIES_PER_PAGE = 1000;
export const MAX_HEADS_PER_PAGE = 1000;

export const SignedTreeHeadJson = z
  .strictObject({
    logKeyId: b64Exact(32),
    treeSize: U53,
    rootHash: Hash,
    timestamp: U53.meta({ description: 'ms since the Unix epoch' }),
    signature: b64Exact(64).meta({ description: 'Ed25519 by the log key over docs/TRANSPARENCY.md §5' }),
  })
  .meta({ id: 'SignedTreeHead' });
export const CosignatureJson = z
  .strictObject({ witnessKeyId: b64Exact(32), cosignedAt: U53, signature: b64Exact(64) })
  .meta({ id: 'Cosignature' });
export const Proof = z.array(Hash).max(106);

export const LogKeyResponse = z
  .strictObject({ algorithm: z.literal('Ed25519'), logKeyId: b64Exact(32), publicKey: b64Exact(32), witnesses: z.array(z.strictObject({ name: z.string().max(64), publicKey: b64Exact(32), witnessKeyId: b64Exact(32) })).max(16) })
  .meta({ id: 'TransparencyLogKey' });
export const HeadQuery = z.strictObject({ cosigned: z.enum(['true', 'false']).optional() });
export const HeadResponse = z.strictObject({ head: SignedTreeHeadJson, cosignatures: z.array(CosignatureJson).max(16) }).meta({ id: 'TreeHeadWithCosignatures' });
export const HeadsQuery = z.strictObject({ after: QueryU53.optional(), limit: QueryU53.optional() });
export const HeadsResponse = z.strictObject({ heads: z.array(SignedTreeHeadJson).max(MAX_HEADS_PER_PAGE) }).meta({ id: 'TreeHeadList' });
export const ConsistencyQuery = z.strictObject({ first: QueryU53, second: QueryU53 });
export const ConsistencyResponse = z.strictObject({ first: U53, second: U53, proof: Proof }).meta({ id: 'ConsistencyProof' });
export const InclusionQuery = z.strictObject({ index: QueryU53, treeSize: QueryU53 });
export const InclusionResponse = z.strictObject({ leafIndex: U53, treeSize: U53, proof: Proof }).meta({ id: 'InclusionProof' });
export const EntriesQuery = z.strictObject({ start: QueryU53, limit: QueryU53.optional() });
export const EntriesResponse = z
  .strictObject({ entries: z.array(z.strictObject({ index: U53, leaf: b64Max(1200, 1) })).max(MAX_ENTRIES_PER_PAGE) })
  .meta({ id: 'LogEntries' });
export const CosignRequest = z.strictObject({ head: SignedTreeHeadJson, cosignature: CosignatureJson }).meta({ id: 'CosignRequest' });
export const CosignResponse = z.strictObject({ accepted: z.boolean() });
export const AccountParams = z.strictObject({ userId: Id });

/** Carried by every key fetch (client/transport/contract/keys.ts FetchedBundle.transparency). */
export const KeyProofJson = z
  .strictObject({
    leaf: b64Max(1200, 1).meta({ description: 'the binding leaf (docs/TRANSPARENCY.md §3)' }),
    leafIndex: U53,
    proof: Proof.meta({ description: 'RFC 9162 §2.1.3 audit path, bottom first' }),
    head: SignedTreeHeadJson,
    cosignatures: z.array(CosignatureJson).max(16),
  })
  .meta({ id: 'KeyInclusionProof' });

export const transparencyOperations = {
  transparencyLogKey: defineOperation(endpoints.transparencyLogKey, {
    tag: 'transparency', summary: "The log's Ed25519 public key, its key id and the witnesses it accepts", response: LogKeyResponse,
  }),
  transparencyHead: defineOperation(endpoints.transparencyHead, {
    tag: 'transparency', summary: 'The newest signed tree head (cosigned=true: the newest cosigned one) with its cosignatures', query: HeadQuery, response: HeadResponse,
  }),
  transparencyHeads: defineOperation(endpoints.transparencyHeads, {
    tag: 'transparency', summary: `Every signed tree head with treeSize > after, ascending (at most ${MAX_HEADS_PER_PAGE})`, query: HeadsQuery, response: HeadsResponse,
  }),
  transparencyConsistency: defineOperation(endpoints.transparencyConsistency, {
    tag: 'transparency', summary: 'RFC 9162 §2.1.4 consistency proof between two tree sizes', query: ConsistencyQuery, response: ConsistencyResponse,
  }),
  transparencyInclusion: defineOperation(endpoints.transparencyInclusion, {
    tag: 'transparency', summary: 'RFC 9162 §2.1.3 inclusion proof of a leaf in a tree size', query: InclusionQuery, response: InclusionResponse,
  }),
  transparencyEntries: defineOperation(endpoints.transparencyEntries, {
    tag: 'transparency', summary: `Log entries from start (at most ${MAX_ENTRIES_PER_PAGE})`, query: EntriesQuery, response: EntriesResponse,
  }),
  transparencyCosign: defineOperation(endpoints.transparencyCosign, {
    tag: 'transparency', summary: "A configured witness's cosignature of a tree head (docs/TRANSPARENCY.md §7)", body: CosignRequest, response: CosignResponse,
  }),
} as const;
