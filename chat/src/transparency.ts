// Key transparency in the chat (docs/TRANSPARENCY.md): every contact's key is checked against the server's public
// key log before a session starts; this account's own entries are checked at every start, on every new signed head
// this browser sees (announced on the push channel or met in a proof), and every 10 minutes as a backstop; views of
// the log are compared with contacts inside the encrypted conversation (gossip). What goes wrong is said in plain
// words, with what to do. State lives in this browser's IndexedDB (meta store).
import { toBase64Url } from '../../client/crypto/_bytes.ts';
import type { FetchedBundleJson } from '../../client/transport/api.ts';
import {
  type HeadStore, HttpLogSource, KIND_IDENTITY, type MonitorState, type PublishedKey, type SignedTreeHeadJson, TransparencyClient, TransparencyError, decodeGossip,
  encodeGossip, initialMonitorState, keyProofFromJson, monitorOwnKeys, treeHeadToJson,
} from '../../client/transparency/index.ts';
import { fromBase64Url } from '../../client/protocol.ts';
import { type KeyPackageClaim, verifyClaimedKeyPackage } from '../../client/group/key-package-proof.ts';

export const MONITOR_INTERVAL_MS = 10 * 60_000;
/**
 * Automatic gossip is rare on purpose: every gossip is a franked message in the conversation (it takes a sequence
 * number and shows as a one-line note). A conversation gossips on its own once it is a day old, then at most daily
 * when the view grew; at once when the user compares safety numbers or presses "Compare key logs".
 */
export const GOSSIP_INTERVAL_MS = 24 * 60 * 60_000;

export interface KtAlarm {
  id: string;
  kind: 'foreign_key' | 'split_view' | 'log_misbehaved' | 'log_key_changed';
  /** what happened, in plain words */
  text: string;
  /** what to do */
  advice: string;
  at: number;
}

export interface KtView {
  /** contacts whose current key was proven in the public key log, with the log size it was proven at */
  proven: Readonly<Record<string, number>>;
  alarms: readonly KtAlarm[];
  lastCheck: number | null;
  logSize: number | null;
}

export const EMPTY_KT_VIEW: KtView = { proven: {}, alarms: [], lastCheck: null, logSize: null };

export interface MetaStore {
  meta<T>(key: string): Promise<T | undefined>;
  saveMeta(key: string, value: unknown): Promise<void>;
}

interface Persisted {
  logKey: string;
  monitor: MonitorState | null;
  view: KtView;
  gossipSent: Record<string, { size: number; at: number }>;
}

export class KeyTransparencyError extends Error {}

export class ChatTransparency {
  private client: TransparencyClient | null = null;
  private state: Persisted | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly source: HttpLogSource;
  /** The account and keys own-key monitoring runs for (set by `start`), and the one check in flight. */
  private watching: { accountId: string; published: () => PublishedKey[] } | null = null;
  private checking: Promise<void> | null = null;
  /** A check was asked for while one ran: `force` (start, the backstop timer) or a head larger than it may cover. */
  private again: { force: boolean; size: number } = { force: false, size: -1 };

  constructor(
    baseUrl: string,
    private readonly store: () => MetaStore,
    private readonly onChange: (v: KtView) => void,
  ) {
    this.source = new HttpLogSource(baseUrl || (typeof location !== 'undefined' ? location.origin : ''));
  }

  private async ready(): Promise<{ client: TransparencyClient; state: Persisted }> {
    if (this.client && this.state) return { client: this.client, state: this.state };
    const saved = await this.store().meta<Persisted>('kt');
    const served = await this.source.logKey();
    const servedKey = toBase64Url(served.publicKey);
    // Trust on first use, then pinned: a server that starts signing with another key is an alarm, not an upgrade.
    const state: Persisted = saved ?? { logKey: servedKey, monitor: null, view: EMPTY_KT_VIEW, gossipSent: {} };
    if (saved && saved.logKey !== servedKey && !state.view.alarms.some((a) => a.kind === 'log_key_changed'))
      state.view = { ...state.view, alarms: [...state.view.alarms, alarm('log_key_changed', 'The server now signs its key log with a different key than before.', 'Keep using your verified contacts, compare safety numbers in person, and ask the operator why the log key changed.')] };
    const headStore: HeadStore = {
      load: async (id) => this.store().meta<SignedTreeHeadJson>(`kt-head:${id}`),
      save: async (id, h) => {
        await this.store().saveMeta(`kt-head:${id}`, h);
        this.headSeen(h); // a newer head met anywhere (a key proof, gossip): check own keys against it
      },
    };
    this.client = new TransparencyClient({ logPublicKey: fromBase64Url(state.logKey), source: this.source, store: headStore });
    this.state = state;
    return { client: this.client, state };
  }

  private async save(patch: Partial<Persisted>): Promise<void> {
    if (!this.state) return;
    this.state = { ...this.state, ...patch };
    await this.store().saveMeta('kt', this.state);
    this.onChange(this.state.view);
  }

