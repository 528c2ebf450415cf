// test/vectors/group-devices.json (docs/PROTOCOL-devices.md D14.1, D14.4, D20), checked in Node and in Chromium under
// every crypto provider of the runtime (./_providers.ts): credential version 2 and DeviceSyncAd bytes re-derived from
// the spec text with raw encoders (no client/group code) and through the SDK (encode, decode, negatives); the pinned
// lists the verdicts use re-pinned from devices.json by verifyListChain under the provider; every verdict of D14.1 by
// verifyDeviceLeaf and by the ts-mls AuthenticationService; and a live group of device leaves (create, add a person
// with two devices, a message from device 2 in a version 4 header) with the provider as the groups' default.
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex as hex, hexToBytes as bytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { type CryptoProvider, setDefaultCryptoProvider } from '../../client/crypto/index.ts';
import { verifyListChain } from '../../client/devices/index.ts';
import {
  GroupError, MlsGroup, decodeDeviceCredential, decodeDeviceSyncAd, encodeDeviceCredential, encodeDeviceSyncAd, generateGroupKeyPackage, verifyDeviceLeaf,
} from '../../client/group/index.ts';
import { deviceAuthenticationService } from '../../client/group/device-members.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { SYNC } from './_providers.ts';
import devices from '../vectors/devices.json';
import v from '../vectors/group-devices.json';
import { cat, u as be, str8 as id } from './_spec-encoding.ts';

// --- the spec, written out independently ---------------------------------------------------------------------------
/** D14.1: u8 version = 0x02 ‖ id accountId ‖ u32 deviceId. */
const specCredential = (accountId: string, deviceId: number) => cat(be(2, 1), id(accountId), be(deviceId, 4));
/** D14.4: u8 version = 0x01 ‖ u8 count ‖ count × (id accountId ‖ u64 listVersion ‖ fixed<32> listHash). */
const specSyncAd = (entries: Array<{ accountId: string; listVersion: number; listHash: string }>) =>
  cat(be(1, 1), be(entries.length, 1), ...entries.map((e) => cat(id(e.accountId), be(e.listVersion, 8), bytes(e.listHash))));
/** §12.2 binding input: CREDENTIAL_LABEL ‖ u8 len ‖ accountId ‖ credentialKey. */
const specBindingInput = (accountId: string, key: Uint8Array) => cat(utf8ToBytes('franking-chat/v1/mls-credential\0'), id(accountId), key);

describe('D14.1 credential version 2', () => {
  it.each(v.credentials)('$accountId device $deviceId', (c) => {
    expect(hex(specCredential(c.accountId, c.deviceId))).toBe(c.encoded);
    expect(hex(encodeDeviceCredential(c))).toBe(c.encoded);
    expect(decodeDeviceCredential(bytes(c.encoded))).toEqual({ accountId: c.accountId, deviceId: c.deviceId });
  });
  it.each(v.negativeCredentials)('$name is malformed', (n) => {
    expect(() => decodeDeviceCredential(bytes(n.encoded))).toThrow(GroupError);
    try {
      decodeDeviceCredential(bytes(n.encoded));
    } catch (e) {
      expect((e as GroupError).code).toBe('malformed');
    }
  });
});

describe('D14.4 DeviceSyncAd', () => {
  it.each(v.syncAds)('$entries.length entries', (s) => {
    expect(hex(specSyncAd(s.entries))).toBe(s.encoded);
    const sdk = s.entries.map((e) => ({ accountId: e.accountId, listVersion: e.listVersion, listHash: bytes(e.listHash) }));
    expect(hex(encodeDeviceSyncAd(sdk))).toBe(s.encoded);
    expect(decodeDeviceSyncAd(bytes(s.encoded))).toEqual(sdk);
  });
  it.each(v.negativeSyncAds)('$name is malformed', (n) => {
    let code: string | undefined;
    try {
      decodeDeviceSyncAd(bytes(n.encoded));
    } catch (e) {
      code = (e as GroupError).code;
    }
    expect(code).toBe('malformed');
  });
});

const aliceLists = devices.scenarios.alice.lists.map((l) => bytes(l.signed));

