// Device lists in the chat (docs/PROTOCOL-devices.md D5): an account's lists are fetched with their key-log proofs and
// verified step by step from what this browser pinned (fetchVerifiedDeviceLists, D5.2–D5.4, D7.3); only a pinned,
// verified list is ever encrypted to (D5.3). The own account's pin lives in the account record, every other account's
// in the meta store (`devices:<accountId>`). A contact's list change is handed to `changed` (the quiet lines of D16).
import {
  type ApiClient, ApiError, type ContactDeviceChange, DeviceListError, type DeviceListsJson, LIST_REFRESH_INTERVAL_MS, type PinnedDeviceList, TransparencyError,
  type VerifiedDeviceList, contactDeviceChange, deviceSessionKey, fetchVerifiedDeviceLists, pinnedVerifiedList,
} from '@franking-chat/sdk';
import type { ChatTransparency } from '../transparency.ts';
import type { Device } from './device.ts';
import { ChatError } from './errors.ts';

interface StoredPin {
  pinned: PinnedDeviceList;
  refreshedAt: number;
}

/** How long "this account has no device list" is believed before asking again (a legacy peer may migrate, D17.2). */
const LEGACY_RECHECK_MS = 30_000;

export interface DeviceListsDeps {
  api: ApiClient;
  device: Device;
  kt: ChatTransparency;
  /** A contact's verified list changed from the pinned one (D16): quiet lines, or a reset. */
  changed(accountId: string, change: ContactDeviceChange): Promise<void>;
}

export class DeviceLists {
  private readonly pins = new Map<string, StoredPin>();
  /** Accounts last seen without a list (D17.2), with when. */
  private readonly legacy = new Map<string, number>();
  private ownRefreshedAt = 0;
  /** One refresh per account at a time (a send and a receive may ask at once). */
  private readonly inflight = new Map<string, Promise<PinnedDeviceList | null>>();

  constructor(private readonly d: DeviceListsDeps) {}

  private isOwn(accountId: string): boolean {
    return this.d.device.hasAccount && accountId === this.d.device.me();
  }

  /** The pinned state of an account (D5.3), undefined when none is pinned. */
  async pinned(accountId: string): Promise<PinnedDeviceList | undefined> {
    if (this.isOwn(accountId)) return this.d.device.ownList();
    const cached = this.pins.get(accountId);
    if (cached) return cached.pinned;
    const stored = await this.d.device.store().meta<StoredPin>(`devices:${accountId}`);
    if (stored) this.pins.set(accountId, stored);
    return stored?.pinned;
  }

  /** The pinned state from memory only (group credential checks are synchronous in places). */
  pinnedNow(accountId: string): PinnedDeviceList | undefined {
    return this.isOwn(accountId) ? this.d.device.ownList() : this.pins.get(accountId)?.pinned;
  }

  /** The verified list of a pinned state (re-decoded and re-hashed, D5.3). */
  static verified(pinned: PinnedDeviceList): VerifiedDeviceList {
    return pinnedVerifiedList(pinned);
  }

  /**
   * D5.4 refresh: the lists newer than the pin, proven in the key log and verified from it. Returns the new pin, or
   * null for an account the server shows without a list (legacy, D17.2) — never once a list was pinned. Throws
   * DeviceListError / TransparencyError when the answer cannot be proven (the pin stays), ApiError when unreachable.
   */
  refresh(accountId: string): Promise<PinnedDeviceList | null> {
    const running = this.inflight.get(accountId);
    if (running) return running;
    const run = this.doRefresh(accountId).finally(() => this.inflight.delete(accountId));
    this.inflight.set(accountId, run);
    return run;
  }