  private async raise(a: KtAlarm): Promise<void> {
    const view = (this.state as Persisted).view;
    if (view.alarms.some((x) => x.text === a.text)) return;
    await this.save({ view: { ...view, alarms: [...view.alarms, a] } });
  }

  async view(): Promise<KtView> {
    const s = this.state ?? (await this.store().meta<Persisted>('kt'));
    return s?.view ?? EMPTY_KT_VIEW;
  }

  /**
   * Verifies a fetched bundle's key against the log before a session uses it. Throws KeyTransparencyError (plain
   * words) when the key is not proven; raises an alarm when the log itself misbehaves.
   */
  async verifyBundle(peerId: string, bundle: FetchedBundleJson): Promise<void> {
    const { client, state } = await this.ready();
    if (!bundle.transparency) throw new KeyTransparencyError(`The server sent ${peerId}'s key without proof that it is in the public key log, so it was not used.`);
    const key = new Uint8Array([...fromBase64Url(bundle.identitySigningKey), ...fromBase64Url(bundle.identityDhKey)]);
    try {
      const proven = await client.verifyKey(keyProofFromJson(bundle.transparency), { accountId: peerId, kind: KIND_IDENTITY, key });
      await this.save({ view: { ...state.view, proven: { ...state.view.proven, [peerId]: proven.head.treeSize }, logSize: Math.max(state.view.logSize ?? 0, proven.head.treeSize) } });
    } catch (e) {
      if (TransparencyError.is(e, 'split_view') || TransparencyError.is(e, 'consistency_failed'))
        await this.raise(alarm('log_misbehaved', `The server's key log contradicts what it showed this browser before (${e.message}).`, 'Someone may be trying to intercept your conversations. Do not trust new keys; compare safety numbers with your contacts in person, and report this to the operator.'));
      throw new KeyTransparencyError(`${peerId}'s key could not be proven in the public key log, so it was not used (${TransparencyError.is(e) ? e.code : 'error'}).`);
    }
  }

  /**
   * Verifies a claimed MLS key package's credential key against the log before the member is added to a group
   * (docs/TRANSPARENCY.md §6.4). Throws KeyTransparencyError (plain words: what happened, what to do) when it is not
   * proven; raises an alarm when the log itself misbehaves. Other errors (the log cannot be reached) pass through.
   */
  async verifyKeyPackage(peerId: string, claimed: KeyPackageClaim): Promise<void> {
    const { client } = await this.ready();
    try {
      await verifyClaimedKeyPackage(client, peerId, claimed);
    } catch (e) {
      if (!TransparencyError.is(e)) throw e;
      if (e.code === 'split_view' || e.code === 'consistency_failed')
        await this.raise(alarm('log_misbehaved', `The server's key log contradicts what it showed this browser before (${e.message}).`, 'Someone may be trying to intercept your conversations. Do not trust new keys; compare safety numbers with your contacts in person, and report this to the operator.'));
      throw new KeyTransparencyError(keyPackageRefusal(peerId, e));
    }
  }

