// Own-key monitoring (docs/TRANSPARENCY.md §6.3). At start and periodically a client reads every log entry
// appended since its last check, recomputes the root through a Frontier (so the entries provably are the log
// the signed head commits to), and collects every entry for its own account whose key it did not publish:
// "a key you did not create was published for your account". Without a VRF-keyed directory (CONIKS, AKD) no
// server-side index can be trusted to list all of an account's entries, so the scan is what makes this sound.
import { equalBytes, fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import type { TransparencyClient } from './client.ts';
import { TransparencyError } from './errors.ts';
import { type KeyBinding, decodeLeaf, KIND_DEVICE_LIST } from './leaf.ts';
import { Frontier, type Sha256, defaultSha256, hashLeaf } from './merkle.ts';

export interface PublishedKey {
  kind: string;
  key: Uint8Array;
}

export interface ForeignKeyAlarm {
  leafIndex: number;
  binding: KeyBinding;
}

/** What the monitor remembers between checks (JSON-safe; the chat keeps it in IndexedDB). */
export interface MonitorState {
  accountId: string;
  size: number;
  frontier: string[];
  alarms: Array<{ leafIndex: number; kind: string; key: string; action: 'publish' | 'revoke'; timestamp: number }>;
  /** the own keys seen in the log, base64url, per kind */
  seen: Record<string, string[]>;
}

export interface MonitorResult {
  checkedSize: number;
  /**
   * With `ownDeviceLists` (docs/PROTOCOL-devices.md D7.4): the account's `device-list` leaves found by this check, in
   * log order. They are not foreign-key alarms by themselves: `checkOwnDeviceLists` decides, against the pinned chain,
   * whether each is a notice (one of this account's devices changed the list) or an alarm.
   */
  deviceListLeaves: ForeignKeyAlarm[];
  /** every foreign binding found so far (kept until the user acknowledges it) */
  alarms: MonitorState['alarms'];
  /** alarms found by this check */
  fresh: ForeignKeyAlarm[];
  /** published keys that the log does not (yet) contain */
  missing: PublishedKey[];
  state: MonitorState;
}

export const MONITOR_PAGE = 1000;

export function initialMonitorState(accountId: string): MonitorState {
  return { accountId, size: 0, frontier: [], alarms: [], seen: {} };
}

/**
 * One monitoring pass: verifies and adopts the log's current head, scans entries [state.size, head.size),
 * checks they reproduce the head's root, and reports foreign keys for `accountId`.
 */
export async function monitorOwnKeys(
  client: TransparencyClient,
  state: MonitorState,
  published: readonly PublishedKey[],
  opts: { hash?: Sha256; pageSize?: number; ownDeviceLists?: boolean } = {},
): Promise<MonitorResult> {
  const hash = opts.hash ?? defaultSha256;
  const { head, cosignatures } = await client.source.head();
  await client.acceptHead(head, cosignatures);
  if (head.treeSize < state.size) throw new TransparencyError('consistency_failed', `the log shrank from ${state.size} to ${head.treeSize} entries`);
  const frontier = Frontier.from({ size: state.size, nodes: state.frontier.map((n) => fromBase64Url(n, 'frontier')) }, hash);
  const isMine = (b: KeyBinding) => b.accountId === state.accountId;
  const ownKey = (b: KeyBinding) => published.some((p) => p.kind === b.kind && equalBytes(p.key, b.key));
  const fresh: ForeignKeyAlarm[] = [];
  const deviceListLeaves: ForeignKeyAlarm[] = [];
  const seen: Record<string, string[]> = Object.fromEntries(Object.entries(state.seen).map(([k, v]) => [k, [...v]]));
  const page = Math.max(1, Math.min(opts.pageSize ?? MONITOR_PAGE, MONITOR_PAGE));
  while (frontier.size < head.treeSize) {
    const start = frontier.size;
    const entries = await client.source.entries(start, Math.min(page, head.treeSize - start));
    if (entries.length === 0) throw new TransparencyError('consistency_failed', `the log did not serve entry ${start} of ${head.treeSize}`);
    for (const [i, e] of entries.entries()) {
      if (e.index !== start + i) throw new TransparencyError('malformed', `entries: expected index ${start + i}, got ${e.index}`);
      if (frontier.size >= head.treeSize) break;
      frontier.append(hashLeaf(e.leaf, hash));
      const b = decodeLeaf(e.leaf);
      if (!isMine(b)) continue;
      if (opts.ownDeviceLists && b.kind === KIND_DEVICE_LIST) {
        deviceListLeaves.push({ leafIndex: e.index, binding: b });
        continue;
      }
      if (b.action === 'publish' && ownKey(b)) (seen[b.kind] ??= []).push(toBase64Url(b.key));
      // A revoke of one of our own keys is expected after a key change; anything else for us is foreign.
      else if (!(b.action === 'revoke' && ownKey(b))) fresh.push({ leafIndex: e.index, binding: b });
    }
  }
  if (toBase64Url(frontier.root()) !== toBase64Url(head.rootHash))
    throw new TransparencyError('consistency_failed', `entries 0-${head.treeSize - 1} do not hash to the signed root: the log served other entries than it signed`);
  const alarms = [
    ...state.alarms,
    ...fresh.map((f) => ({ leafIndex: f.leafIndex, kind: f.binding.kind, key: toBase64Url(f.binding.key), action: f.binding.action, timestamp: f.binding.timestamp })),
  ];
  const next: MonitorState = { accountId: state.accountId, size: head.treeSize, frontier: frontier.toJSON().nodes.map(toBase64Url), alarms, seen };
  const missing = published.filter((p) => !(seen[p.kind] ?? []).includes(toBase64Url(p.key)));
  return { checkedSize: head.treeSize, alarms, fresh, missing, state: next, deviceListLeaves };
}
