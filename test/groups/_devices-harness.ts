// Multi-device accounts for the group tests (docs/PROTOCOL-devices.md D14): each account has a real signed device
// list (D4) published in an in-memory "directory" (what the server serves), each device pins lists by the real
// verifyListChain (D5.2) and resolves them for its groups; proofs are accepted (the key log is D7's, not tested here).
// Tests play a malicious server by editing what it serves (`served`) or by handing out forged key packages.
import { equalBytes } from '../../client/protocol.ts';
import {
  type DeviceEntry, type DeviceList, encodeSignedDeviceList, type PinnedDeviceList, pinnedVerifiedList, signDeviceList, verifyListChain, ZERO_LIST_HASH,
} from '../../client/devices/index.ts';
import { type GeneratedKeyPackage, type GroupIdentity, type GroupOptions, MlsGroup, type PendingCommit, generateCredentialKey, generateGroupKeyPackage } from '../../client/group/index.ts';
import type { DeviceListWant } from '../../client/group/device-members.ts';
import { type IdentityKeyPair, generateIdentity } from '../../client/session/identity.ts';

/** What the server serves: accountId → its signed lists, version 1 first. */
export const served = new Map<string, Uint8Array[]>();
/** The identity keys of legacy (single-device, no list) accounts, as the key directory serves them (§12.2). */
export const legacyDirectory = new Map<string, Uint8Array>();

export class Account {
  readonly lists: Uint8Array[] = [];
  readonly devices = new Map<number, Device>();
  private nextId = 1;
  constructor(readonly accountId: string) {}

  private get last(): DeviceList | undefined {
    const b = this.lists.at(-1);
    return b ? pinnedVerifiedList(pinOf(this.accountId, this.lists)).signed.list : undefined;
  }

  /** Publishes the next list with `devices`, signed by device `signer` (the genesis by itself), cosigned by `added`. */
  private publish(devices: DeviceEntry[], signer: Device, added?: Device, kind: DeviceList['kind'] = 'change'): void {
    const prev = this.last;
    const pinned = prev ? pinOf(this.accountId, this.lists) : undefined;
    const list: DeviceList = {
      accountId: this.accountId, listVersion: (prev?.listVersion ?? 0) + 1, prevListHash: pinned ? pinnedVerifiedList(pinned).listHash : ZERO_LIST_HASH,
      kind: prev ? kind : 'genesis', issuedAt: 1_000 + this.lists.length, nextDeviceId: this.nextId, recoveryKey: null, devices,
    };
    const signed = signDeviceList(list, { kind: 'device', deviceId: signer.deviceId, signingPrivateKey: signer.identity.signingPrivateKey }, added ? { cosignerPrivateKey: added.identity.signingPrivateKey } : {});
    this.lists.push(encodeSignedDeviceList(signed));
    served.set(this.accountId, [...this.lists]);
  }

  /** Links a new device (the first one makes the genesis), signed by `by` (default: the lowest current device). */
  link(by?: Device): Device {
    const d = new Device(this, this.nextId++);
    const current = [...this.devices.values()];
    this.devices.set(d.deviceId, d);
    if (current.length === 0) this.publish([d.entry()], d);
    else this.publish([...current, d].map((x) => x.entry()), by ?? (current[0] as Device), d);
    return d;
  }

  /** D6.6 reset: a new device alone, self-signed, under a new id; every earlier device is gone. */
  reset(): Device {
    const d = new Device(this, this.nextId++);
    this.devices.clear();
    this.devices.set(d.deviceId, d);
    this.publish([d.entry()], d, undefined, 'reset');
    return d;
  }

  /** D6.3: device `d` signs the next list with its entry's credentialKey replaced by `credentialKey`. */
  rotate(d: Device, credentialKey: Uint8Array): void {
    this.publish([...this.devices.values()].map((x) => (x === d ? { ...x.entry(), credentialKey } : x.entry())), d);
  }

  /** Removes a device from the list (signed by another device). */
  unlink(deviceId: number): void {
    this.devices.delete(deviceId);
    const rest = [...this.devices.values()];
    this.publish(rest.map((x) => x.entry()), rest[0] as Device);
  }
}

/** The pinned state a verifier gets from scratch for these lists (every proof accepted). */
export function pinOf(accountId: string, lists: readonly Uint8Array[]): PinnedDeviceList {
  return verifyListChain(null, lists, lists.map(() => 'proof'), accountId, { verifyProof: () => true }).pinned;
}

