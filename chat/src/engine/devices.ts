// This account's devices (docs/PROTOCOL-devices.md D6): every change is the next version of the signed list, built
// from the verified current one, signed here, logged by the server before it answers (PUT /v1/devices) and checked by
// every device and contact. Linking (D6.1) runs on two devices: the existing one builds, signs and submits the list
// that the new one counter-signs; the link channel between them (QR code, short code) is the linking UI's, this file
// only gives it the steps. A lost race (409 device_list_conflict) is re-decided on top of the winner (D6.4). Also:
// the migration of an account stored before devices (D17.1), the recovery kit (D2.4, D6.5) and the reset (D6.6), whose
// new-browser side is new-device.ts.
//
// Names of devices are kept in this browser only (the account record's `deviceNames`): the list is public (D4.1) and
// the server has no place for names (server/routes/devices.ts); the linking UI carries them over in the link channel.
import {
  type ApiClient, ApiError, type CredentialKeyPair, type DeviceList, DeviceListError, type IdentityKeyPair, type LinkDeviceSecrets, type ListIntent, MAX_LIST_CONFLICT_RETRIES, type NewDeviceKeys, decodeDeviceList,
  type PinnedDeviceList, PreKeyStore, type VerifiedDeviceList, ZERO_LIST_HASH, cosignLinkedList, encodeDeviceList, encodeSignedDeviceList, fetchVerifiedDeviceLists,
  generateCredentialKey, generateIdentity, nextDeviceList, pinnedVerifiedList, reapplyListIntent, recoveryKeyFromKit, serializeIdentity, signDeviceList,
  toBase64Url, withCosignature,
} from '@franking-chat/sdk';
import { equalBytes } from '@franking-chat/sdk/protocol';
import type { AccountRecord } from '../storage.ts';
import type { ChatTransparency } from '../transparency.ts';
import type { DeviceLists } from './device-lists.ts';
import type { Device } from './device.ts';
import { ChatError } from './errors.ts';
import { PREKEY_BATCH } from './limits.ts';
import { encodeKit, keysOf, NewDevice, PENDING_DEVICE_KEY, type PendingDevice, type PendingDeviceRecord, type ResumeOutcome } from './new-device.ts';

/** One device of this account, as the verified list and the server's records show it. */
export interface OwnDevice {
  deviceId: number;
  /** The name given on this browser, or null (names are never public, D4.1). */
  name: string | null;
  /** When the signer says it linked the device (a claim in the signed list, D4.1). */
  linkedAt: number;
  /** When the server logged the list that added it (GET /v1/devices `linkedAt`, D8.1), or null when not given. */
  acceptedAt: string | null;
  thisDevice: boolean;
}

export { decodeKit, encodeKit } from './new-device.ts';

/** D8.2 / D17.1: the genesis list of an account whose one device holds `identity` and `credentialKey`. */
export function genesisList(accountId: string, identity: IdentityKeyPair, credentialKey: Uint8Array, linkedAt: number): Uint8Array {
  const list: DeviceList = {
    accountId, listVersion: 1, prevListHash: ZERO_LIST_HASH, kind: 'genesis', issuedAt: Date.now(), nextDeviceId: 2, recoveryKey: null,
    devices: [{ deviceId: 1, identitySigningKey: identity.signingPublicKey, identityDhKey: identity.dhPublicKey, credentialKey, linkedAt }],
  };
  return encodeSignedDeviceList(signDeviceList(list, { kind: 'device', deviceId: 1, signingPrivateKey: identity.signingPrivateKey }));
}

export interface DevicesDeps {
  api: ApiClient;
  device: Device;
  lists: DeviceLists;
  kt: ChatTransparency;
  /** The MLS credential key this device already published (the migration's device 1 keeps it, D17.1). */
  credential(): Promise<CredentialKeyPair>;
  /** A device that now has an account (linked or restored): sign in, publish keys and go online. */
  started(): Promise<void>;
}

export class Devices {
  private pending: PendingDevice | null = null;
  private readonly newDevice: NewDevice;

  constructor(private readonly d: DevicesDeps) {
    const meta = () => d.device.store();
    this.newDevice = new NewDevice({
      api: d.api, resetTarget: { baseUrl: d.api.baseUrl }, checker: () => d.kt.deviceListChecker(),
      pending: {
        get: () => meta().getMeta<PendingDeviceRecord>(PENDING_DEVICE_KEY),
        put: (r) => meta().saveMeta(PENDING_DEVICE_KEY, r),
        clear: () => meta().write([{ store: 'meta', delete: PENDING_DEVICE_KEY }]),
      },
      adopt: (accountId, deviceId, keys, pinned) => this.adopt(accountId, deviceId, keys, pinned, {}),
    });
  }

