// Being online: log in (again when the token expires), keep prekeys and key packages stocked, start own-key
// monitoring, the live push channel and the group inbox, and poll what changes on a moderator's schedule.
import {
  type ApiClient, ApiError, DeviceListError, KIND_IDENTITY, KIND_MLS_CREDENTIAL, PushChannel, type EnvelopeJson, TransparencyError, identityBindingKey, toBase64Url,
} from '@franking-chat/sdk';
import type { Blocking } from '../blocking.ts';
import type { GroupInbox, GroupKeys } from '../groups/index.ts';
import type { ChatTransparency, OwnDeviceWatch } from '../transparency.ts';
import { DEVICE_REMOVED, OFFLINE_RETRYING, OWN_LIST_UNPROVEN, loginFailed, ownDeviceNotice } from '../wording.ts';
import type { Device } from './device.ts';
import { DeviceLists } from './device-lists.ts';
import { PREKEY_BATCH, PREKEY_LOW_WATER } from './limits.ts';
import type { SnapshotStore } from './state/snapshot.ts';
import type { AccountStanding } from './state/standing.ts';

export interface ConnectionDeps {
  baseUrl: string;
  device: Device;
  api: ApiClient;
  snapshot: SnapshotStore;
  standing: AccountStanding;
  blocking: Blocking;
  kt: ChatTransparency;
  groupKeys: GroupKeys;
  groupInbox: GroupInbox;
  receiveBatch(envelopes: EnvelopeJson[]): Promise<string[]>;
  resendUnsent(): Promise<void>;
  resendProtocolMessages(): Promise<void>;
  resumeDownloads(): Promise<void>;
  refreshReports(): Promise<void>;
  refreshNotices(): Promise<void>;
  refreshGroups(): Promise<void>;
  /** docs/PROTOCOL-devices.md D17.1: an account stored before devices signs its genesis before it sends anything. */
  migrate(): Promise<void>;
  /** The own list at start (D5.4) and own-device monitoring (D7.4). */
  ownDevices: OwnDeviceWatch;
  refreshOwnList(): Promise<void>;
}

export class Connection {
  private push: PushChannel | null = null;
  private reportsTimer: ReturnType<typeof setInterval> | null = null;
  private onlineListener: (() => void) | null = null;
  /** The server said this device left the account's list (D13.6): nothing starts again on this browser's account. */
  private removed = false;

  constructor(private readonly d: ConnectionDeps) {}

  /** docs/PROTOCOL-devices.md D7.4 with the quiet notices: the engine's own-device watch, and a notice for each change another device made. */
  private ownDeviceWatch(): OwnDeviceWatch {
    const watch = this.d.ownDevices;
    return {
      deviceId: () => watch.deviceId(),
      pinned: () => watch.pinned(),
      source: watch.source,
      checked: async (check) => {
        if (this.removed) return; // the server's word came first and was said (D13.6); nothing here runs any more
        await watch.checked(check);
        if (check.signedOut || check.alarms.length > 0) return; // the stop and the alarms say it louder
        // Each notice is a list this device did not submit (its own submission is pinned already, so nothing new).
        const names = this.d.device.record().deviceNames ?? {};
        const me = this.d.device.deviceId;
        const texts = check.notices.filter((n) => !(n.signer.kind === 'device' && n.signer.deviceId === me)).map((n) => ownDeviceNotice(n, (id) => names[String(id)] ?? null)).filter((t): t is string => t !== null);
        if (texts.length > 0) this.d.snapshot.set({ banner: texts.join(' ') });
      },
    };
  }

  /**
   * The server announced a new version of this account's list (D13.6 `devices` frame): a hint, unverified. The
   * own-device check (D7.4) runs now rather than at the next head or timer; it fetches and verifies the log's newest
   * head and the new lists itself, so a list no device of this account signed raises the alarm at once.
   */
  private ownListAnnounced(info: { accountId: string; listVersion: number }): void {
    const { device, kt } = this.d;
    if (!device.hasAccount || info.accountId !== device.me()) return;
    const pinned = this.d.ownDevices.pinned();
    if (pinned && info.listVersion <= pinned.listVersion) return; // this device's own submission, or already checked
    // Any size larger than the checked one asks for exactly one check (after the one running, if any).
    kt.headSeen({ treeSize: Number.MAX_SAFE_INTEGER });
  }

  /** D13.6: this device's socket was closed with `device_removed`: say so in plain words and stop everything. */
  private removedFromAccount(): void {
    if (this.removed) return;
    this.removed = true;
    this.d.api.token = null;
    this.stop();
    this.d.snapshot.set({ banner: DEVICE_REMOVED, connection: 'stopped' });
  }

  /**
   * Own-key monitoring: at start and every 10 minutes, the log's entries for this account must be our keys (D7.4: and
   * lists). Ours are this device's and those of every device in the account's verified list: a device linked later
   * scans the log from its first entry and meets the keys its account's first device logged before lists (D17.1).
   */
  private async monitorOwnKeys(): Promise<void> {
    const { device } = this.d;
    const identity = device.identity();
    // The MLS credential key is published with this device's key packages (and logged then): it is ours too.
    const credentialKey = await this.d.groupKeys.credentialPublicKey();
    this.d.kt.start(device.me(), () => {
      const own = this.d.ownDevices.pinned();
      const listed = own ? DeviceLists.verified(own).signed.list.devices : [];
      return [
        { kind: KIND_IDENTITY, key: identityBindingKey(identity.signingPublicKey, identity.dhPublicKey) },
        { kind: KIND_MLS_CREDENTIAL, key: credentialKey },
        ...listed.flatMap((e) => [
          { kind: KIND_IDENTITY, key: identityBindingKey(e.identitySigningKey, e.identityDhKey) },
          { kind: KIND_MLS_CREDENTIAL, key: e.credentialKey },
        ]),
      ];
    }, this.ownDeviceWatch());
  }

