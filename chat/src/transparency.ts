// Key transparency in the chat (docs/TRANSPARENCY.md): every contact's key is checked against the server's public
// key log before a session starts; this account's own entries are checked at every start, on every new signed head
// this browser sees (announced on the push channel or met in a proof), and every 10 minutes as a backstop; views of
// the log are compared with contacts inside the encrypted conversation (gossip). What goes wrong is said in plain
// words, with what to do (the sentences are in ./wording.ts). State lives in this browser's IndexedDB (meta store).
import { toBase64Url } from '@franking-chat/sdk/protocol';
import type { FetchedBundleJson } from '@franking-chat/sdk';
import {
  type HeadStore, HttpLogSource, KIND_IDENTITY, type MonitorState, type PublishedKey, type SignedTreeHeadJson, TransparencyClient, TransparencyError, decodeGossip,
  encodeGossip, identityBindingKey, initialMonitorState, keyProofFromJson, monitorOwnKeys, treeHeadToJson, verifyPresentedIdentity,
} from '@franking-chat/sdk';
import { fromBase64Url } from '@franking-chat/sdk/protocol';
import { type KeyPackageClaim, verifyClaimedKeyPackage } from '@franking-chat/sdk';
import {
  type CopyAlarm, type DeviceListProofChecker, type DeviceListSource, type OwnDeviceCheck, type PinnedDeviceList, checkOwnDeviceLists,
} from '@franking-chat/sdk';
import { KT_WORDS } from './wording.ts';

export const MONITOR_INTERVAL_MS = 10 * 60_000;
/**
 * Gossip (docs/TRANSPARENCY.md §8) is a franked protocol message: it takes a sequence number in the conversation but
 * is never shown as a message (docs/PROTOCOL.md §8.4). Each side sends its newest head with its first message of a
 * conversation, then at most daily when its view grew; at once when the user compares safety numbers or presses
 * "Compare key logs".
 */
export const GOSSIP_INTERVAL_MS = 24 * 60 * 60_000;

export interface KtAlarm {
  id: string;
  kind: 'foreign_key' | 'split_view' | 'log_misbehaved' | 'log_key_changed' | 'log_unproven';
  /** what happened, in plain words */
  text: string;
  /** what to do */
  advice: string;
  at: number;
  /** The two signed heads the log could not or would not reconcile (docs/TRANSPARENCY.md §6.3), kept as evidence. */
  evidence?: { older: SignedTreeHeadJson; newer: SignedTreeHeadJson };
}

/** The last key-log comparison with a contact (gossip, docs/TRANSPARENCY.md §8): shown beside the safety number, never as a message. */
export interface KtComparison {
  at: number;
  status: 'same' | 'split_view' | 'unproven' | 'nothing' | 'unreadable' | 'unreachable';
  /** log size both views agree on (status 'same') */
  size?: number;
}

export interface KtView {
  /** contacts whose current key was proven in the public key log, with the log size it was proven at */
  proven: Readonly<Record<string, number>>;
  alarms: readonly KtAlarm[];
  lastCheck: number | null;
  logSize: number | null;
  /** by contact: the last comparison of key-log views */
  compared?: Readonly<Record<string, KtComparison>>;
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
  /** by contact: the identity key (signing || DH, base64url) last proven in the log for them */
  provenKeys?: Record<string, string>;
}

export class KeyTransparencyError extends Error {}

/**
 * Own-device monitoring (docs/PROTOCOL-devices.md D7.4): the account's `device-list` leaves are checked against this
 * device's pinned own list; what a device of the account did is a notice (`checked`), what none did is an alarm.
 */
export interface OwnDeviceWatch {
  deviceId(): number | undefined;
  pinned(): PinnedDeviceList | undefined;
  source: DeviceListSource;
  checked(check: OwnDeviceCheck): Promise<void>;
}

export class ChatTransparency {
  private client: TransparencyClient | null = null;
  private state: Persisted | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly source: HttpLogSource;
  /** The account and keys own-key monitoring runs for (set by `start`), and the one check in flight. */
  private watching: { accountId: string; published: () => PublishedKey[] } | null = null;
  private checking: Promise<void> | null = null;
  private ownDevices: OwnDeviceWatch | null = null;
  /** The tree size each account's device lists were last proven against. */
  private readonly listProofs = new Map<string, number>();
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
      state.view = { ...state.view, alarms: [...state.view.alarms, alarm('log_key_changed', ...KT_WORDS.logKeyChanged())] };
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

