// A deterministic two-account world for the fan-out suites (docs/PROTOCOL-devices.md D6, D9, D11, D20 `copies.json`):
// alice (devices 1, 2; list version 2) and bob (devices 1, 3; version 4: genesis, link 2, link 3, remove 2), every
// list built with client/devices/changes.ts and verified by verifyListStep / verifyListChain, device identities and
// prekeys from fixed seeds, every random draw from a per-device SHA-256 counter stream. Shared by the generator
// (scripts/make-fanout-vectors.ts), the vector suite and the attack suite, so all run the very same steps.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { CryptoProvider } from '../../client/crypto/index.ts';
import {
  type CopyEnvelope, type CopyReceipt, type CopyTarget, deviceListHash, deviceSessionKey, encodeSignedDeviceList, type FanOutSend, linkDeviceList, type ListIntent,
  nextDeviceList, type OwnListLeaf, type PinnedDeviceList, receiveCopy, removeDevicesList, signDeviceList, verifyListChain, type VerifiedDeviceList,
  verifyListStep, diffDeviceLists, checkBundleForDevice, type DeviceList, type SealedCopy,
} from '../../client/devices/index.ts';
import { computeStamp, Keyring, ReceiveChains, type Stamp } from '../../client/franking/index.ts';
import { type IdentityKeyPair, PreKeyStore, Session } from '../../client/session/index.ts';
import { ZERO_LIST_HASH } from '../../client/devices/device-list.ts';

export const T0 = 1_790_000_000_000;
export const MINUTE = 60_000;
export const det = (purpose: string): Uint8Array => sha256(utf8ToBytes(`franking-chat fanout vectors\0${purpose}`));

