// A browser that holds nothing takes the account back: with the recovery kit (docs/PROTOCOL-devices.md D6.5) or, with
// neither device nor kit, by a reset under the operator's handle release (D6.6). Both are crash-safe: the new device's
// private keys and the signed list are stored here (IndexedDB, meta `pending-device`) BEFORE the list is submitted, so a
// browser that dies between the server's acceptance and storing the account finishes at its next start (`resume`:
// sign in, pin the chain, publish prekeys) instead of being locked out of an account whose kit is used up; a list the
// server did not log is discarded (a kit can then be used again). A reset keeps its keys from the moment its reset
// code is shown, because support releases the handle for exactly those keys.
import {
  type ApiClient, ApiError, type CredentialKeyPair, type DeviceListProofChecker, type IdentityKeyPair, type NewDeviceKeys, type PinnedDeviceList, type ResetTarget, type VerifiedDeviceList,
  decodeSignedDeviceList, deserializeIdentity, deviceListHash, encodeSignedDeviceList, fetchVerifiedDeviceLists, formatResetCode, fromBase64Url,
  generateCredentialKey, generateIdentity, nextDeviceList, pinnedVerifiedList, recoveryKeyFromKit, resetCode, resetDeviceList, serializeIdentity, signDeviceList,
  submitResetList, toBase64Url,
} from '@franking-chat/sdk';
import { equalBytes } from '@franking-chat/sdk/protocol';
import { ChatError } from './errors.ts';

/** What a new device holds while it is being linked, restored or reset: its fresh keys, private halves here only. */
export interface PendingDevice {
  identity: IdentityKeyPair;
  credential: CredentialKeyPair;
  /** The id the list it counter-signed gives it (D6.1 step 3: the newest id). */
  deviceId?: number;
}

/** The meta record of a restore or reset in progress (stored before anything is submitted). */
export interface PendingDeviceRecord {
  kind: 'recovery' | 'reset';
  accountId: string;
  /** serializeIdentity of the new device's identity (private halves: never leave this browser). */
  identity: Uint8Array;
  credential: CredentialKeyPair;
  /** The signed list (base64url) once built; a reset waiting for its release has none yet. */
  list?: string;
  createdAt: number;
}
export const PENDING_DEVICE_KEY = 'pending-device';

/** Where the pending record lives (chat/src/storage.ts meta store in the app). */
export interface PendingDeviceStore {
  get(): Promise<PendingDeviceRecord | undefined>;
  put(r: PendingDeviceRecord): Promise<void>;
  clear(): Promise<void>;
}

/** What `resume` found at start: nothing, an account finished, a list the server never logged, or a reset waiting for its release. */
export type ResumeOutcome = 'none' | 'adopted' | 'discarded' | 'waiting';

export interface NewDeviceDeps {
  api: ApiClient;
  /** Where `PUT /v1/devices/reset` goes (the API client's origin; a test's fetch). */
  resetTarget: ResetTarget;
  checker(): Promise<DeviceListProofChecker>;
  pending: PendingDeviceStore;
  /** The new device becomes this browser's account: keys and pinned list stored (the pending record deleted with them), prekeys published, online. */
  adopt(accountId: string, deviceId: number, keys: PendingDevice, pinned: PinnedDeviceList): Promise<void>;
}

export const keysOf = (p: PendingDevice): NewDeviceKeys => ({ identitySigningKey: p.identity.signingPublicKey, identityDhKey: p.identity.dhPublicKey, credentialKey: p.credential.publicKey });
const keysFrom = (r: PendingDeviceRecord): PendingDevice => ({ identity: deserializeIdentity(r.identity), credential: r.credential });

/** D2.4: the recovery kit is 32 random bytes, shown to the user as base64url text (the chat's presentation). */
export const encodeKit = (kitSecret: Uint8Array): string => toBase64Url(kitSecret);
export function decodeKit(text: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(text.trim(), 'kit');
  } catch {
    throw new ChatError('recovery_failed', { detail: 'that is not a recovery kit' });
  }
  if (bytes.length !== 32) throw new ChatError('recovery_failed', { detail: 'that is not a recovery kit' });
  return bytes;
}

/** A refusal means the server logged nothing (4xx); anything else (network, 5xx) leaves the outcome unknown. */
const refused = (e: unknown): boolean => ApiError.is(e) && e.status >= 400 && e.status < 500;

export class NewDevice {
  constructor(private readonly d: NewDeviceDeps) {}