  // ---- The own list ----

  /** The verified own list now (refreshed from the server and proven in the key log). */
  private async ownList(): Promise<VerifiedDeviceList> {
    const v = await this.d.lists.current(this.d.device.me(), { force: true });
    if (!v) throw new ChatError('devices_failed', { detail: 'this account has no device list yet' });
    return v;
  }

  /** This account's devices: the verified list, with local names and the server's "linked at" times. */
  async devices(): Promise<OwnDevice[]> {
    const { device, api } = this.d;
    const v = await this.ownList();
    const names = device.record().deviceNames ?? {};
    let accepted: Record<number, string> = {};
    try {
      const answer = await api.deviceLists(device.me(), v.signed.list.listVersion);
      accepted = Object.fromEntries(answer.linkedAt.map((l) => [l.deviceId, l.acceptedAt]));
    } catch {
      // Only the server's times are missing: the verified list itself is shown.
    }
    return v.signed.list.devices.map((e) => ({
      deviceId: e.deviceId, name: names[String(e.deviceId)] ?? null, linkedAt: e.linkedAt, acceptedAt: accepted[e.deviceId] ?? null, thisDevice: e.deviceId === device.deviceId,
    }));
  }

  /** Names a device on this browser only (the server has no device names; the list is public, D4.1). */
  async renameDevice(deviceId: number, name: string): Promise<void> {
    const names = { ...(this.d.device.record().deviceNames ?? {}) };
    const trimmed = name.trim().slice(0, 64);
    if (trimmed) names[String(deviceId)] = trimmed;
    else delete names[String(deviceId)];
    await this.d.device.updateAccount({ deviceNames: names });
  }

  /**
   * Signs and submits the next version for `intent` (D6), re-deciding on top of the winner after a lost race (D6.4,
   * at most MAX_LIST_CONFLICT_RETRIES times). `cosign` counter-signs a body that adds a device (D6.1 step 3).
   */
  private async change(intent: ListIntent, cosign?: (body: Uint8Array) => Promise<Uint8Array>): Promise<VerifiedDeviceList | null> {
    const { device, api, lists } = this.d;
    let current = await this.ownList();
    let wanted: ListIntent | null = intent;
    for (let attempt = 0; ; attempt++) {
      if (!wanted) return current; // the winner already did it (D6.4)
      let body: DeviceList;
      try {
        body = nextDeviceList(current, wanted, { now: Date.now() });
      } catch (e) {
        if (DeviceListError.is(e, 'too_many_devices')) throw new ChatError('devices_failed', { detail: 'an account has at most 8 devices: remove one first' });
        if (DeviceListError.is(e, 'malformed')) throw new ChatError('device_last');
        throw new ChatError('device_unknown');
      }
      let signed = signDeviceList(body, { kind: 'device', deviceId: device.deviceId as number, signingPrivateKey: device.identity().signingPrivateKey });
      if (wanted.add) {
        if (!cosign) throw new ChatError('link_refused');
        signed = withCosignature(signed, await cosign(encodeDeviceList(body)));
      }
      try {
        await api.putDeviceList(encodeSignedDeviceList(signed));
      } catch (e) {
        if (!ApiError.is(e, 'device_list_conflict') || attempt + 1 >= MAX_LIST_CONFLICT_RETRIES) {
          if (ApiError.is(e, 'device_list_conflict')) throw new ChatError('device_list_conflict');
          throw new ChatError('devices_failed', { detail: ApiError.is(e) ? e.detail : String(e) });
        }
        current = await this.ownList();
        wanted = reapplyListIntent(current, wanted);
        continue;
      }
      const pinned = await lists.refresh(device.me());
      return pinned ? pinnedVerifiedList(pinned) : null;
    }
  }

  /** Removes a device (D6.2): the server revokes it at once; senders stop encrypting to it at their next send. */
  async removeDevice(deviceId: number): Promise<void> {
    const v = await this.ownList();
    if (!v.signed.list.devices.some((e) => e.deviceId === deviceId)) throw new ChatError('device_unknown');
    if (v.signed.list.devices.length === 1) throw new ChatError('device_last');
    await this.change({ remove: [deviceId] });
    const names = { ...(this.d.device.record().deviceNames ?? {}) };
    delete names[String(deviceId)];
    await this.d.device.updateAccount({ deviceNames: names });
  }

