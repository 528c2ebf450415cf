// Device lists on the server (docs/PROTOCOL-devices.md D7, D8, D13.6, D17). The server accepts a list only as the
// next version of the account's logged list, after running the SDK's own D5.1 check (verifyListStep) against its
// stored previous version, and logs it (a `device-list` leaf) before it answers; the leaf's append transaction stores
// the list, updates the device records (D12.3) and deletes a removed device's tokens, prekeys and key packages. A
// fetch never appends, and serves only versions whose leaf is in the log (D7.3).
import { equalBytes, toBase64Url } from '../../../client/protocol.ts';
import { MAX_LISTS_PER_ANSWER } from '../../../client/transport/contract/devices.ts';
import {
  DeviceListError, type DeviceEntry, decodeSignedDeviceList, deviceListHash, type DecodedSignedDeviceList, type VerifiedDeviceList, verifyListStep,
} from '../../../client/index.ts';
import { identityBindingKey, KIND_IDENTITY, KIND_MLS_CREDENTIAL } from '../../../client/transparency/index.ts';
import { asBytes } from '../../data/_bytes.ts';
import type { DeviceListStored, DeviceRecordRow, DevicesRepo } from '../../data/devices.ts';
import type { ModerationEventInput } from '../../data/moderation-events.ts';
import { type AppError, AuthenticationError, ConflictError, InputError, NotFoundError, PermissionError } from '../../errors.ts';
import {
  type BindingRequest, DeviceListConflict, deviceListLeafKey, KIND_DEVICE_LIST, type KeyProofJson, parseDeviceListLeafKey, type TransparencyService,
} from '../transparency/index.ts';
import type { HandleReleases } from './handle-release.ts';

/** An authenticated caller: the account and the device its token names (D8.2). */
export interface DeviceCaller {
  accountId: string;
  deviceId: number;
}

export interface DeviceListAnswer {
  accountId: string;
  lists: string[];
  proofs: KeyProofJson[];
  linkedAt: Array<{ deviceId: number; acceptedAt: string }>;
}

export interface DeviceListAccepted {
  listVersion: number;
  listHash: string;
  leafIndex: number;
}

/** The newest logged list of an account with the stored row it was served from. */
interface CurrentList {
  verified: VerifiedDeviceList;
  leafIndex: number;
}

const invalid = (e: DeviceListError): InputError => new InputError('invalid_device_list', `the device list does not verify: ${e.code} (${e.message})`, { extra: { reason: e.code } });

/** D5.1 through the SDK: its DeviceListError becomes 400 invalid_device_list {reason}. */
function step(prev: VerifiedDeviceList | null, bytes: Uint8Array, accountId: string): VerifiedDeviceList {
  try {
    return verifyListStep(prev, bytes, accountId);
  } catch (e) {
    if (e instanceof DeviceListError) throw invalid(e);
    throw e;
  }
}

/** Bus channel of logged device lists (D13.6): `{"accountId","listVersion","deviceIds"}`, one per logged version. */
export const DEVICES_CHANNEL = 'devices';

/** A list logged and committed (D13.6): what the other processes and the account's devices are told. */
export interface DeviceListLogged {
  accountId: string;
  listVersion: number;
  /** The devices of the new list. */
  deviceIds: number[];
  /** Devices of the previous list that it removed (their tokens, copies, prekeys and key packages are deleted). */
  removed: number[];
}

export class DevicesService {
  constructor(
    private readonly repo: DevicesRepo,
    private readonly log: TransparencyService,
    /**
     * Called after the commit of every logged list (D13.6): revokes the removed devices' sessions on every process
     * (their push sockets close with `device_removed`) and announces the new version to the account's devices.
     */
    private readonly onLogged: (change: DeviceListLogged) => void,
    /** The operator's handle releases (D6.6); without them every reset is 403 reset_not_allowed. */
    private readonly releases?: HandleReleases,
  ) {}