  private async doRefresh(accountId: string): Promise<PinnedDeviceList | null> {
    const before = await this.pinned(accountId);
    const seen: { answer: DeviceListsJson | null } = { answer: null };
    const source = { deviceLists: async (a: string, from?: number) => (seen.answer = await this.d.api.deviceLists(a, from)) };
    let result;
    try {
      result = await fetchVerifiedDeviceLists(source, await this.d.kt.deviceListChecker(), accountId, before ?? null);
    } catch (e) {
      // No list at all and nothing pinned: an account from before devices (D17.2), one device with its logged identity.
      if (!before && seen.answer && seen.answer.lists.length === 0) {
        this.legacy.set(accountId, Date.now());
        return null;
      }
      throw e;
    }
    this.legacy.delete(accountId);
    const pinned = result.pinned;
    if (before && pinned.listVersion !== before.listVersion) await this.forgetRemovedSessions(before, pinned);
    if (this.isOwn(accountId)) {
      if (pinned.listVersion !== before?.listVersion || !before) await this.d.device.updateAccount({ ownList: pinned });
      this.ownRefreshedAt = Date.now();
      return pinned;
    }
    const stored: StoredPin = { pinned, refreshedAt: Date.now() };
    this.pins.set(accountId, stored);
    await this.d.device.store().saveMeta(`devices:${accountId}`, stored);
    await this.d.kt.listProven(accountId, pinned.founderKey).catch(() => undefined);
    if (before && pinned.listVersion !== before.listVersion) {
      let change: ContactDeviceChange;
      try {
        change = contactDeviceChange(before, pinned, { verified: result.verified });
      } catch {
        change = contactDeviceChange(before, pinned);
      }
      if (change.kind !== 'unchanged') await this.d.changed(accountId, change);
    }
    return pinned;
  }

  /**
   * The verified list to send to (D11.2 step 1): the pin, refreshed first when there is none, when it is older than
   * LIST_REFRESH_INTERVAL_MS, or when `force`. null: the account has no list (legacy, D17.2). A refresh that cannot
   * be proven stops the send (D5.4: nothing is ever sent to an unproven device) and is shown as an alarm.
   */
  async current(accountId: string, opts: { force?: boolean } = {}): Promise<VerifiedDeviceList | null> {
    const own = this.isOwn(accountId);
    const pinned = await this.pinned(accountId);
    const refreshedAt = own ? this.ownRefreshedAt : (this.pins.get(accountId)?.refreshedAt ?? 0);
    const legacyAt = this.legacy.get(accountId);
    if (!pinned && !opts.force && legacyAt !== undefined && Date.now() - legacyAt < LEGACY_RECHECK_MS) return null;
    if (pinned && !opts.force && Date.now() - refreshedAt < LIST_REFRESH_INTERVAL_MS) return DeviceLists.verified(pinned);
    try {
      const fresh = await this.refresh(accountId);
      return fresh ? DeviceLists.verified(fresh) : null;
    } catch (e) {
      if (e instanceof DeviceListError || TransparencyError.is(e)) {
        await this.d.kt.listUnproven(accountId, e instanceof DeviceListError ? e.code : e.code).catch(() => undefined);
        throw new ChatError('devices_unproven', { handle: accountId, detail: e.message });
      }
      if (ApiError.is(e, 'not_found')) throw new ChatError('contact_not_found', { handle: accountId });
      throw e;
    }
  }

  /**
   * D9: a session with a device that left the verified list is deleted — never used to send again (copies already
   * received from it stay stored, readable and reportable).
   */
  private async forgetRemovedSessions(before: PinnedDeviceList, after: PinnedDeviceList): Promise<void> {
    const kept = new Set(DeviceLists.verified(after).signed.list.devices.map((e) => e.deviceId));
    const gone = DeviceLists.verified(before).signed.list.devices.filter((e) => !kept.has(e.deviceId));
    if (gone.length === 0) return;
    await this.d.device.store().write(gone.map((e) => ({ store: 'sessions' as const, delete: deviceSessionKey(before.accountId, e.deviceId) })));
  }

  /** Forgets the pins held in memory (the device is being forgotten). */
  forget(): void {
    this.pins.clear();
    this.legacy.clear();
    this.ownRefreshedAt = 0;
  }
}