  /**
   * D6.1 steps 1–4 on the existing device: `newDevice` are the keys the new device sent over the link channel,
   * `cosign` sends it the list body and resolves with its cosignature (the new device runs `cosignLink`). Resolves
   * with the new device's id once the list is logged; the new device then runs `completeLink`.
   */
  async approveLink(newDevice: NewDeviceKeys, cosign: (body: Uint8Array) => Promise<Uint8Array>, name?: string): Promise<{ deviceId: number; listVersion: number }> {
    const v = await this.change({ add: newDevice }, cosign);
    const entry = v?.signed.list.devices.find((e) => equalBytes(e.identitySigningKey, newDevice.identitySigningKey));
    if (!v || !entry) throw new ChatError('link_refused', { detail: 'the new list does not hold the new device' });
    if (name) await this.renameDevice(entry.deviceId, name);
    return { deviceId: entry.deviceId, listVersion: v.signed.list.listVersion };
  }

  // ---- The new device (linking, D6.1; recovery, D6.5) ----

  /** Step 0 on the new device: fresh identity and credential keys (private halves stay here); send the public ones. */
  beginLink(): NewDeviceKeys {
    this.pending = { identity: generateIdentity(), credential: generateCredentialKey() };
    return keysOf(this.pending);
  }

  /**
   * The pending new device's keys with the seeds the link channel signs with (docs/PROTOCOL-linking.md L7: the proofs
   * of possession; D6.1 step 3: the cosignature). For chat/src/engine/linking.ts only; they never leave the engine.
   */
  pendingLinkSecrets(): LinkDeviceSecrets {
    const p = this.pending;
    if (!p) throw new ChatError('link_refused', { detail: 'no link was started on this device' });
    return { ...keysOf(p), signingPrivateKey: p.identity.signingPrivateKey, credentialPrivateKey: p.credential.privateKey };
  }