  /**
   * The account's newest logged list (the log's newest `device-list` leaf and the stored list whose hash it names),
   * or null for an account without a list (D17.2). A logged version the server cannot serve is not_found: nothing
   * else is ever used in its place.
   */
  async current(accountId: string): Promise<CurrentList | null> {
    const leaves = await this.log.leavesOf(accountId, KIND_DEVICE_LIST);
    const newest = leaves.at(-1);
    if (!newest) return null;
    const named = parseDeviceListLeafKey(newest.key);
    const row = named ? await this.repo.version(accountId, named.listVersion) : null;
    if (!named || !row) throw new NotFoundError(`logged device list of ${accountId}`);
    const listHash = deviceListHash(row.list);
    if (!equalBytes(listHash, named.listHash)) throw new NotFoundError(`logged device list of ${accountId}`);
    return { verified: { signed: decodeSignedDeviceList(row.list), bytes: row.list, listHash }, leafIndex: newest.index };
  }

  /** The IKsig of `deviceId` in the account's current logged list (D8.2 sign-in), null when it is not listed. */
  async deviceSigningKey(accountId: string, deviceId: number): Promise<Uint8Array | null> {
    const cur = await this.current(accountId);
    return cur?.verified.signed.list.devices.find((d) => d.deviceId === deviceId)?.identitySigningKey ?? null;
  }

  /**
   * The device's entry in the current logged list with that list's version and hash; `null` when the account has a
   * list without that device; `'no_list'` for an account without a list (D17.2: device 1 only).
   */
  async currentEntry(accountId: string, deviceId: number): Promise<{ entry: DeviceEntry; listVersion: number; listHash: Uint8Array } | null | 'no_list'> {
    const cur = await this.current(accountId);
    if (!cur) return 'no_list';
    const entry = cur.verified.signed.list.devices.find((d) => d.deviceId === deviceId);
    return entry ? { entry, listVersion: cur.verified.signed.list.listVersion, listHash: cur.verified.listHash } : null;
  }

  /**
   * The relay's view of several accounts' current lists (docs/PROTOCOL-devices.md D13.3 step 5): version, hash and
   * device ids; null for an account without a list. A decoded version is cached per (account, version) and used only
   * while the account row names that version (Account.deviceListVersion is written in the same transaction as the
   * list's leaf), so the common send costs one query for both accounts; anything else reads the log as `current`.
   */
  async currentDevices(accountIds: readonly string[]): Promise<Map<string, { listVersion: number; listHash: Uint8Array; deviceIds: number[] } | null>> {
    const versions = await this.repo.listVersions(accountIds);
    const out = new Map<string, { listVersion: number; listHash: Uint8Array; deviceIds: number[] } | null>();
    for (const id of accountIds) {
      const v = versions.get(id) ?? null;
      const hit = v === null ? undefined : this.deviceCache.get(`${id}#${v}`);
      if (hit) {
        out.set(id, hit);
        continue;
      }
      const cur = await this.current(id);
      const view = cur ? { listVersion: cur.verified.signed.list.listVersion, listHash: cur.verified.listHash, deviceIds: cur.verified.signed.list.devices.map((d) => d.deviceId) } : null;
      if (view && view.listVersion === v) {
        if (this.deviceCache.size >= 10_000) this.deviceCache.clear();
        this.deviceCache.set(`${id}#${v}`, view);
      }
      out.set(id, view);
    }
    return out;
  }
  private readonly deviceCache = new Map<string, { listVersion: number; listHash: Uint8Array; deviceIds: number[] }>();

  /** Whether the log holds a device list for the account (it then signs in per device only, D8.2). */
  async hasList(accountId: string): Promise<boolean> {
    return (await this.log.leavesOf(accountId, KIND_DEVICE_LIST)).length > 0;
  }

  /** Whether the caller's device is in the account's current list (an account without a list: device 1, D17.2). */
  async isCurrentDevice(caller: DeviceCaller): Promise<boolean> {
    const cur = await this.current(caller.accountId);
    if (!cur) return caller.deviceId === 1;
    return cur.verified.signed.list.devices.some((d) => d.deviceId === caller.deviceId);
  }