describe.each(SYNC.map((p) => [p.name, p] as [string, CryptoProvider]))('D14.1 verdicts under %s', (_name, crypto) => {
  it('the pinned lists the verdicts use are what verifyListChain pins from devices.json', () => {
    for (const [version, pinned] of Object.entries(v.pinned)) {
      const n = Number(version);
      const pin = verifyListChain(null, aliceLists.slice(0, n), aliceLists.slice(0, n).map(() => 'leaf'), devices.scenarios.alice.accountId, { verifyProof: () => true, crypto }).pinned;
      expect(pin).toEqual(pinned);
    }
  });

  it.each(v.verdicts)('$name', async (c) => {
    const pinned = c.pinnedVersion === null ? undefined : v.pinned[String(c.pinnedVersion) as keyof typeof v.pinned];
    const credential = { credentialType: 'basic' as const, identity: bytes(c.credential) };
    const got = verifyDeviceLeaf(credential, bytes(c.signatureKey), pinned, crypto);
    expect(got.ok ? { ok: true, accountId: got.accountId, deviceId: got.deviceId, version: got.version } : { ok: false, reason: got.reason }).toEqual(c.verdict);
    // The members' AuthenticationService decides the same (no identity directory: a list-less version 1 is refused too).
    const auth = deviceAuthenticationService((accountId) => (pinned?.accountId === accountId ? pinned : undefined), () => undefined, crypto);
    expect(await auth.validateCredential(credential, bytes(c.signatureKey))).toBe(c.verdict.ok);
    // Re-derived for the version 1 cases: the binding is device 1's identity key over the leaf key (§12.2).
    if (c.name === 'version 1 as device 1') {
      const dev1 = devices.devices.alice['1'];
      expect(hex(ed25519.sign(specBindingInput('alice', bytes(c.signatureKey)), bytes(dev1.signingSeed)))).toBe(c.credential.slice(-128));
    }
  });

  it('a live group of device leaves with this provider as the groups\' default', () => liveGroup(crypto));
});

describe('a live group of device leaves with no configured provider (WebCrypto X25519/Ed25519 where native, §12.1)', () => {
  it('creates, adds devices, reads a version 4 message', () => liveGroup(undefined));
});

/** Create, R2-add two more devices of the same person, join, a version 4 message from device 2: under `crypto` as default. */
async function liveGroup(crypto: CryptoProvider | undefined): Promise<void> {
  const before = setDefaultCryptoProvider(crypto);
  try {
    // alice's list at version 3 (devices 1, 2, 3 of devices.json, their credential keys): one person, three leaves.
    const pin3 = v.pinned['3'];
    const keys = devices.devices.alice as Record<string, { credentialSeed: string; credentialKey: string }>;
    const me = (deviceId: number) => ({
      accountId: 'alice', deviceId, identity: generateIdentity(),
      credentialKey: { privateKey: bytes(keys[String(deviceId)]!.credentialSeed), publicKey: bytes(keys[String(deviceId)]!.credentialKey) },
    });
    const opts = { resolveIdentity: () => undefined, resolveDeviceList: (a: string) => (a === 'alice' ? pin3 : undefined) };
    const d1 = await MlsGroup.create(`vec-${crypto?.name ?? 'default'}`, me(1), opts);
    const kp2 = await generateGroupKeyPackage(me(2));
    const kp3 = await generateGroupKeyPackage(me(3));
    const pending = await d1.syncDevices('alice', [kp2.bytes, kp3.bytes]);
    // syncDevices names alice's list version 3 in the Commit's authenticated data.
    d1.confirmCommit();
    const d2 = await MlsGroup.join(pending.welcome!, me(2), (ref) => (ref === kp2.ref ? kp2 : undefined), opts);
    const d3 = await MlsGroup.join(pending.welcome!, me(3), (ref) => (ref === kp3.ref ? kp3 : undefined), opts);
    expect(d3.people()).toEqual([{ accountId: 'alice', role: 'creator', devices: [1, 2, 3].map((deviceId, leaf) => ({ deviceId, leaf, credentialVersion: 2 })) }]);
    const sent = await d2.send(utf8ToBytes('from device 2'));
    for (const g of [d1, d3]) {
      const got = await g.receive(sent.message);
      expect(got.kind === 'message' && [got.opened.header.version, got.opened.header.senderDeviceId]).toEqual([4, 2]);
    }
  } finally {
    setDefaultCryptoProvider(before);
  }
}