  /**
   * The alarm for a log that contradicts itself or will not prove it does not (docs/TRANSPARENCY.md §6.3): a split
   * view or failed consistency proof, or a consistency proof refused, missing or malformed — kept with both signed heads.
   * Other transparency errors are not about the log's history and raise nothing here.
   */
  private async logAlarm(e: TransparencyError, peerId?: string): Promise<void> {
    const evidence = e.evidence ? { older: treeHeadToJson(e.evidence.older), newer: treeHeadToJson(e.evidence.newer) } : undefined;
    if (e.code === 'consistency_unproven') {
      const sizes = evidence ? { older: evidence.older.treeSize, newer: evidence.newer.treeSize } : undefined;
      await this.raise({
        ...alarm('log_unproven', ...KT_WORDS.logUnproven(peerId, sizes)),
        ...(evidence ? { evidence } : {}),
      });
    } else if (e.code === 'split_view' || e.code === 'consistency_failed') {
      await this.raise({
        ...alarm('log_misbehaved', ...KT_WORDS.logContradicts(e.message)),
        ...(evidence ? { evidence } : {}),
      });
    }
  }

  /**
   * The receive path (docs/TRANSPARENCY.md §6.1): resolves only when `presented` — the identity key a message's session
   * names — is the key the log holds for `peerId`, proven through the directory's `bundle`. Throws KeyTransparencyError
   * when it is not (and raises an alarm when the log itself misbehaves); other errors (unreachable) pass through.
   */
  async verifySender(peerId: string, bundle: FetchedBundleJson, presented: { signingKey: string; dhKey: string }): Promise<void> {
    const { client } = await this.ready();
    const signingKey = fromBase64Url(presented.signingKey);
    const dhKey = fromBase64Url(presented.dhKey);
    try {
      const proven = await verifyPresentedIdentity(client, peerId, { signingKey, dhKey }, {
        identitySigningKey: fromBase64Url(bundle.identitySigningKey), identityDhKey: fromBase64Url(bundle.identityDhKey), transparency: bundle.transparency,
      });
      const state = this.state as Persisted;
      await this.save({
        view: { ...state.view, proven: { ...state.view.proven, [peerId]: proven.head.treeSize }, logSize: Math.max(state.view.logSize ?? 0, proven.head.treeSize) },
        provenKeys: { ...state.provenKeys, [peerId]: toBase64Url(identityBindingKey(signingKey, dhKey)) },
      });
    } catch (e) {
      if (!TransparencyError.is(e)) throw e;
      await this.logAlarm(e);
      throw new KeyTransparencyError(KT_WORDS.senderKeyNotProven(peerId, e.code));
    }
  }

  /** Whether `identityKey` (signing || DH, base64url) is the key last proven in the log for `peerId`. */
  async isProven(peerId: string, identityKey: string): Promise<boolean> {
    const { state } = await this.ready();
    return state.provenKeys?.[peerId] === identityKey;
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
    const { client } = await this.ready();
    if (!bundle.transparency) throw new KeyTransparencyError(KT_WORDS.keyWithoutProof(peerId));
    const key = new Uint8Array([...fromBase64Url(bundle.identitySigningKey), ...fromBase64Url(bundle.identityDhKey)]);
    try {
      const proven = await client.verifyKey(keyProofFromJson(bundle.transparency), { accountId: peerId, kind: KIND_IDENTITY, key });
      const state = this.state as Persisted;
      await this.save({
        view: { ...state.view, proven: { ...state.view.proven, [peerId]: proven.head.treeSize }, logSize: Math.max(state.view.logSize ?? 0, proven.head.treeSize) },
        provenKeys: { ...state.provenKeys, [peerId]: toBase64Url(key) },
      });
    } catch (e) {
      if (!TransparencyError.is(e)) throw e; // the log could not be reached: the caller says so
      await this.logAlarm(e);
      throw new KeyTransparencyError(KT_WORDS.keyNotProven(peerId, e.code));
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
      await this.logAlarm(e);
      throw new KeyTransparencyError(KT_WORDS.keyPackageRefused(peerId, e.code));
    }
  }