  /**
   * GET /v1/devices/{accountId}?from=N (D8.1, D7.3): versions N…current, each with the inclusion proof of its leaf,
   * all against one head, and when the list that added each current device was accepted.
   */
  async fetch(accountId: string, from = 1): Promise<DeviceListAnswer> {
    if (!(await this.repo.accountExists(accountId))) throw new NotFoundError('account');
    const leaves = (await this.log.leavesOf(accountId, KIND_DEVICE_LIST)).filter((l) => l.action === 'publish');
    const newest = leaves.at(-1);
    const top = newest ? parseDeviceListLeafKey(newest.key)?.listVersion ?? 0 : 0;
    if (from > top) {
      if (top === 0 && from === 1) return { accountId, lists: [], proofs: [], linkedAt: [] };
      throw new InputError('validation_failed', `from: the logged list of ${accountId} is at version ${top}`, { issues: [{ path: 'query.from', message: `at most ${top}` }] });
    }
    // Each version is served only with its own leaf: a stored row without one (or with another hash) is never served.
    const byVersion = new Map<number, { index: number; leaf: Uint8Array; listHash: Uint8Array }>();
    for (const l of leaves) {
      const k = parseDeviceListLeafKey(l.key);
      if (k && !byVersion.has(k.listVersion)) byVersion.set(k.listVersion, { index: l.index, leaf: l.leaf, listHash: k.listHash });
    }
    const to = Math.min(top, from + MAX_LISTS_PER_ANSWER - 1); // longer chains are fetched in pages (D1 MAX_LIST_CHAIN)
    const rows = await this.repo.versions(accountId, from, to);
    const lists: string[] = [];
    const proved: Array<{ index: number; leaf: Uint8Array }> = [];
    for (let v = from; v <= to; v++) {
      const leaf = byVersion.get(v);
      const row = rows.find((r) => r.listVersion === v);
      if (!leaf || !row || !equalBytes(deviceListHash(row.list), leaf.listHash))
        throw new NotFoundError(`version ${v} of ${accountId}'s device list as logged`);
      lists.push(toBase64Url(row.list));
      proved.push({ index: leaf.index, leaf: leaf.leaf });
    }
    const proofs = this.log.proveLeaves(proved);
    // The devices of the newest logged version, with the time the list that added each was accepted (D12.3).
    const newestRow = to === top ? rows.find((r) => r.listVersion === top) : await this.repo.version(accountId, top);
    const current = newestRow ? decodeSignedDeviceList(newestRow.list).list.devices.map((d) => d.deviceId) : [];
    const records = await this.repo.records(accountId);
    const linkedAt = current.flatMap((id) => {
      const r = records.find((x) => x.deviceId === id && x.removedInVersion === null);
      return r ? [{ deviceId: id, acceptedAt: r.acceptedAt.toISOString() }] : [];
    });
    return { accountId, lists, proofs, linkedAt };
  }

  /**
   * The devices of one stored list version of the account and every device the account has removed (D13.6), or null
   * when the version is not stored. For the relay's records of expired copies (D10.3).
   */
  async devicesAt(accountId: string, listVersion: number): Promise<{ listed: number[]; removed: number[] } | null> {
    const row = await this.repo.version(accountId, listVersion);
    if (!row) return null;
    const listed = decodeSignedDeviceList(row.list).list.devices.map((d) => d.deviceId);
    const removed = (await this.repo.records(accountId)).filter((r) => r.removedInVersion !== null).map((r) => r.deviceId);
    return { listed, removed };
  }

  /** The server's device records of an account (D12.3). */
  records(accountId: string): Promise<DeviceRecordRow[]> {
    return this.repo.records(accountId);
  }