/** A deterministic byte source: SHA-256(seed ‖ u32 counter) blocks, handed out in order. */
export function stream(name: string): (length: number) => Uint8Array {
  const seed = det(`random ${name}`);
  let counter = 0;
  let pool = new Uint8Array(0);
  return (length) => {
    while (pool.length < length) {
      const block = new Uint8Array(seed.length + 4);
      block.set(seed);
      new DataView(block.buffer).setUint32(seed.length, counter++);
      const next = new Uint8Array(pool.length + 32);
      next.set(pool);
      next.set(sha256(block), pool.length);
      pool = next;
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}

export interface Device {
  readonly accountId: string;
  readonly deviceId: number;
  readonly identity: IdentityKeyPair;
  readonly credentialKey: Uint8Array;
  readonly preKeys: PreKeyStore;
  readonly random: (length: number) => Uint8Array;
  /** Sessions keyed by deviceSessionKey(peer account, peer device). */
  readonly sessions: Map<string, Session>;
  readonly chains: ReceiveChains;
  /** The directory's next one-time prekey of this device to hand out (each is handed out once). */
  readonly directory: { nextOneTimePreKey: number };
}

export function makeDevice(accountId: string, deviceId: number, crypto: CryptoProvider, tag = ''): Device {
  const name = `${accountId} device ${deviceId}${tag}`;
  const signingPrivateKey = det(`${name} identity signing`);
  const dhPrivateKey = det(`${name} identity dh`);
  const identity: IdentityKeyPair = {
    signingPrivateKey,
    signingPublicKey: crypto.ed25519PublicKey(signingPrivateKey),
    dhPrivateKey,
    dhPublicKey: crypto.x25519PublicKey(dhPrivateKey),
  };
  const random = stream(name);
  const preKeys = PreKeyStore.create(identity, { now: T0, randomBytes: random, oneTimePreKeys: 4, crypto });
  return { accountId, deviceId, identity, credentialKey: crypto.ed25519PublicKey(det(`${name} credential`)), preKeys, random, sessions: new Map(), chains: new ReceiveChains(), directory: { nextOneTimePreKey: 1 } };
}

export const keysOf = (d: Device) => ({ identitySigningKey: d.identity.signingPublicKey, identityDhKey: d.identity.dhPublicKey, credentialKey: d.credentialKey });

/** D7.1 leaf key that stands in for a key-log proof until D7 (as in devices.json). */
export const leafKey = (version: number, listHash: Uint8Array): string => {
  const b = new Uint8Array(40);
  new DataView(b.buffer).setBigUint64(0, BigInt(version));
  b.set(listHash, 8);
  return bytesToHex(b);
};
export const verifyProof = (_a: string, v: number, h: Uint8Array, p: unknown): boolean => p === leafKey(v, h);

export class Account {
  readonly devices = new Map<number, Device>();
  /** Every verified version, in order (index v − 1). */
  readonly versions: VerifiedDeviceList[] = [];
  /** Key-log leaf times of each version (the world's log: version v logged at T0 + v minutes unless set). */
  readonly loggedAt: number[] = [];

  constructor(
    readonly accountId: string,
    readonly crypto: CryptoProvider,
  ) {}

  get current(): VerifiedDeviceList {
    return this.versions[this.versions.length - 1]!;
  }

  get bytes(): Uint8Array[] {
    return this.versions.map((v) => v.bytes);
  }

  genesis(at: number): Device {
    const d = makeDevice(this.accountId, 1, this.crypto);
    const list: DeviceList = { accountId: this.accountId, listVersion: 1, prevListHash: ZERO_LIST_HASH, kind: 'genesis', issuedAt: at, nextDeviceId: 2, recoveryKey: null, devices: [{ deviceId: 1, ...keysOf(d), linkedAt: at }] };
    this.push(encodeSignedDeviceList(signDeviceList(list, { kind: 'device', deviceId: 1, signingPrivateKey: d.identity.signingPrivateKey }, { crypto: this.crypto })), at);
    this.devices.set(1, d);
    return d;
  }

  /** D6.1: `signer` links a new device (its id is the list's nextDeviceId), which counter-signs. */
  link(signer: number, at: number): Device {
    const d = makeDevice(this.accountId, this.current.signed.list.nextDeviceId, this.crypto);
    const list = linkDeviceList(this.current, keysOf(d), at);
    this.sign(list, signer, d, at);
    this.devices.set(d.deviceId, d);
    return d;
  }

  remove(signer: number, ids: number[], at: number): void {
    this.sign(removeDevicesList(this.current, ids, at), signer, null, at);
    for (const id of ids) this.devices.delete(id);
  }

  change(signer: number, intent: ListIntent, at: number): void {
    this.sign(nextDeviceList(this.current, intent, { now: at }), signer, null, at);
  }

  private sign(list: DeviceList, signer: number, added: Device | null, at: number): void {
    const s = this.devices.get(signer)!;
    const signed = signDeviceList(list, { kind: 'device', deviceId: signer, signingPrivateKey: s.identity.signingPrivateKey }, {
      crypto: this.crypto,
      ...(added !== null && { cosignerPrivateKey: added.identity.signingPrivateKey }),
    });
    this.push(encodeSignedDeviceList(signed), at);
  }

  private push(bytes: Uint8Array, at: number): void {
    this.versions.push(verifyListStep(this.versions.length === 0 ? null : this.current, bytes, this.accountId, this.crypto));
    this.loggedAt.push(at);
  }

  /** The pinned state (D5.3) a verifier reaches from the genesis (or updates from `from`). */
  pin(from: PinnedDeviceList | null = null): PinnedDeviceList {
    const start = from === null ? 0 : from.listVersion;
    const lists = this.bytes.slice(start);
    const proofs = lists.map((b, i) => leafKey(start + i + 1, deviceListHash(b, this.crypto)));
    return verifyListChain(from, lists, proofs, this.accountId, { verifyProof, crypto: this.crypto }).pinned;
  }

  /** D11.3 step 7's key-log leaves of this (own) account. */
  ownLog(): OwnListLeaf[] {
    return this.versions.map((v, i) => ({
      listVersion: i + 1,
      loggedAt: this.loggedAt[i]!,
      removed: i === 0 ? [] : diffDeviceLists(this.versions[i - 1]!.signed.list, v.signed.list).removed,
    }));
  }
}

export interface World {
  readonly crypto: CryptoProvider;
  readonly alice: Account;
  readonly bob: Account;
  readonly keyring: Keyring;
}

/** alice: devices 1, 2 (version 2); bob: devices 1, 3 (version 4: genesis, link 2, link 3, remove 2). */
export function buildWorld(crypto: CryptoProvider): World {
  const alice = new Account('alice', crypto);
  alice.genesis(T0 + 1 * MINUTE);
  alice.link(1, T0 + 2 * MINUTE);
  const bob = new Account('bob', crypto);
  bob.genesis(T0 + 1 * MINUTE);
  bob.link(1, T0 + 2 * MINUTE);
  bob.link(2, T0 + 3 * MINUTE);
  bob.remove(1, [2], T0 + 4 * MINUTE);
  return { crypto, alice, bob, keyring: Keyring.create('k1', det('stamp key'), T0) };
}

/**
 * The sender's session with a target device (D9): an existing one, or X3DH to it from its fetched bundle (the
 * directory hands out each one-time prekey once, in order), checked against the target's verified entry first.
 */
export function sessionsFrom(world: World, sender: Device, lists: Record<string, VerifiedDeviceList>) {
  return (target: CopyTarget): Session => {
    const key = deviceSessionKey(target.accountId, target.deviceId);
    const held = sender.sessions.get(key);
    if (held !== undefined) return held;
    const account = target.accountId === world.alice.accountId ? world.alice : world.bob;
    const device = account.devices.get(target.deviceId)!;
    const uploaded = device.preKeys.bundle(device.identity);
    const bundle = { identitySigningKey: uploaded.identitySigningKey, identityDhKey: uploaded.identityDhKey, signedPreKey: uploaded.signedPreKey, oneTimePreKey: uploaded.oneTimePreKeys.find((o) => o.id === device.directory.nextOneTimePreKey)! };
    device.directory.nextOneTimePreKey++;
    checkBundleForDevice(lists[target.accountId]!.signed.list, target.deviceId, bundle, world.crypto);
    // copies.json was made with sessions of cipher version 1 (docs/PROTOCOL-sessions.md §S17.4), which stay valid:
    // the world keeps them so that its sealed copies stay those bytes.
    const session = Session.initiate(sender.identity, bundle, { randomBytes: sender.random, crypto: world.crypto, cipherVersion: 1 });
    sender.sessions.set(key, session);
    return session;
  };
}

/** The relay's part (D13.3–D13.5): stamps for the accepted message and one envelope per copy. */
export function deliver(world: World, send: FanOutSend, peerId: string, messageId: string, serverTime: number): Map<string, CopyEnvelope> {
  const c = send.franked.commitment;
  const conversationId = send.franked.header.conversationId;
  const base = { messageId, conversationId, senderId: send.senderId, serverTime };
  const recipientStamp: Stamp = computeStamp(world.keyring, { ...base, recipientId: peerId, role: 'recipient' }, c, { crypto: world.crypto });
  const senderStamp: Stamp = computeStamp(world.keyring, { ...base, recipientId: send.senderId, role: 'sender' }, c, { crypto: world.crypto });
  const [own, peer] = send.lists;
  const out = new Map<string, CopyEnvelope>();
  for (const copy of send.copies) out.set(deviceSessionKey(copy.accountId, copy.deviceId), envelopeOf(copy, send, copy.copyKind === 'own' ? senderStamp : recipientStamp, own, peer));
  return out;
}

export function envelopeOf(copy: SealedCopy, send: FanOutSend, stamp: Stamp, own: FanOutSend['lists'][0], peer: FanOutSend['lists'][1]): CopyEnvelope {
  const target = copy.copyKind === 'own' ? own : peer;
  return {
    ciphertext: copy.ciphertext,
    commitment: send.franked.commitment,
    stamp,
    senderDeviceId: send.senderDeviceId,
    copyKind: copy.copyKind,
    senderListVersion: own.listVersion,
    senderListHash: own.listHash,
    targetAccountId: copy.accountId,
    targetDeviceId: copy.deviceId,
    targetListVersion: target.listVersion,
    targetListHash: target.listHash,
  };
}

/** A device receives an envelope with its pinned states and its session with the sending device (D11.3). */
export function receiveOn(world: World, device: Device, envelope: CopyEnvelope, pins: Record<string, PinnedDeviceList>, opts: { session?: Session | null } = {}): CopyReceipt {
  const own = device.accountId === world.alice.accountId ? world.alice : world.bob;
  const key = deviceSessionKey(envelope.stamp.senderId, envelope.senderDeviceId);
  const session = opts.session !== undefined ? opts.session : (device.sessions.get(key) ?? null);
  const receipt = receiveCopy(envelope, {
    accountId: device.accountId,
    deviceId: device.deviceId,
    senderPinned: pins[envelope.stamp.senderId]!,
    ownPinned: pins[device.accountId]!,
    ownLog: own.ownLog(),
    session,
    responder: { identity: device.identity, preKeys: device.preKeys },
    chains: device.chains,
    crypto: world.crypto,
    now: T0,
  });
  if (receipt.status !== 'refresh' && opts.session === undefined) device.sessions.set(key, receipt.session);
  return receipt;
}