  /**
   * Own-key monitoring (docs/TRANSPARENCY.md §6.3) now, on every newer signed head this browser sees (`headSeen`),
   * and every 10 minutes as a backstop. `published`: the keys this device created.
   */
  start(accountId: string, published: () => PublishedKey[], ownDevices?: OwnDeviceWatch): void {
    this.watching = { accountId, published };
    this.ownDevices = ownDevices ?? null;
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
      // docs/PROTOCOL-devices.md D7.4: the account's device-list leaves are not foreign keys; they are checked as lists.
      const r = await monitorOwnKeys(client, prior, published, { ownDeviceLists: true });
      const watch = this.ownDevices;
      const pinned = watch?.pinned();
      const deviceId = watch?.deviceId();
      let check: OwnDeviceCheck | null = null;
      // Before the monitor state moves past these leaves: a check that could not run (offline) runs again next time.
      if (watch && pinned && deviceId !== undefined && r.deviceListLeaves.length > 0)
        check = await checkOwnDeviceLists(r.deviceListLeaves, { pinned, deviceId, source: watch.source, logClient: client });
      const view = { ...state.view, lastCheck: Date.now(), logSize: r.checkedSize };
      await this.save({ monitor: r.state, view });
      for (const f of r.fresh)
        await this.raise(alarm('foreign_key', ...KT_WORDS.foreignKey(f.binding.kind, f.leafIndex, f.binding.timestamp)));
      if (check && watch) {
        // An unsigned list or an unknown device is a key this account did not create; a fork or a hidden list is the log misbehaving.
        for (const a of check.alarms)
          await this.raise(alarm(a.code === 'device_list_unsigned' || a.code === 'account_reset' ? 'foreign_key' : 'log_misbehaved', ...KT_WORDS.ownDeviceList(a.code, a.listVersion, a.reason)));
        await watch.checked(check);
      }
    } catch (e) {
      if (TransparencyError.is(e, 'consistency_unproven')) await this.logAlarm(e);
      else if (TransparencyError.is(e)) await this.raise(alarm('log_misbehaved', ...KT_WORDS.logFailedCheck(e.message)));
      else throw e;
    }
    return (this.state as Persisted).view;
  }

  /**
   * Gossip bytes for a conversation, or null when it is not due (docs/TRANSPARENCY.md §8): `force` (the user asked)
   * sends our newest head now; otherwise when this browser never told this conversation its view (the conversation
   * starts), then when our view grew since we last told it and the last gossip is a day old.
   */
  async gossipFor(conversationId: string, opts: { force?: boolean } = {}): Promise<Uint8Array | null> {
    const { client, state } = await this.ready();
    let head = await client.newestHead();
    if (!head) head = (await client.acceptHead((await this.source.head()).head)).head;
    const sent = state.gossipSent[conversationId];
    const now = Date.now();
    if (!opts.force && sent && (sent.size >= head.treeSize || now - sent.at < GOSSIP_INTERVAL_MS)) return null;
    await this.save({ gossipSent: { ...state.gossipSent, [conversationId]: { size: head.treeSize, at: Date.now() } } });
    return encodeGossip([head]);
  }

  /**
   * A contact's gossip (docs/TRANSPARENCY.md §8): compares views. The outcome is kept beside the contact (shown with the
   * safety number), never as a message; what needs the user's attention is an alarm (the banner at the top).
   */
  async receiveGossip(peerId: string, body: Uint8Array): Promise<KtComparison> {
    const { client } = await this.ready();
    const outcome = await this.compare(client, peerId, body);
    const state = this.state as Persisted;
    await this.save({ view: { ...state.view, compared: { ...state.view.compared, [peerId]: outcome } } });
    return outcome;
  }

  private async compare(client: TransparencyClient, peerId: string, body: Uint8Array): Promise<KtComparison> {
    const at = Date.now();
    let heads;
    try {
      heads = decodeGossip(body);
    } catch {
      return { at, status: 'unreadable' };
    }
    let verdicts;
    try {
      verdicts = await client.checkPeerHeads(heads);
    } catch (e) {
      // Not evidence about the log's history (it could not be reached, or answered something unrelated): no alarm.
      if (!TransparencyError.is(e)) return { at, status: 'unreachable' };
      await this.logAlarm(e, peerId);
      return { at, status: e.code === 'consistency_unproven' ? 'unproven' : 'split_view' };
    }
    const split = verdicts.find((v) => v.status === 'split_view');
    if (split && split.status === 'split_view') {
      await this.raise({
        ...alarm('split_view', ...KT_WORDS.splitView(peerId)),
        evidence: { older: treeHeadToJson(split.ours), newer: treeHeadToJson(split.theirs) },
      });
      return { at, status: 'split_view' };
    }
    const unproven = verdicts.find((v) => v.status === 'unproven');
    if (unproven && unproven.status === 'unproven') {
      await this.logAlarm(new TransparencyError('consistency_unproven', unproven.reason, { older: unproven.ours, newer: unproven.theirs }), peerId);
      return { at, status: 'unproven' };
    }
    const ok = verdicts.find((v) => v.status === 'consistent');
    return ok && ok.status === 'consistent' ? { at, status: 'same', size: ok.head.treeSize } : { at, status: 'nothing' };
  }

  /** The key-log client, as the proof checker of device lists (docs/PROTOCOL-devices.md D7.3); remembers each account's proof head. */
  async deviceListChecker(): Promise<DeviceListProofChecker> {
    const { client } = await this.ready();
    return {
      verifyKey: async (p, expected) => {
        const r = await client.verifyKey(p, expected);
        this.listProofs.set(expected.accountId, r.head.treeSize);
        return r;
      },
    };
  }

  /**
   * A contact's device list was proven in the log and verified (docs/PROTOCOL-devices.md D7.3): its founder key —
   * what the safety number covers (D16) — is shown as proven, as a single-device key proven by §6.1 is.
   */
  async listProven(accountId: string, founderKey: string): Promise<void> {
    await this.ready();
    const state = this.state as Persisted;
    const size = this.listProofs.get(accountId) ?? state.view.proven[accountId] ?? state.view.logSize ?? 0;
    if (state.view.proven[accountId] === size && state.provenKeys?.[accountId] === founderKey) return;
    await this.save({
      view: { ...state.view, proven: { ...state.view.proven, [accountId]: size }, logSize: Math.max(state.view.logSize ?? 0, size) },
      provenKeys: { ...state.provenKeys, [accountId]: founderKey },
    });
  }

  /**
   * A copy stated a view of a device list that this device never verified (docs/PROTOCOL-devices.md D11.3 step 7):
   * the message is kept, the alarm says in plain words what the server may be doing.
   */
  async copyAlarm(a: CopyAlarm): Promise<void> {
    await this.ready();
    await this.raise(alarm('split_view', ...KT_WORDS.copyView(a.code, a.accountId, a.listVersion)));
  }

  /** D11.3 step 2 `list_withheld`: a device states a list version the server will not prove. */
  async listWithheld(accountId: string, listVersion: number): Promise<void> {
    await this.ready();
    await this.raise(alarm('log_misbehaved', ...KT_WORDS.listWithheld(accountId, listVersion)));
  }

  /** A contact's device list could not be proven (D5.4): sending to them stops until it is. */
  async listUnproven(accountId: string, detail: string): Promise<void> {
    await this.ready();
    await this.raise(alarm('log_misbehaved', ...KT_WORDS.listUnproven(accountId, detail)));
  }

  async dismiss(alarmId: string): Promise<void> {
    if (!this.state) return;
    await this.save({ view: { ...this.state.view, alarms: this.state.view.alarms.filter((a) => a.id !== alarmId) } });
  }
}

function alarm(kind: KtAlarm['kind'], text: string, advice: string): KtAlarm {
  return { id: `${kind}:${Date.now()}:${Math.random().toString(36).slice(2, 8)}`, kind, text, advice, at: Date.now() };
}

export { treeHeadToJson };