  /**
   * Own-key monitoring (docs/TRANSPARENCY.md §6.3) now, on every newer signed head this browser sees (`headSeen`),
   * and every 10 minutes as a backstop. `published`: the keys this device created.
   */
  start(accountId: string, published: () => PublishedKey[]): void {
    this.watching = { accountId, published };
    this.requestCheck();
    this.timer ??= setInterval(() => this.requestCheck(), MONITOR_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watching = null;
  }

  /**
   * A signed head was seen (pushed by the server, or met in a proof). If it is newer than what the monitor has
   * checked, the own keys are checked now. Only a trigger: the check fetches and verifies the log's head itself.
   */
  headSeen(head: { treeSize: number }): void {
    if (!Number.isSafeInteger(head.treeSize) || head.treeSize <= (this.state?.monitor?.size ?? -1)) return;
    this.requestCheck(head.treeSize);
  }

  /**
   * One check at a time. A request during a check runs one more check after it when it was forced or names a head
   * larger than the finished check covered — so no head is missed, and the check's own head adds no second run.
   */
  private requestCheck(size?: number): void {
    if (!this.watching) return;
    if (this.checking) {
      if (size === undefined) this.again.force = true;
      else this.again.size = Math.max(this.again.size, size);
      return;
    }
    const { accountId, published } = this.watching;
    this.checking = this.checkOwnKeys(accountId, published())
      .then(() => undefined, () => undefined)
      .finally(() => {
        this.checking = null;
        const { force, size: wanted } = this.again;
        this.again = { force: false, size: -1 };
        if (force) this.requestCheck();
        else if (wanted > (this.state?.monitor?.size ?? -1)) this.requestCheck(wanted);
      });
  }

  async checkOwnKeys(accountId: string, published: PublishedKey[]): Promise<KtView> {
    const { client, state } = await this.ready();
    const prior = state.monitor?.accountId === accountId ? state.monitor : initialMonitorState(accountId);
    try {
      const r = await monitorOwnKeys(client, prior, published);
      const view = { ...state.view, lastCheck: Date.now(), logSize: r.checkedSize };
      await this.save({ monitor: r.state, view });
      for (const f of r.fresh)
        await this.raise(alarm('foreign_key', `A key you did not create was published for your account (${f.binding.kind} key, log entry ${f.leafIndex}, ${new Date(f.binding.timestamp).toLocaleString()}).`, 'Someone with control of the server may be reading messages sent to you. Tell your contacts to compare safety numbers with you in person before trusting new messages, and report this to the operator.'));
    } catch (e) {
      if (TransparencyError.is(e)) await this.raise(alarm('log_misbehaved', `The server's key log failed a check (${e.message}).`, 'Do not trust new keys until this is explained; compare safety numbers with your contacts in person.'));
      else throw e;
    }
    return (this.state as Persisted).view;
  }

  /**
   * Gossip bytes for a conversation, or null when it is not due: `force` (the user asked) sends our newest head
   * now; otherwise only if the conversation is older than a day, our view grew since we last told it, and the
   * last gossip is a day old.
   */
  async gossipFor(conversationId: string, opts: { force?: boolean; conversationStartedAt?: number } = {}): Promise<Uint8Array | null> {
    const { client, state } = await this.ready();
    let head = await client.newestHead();
    if (!head && opts.force) head = (await client.acceptHead((await this.source.head()).head)).head;
    if (!head) return null;
    const sent = state.gossipSent[conversationId];
    const now = Date.now();
    if (!opts.force) {
      if (now - (opts.conversationStartedAt ?? now) < GOSSIP_INTERVAL_MS) return null;
      if (sent && (sent.size >= head.treeSize || now - sent.at < GOSSIP_INTERVAL_MS)) return null;
    }
    await this.save({ gossipSent: { ...state.gossipSent, [conversationId]: { size: head.treeSize, at: Date.now() } } });
    return encodeGossip([head]);
  }

  /** A contact's gossip: compares views; returns the note shown in the conversation. */
  async receiveGossip(peerId: string, body: Uint8Array): Promise<string> {
    let heads;
    try {
      heads = decodeGossip(body);
    } catch {
      return `${peerId} sent a key-log check this app could not read.`;
    }
    const { client } = await this.ready();
    const verdicts = await client.checkPeerHeads(heads).catch(() => []);
    const split = verdicts.find((v) => v.status === 'split_view');
    if (split) {
      await this.raise(alarm('split_view', `The server showed ${peerId} a different key log than it showed you.`, `Someone may be intercepting conversations. Compare safety numbers with ${peerId} in person before trusting either key, and report this to the operator.`));
      return `Key log check with ${peerId}: the server showed you two different histories. See the warning at the top.`;
    }
    const ok = verdicts.find((v) => v.status === 'consistent');
    return ok && ok.status === 'consistent' ? `Key log check with ${peerId}: you both see the same history (${ok.head.treeSize} keys).` : `Key log check with ${peerId}: nothing to compare.`;
  }

  async dismiss(alarmId: string): Promise<void> {
    if (!this.state) return;
    await this.save({ view: { ...this.state.view, alarms: this.state.view.alarms.filter((a) => a.id !== alarmId) } });
  }
}

/** Why a member's group key was refused, and what to do, in plain words (the add-member dialog shows it). */
function keyPackageRefusal(peerId: string, e: TransparencyError): string {
  const notAdded = `so ${peerId} was not added`;
  switch (e.code) {
    case 'missing_proof':
      return `The server sent ${peerId}'s group key without proof that it is in the public key log, ${notAdded}. An honest server always sends that proof: compare safety numbers with ${peerId} in person and tell the operator before trying again.`;
    case 'binding_mismatch':
      return `The server sent a group key for ${peerId} that the public key log does not list as ${peerId}'s, ${notAdded}. Someone may be trying to join the group in ${peerId}'s place: compare safety numbers with ${peerId} in person and tell the operator.`;
    case 'split_view':
    case 'consistency_failed':
      return `The server's key log contradicts what it showed this browser before, ${notAdded}. See the warning at the top: compare safety numbers with ${peerId} in person and tell the operator.`;
    case 'malformed':
      return `The server sent ${peerId}'s group key with a damaged proof, ${notAdded}. Try again in a moment; if it happens again, tell the operator.`;
    default:
      return `${peerId}'s group key could not be proven in the public key log (${e.code}), ${notAdded}. Compare safety numbers with ${peerId} in person before trying again, and tell the operator.`;
  }
}

function alarm(kind: KtAlarm['kind'], text: string, advice: string): KtAlarm {
  return { id: `${kind}:${Date.now()}:${Math.random().toString(36).slice(2, 8)}`, kind, text, advice, at: Date.now() };
}

export { treeHeadToJson };
