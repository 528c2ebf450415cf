// The persisted form of one member's group (docs/PROTOCOL.md §12.7): the ts-mls state, this member's sender chain,
// the fork status and the epoch tags and Commit hashes kept for fork and replay detection.
//
// u8 version (1) ‖ u32 len ‖ ts-mls GroupState ‖ u32 len ‖ SenderChain JSON ‖ u64 (the highest epoch once seen on the
// wire: written, no longer read) ‖ u64 fork + 1 (0: none) ‖ u32 n ‖ n × (u64 epoch ‖ tag(16)) ‖ u32 m ‖ m × (u64 epoch ‖
// commit hash(32)).
import { Reader, Writer, abytes } from '../crypto/_bytes.ts';
import { SenderChain, type SenderChainState } from '../franking/chain.ts';
import { GroupError } from './group-errors.ts';
import { type ClientConfig, type ClientState, decodeGroupState, encodeGroupState } from './_ts-mls.ts';

const STATE_VERSION = 1;

export interface PersistedGroup {
  state: ClientState;
  chain: SenderChain;
  forkedAt: number | undefined;
  /** epoch → epochTag */
  tags: Map<number, Uint8Array>;
  /** epoch → hash of the Commit that ended it */
  commits: Map<number, Uint8Array>;
}

export function encodePersistedGroup(g: PersistedGroup): Uint8Array {
  const mls = encodeGroupState(g.state);
  const chain = new TextEncoder().encode(JSON.stringify(g.chain.toJSON()));
  const w = new Writer(1 + 4 + mls.length + 4 + chain.length + 4 + 1 + (g.tags.size + g.commits.size) * 40 + 8 + 8)
    .u8(STATE_VERSION).u32(mls.length).raw(mls).u32(chain.length).raw(chain)
    .u64(Number(g.state.groupContext.epoch)).u64(g.forkedAt === undefined ? 0 : g.forkedAt + 1).u32(g.tags.size);
  for (const [e, t] of g.tags) w.u64(e).fixed(t, 16, 'tag');
  w.u32(g.commits.size);
  for (const [e, h] of g.commits) w.u64(e).fixed(h, 32, 'hash');
  return w.finish();
}

/** Decodes `bytes` (`malformed` unless exactly one persisted group); the ts-mls state gets `config`. */
export function decodePersistedGroup(bytes: Uint8Array, config: ClientConfig): PersistedGroup {
  const r = new Reader(abytes(bytes, undefined, 'state'));
  if (r.u8('version') !== STATE_VERSION) throw new GroupError('malformed', 'group state: unsupported version');
  const mls = r.fixed(r.u32('mls'), 'mls');
  const decoded = decodeGroupState(mls, 0);
  if (!decoded) throw new GroupError('malformed', 'group state: MLS state does not parse');
  const chain = SenderChain.fromJSON(JSON.parse(new TextDecoder().decode(r.fixed(r.u32('chain'), 'chain'))) as SenderChainState);
  const state: ClientState = { ...decoded[0], clientConfig: config };
  r.u64('seenEpoch'); // unused since unauthenticated epochs stopped blocking sends (§12.7)
  const fork = r.u64('fork');
  const tags = new Map<number, Uint8Array>();
  const commits = new Map<number, Uint8Array>();
  for (let i = r.u32('tags'); i > 0; i--) tags.set(r.u64('epoch'), r.fixed(16, 'tag').slice());
  for (let i = r.u32('commits'); i > 0; i--) commits.set(r.u64('epoch'), r.fixed(32, 'hash').slice());
  r.end('group state');
  return { state, chain, forkedAt: fork ? fork - 1 : undefined, tags, commits };
}