  /**
   * PUT /v1/devices (D8.1): `caller` is the token's account and device, null for the unauthenticated recovery
   * submission, 'reset' for the unauthenticated reset submission (D6.6: its authority is the operator's release).
   * Checks (D5.1 against the stored previous version, D8.1's authority rules) and appends under the log's lock as the
   * next version (D7.2); a list that is not the next one is 409 device_list_conflict with the current list.
   */
  async submit(bytes: Uint8Array, caller: DeviceCaller | null | 'reset'): Promise<DeviceListAccepted> {
    if (caller === 'reset') return this.submitReset(bytes);
    let decoded: DecodedSignedDeviceList;
    try {
      decoded = decodeSignedDeviceList(bytes);
    } catch (e) {
      if (e instanceof DeviceListError) throw invalid(e);
      throw e;
    }
    const accountId = caller?.accountId ?? decoded.list.accountId;
    if (caller === null && decoded.list.kind !== 'recovery')
      throw new AuthenticationError('unauthorized', 'only a recovery list (kind recovery) is accepted without a bearer token (docs/PROTOCOL-devices.md D8.1)');
    if (decoded.list.kind === 'reset')
      throw new PermissionError('reset_not_allowed', 'an account reset is submitted without a token to PUT /v1/devices/reset, under the operator\'s release of the handle (docs/PROTOCOL-devices.md D6.6)');
    if (!(await this.repo.accountExists(accountId))) throw new NotFoundError('account');
    const cur = await this.current(accountId);
    if (caller && !(cur ? cur.verified.signed.list.devices.some((d) => d.deviceId === caller.deviceId) : caller.deviceId === 1))
      throw new AuthenticationError('invalid_token', `device ${caller.deviceId} is not in the current device list`);

    let verified: VerifiedDeviceList;
    let req: BindingRequest;
    if (cur) {
      // An older or equal version: someone else's change won (D6.4), or an old list replayed. The answer carries the current list.
      if (decoded.list.accountId === accountId && decoded.list.listVersion <= cur.verified.signed.list.listVersion) throw this.conflict(accountId, cur);
      verified = step(cur.verified, bytes, accountId);
      req = this.listRequest(accountId, verified);
    } else {
      verified = step(null, bytes, accountId);
      // D17.1: the genesis of an account that signed in without a list is its legacy device 1, submitted with its token.
      const only = verified.signed.list.devices[0] as DeviceEntry;
      const legacyKey = identityBindingKey(only.identitySigningKey, only.identityDhKey);
      const logged = await this.log.loggedKey(accountId, KIND_IDENTITY);
      if (!logged || !equalBytes(logged, legacyKey))
        throw new ConflictError('identity_mismatch', 'device 1 of the genesis must hold the identity keys the log binds to this account (docs/PROTOCOL-devices.md D17.1)');
      const credential = await this.log.loggedKey(accountId, KIND_MLS_CREDENTIAL);
      if (credential && !equalBytes(credential, only.credentialKey))
        throw new ConflictError('identity_mismatch', 'device 1 of the genesis must hold the account\'s logged MLS credential key (docs/PROTOCOL-devices.md D17.1)');
      req = this.listRequest(accountId, verified, { requires: { kind: KIND_IDENTITY, key: legacyKey }, also: [{ kind: KIND_IDENTITY, key: legacyKey, action: 'revoke' }] });
    }
    return this.append(accountId, verified, req);
  }