  /** Signs in: per device (D8.2) once the account has a list; the legacy sign-in only before its migration (D17.1). */
  private login() {
    const { device, api } = this.d;
    const id = device.deviceId;
    return id !== undefined ? api.loginDevice(device.me(), id, device.identity()) : api.login(device.me(), device.identity());
  }

  async relogin(): Promise<string | null> {
    const { device } = this.d;
    if (!device.hasAccount) return null;
    try {
      return (await this.login()).token;
    } catch (e) {
      this.d.standing.noteBlocked(e);
      return null;
    }
  }

  async goOnline(): Promise<void> {
    const { api, snapshot } = this.d;
    if (this.removed) return;
    try {
      if (!api.token) await this.login();
      // Before anything is sent: the genesis of an account from before devices, then the own list proven (D5.4).
      await this.d.migrate();
      await this.d.refreshOwnList();
      snapshot.set({ banner: null });
    } catch (e) {
      if (this.d.standing.noteBlocked(e)) return;
      if (e instanceof DeviceListError || TransparencyError.is(e)) {
        // D5.4: the account's newest list does not verify, so nothing is sent; D7.4: the own-device check says why,
        // in words, as an alarm (a list none of this account's devices signed, a fork, a hidden list).
        snapshot.set({ banner: OWN_LIST_UNPROVEN });
        await this.monitorOwnKeys().catch(() => undefined);
      } else snapshot.set({ banner: ApiError.is(e, 'network_error') ? OFFLINE_RETRYING : loginFailed(ApiError.is(e) ? e.detail : String(e)) });
      setTimeout(() => void this.goOnline(), 5000);
      return;
    }
    await this.maintainPreKeys().catch(() => undefined);
    void this.d.blocking.sync().catch(() => undefined);
    await this.monitorOwnKeys();
    await this.d.groupKeys.maintainKeyPackages().catch(() => undefined);
    this.d.groupInbox.start();
    void this.d.refreshNotices();
    void this.d.refreshReports();
    void this.d.refreshGroups();
    void this.d.resumeDownloads();
    void this.d.resendProtocolMessages().catch(() => undefined);
    const scheme = typeof location !== 'undefined' && location.protocol === 'https:' ? 'wss:' : 'ws:';
    const origin = this.d.baseUrl ? new URL(this.d.baseUrl) : location;
    this.push = new PushChannel({
      url: `${origin.protocol === 'https:' ? 'wss:' : scheme}//${origin.host}/v1/stream`,
      getToken: async () => api.token ?? (await this.relogin()) ?? Promise.reject(new Error('not logged in')),
      onEnvelopes: (envs) => this.d.receiveBatch(envs),
      onTreeHead: (head) => this.d.kt.headSeen(head), // own-key check on every new key-log head (docs/TRANSPARENCY.md §6.3)
      onDevices: (info) => this.ownListAnnounced(info),
      onClose: ({ code, reason }) => {
        if (code === 4401 && reason === 'device_removed') this.removedFromAccount();
      },
      onState: (connection) => {
        const back = connection === 'live' && snapshot.get().connection !== 'live';
        snapshot.set({ connection });
        if (back) void this.d.resendUnsent();
      },
      onServerError: (code) => {
        if (code === 'device_removed') return this.removedFromAccount();
        if (code === 'invalid_token') api.token = null;
        if (code === 'account_banned' || code === 'account_suspended') void this.relogin();
      },
    });
    this.push.start();
    // The browser's own "back online" is a second signal that the connection returned (the socket may not have noticed it dropped).
    if (typeof window !== 'undefined' && !this.onlineListener) {
      this.onlineListener = () => void this.d.resendUnsent();
      window.addEventListener('online', this.onlineListener);
    }
    // Report status and notices change on a moderator's schedule: poll gently. (A restricted account's
    // notices are read once when the restriction is noticed: that path costs a login challenge.)
    this.reportsTimer ??= setInterval(() => {
      if (this.d.standing.restricted) return;
      void this.d.refreshReports();
      void this.d.refreshNotices();
      void this.d.refreshGroups();
    }, 10_000);
  }

  /** The account was restricted: the live channel and the group inbox stop. */
  restricted(): void {
    this.push?.stop();
    this.d.groupInbox.stop();
  }

  private async maintainPreKeys(): Promise<void> {
    const { device, api } = this.d;
    await device.locked(async () => {
      const identity = device.identity();
      const preKeys = device.preKeys();
      const me = await api.me();
      const now = Date.now();
      const rotate = preKeys.needsRotation(now);
      if (rotate) preKeys.rotateSignedPreKey(identity, now);
      const fresh = me.oneTimePreKeys < PREKEY_LOW_WATER ? preKeys.generateOneTimePreKeys(PREKEY_BATCH) : [];
      if (!rotate && fresh.length === 0) return;
      // Keep the private halves before publishing the public ones.
      await device.savePreKeys();
      const bundle = preKeys.bundle(identity);
      await api.publishBundle({ ...bundle, oneTimePreKeys: fresh.map((k) => ({ id: k.id, publicKey: toBase64Url(k.keyPair.publicKey) })) });
    });
  }

  /** Everything stops (the device is being forgotten). */
  stop(): void {
    this.push?.stop();
    this.d.groupInbox.stop();
    this.d.kt.stop();
    if (this.reportsTimer) clearInterval(this.reportsTimer);
    if (this.onlineListener) window.removeEventListener('online', this.onlineListener);
    this.onlineListener = null;
  }
}