  /** D8.1: the account's proven chain without a token (GET /v1/devices/recovery/{accountId}, rate limit auth), verified from the genesis. */
  private async publicChain(accountId: string, fail: 'recovery_failed' | 'reset_failed'): Promise<PinnedDeviceList> {
    const api = this.d.api;
    try {
      return (await fetchVerifiedDeviceLists({ deviceLists: (id: string, from?: number) => api.recoveryDeviceLists(id, from) }, await this.d.checker(), accountId, null)).pinned;
    } catch (e) {
      if (ApiError.is(e, 'not_found') || ApiError.is(e, 'validation_failed')) throw new ChatError(fail, { detail: `no account “${accountId}” with a device list` });
      if (ApiError.is(e, 'rate_limited')) throw new ChatError(fail, { detail: 'too many tries from this network: wait a few minutes and try again' });
      throw new ChatError(fail, { detail: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * D6.5: the kit signs a `recovery` list that removes every listed device and adds this one (which counter-signs).
   * Stored, then submitted without a token (PUT /v1/devices/recovery), then finished. The kit is used up: the list
   * drops its key. The founder key — and so every safety number — stays.
   */
  async restoreFromKit(handle: string, kitText: string): Promise<{ deviceId: number }> {
    const accountId = handle.trim();
    const earlier = await this.d.pending.get();
    if (earlier?.kind === 'recovery') {
      const settled = await this.settle(earlier); // an earlier restore whose answer was lost may have used the kit up
      if (settled.deviceId !== undefined) return { deviceId: settled.deviceId };
    }
    const recovery = recoveryKeyFromKit(decodeKit(kitText));
    const current: VerifiedDeviceList = pinnedVerifiedList(await this.publicChain(accountId, 'recovery_failed'));
    const key = current.signed.list.recoveryKey;
    if (!key || !equalBytes(key, recovery.publicKey)) throw new ChatError('recovery_failed', { detail: 'this kit is not the account’s current recovery kit' });
    const p: PendingDevice = { identity: generateIdentity(), credential: generateCredentialKey() };
    const body = nextDeviceList(current, { remove: current.signed.list.devices.map((e) => e.deviceId), add: keysOf(p), recoveryKey: null }, { now: Date.now(), kind: 'recovery' });
    const signed = encodeSignedDeviceList(signDeviceList(body, { kind: 'recovery', signingPrivateKey: recovery.privateKey }, { cosignerPrivateKey: p.identity.signingPrivateKey }));
    const record: PendingDeviceRecord = { kind: 'recovery', accountId, identity: serializeIdentity(p.identity), credential: p.credential, list: toBase64Url(signed), createdAt: Date.now() };
    await this.d.pending.put(record); // D6.5: before the submission, or a crash after it would lose the only keys the account has
    try {
      await this.d.api.recoverDeviceList(signed);
    } catch (e) {
      if (refused(e)) await this.d.pending.clear();
      throw new ChatError('recovery_failed', { detail: refused(e) ? (e as ApiError).detail : 'the server did not answer; open this page again to finish' });
    }
    return this.finish(record, 'recovery_failed');
  }

  /** D6.6 step 1: fresh keys for the account, kept here from now on; the reset code is what the user tells support. */
  async beginReset(handle: string): Promise<{ accountId: string; code: string }> {
    const accountId = handle.trim();
    const kept = await this.d.pending.get();
    if (kept?.kind === 'reset' && kept.accountId === accountId) return this.codeOf(kept);
    await this.publicChain(accountId, 'reset_failed'); // an account with a device list: only that can be reset
    const p: PendingDevice = { identity: generateIdentity(), credential: generateCredentialKey() };
    const record: PendingDeviceRecord = { kind: 'reset', accountId, identity: serializeIdentity(p.identity), credential: p.credential, createdAt: Date.now() };
    await this.d.pending.put(record);
    return this.codeOf(record);
  }

  /** The reset waiting on this browser (its account and code), if any. */
  async pendingReset(): Promise<{ accountId: string; code: string } | null> {
    const r = await this.d.pending.get();
    return r?.kind === 'reset' ? this.codeOf(r) : null;
  }

  async cancelReset(): Promise<void> {
    if ((await this.d.pending.get())?.kind === 'reset') await this.d.pending.clear();
  }

  /**
   * D6.6 step 2, once support released the handle: the self-signed reset list on top of the current version, stored,
   * submitted without a token (PUT /v1/devices/reset), then this device signs in as the account's new identity.
   */
  async completeReset(): Promise<{ deviceId: number }> {
    const stored = await this.d.pending.get();
    if (stored?.kind !== 'reset') throw new ChatError('reset_failed', { detail: 'no reset was started on this browser' });
    const settled = await this.settle(stored); // an earlier "Complete reset" whose answer was lost may have been logged
    if (settled.deviceId !== undefined) return { deviceId: settled.deviceId };
    const { list: _unlogged, ...r } = stored;
    const p = keysFrom(r);
    const current = pinnedVerifiedList(await this.publicChain(r.accountId, 'reset_failed'));
    const body = resetDeviceList(current, keysOf(p), Date.now());
    const deviceId = body.devices[0]?.deviceId as number;
    const signed = encodeSignedDeviceList(signDeviceList(body, { kind: 'device', deviceId, signingPrivateKey: p.identity.signingPrivateKey }));
    const record: PendingDeviceRecord = { ...r, list: toBase64Url(signed) };
    await this.d.pending.put(record);
    try {
      await submitResetList(this.d.resetTarget, signed);
    } catch (e) {
      if (!refused(e)) throw new ChatError('reset_failed', { detail: 'the server did not answer; open this page again to finish' });
      await this.d.pending.put(r); // nothing logged: the keys (and their code) stay, the list goes
      if (ApiError.is(e, 'reset_not_allowed')) throw new ChatError('reset_not_released');
      throw new ChatError('reset_failed', { detail: (e as ApiError).detail });
    }
    return this.finish(record, 'reset_failed');
  }

  /**
   * At start, on a browser without an account: a stored list that the server logged is finished (sign in, pin,
   * publish); one it did not log is dropped (a recovery is discarded, a reset keeps its keys and waits).
   */
  async resume(): Promise<ResumeOutcome> {
    const r = await this.d.pending.get();
    if (!r) return 'none';
    const settled = await this.settle(r);
    return settled.deviceId !== undefined ? 'adopted' : settled.outcome;
  }

  /**
   * Decides a stored record: a list the server logged is finished (its device id answered); one it did not log is
   * dropped — a recovery entirely, a reset's list only (its keys wait for the release). Also run before a new attempt,
   * so an earlier submission whose answer was lost is never overwritten.
   */
  private async settle(r: PendingDeviceRecord): Promise<{ outcome: 'waiting' | 'discarded'; deviceId?: undefined } | { outcome: 'adopted'; deviceId: number }> {
    if (!r.list) return { outcome: 'waiting' };
    const fail = r.kind === 'reset' ? 'reset_failed' : 'recovery_failed';
    const bytes = fromBase64Url(r.list, 'pending list');
    const version = decodeSignedDeviceList(bytes).list.listVersion;
    const chain = await this.publicChain(r.accountId, fail);
    if (chain.listHashes[version - 1] === toBase64Url(deviceListHash(bytes))) return { outcome: 'adopted', ...(await this.finish(r, fail)) };
    if (r.kind === 'reset') {
      const { list: _dropped, ...keys } = r;
      await this.d.pending.put(keys);
      return { outcome: 'waiting' };
    }
    await this.d.pending.clear();
    return { outcome: 'discarded' };
  }

  /** After the list is logged: D8.2 sign-in with the new device's own key, the chain pinned again, the account adopted. */
  private async finish(r: PendingDeviceRecord, fail: 'recovery_failed' | 'reset_failed'): Promise<{ deviceId: number }> {
    const p = keysFrom(r);
    const list = decodeSignedDeviceList(fromBase64Url(r.list as string, 'pending list')).list;
    let pinned: PinnedDeviceList;
    try {
      const mine = list.devices.find((e) => equalBytes(e.identitySigningKey, p.identity.signingPublicKey));
      if (!mine) throw new Error('the submitted list does not hold this device');
      await this.d.api.loginDevice(r.accountId, mine.deviceId, p.identity);
      pinned = (await fetchVerifiedDeviceLists(this.d.api, await this.d.checker(), r.accountId, null)).pinned;
    } catch (e) {
      throw new ChatError(fail, { detail: e instanceof Error ? e.message : String(e) });
    }
    const entry = pinnedVerifiedList(pinned).signed.list.devices.find((e) => equalBytes(e.identitySigningKey, p.identity.signingPublicKey));
    if (!entry) throw new ChatError(fail, { detail: 'the account’s verified list does not hold this device' });
    await this.d.adopt(r.accountId, entry.deviceId, p, pinned);
    return { deviceId: entry.deviceId };
  }

  private codeOf(r: PendingDeviceRecord): { accountId: string; code: string } {
    const p = keysFrom(r);
    return { accountId: r.accountId, code: formatResetCode(resetCode(r.accountId, keysOf(p))) };
  }
}