  /**
   * PUT /v1/devices/reset (D6.6, D8.1): a `kind = reset` list, accepted only when the account's live handle release
   * names the reset code of its one device; the `account_reset` event that uses the release up commits with the
   * list's leaf, and the old devices are removed like any removed device (tokens, prekeys, sockets: D13.6). D5.1 runs
   * before the release is looked at, so a malformed or badly signed list is 400 whatever the release.
   */
  private async submitReset(bytes: Uint8Array): Promise<DeviceListAccepted> {
    let decoded: DecodedSignedDeviceList;
    try {
      decoded = decodeSignedDeviceList(bytes);
    } catch (e) {
      if (e instanceof DeviceListError) throw invalid(e);
      throw e;
    }
    const accountId = decoded.list.accountId;
    if (decoded.list.kind !== 'reset')
      throw new AuthenticationError('unauthorized', 'only a reset list (kind reset) is accepted at PUT /v1/devices/reset (docs/PROTOCOL-devices.md D8.1)');
    if (!this.releases) throw new PermissionError('reset_not_allowed', 'this server releases no handle for a reset (docs/PROTOCOL-devices.md D6.6)');
    if (!(await this.repo.accountExists(accountId))) throw new NotFoundError('account');
    const cur = await this.current(accountId);
    if (!cur) throw new NotFoundError(`device list of ${accountId}`);
    if (decoded.list.listVersion <= cur.verified.signed.list.listVersion) throw this.conflict(accountId, cur);
    const verified = step(cur.verified, bytes, accountId);
    const device = verified.signed.list.devices[0] as DeviceEntry;
    // D6.6 "The race rule": the append re-checks the release under the account's release lock in its transaction, so a
    // revocation committed since this authorisation refuses the reset (and the reset alone: the log's group commit).
    const event = await this.releases.authorise(accountId, device, verified.signed.list.listVersion);
    return this.append(accountId, verified, this.listRequest(accountId, verified), event);
  }

  /**
   * Registration with a genesis list (D8.2): checked by D5.1, logged only while the log holds no binding of the id
   * (kinds identity and device-list), stored as device 1. The account row must exist.
   */
  async checkGenesis(accountId: string, bytes: Uint8Array): Promise<VerifiedDeviceList> {
    return step(null, bytes, accountId);
  }

  async logGenesis(accountId: string, verified: VerifiedDeviceList): Promise<void> {
    await this.append(accountId, verified, this.listRequest(accountId, verified, { noneOf: [KIND_IDENTITY] }));
  }

  private listRequest(accountId: string, v: VerifiedDeviceList, extra: { noneOf?: string[]; requires?: { kind: string; key: Uint8Array }; also?: BindingRequest['also'] } = {}): BindingRequest {
    const list = v.signed.list;
    return {
      accountId, kind: KIND_DEVICE_LIST, key: deviceListLeafKey(list.listVersion, v.listHash), only: 'next-list',
      list: {
        listVersion: list.listVersion, prevListHash: list.prevListHash,
        ...(extra.noneOf ? { noneOf: extra.noneOf } : {}), ...(extra.requires ? { requires: extra.requires } : {}),
      },
      ...(extra.also ? { also: extra.also } : {}),
    };
  }

  private async append(accountId: string, v: VerifiedDeviceList, req: BindingRequest, event?: ModerationEventInput): Promise<DeviceListAccepted> {
    const list = v.signed.list;
    let stored: DeviceListStored | null = null;
    let leafIndex: number;
    try {
      [leafIndex] = (await this.log.append([{
        ...req,
        inTx: async (tx, index, timestamp) => {
          stored = await tx.devices.store({
            accountId, listVersion: list.listVersion, listHash: asBytes(v.listHash), list: asBytes(v.bytes), leafIndex: index, acceptedAt: new Date(timestamp),
            deviceIds: list.devices.map((d) => d.deviceId), ...(event ? { event } : {}),
          });
        },
      }])) as [number];
    } catch (e) {
      if (e instanceof DeviceListConflict) {
        const cur = await this.current(accountId);
        throw cur ? this.conflict(accountId, cur) : e;
      }
      throw e;
    }
    const done = stored as DeviceListStored | null;
    this.onLogged({ accountId, listVersion: list.listVersion, deviceIds: list.devices.map((d) => d.deviceId), removed: done?.removed ?? [] });
    return { listVersion: list.listVersion, listHash: toBase64Url(v.listHash), leafIndex };
  }

  private conflict(accountId: string, cur: CurrentList): AppError {
    return new ConflictError('device_list_conflict', `${accountId}'s device list is at version ${cur.verified.signed.list.listVersion}: verify the current list and sign the next version (docs/PROTOCOL-devices.md D6.4)`, {
      extra: { current: toBase64Url(cur.verified.bytes) },
    });
  }
}