export class Device {
  readonly identity: IdentityKeyPair = generateIdentity();
  readonly credentialKey = generateCredentialKey();
  readonly me: GroupIdentity;
  readonly kps = new Map<string, GeneratedKeyPackage>();
  /** This device's pinned lists (D5.3). */
  readonly pins = new Map<string, PinnedDeviceList>();
  group?: MlsGroup;
  constructor(readonly account: Account, readonly deviceId: number) {
    this.me = { accountId: account.accountId, identity: this.identity, credentialKey: this.credentialKey, deviceId };
  }

  get accountId(): string {
    return this.account.accountId;
  }

  entry(): DeviceEntry {
    return { deviceId: this.deviceId, identitySigningKey: this.identity.signingPublicKey, identityDhKey: this.identity.dhPublicKey, credentialKey: this.credentialKey.publicKey, linkedAt: 1_000 };
  }

  /** D5.2 from the pin with what the server serves now; the pin is kept on any failure (D5.4). */
  refresh(accountId: string): PinnedDeviceList | undefined {
    const lists = served.get(accountId);
    if (!lists) return this.pins.get(accountId);
    const pin = this.pins.get(accountId) ?? null;
    const fresh = pin ? lists.slice(pin.listVersion - 1) : lists;
    const next = verifyListChain(pin, fresh, fresh.map(() => 'proof'), accountId, { verifyProof: () => true }).pinned;
    this.pins.set(accountId, next);
    return next;
  }

  /** GroupOptions.resolveDeviceList: the pin, refreshed when none is held or when a Commit names a version (D14.4). */
  readonly resolveDeviceList = (accountId: string, want?: DeviceListWant): PinnedDeviceList | undefined => {
    const pin = this.pins.get(accountId);
    if (pin && (!want || pin.listVersion >= want.listVersion)) return pin;
    return this.refresh(accountId);
  };

  get opts(): GroupOptions {
    return { resolveIdentity: (id) => legacyDirectory.get(id), resolveDeviceList: this.resolveDeviceList };
  }

  async keyPackage(): Promise<Uint8Array> {
    const kp = await generateGroupKeyPackage(this.me);
    this.kps.set(kp.ref, kp);
    return kp.bytes;
  }

  async join(welcome: Uint8Array): Promise<MlsGroup> {
    this.group = await MlsGroup.join(welcome, this.me, (ref) => this.kps.get(ref), this.opts);
    return this.group;
  }
}

/** Key packages of every current device of an account (what the claim of D14.3 returns). */
export const packagesOf = (a: Account): Promise<Uint8Array[]> => Promise.all([...a.devices.values()].map((d) => d.keyPackage()));

/** Every current device of these accounts. */
export const devicesOf = (...accounts: Account[]): Device[] => accounts.flatMap((a) => [...a.devices.values()]);

/** `by` confirms its Commit; every device in `to` processes it, and the devices it adds join by its Welcome. */
export async function deliver(by: Device, pending: PendingCommit, to: Device[], joiners: Device[] = []): Promise<void> {
  by.group!.confirmCommit();
  for (const d of to) if (d !== by) await d.group!.receive(pending.commit);
  for (const j of joiners) await j.join(pending.welcome!);
}

/** A group created by `creator` with `people` (all their devices) added in one Commit. */
export async function deviceGroup(conversationId: string, creator: Device, people: Account[]): Promise<void> {
  creator.group = await MlsGroup.create(conversationId, creator.me, creator.opts);
  const others = devicesOf(creator.account).filter((d) => d !== creator);
  const all = [creator.account, ...people].filter((a, i, xs) => xs.indexOf(a) === i);
  if (others.length > 0) await deliver(creator, await creator.group.syncDevices(creator.accountId, await Promise.all(others.map((d) => d.keyPackage()))), [], others);
  for (const p of people) {
    if (p === creator.account) continue;
    const members = devicesOf(...all).filter((d) => d.group !== undefined);
    await deliver(creator, await creator.group.addPerson(p.accountId, await packagesOf(p)), members, devicesOf(p));
  }
}

export const text = (s: string) => new TextEncoder().encode(s);
export const str = (b: Uint8Array) => new TextDecoder().decode(b);
export const sameKey = equalBytes;