  /** D6.1 step 3 on the new device: checks the body it was sent adds exactly it to `accountId`, and counter-signs it. */
  cosignLink(body: Uint8Array, accountId: string): Uint8Array {
    const p = this.pending;
    if (!p) throw new ChatError('link_refused', { detail: 'no link was started on this device' });
    try {
      const cosignature = cosignLinkedList(body, accountId, { ...keysOf(p), signingPrivateKey: p.identity.signingPrivateKey });
      p.deviceId = decodeDeviceList(body).nextDeviceId - 1;
      return cosignature;
    } catch (e) {
      throw new ChatError('link_refused', { detail: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * D6.1 step 4 on the new device: once the list that adds it is logged, it verifies the account's whole chain from
   * the genesis (proven in the key log), finds its own entry, stores its keys and the pinned list, signs in with its
   * own key (D8.2) and goes online.
   */
  async completeLink(accountId: string, opts: { name?: string; names?: Record<string, string> } = {}): Promise<{ deviceId: number }> {
    const p = this.pending;
    if (!p?.deviceId) throw new ChatError('link_refused', { detail: 'no link was counter-signed on this device' });
    const checker = await this.d.kt.deviceListChecker();
    let pinned: PinnedDeviceList;
    try {
      // D8.2: the server signs the device in only if the logged list holds it with this key; then its own check.
      await this.d.api.loginDevice(accountId, p.deviceId, p.identity);
      pinned = (await fetchVerifiedDeviceLists(this.d.api, checker, accountId, null)).pinned;
    } catch (e) {
      throw new ChatError('link_refused', { detail: e instanceof Error ? e.message : String(e) });
    }
    const entry = pinnedVerifiedList(pinned).signed.list.devices.find((e) => equalBytes(e.identitySigningKey, p.identity.signingPublicKey));
    if (!entry) throw new ChatError('link_refused', { detail: 'the account’s verified device list does not hold this device' });
    await this.adopt(accountId, entry.deviceId, p, pinned, { ...(opts.names ?? {}), ...(opts.name ? { [String(entry.deviceId)]: opts.name } : {}) });
    return { deviceId: entry.deviceId };
  }

  /** The new device's keys become this browser's account (stored before any public half is published). */
  private async adopt(accountId: string, deviceId: number, p: PendingDevice, ownList: PinnedDeviceList, deviceNames: Record<string, string>): Promise<void> {
    const { device } = this.d;
    const preKeys = PreKeyStore.create(p.identity, { oneTimePreKeys: PREKEY_BATCH });
    const account: AccountRecord = {
      userId: accountId, identity: serializeIdentity(p.identity), preKeys: preKeys.serialize(), createdAt: Date.now(), deviceId, credential: p.credential, ownList, deviceNames,
    };
    // One write: the account's keys appear as the pending restore or reset (new-device.ts) disappears.
    await device.store().write([
      { store: 'meta', key: 'account', value: account }, { store: 'meta', key: 'mls-credential', value: p.credential }, { store: 'meta', delete: PENDING_DEVICE_KEY },
    ]);
    device.signedIn(account, p.identity, preKeys);
    this.pending = null;
    if (!this.d.api.token) await this.d.api.loginDevice(accountId, deviceId, p.identity);
    await this.d.api.publishBundle(preKeys.bundle(p.identity));
    await this.d.started();
  }

  /** D2.4: a new recovery kit; its public key replaces any earlier one in the next list version. Keep the text offline. */
  async createRecoveryKit(): Promise<string> {
    const kitSecret = crypto.getRandomValues(new Uint8Array(32));
    const { publicKey } = recoveryKeyFromKit(kitSecret);
    await this.change({ recoveryKey: publicKey });
    return encodeKit(kitSecret);
  }

  // ---- A browser that holds nothing takes the account back (D6.5 kit, D6.6 reset; crash-safe: new-device.ts) ----

  /** D6.5: restores the account with its recovery kit (the kit is used up). */
  restoreFromKit(handle: string, kitText: string): Promise<{ deviceId: number }> {
    return this.newDevice.restoreFromKit(handle, kitText);
  }
  /** D6.6: fresh keys for a reset, kept on this browser; the code to tell support. */
  beginReset(handle: string): Promise<{ accountId: string; code: string }> {
    return this.newDevice.beginReset(handle);
  }
  pendingReset(): Promise<{ accountId: string; code: string } | null> {
    return this.newDevice.pendingReset();
  }
  cancelReset(): Promise<void> {
    return this.newDevice.cancelReset();
  }
  /** D6.6: once support released the handle, the reset list; this browser becomes the account's new identity. */
  completeReset(): Promise<{ deviceId: number }> {
    return this.newDevice.completeReset();
  }
  /** At start on a browser without an account: finishes or discards a restore or reset that was interrupted. */
  resumePending(): Promise<ResumeOutcome> {
    return this.newDevice.resume();
  }

  // ---- Migration (D17.1) ----

  /**
   * An account stored before devices signs its genesis before it sends anything: device 1 = its identity keys and the
   * MLS credential key it already published, linkedAt = when the account was made. The server logs it (and revokes the
   * legacy identity binding) only if device 1 is the logged identity. Another tab may have done it already: then the
   * logged list is pinned if its device 1 is this device.
   */
  async migrate(): Promise<void> {
    const { device, api } = this.d;
    if (device.deviceId !== undefined) return;
    const account = device.record();
    const identity = device.identity();
    const credential = await this.d.credential();
    try {
      await api.putDeviceList(genesisList(account.userId, identity, credential.publicKey, account.createdAt));
    } catch (e) {
      if (!ApiError.is(e, 'device_list_conflict')) throw e;
    }
    const checker = await this.d.kt.deviceListChecker();
    const pinned = (await fetchVerifiedDeviceLists(api, checker, account.userId, null)).pinned;
    const first = pinnedVerifiedList(pinned).signed.list.devices.find((e) => e.deviceId === 1);
    if (!first || !equalBytes(first.identitySigningKey, identity.signingPublicKey)) throw new ChatError('devices_failed', { detail: 'the account’s device list does not hold this device' });
    await device.updateAccount({ deviceId: 1, credential, ownList: pinned });
    // The per-device directory (D8.1) holds device 1's bundle from now on: the signed prekey again, and fresh
    // one-time prekeys (their private halves stored first).
    await device.locked(async () => {
      const fresh = device.preKeys().generateOneTimePreKeys(PREKEY_BATCH);
      await device.savePreKeys();
      await api.publishBundle({ ...device.preKeys().bundle(identity), oneTimePreKeys: fresh.map((k) => ({ id: k.id, publicKey: toBase64Url(k.keyPair.publicKey) })) });
    });
  }
}
