// LogSource over the server's public HTTP endpoints (docs/TRANSPARENCY.md §10). Every answer is parsed with
// strict parsers below first; anything that does not parse is TransparencyError('malformed').
import { fromBase64Url } from '../crypto/_bytes.ts';
import { type Cosignature, cosignatureFromJson } from './cosignature.ts';
import type { KeyProof } from './client.ts';
import { TransparencyError, malformed } from './errors.ts';
import { MAX_PROOF_HASHES } from './merkle.ts';
import type { LogEntry, LogSource } from './source.ts';
import { type SignedTreeHead, treeHeadFromJson } from './tree-head.ts';

// Hand-written strict parsers (the same shapes as client/transport/contract/transparency.ts) so the SDK entry
// point does not bundle zod: exact member sets, exact byte lengths, bounded arrays, safe integers.
type Json = Record<string, unknown>;
function obj(v: unknown, what: string, members: readonly string[]): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed(`${what}: expected an object`);
  const extra = Object.keys(v).filter((k) => !members.includes(k));
  if (extra.length) throw malformed(`${what}: unexpected member ${extra[0]?.slice(0, 40)}`);
  return v as Json;
}
function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(`${what}: expected an integer in [0, 2^53-1]`);
  return v;
}
function bytes(v: unknown, what: string, min: number, max = min): Uint8Array {
  if (typeof v !== 'string' || v.length > Math.ceil((max * 4) / 3)) throw malformed(`${what}: expected base64url of at most ${max} bytes`);
  let b: Uint8Array;
  try {
    b = fromBase64Url(v, what);
  } catch {
    throw malformed(`${what}: not base64url`);
  }
  if (b.length < min || b.length > max) throw malformed(`${what}: expected ${min === max ? min : `${min}-${max}`} bytes, got ${b.length}`);
  return b;
}
function list(v: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(v) || v.length > max) throw malformed(`${what}: expected an array of at most ${max}`);
  return v;
}
const proofOf = (v: unknown, what: string) => list(v, what, MAX_PROOF_HASHES).map((h, i) => bytes(h, `${what}[${i}]`, 32));
/** Largest leaf (docs/TRANSPARENCY.md §3). */
const MAX_LEAF = 1134;

/** Strict conversion of the contract's KeyProofJson (the `transparency` member of a fetched bundle). */
export function keyProofFromJson(j: unknown): KeyProof {
  const p = obj(j, 'key proof', ['leaf', 'leafIndex', 'proof', 'head', 'cosignatures']);
  return {
    leaf: bytes(p.leaf, 'key proof: leaf', 1, MAX_LEAF),
    leafIndex: int(p.leafIndex, 'key proof: leafIndex'),
    proof: proofOf(p.proof, 'key proof: proof'),
    head: treeHeadFromJson(p.head),
    // absent reads as none (older servers); anything else present must be the list
    cosignatures: (p.cosignatures === undefined ? [] : list(p.cosignatures, 'key proof: cosignatures', 16)).map(cosignatureFromJson),
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
    const j = obj(await this.get('/v1/transparency/log-key'), 'log key', ['algorithm', 'logKeyId', 'publicKey', 'witnesses']);
    if (j.algorithm !== 'Ed25519') throw malformed('log key: algorithm must be Ed25519');
    bytes(j.logKeyId, 'log key: logKeyId', 32);
    return {
      publicKey: bytes(j.publicKey, 'log key: publicKey', 32),
      logKeyId: j.logKeyId as string,
      witnesses: list(j.witnesses, 'log key: witnesses', 16).map((w, i) => {
        const o = obj(w, `log key: witnesses[${i}]`, ['name', 'publicKey', 'witnessKeyId']);
        if (typeof o.name !== 'string' || o.name.length > 64) throw malformed(`log key: witnesses[${i}].name`);
        return { name: o.name, publicKey: bytes(o.publicKey, `log key: witnesses[${i}].publicKey`, 32) };
      }),
    };
  }

  async head(opts: { cosigned?: boolean } = {}): Promise<{ head: SignedTreeHead; cosignatures: Cosignature[] }> {
    const j = obj(await this.get(`/v1/transparency/head${opts.cosigned ? '?cosigned=true' : ''}`), 'tree head', ['head', 'cosignatures']);
    return { head: treeHeadFromJson(j.head), cosignatures: list(j.cosignatures, 'cosignatures', 16).map(cosignatureFromJson) };
  }

  async consistency(first: number, second: number): Promise<Uint8Array[]> {
    const j = obj(await this.get(`/v1/transparency/consistency?first=${first}&second=${second}`), 'consistency proof', ['first', 'second', 'proof']);
    if (int(j.first, 'first') !== first || int(j.second, 'second') !== second) throw malformed('consistency proof: answers another pair of sizes');
    return proofOf(j.proof, 'consistency proof');
  }

  async inclusion(index: number, treeSize: number): Promise<Uint8Array[]> {
    const j = obj(await this.get(`/v1/transparency/inclusion?index=${index}&treeSize=${treeSize}`), 'inclusion proof', ['leafIndex', 'treeSize', 'proof']);
    if (int(j.leafIndex, 'leafIndex') !== index || int(j.treeSize, 'treeSize') !== treeSize) throw malformed('inclusion proof: answers another leaf or size');
    return proofOf(j.proof, 'inclusion proof');
  }

  async entries(start: number, limit: number): Promise<LogEntry[]> {
    const j = obj(await this.get(`/v1/transparency/entries?start=${start}&limit=${limit}`), 'entries', ['entries']);
    return list(j.entries, 'entries', 1000).map((e, i) => {
      const o = obj(e, `entries[${i}]`, ['index', 'leaf']);
      return { index: int(o.index, `entries[${i}].index`), leaf: bytes(o.leaf, `entries[${i}].leaf`, 1, MAX_LEAF) };
    });
  }

  async heads(after: number, limit: number): Promise<SignedTreeHead[]> {
    const q = after >= 0 ? `after=${after}&limit=${limit}` : `limit=${limit}`;
    const j = obj(await this.get(`/v1/transparency/heads?${q}`), 'heads', ['heads']);
    return list(j.heads, 'heads', 1000).map(treeHeadFromJson);
  }
}
