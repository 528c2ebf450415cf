// Generates test/vectors/group-devices.json (docs/PROTOCOL-devices.md D20, the groups.json additions for devices, kept
// in their own file so that groups.json stays byte-identical): member credential version 2 (D14.1) encodings and
// negatives, the AuthenticationService verdicts of D14.1 for leaves against alice's pinned lists of devices.json
// (entry present, key mismatch, device removed, ghost device, rotated key, version 1 as device 1, after a reset), and
// DeviceSyncAd (D14.4) encodings and negatives. Everything derives from devices.json and fixed strings; Ed25519 is
// deterministic (RFC 8032), so re-running reproduces the file byte for byte. The version 4 group header is in
// franking-devices.json (D10.1).
// Usage: npx tsx scripts/make-group-device-vectors.ts
import { writeFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as hex, hexToBytes as bytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { type PinnedDeviceList, verifyListChain } from '../client/devices/index.ts';
import {
  credentialBindingInput, decodeDeviceCredential, decodeDeviceSyncAd, encodeDeviceCredential, encodeDeviceSyncAd, encodeMemberCredential, GroupError, verifyDeviceLeaf,
} from '../client/group/index.ts';
import devices from '../test/vectors/devices.json';

const det = (purpose: string) => sha256(utf8ToBytes(`franking-chat group device vectors\0${purpose}`));
const A = devices.scenarios.alice.accountId;
const C = devices.scenarios.carol.accountId;
const aliceLists = devices.scenarios.alice.lists.map((l) => bytes(l.signed));
const carolLists = devices.scenarios.carol.lists.map((l) => bytes(l.signed));
/** Alice's pinned state after versions 1 … v (proofs: the D7.1 leaf keys, as devices.json represents them). */
const pinAt = (lists: Uint8Array[], accountId: string, v: number): PinnedDeviceList =>
  verifyListChain(null, lists.slice(0, v), lists.slice(0, v).map(() => 'leaf'), accountId, { verifyProof: () => true }).pinned;

const dev = devices.devices.alice as Record<string, { signingSeed: string; identitySigningKey: string; credentialSeed: string; credentialKey: string }>;
const ck = (id: number) => dev[String(id)]!.credentialKey;
const rotated = devices.devices.aliceDevice1RotatedCredential.credentialKey;

// ---- D14.1 credential version 2 ----
const credentials = [
  { accountId: A, deviceId: 1 },
  { accountId: A, deviceId: 6 },
  { accountId: 'x', deviceId: 0xffff_ffff },
  { accountId: 'a'.repeat(64), deviceId: 256 },
].map((c) => ({ ...c, encoded: hex(encodeDeviceCredential(c)) }));
const v2 = (accountId: string, deviceId: number) => hex(encodeDeviceCredential({ accountId, deviceId }));
const negativeCredentials = [
  { name: 'deviceId 0', encoded: `02${hex(Uint8Array.of(A.length))}${hex(utf8ToBytes(A))}00000000` },
  { name: 'truncated deviceId', encoded: v2(A, 1).slice(0, -2) },
  { name: 'trailing byte', encoded: `${v2(A, 1)}00` },
  { name: 'version 3', encoded: `03${v2(A, 1).slice(2)}` },
  { name: 'empty accountId', encoded: '020000000001' },
  { name: 'accountId with a space', encoded: `0203${hex(utf8ToBytes('a b'))}00000001` },
  { name: 'accountId length past the end', encoded: `0240${hex(utf8ToBytes(A))}` },
];

// ---- D14.1 verdicts ----
/** A version 1 credential (§12.2) of `accountId`: identity key of `idDevice`, binding over `keyHex`. */
const v1 = (idDevice: number, keyHex: string, accountId = A) => {
  const seed = bytes(dev[String(idDevice)]!.signingSeed);
  const binding = ed25519.sign(credentialBindingInput(accountId, bytes(keyHex)), seed);
  return hex(encodeMemberCredential({ accountId, identitySigningKey: ed25519.getPublicKey(seed), binding }));
};
const flipped = (h: string) => {
  const b = bytes(h);
  b[b.length - 1]! ^= 1;
  return hex(b);
};
const ghostKey = hex(ed25519.getPublicKey(det('ghost credential key')));
const cases: Array<{ name: string; pinnedVersion: number | null; credential: string; signatureKey: string }> = [
  { name: 'entry present (device 1 at version 3)', pinnedVersion: 3, credential: v2(A, 1), signatureKey: ck(1) },
  { name: 'entry present (device 2 at version 3)', pinnedVersion: 3, credential: v2(A, 2), signatureKey: ck(2) },
  { name: 'device removed (device 2 at version 4)', pinnedVersion: 4, credential: v2(A, 2), signatureKey: ck(2) },
  { name: 'key mismatch (device 3 with device 1\'s key)', pinnedVersion: 4, credential: v2(A, 3), signatureKey: ck(1) },
  { name: 'key mismatch (a key the server chose for device 3)', pinnedVersion: 4, credential: v2(A, 3), signatureKey: ghostKey },
  { name: 'ghost device (device 7, never listed)', pinnedVersion: 4, credential: v2(A, 7), signatureKey: ghostKey },
  { name: 'rotated key: the old key of device 1 at version 5', pinnedVersion: 5, credential: v2(A, 1), signatureKey: ck(1) },
  { name: 'rotated key: the new key of device 1 at version 5', pinnedVersion: 5, credential: v2(A, 1), signatureKey: rotated },
  { name: 'after the reset: device 6 at version 11', pinnedVersion: 11, credential: v2(A, 6), signatureKey: ck(6) },
  { name: 'after the reset: device 1 at version 11', pinnedVersion: 11, credential: v2(A, 1), signatureKey: ck(1) },
  { name: 'version 1 as device 1', pinnedVersion: 4, credential: v1(1, ck(1)), signatureKey: ck(1) },
  { name: 'version 1 bound to device 3\'s key (device 1\'s entry has another)', pinnedVersion: 4, credential: v1(1, ck(3)), signatureKey: ck(3) },
  { name: 'version 1 under device 3\'s identity key', pinnedVersion: 4, credential: v1(3, ck(1)), signatureKey: ck(1) },
  { name: 'version 1 with a broken binding', pinnedVersion: 4, credential: flipped(v1(1, ck(1))), signatureKey: ck(1) },
  { name: 'version 2 of an account without a list', pinnedVersion: null, credential: v2('bob', 1), signatureKey: ck(1) },
  { name: 'credential that does not decode', pinnedVersion: 4, credential: `${v2(A, 1)}00`, signatureKey: ck(1) },
];
const pins: Record<string, PinnedDeviceList> = {};
for (const v of [3, 4, 5, 11]) pins[String(v)] = pinAt(aliceLists, A, v);
const verdicts = cases.map((c) => {
  const r = verifyDeviceLeaf({ credentialType: 'basic', identity: bytes(c.credential) }, bytes(c.signatureKey), c.pinnedVersion === null ? undefined : pins[String(c.pinnedVersion)]);
  return { ...c, verdict: r.ok ? { ok: true, accountId: r.accountId, deviceId: r.deviceId, version: r.version } : { ok: false, reason: r.reason } };
});

// ---- D14.4 DeviceSyncAd ----
const carolPin = pinAt(carolLists, C, carolLists.length);
const entry = (p: PinnedDeviceList) => ({ accountId: p.accountId, listVersion: p.listVersion, listHash: p.listHash });
const syncAds = [
  { entries: [entry(pins['4']!)] },
  { entries: [entry(pins['4']!), entry(carolPin)].sort((x, y) => (x.accountId < y.accountId ? -1 : 1)) },
].map((s) => ({
  entries: s.entries.map((e) => ({ ...e, listHash: hex(Buffer.from(e.listHash, 'base64url')) })),
  encoded: hex(encodeDeviceSyncAd(s.entries.map((e) => ({ accountId: e.accountId, listVersion: e.listVersion, listHash: Buffer.from(e.listHash, 'base64url') })))),
}));
const one = syncAds[0]!.encoded;
const two = syncAds[1]!.encoded;
const firstEntry = one.slice(4);
const secondEntry = two.slice(4 + firstEntry.length);
const negativeSyncAds = [
  { name: 'no entry', encoded: '0100' },
  { name: 'version 2', encoded: `02${one.slice(2)}` },
  { name: 'trailing byte', encoded: `${one}00` },
  { name: 'truncated hash', encoded: one.slice(0, -2) },
  { name: 'count larger than the entries', encoded: `0102${firstEntry}` },
  { name: 'accounts not ascending', encoded: `0102${secondEntry}${firstEntry}` },
  { name: 'one account twice', encoded: `0102${firstEntry}${firstEntry}` },
  // u8 1 ‖ u8 1 ‖ u8 len ‖ accountId ‖ u64 0 ‖ hash
  { name: 'listVersion 0', encoded: `0101${hex(Uint8Array.of(A.length))}${hex(utf8ToBytes(A))}${'00'.repeat(8)}${firstEntry.slice(-64)}` },
];

// Every negative must be refused as malformed, or the file is not written.
const refusedAs = (f: () => unknown, name: string) => {
  try {
    f();
  } catch (e) {
    if (GroupError.is(e, 'malformed')) return;
    throw e;
  }
  throw new Error(`negative "${name}" decodes`);
};
for (const n of negativeCredentials) refusedAs(() => decodeDeviceCredential(bytes(n.encoded)), n.name);
for (const n of negativeSyncAds) refusedAs(() => decodeDeviceSyncAd(bytes(n.encoded)), n.name);

const file = {
  note: 'Generated by scripts/make-group-device-vectors.ts; spec: docs/PROTOCOL-devices.md D14.1, D14.4, D20. All bytes hex. Device keys and lists are those of test/vectors/devices.json (alice versions 3, 4, 5, 11; carol\'s last version); pinned states are what verifyListChain pins from version 1 (key-log proofs accepted, as devices.json represents them). The ghost key is the Ed25519 public key of SHA-256("franking-chat group device vectors" ‖ 0x00 ‖ "ghost credential key"). A verdict is what every member decides for a leaf (credential, signature_key) against the pinned list: ok (account, device, credential version) or the LeafRefusal reason, all of which are bad_credential to the group.',
  credentials,
  negativeCredentials,
  pinned: pins,
  verdicts,
  syncAds,
  negativeSyncAds,
};
writeFileSync(new URL('../test/vectors/group-devices.json', import.meta.url), `${JSON.stringify(file, null, 2)}\n`);
console.log(`group-devices.json: ${credentials.length} credentials, ${verdicts.length} verdicts, ${syncAds.length} DeviceSyncAds, ${negativeCredentials.length + negativeSyncAds.length} negatives`);
