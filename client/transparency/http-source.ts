// LogSource over the server's public HTTP endpoints (docs/TRANSPARENCY.md §10). Every answer is parsed with
// the API contract's zod schemas first; anything that does not parse is TransparencyError('malformed').
import type { z } from 'zod';
import { fromBase64Url } from '../crypto/_bytes.ts';
import { ConsistencyResponse, EntriesResponse, HeadResponse, HeadsResponse, InclusionResponse, KeyProofJson, LogKeyResponse } from '../transport/contract/transparency.ts';
import { type Cosignature, cosignatureFromJson } from './cosignature.ts';
import type { KeyProof } from './client.ts';
import { TransparencyError, malformed } from './errors.ts';
import type { LogEntry, LogSource } from './source.ts';
import { type SignedTreeHead, treeHeadFromJson } from './tree-head.ts';

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw malformed(`${what}: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? 'invalid'}`.trim());
  return r.data;
}

/** Strict conversion of the contract's KeyProofJson (the `transparency` member of a fetched bundle). */
export function keyProofFromJson(j: unknown): KeyProof {
  const p = parse(KeyProofJson, j, 'key proof');
  return {
    leaf: fromBase64Url(p.leaf, 'leaf'),
    leafIndex: p.leafIndex,
    proof: p.proof.map((h) => fromBase64Url(h, 'proof')),
    head: treeHeadFromJson(p.head),
    cosignatures: p.cosignatures.map(cosignatureFromJson),
  };
}

/** 1000 entries of the largest leaf in base64url plus framing: nothing valid is longer. */
const MAX_ANSWER_CHARS = 2_000_000;

export class HttpLogSource implements LogSource {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  constructor(baseUrl: string, fetchImpl?: typeof fetch) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.fetchImpl = fetchImpl ?? ((i, init) => globalThis.fetch(i, init));
  }

  private async get(path: string): Promise<unknown> {
    const res = await this.fetchImpl(this.base + path, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new TransparencyError('malformed', `GET ${path.split('?')[0]}: the log answered ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_ANSWER_CHARS) throw malformed(`GET ${path.split('?')[0]}: answer of ${text.length} characters exceeds ${MAX_ANSWER_CHARS}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw malformed(`GET ${path.split('?')[0]}: the answer is not JSON`);
    }
  }

  async logKey(): Promise<{ publicKey: Uint8Array; logKeyId: string; witnesses: Array<{ name: string; publicKey: Uint8Array }> }> {
    const j = parse(LogKeyResponse, await this.get('/v1/transparency/log-key'), 'log key');
    return { publicKey: fromBase64Url(j.publicKey), logKeyId: j.logKeyId, witnesses: j.witnesses.map((w) => ({ name: w.name, publicKey: fromBase64Url(w.publicKey) })) };
  }

  async head(opts: { cosigned?: boolean } = {}): Promise<{ head: SignedTreeHead; cosignatures: Cosignature[] }> {
    const j = parse(HeadResponse, await this.get(`/v1/transparency/head${opts.cosigned ? '?cosigned=true' : ''}`), 'tree head');
    return { head: treeHeadFromJson(j.head), cosignatures: j.cosignatures.map(cosignatureFromJson) };
  }

  async consistency(first: number, second: number): Promise<Uint8Array[]> {
    const j = parse(ConsistencyResponse, await this.get(`/v1/transparency/consistency?first=${first}&second=${second}`), 'consistency proof');
    if (j.first !== first || j.second !== second) throw malformed('consistency proof: answers another pair of sizes');
    return j.proof.map((h) => fromBase64Url(h));
  }

  async inclusion(index: number, treeSize: number): Promise<Uint8Array[]> {
    const j = parse(InclusionResponse, await this.get(`/v1/transparency/inclusion?index=${index}&treeSize=${treeSize}`), 'inclusion proof');
    if (j.leafIndex !== index || j.treeSize !== treeSize) throw malformed('inclusion proof: answers another leaf or size');
    return j.proof.map((h) => fromBase64Url(h));
  }

  async entries(start: number, limit: number): Promise<LogEntry[]> {
    const j = parse(EntriesResponse, await this.get(`/v1/transparency/entries?start=${start}&limit=${limit}`), 'entries');
    return j.entries.map((e) => ({ index: e.index, leaf: fromBase64Url(e.leaf) }));
  }

  async heads(after: number, limit: number): Promise<SignedTreeHead[]> {
    const q = after >= 0 ? `after=${after}&limit=${limit}` : `limit=${limit}`;
    const j = parse(HeadsResponse, await this.get(`/v1/transparency/heads?${q}`), 'heads');
    return j.heads.map(treeHeadFromJson);
  }
}
