// Generates test/vectors/devices.json (docs/PROTOCOL-devices.md D20, the device-list part): device and kit keys from
// fixed seeds, list bodies, signature and cosignature inputs and outputs, signed lists and list hashes (D4) for the
// scenarios D20 names, the pinned state after each chain (D5.3), and negative cases, each with the DeviceListError
// code D5.1–D5.3 must give. Seeds are SHA-256("franking-chat device vectors" ‖ 0x00 ‖ purpose); times are fixed; Ed25519
// signing is deterministic (RFC 8032), so re-running reproduces the file byte for byte.
// Key-log proofs (D7.3) are not generated here: a proof is represented by its D7.1 leaf key `u64 listVersion ‖ listHash`
// (hex), which the test's injected verifier compares — D7 replaces it with a KeyInclusionProof.
// Usage: npm run vectors:devices
import { writeFileSync } from 'node:fs';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as hex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  decodeSignedDeviceList, type DeviceEntry, type DeviceList, type DeviceListSigner, DEVICE_LIST_COSIGN_LABEL, DEVICE_LIST_SIGN_LABEL, deviceListCosignatureInput, deviceListHash,
  deviceListSignatureInput, DeviceListError, encodeDeviceList, encodeSignedDeviceList, type PinnedDeviceList, recoveryKeyFromKit, signDeviceList,
  verifyListChain, verifyListStep, type VerifiedDeviceList, ZERO_LIST_HASH,
} from '../client/devices/index.ts';

const det = (purpose: string) => sha256(utf8ToBytes(`franking-chat device vectors\0${purpose}`));
const T0 = 1_790_000_000_000;
const MINUTE = 60_000;

interface DeviceKeys { name: string; signingSeed: Uint8Array; signingKey: Uint8Array; dhPrivateKey: Uint8Array; dhKey: Uint8Array; credentialSeed: Uint8Array; credentialKey: Uint8Array }
function deviceKeys(name: string, credential = 'credential'): DeviceKeys {
  const signingSeed = det(`${name} identity signing`);
  const dhPrivateKey = det(`${name} identity dh`);
  const credentialSeed = det(`${name} ${credential}`);
  return { name, signingSeed, signingKey: ed25519.getPublicKey(signingSeed), dhPrivateKey, dhKey: x25519.getPublicKey(dhPrivateKey), credentialSeed, credentialKey: ed25519.getPublicKey(credentialSeed) };
}
const keysJson = (k: DeviceKeys) => ({
  signingSeed: hex(k.signingSeed), identitySigningKey: hex(k.signingKey), dhPrivateKey: hex(k.dhPrivateKey), identityDhKey: hex(k.dhKey),
  credentialSeed: hex(k.credentialSeed), credentialKey: hex(k.credentialKey),
});
const entry = (deviceId: number, k: DeviceKeys, linkedAt: number): DeviceEntry => ({ deviceId, identitySigningKey: k.signingKey, identityDhKey: k.dhKey, credentialKey: k.credentialKey, linkedAt });

const listJson = (l: DeviceList) => ({
  accountId: l.accountId, listVersion: l.listVersion, prevListHash: hex(l.prevListHash), kind: l.kind, issuedAt: l.issuedAt, nextDeviceId: l.nextDeviceId,
  recoveryKey: l.recoveryKey === null ? null : hex(l.recoveryKey),
  devices: l.devices.map((e) => ({ deviceId: e.deviceId, identitySigningKey: hex(e.identitySigningKey), identityDhKey: hex(e.identityDhKey), credentialKey: hex(e.credentialKey), linkedAt: e.linkedAt })),
});

/** The D7.1 leaf key that stands in for a proof here. */
const leafKey = (version: number, listHash: Uint8Array) => {
  const b = new Uint8Array(40);
  new DataView(b.buffer).setBigUint64(0, BigInt(version));
  b.set(listHash, 8);
  return hex(b);
};

interface Step { name: string; list: DeviceList; signer: DeviceListSigner; cosigner?: Uint8Array }
function chain(steps: Step[]) {
  let prev: VerifiedDeviceList | null = null;
  let prevHash = ZERO_LIST_HASH;
  const out = [];
  const signedBytes: Uint8Array[] = [];
  for (const s of steps) {
    const list = { ...s.list, prevListHash: prevHash };
    const signed = signDeviceList(list, s.signer, s.cosigner === undefined ? {} : { cosignerPrivateKey: s.cosigner });
    const body = encodeDeviceList(list);
    const bytes = encodeSignedDeviceList(signed);
    const listHash = deviceListHash(bytes);
    prev = verifyListStep(prev, bytes, list.accountId); // every positive vector passes D5.1
    out.push({
      name: s.name, list: listJson(list), body: hex(body), bodyLength: body.length,
      signerKind: signed.signerKind, signerDeviceId: signed.signerDeviceId,
      signatureInput: hex(deviceListSignatureInput(body)), signature: hex(signed.signature),
      cosignatureInput: signed.cosignature === null ? null : hex(deviceListCosignatureInput(body)), cosignature: signed.cosignature === null ? null : hex(signed.cosignature),
      signed: hex(bytes), listHash: hex(listHash), leafKey: leafKey(list.listVersion, listHash),
    });
    signedBytes.push(bytes);
    prevHash = listHash;
  }
  const proofs = signedBytes.map((b, i) => leafKey(i + 1, deviceListHash(b)));
  const verifyProof = (_a: string, v: number, h: Uint8Array, p: unknown) => p === leafKey(v, h);
  const pinned: PinnedDeviceList = verifyListChain(null, signedBytes, proofs, steps[0]!.list.accountId, { verifyProof }).pinned;
  return { lists: out, pinned, bytes: signedBytes };
}

// --- alice: every kind of change, in one chain ---------------------------------------------------------------------
const A = 'alice';
const a = [1, 2, 3, 4, 5, 6].map((i) => deviceKeys(`alice device ${i}`));
const [a1, a2, a3, a4, a5, a6] = a as [DeviceKeys, DeviceKeys, DeviceKeys, DeviceKeys, DeviceKeys, DeviceKeys];
const a1Rotated = deviceKeys('alice device 1', 'credential 2');
const kit1 = det('kit 1');
const kit2 = det('kit 2');
const rk1 = recoveryKeyFromKit(kit1);
const rk2 = recoveryKeyFromKit(kit2);
const by = (deviceId: number, k: DeviceKeys): DeviceListSigner => ({ kind: 'device', deviceId, signingPrivateKey: k.signingSeed });
const at = (v: number) => T0 + v * MINUTE;
const base = (v: number, kind: DeviceList['kind'], nextDeviceId: number, devices: DeviceEntry[], recoveryKey: Uint8Array | null = null): DeviceList => ({
  accountId: A, listVersion: v, prevListHash: ZERO_LIST_HASH, kind, issuedAt: at(v), nextDeviceId, recoveryKey, devices,
});
const e1 = entry(1, a1, at(1));
const e1r = entry(1, a1Rotated, at(1));
const e2 = entry(2, a2, at(2));
const e3 = entry(3, a3, at(3));
const e4 = entry(4, a4, at(8));
const e5 = entry(5, a5, at(9));
const e6 = entry(6, a6, at(11));
const aliceSteps: Step[] = [
  { name: 'genesis', list: base(1, 'genesis', 2, [e1]), signer: by(1, a1) },
  { name: 'link device 2 (cosigned)', list: base(2, 'change', 3, [e1, e2]), signer: by(1, a1), cosigner: a2.signingSeed },
  { name: 'link device 3 (signed by device 2)', list: base(3, 'change', 4, [e1, e2, e3]), signer: by(2, a2), cosigner: a3.signingSeed },
  { name: 'remove device 2', list: base(4, 'change', 4, [e1, e3]), signer: by(1, a1) },
  { name: "rotate device 1's credential key", list: base(5, 'change', 4, [e1r, e3]), signer: by(1, a1) },
  { name: 'set the recovery key (kit 1)', list: base(6, 'change', 4, [e1r, e3], rk1.publicKey), signer: by(3, a3) },
  { name: 'replace the recovery key (kit 2)', list: base(7, 'change', 4, [e1r, e3], rk2.publicKey), signer: by(1, a1) },
  { name: 'link device 4', list: base(8, 'change', 5, [e1r, e3, e4], rk2.publicKey), signer: by(3, a3), cosigner: a4.signingSeed },
  { name: 'recovery (remove all, add device 5, cosigned)', list: base(9, 'recovery', 6, [e5], rk2.publicKey), signer: { kind: 'recovery', signingPrivateKey: rk2.privateKey }, cosigner: a5.signingSeed },
  { name: 'remove the recovery key', list: base(10, 'change', 6, [e5]), signer: by(5, a5) },
  { name: 'reset (device 6)', list: base(11, 'reset', 7, [e6]), signer: by(6, a6) },
];
const alice = chain(aliceSteps);

// --- carol: 8 devices, the largest list (64-byte account id, a recovery key, 8 entries: 1017-byte body) -------------
const C = 'carol.'.padEnd(64, 'c');
const c = Array.from({ length: 9 }, (_, i) => deviceKeys(`carol device ${i + 1}`));
const cEntries = c.map((k, i) => entry(i + 1, k, T0 + (i + 1) * MINUTE));
const carolSteps: Step[] = Array.from({ length: 8 }, (_, i) => ({
  name: i === 0 ? 'genesis with a recovery key' : `link device ${i + 1}`,
  list: { accountId: C, listVersion: i + 1, prevListHash: ZERO_LIST_HASH, kind: i === 0 ? 'genesis' : 'change', issuedAt: T0 + (i + 1) * MINUTE, nextDeviceId: i + 2, recoveryKey: rk1.publicKey, devices: cEntries.slice(0, i + 1) },
  signer: by(1, c[0]!),
  ...(i === 0 ? {} : { cosigner: c[i]!.signingSeed }),
}));
const carol = chain(carolSteps);

// --- dave: a migrated genesis (D17.1): device 1 = the legacy identity, linkedAt = the account's creation ----------
const d1 = deviceKeys('dave legacy identity');
const daveCreated = T0 - 400 * 24 * 60 * MINUTE;
const dave = chain([{ name: 'migrated genesis', list: { accountId: 'dave', listVersion: 1, prevListHash: ZERO_LIST_HASH, kind: 'genesis', issuedAt: T0, nextDeviceId: 2, recoveryKey: null, devices: [entry(1, d1, daveCreated)] }, signer: by(1, d1) }]);

// --- negative cases -----------------------------------------------------------------------------------------------
// Raw encoders that check nothing, for bytes the SDK refuses to write.
const u = (n: number, len: number) => { const b = new Uint8Array(len); let x = BigInt(n); for (let i = len - 1; i >= 0; i--) { b[i] = Number(x & 0xffn); x >>= 8n; } return b; };
const cat = (...p: Uint8Array[]) => Uint8Array.from(p.flatMap((x) => [...x]));
const kindCode = { genesis: 1, change: 2, recovery: 3, reset: 4 } as const;
interface RawList { format?: number; accountId: string; listVersion: number; prevListHash: Uint8Array; kind: number; issuedAt: number; nextDeviceId: number; hasRecoveryKey?: number; recoveryKey: Uint8Array | null; devices: readonly DeviceEntry[] }
const rawBody = (l: RawList) => cat(
  u(l.format ?? 1, 1), u(l.accountId.length, 1), utf8ToBytes(l.accountId), u(l.listVersion, 8), l.prevListHash, u(l.kind, 1), u(l.issuedAt, 8), u(l.nextDeviceId, 4),
  u(l.hasRecoveryKey ?? (l.recoveryKey === null ? 0 : 1), 1), l.recoveryKey ?? new Uint8Array(0), u(l.devices.length, 1),
  ...l.devices.map((e) => cat(u(e.deviceId, 4), e.identitySigningKey, e.identityDhKey, e.credentialKey, u(e.linkedAt, 8))),
);
const rawOf = (l: DeviceList): RawList => ({ ...l, kind: kindCode[l.kind] });
const sign = (seed: Uint8Array, label: Uint8Array, body: Uint8Array) => ed25519.sign(cat(label, u(body.length, 4), body), seed);
const wrap = (body: Uint8Array, signerKind: number, signerDeviceId: number, signature: Uint8Array, cosignature: Uint8Array | null, format = 1) =>
  cat(u(format, 1), u(body.length, 2), body, u(signerKind, 1), u(signerDeviceId, 4), signature, cosignature === null ? u(0, 1) : cat(u(1, 1), cosignature));
/** A body signed by a device's seed (and cosigned by `cos`), with no check of any kind. */
const signedRaw = (body: Uint8Array, signerDeviceId: number, seed: Uint8Array, cos?: Uint8Array) =>
  wrap(body, signerDeviceId === 0 ? 2 : 1, signerDeviceId, sign(seed, DEVICE_LIST_SIGN_LABEL, body), cos === undefined ? null : sign(cos, DEVICE_LIST_COSIGN_LABEL, body));
const aliceList = (v: number) => alice.lists[v - 1]!;
const hashOf = (v: number) => hexToBytes(aliceList(v).listHash);
/** alice's list of version v, with fields replaced, as the next step after version v − 1. */
const alt = (v: number, patch: Partial<DeviceList>): DeviceList => ({ ...aliceSteps[v - 1]!.list, prevListHash: v === 1 ? ZERO_LIST_HASH : hashOf(v - 1), ...patch });
const body = (l: DeviceList) => rawBody(rawOf(l));

const NON_CANONICAL_KEY = hexToBytes('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'); // y = p
const SMALL_ORDER_KEY = hexToBytes('0100000000000000000000000000000000000000000000000000000000000000'); // the identity point
const ghost = deviceKeys('ghost');

interface StepCase { name: string; code: string; accountId: string; scenario: 'alice' | 'carol'; prevVersion: number; signed: Uint8Array }
const stepCases: StepCase[] = [];
const stepCase = (name: string, code: string, prevVersion: number, signed: Uint8Array, scenario: 'alice' | 'carol' = 'alice', accountId = scenario === 'alice' ? A : C) =>
  stepCases.push({ name, code, accountId, scenario, prevVersion, signed });

// Step 1: malformed.
const b2 = body(alt(2, {}));
stepCase('trailing byte after the body', 'malformed', 1, signedRaw(cat(b2, u(0, 1)), 1, a1.signingSeed, a2.signingSeed));
stepCase('trailing byte after the signed list', 'malformed', 1, cat(hexToBytes(aliceList(2).signed), u(0, 1)));
stepCase('truncated signed list', 'malformed', 1, hexToBytes(aliceList(2).signed).slice(0, -1));
stepCase('non-canonical key (IKsig with y = p)', 'malformed', 1, signedRaw(body(alt(2, { devices: [e1, { ...e2, identitySigningKey: NON_CANONICAL_KEY }] })), 1, a1.signingSeed));
stepCase('small-order credential key', 'malformed', 1, signedRaw(body(alt(2, { devices: [e1, { ...e2, credentialKey: SMALL_ORDER_KEY }] })), 1, a1.signingSeed, a2.signingSeed));
stepCase('all-zero IKdh', 'malformed', 1, signedRaw(body(alt(2, { devices: [e1, { ...e2, identityDhKey: new Uint8Array(32) }] })), 1, a1.signingSeed, a2.signingSeed));
stepCase('two entries sharing a key', 'malformed', 1, signedRaw(body(alt(2, { devices: [e1, { ...e2, credentialKey: e1.credentialKey }] })), 1, a1.signingSeed, a2.signingSeed));
stepCase('unsorted device ids', 'malformed', 1, signedRaw(body(alt(2, { devices: [e2, e1] })), 1, a1.signingSeed, a2.signingSeed));
stepCase('deviceId not below nextDeviceId', 'malformed', 1, signedRaw(body(alt(2, { nextDeviceId: 2 })), 1, a1.signingSeed, a2.signingSeed));
stepCase('no devices', 'malformed', 3, signedRaw(body(alt(4, { devices: [] })), 1, a1.signingSeed));
stepCase('list format 2', 'malformed', 1, signedRaw(rawBody({ ...rawOf(alt(2, {})), format: 2 }), 1, a1.signingSeed, a2.signingSeed));
stepCase('signed-list format 2', 'malformed', 1, wrap(b2, 1, 1, sign(a1.signingSeed, DEVICE_LIST_SIGN_LABEL, b2), sign(a2.signingSeed, DEVICE_LIST_COSIGN_LABEL, b2), 2));
stepCase('kind 5', 'malformed', 1, signedRaw(rawBody({ ...rawOf(alt(2, {})), kind: 5 }), 1, a1.signingSeed, a2.signingSeed));
stepCase('hasRecoveryKey 2', 'malformed', 1, signedRaw(rawBody({ ...rawOf(alt(2, {})), hasRecoveryKey: 2, recoveryKey: rk1.publicKey }), 1, a1.signingSeed, a2.signingSeed));
stepCase('version 2 with an all-zero prevListHash', 'malformed', 1, signedRaw(body(alt(2, { prevListHash: ZERO_LIST_HASH })), 1, a1.signingSeed, a2.signingSeed));
stepCase('version 0', 'malformed', 0, signedRaw(body(alt(1, { listVersion: 0 })), 1, a1.signingSeed));
stepCase('recovery signer with a device id', 'malformed', 8, wrap(body(alt(9, {})), 2, 5, sign(rk2.privateKey, DEVICE_LIST_SIGN_LABEL, body(alt(9, {}))), sign(a5.signingSeed, DEVICE_LIST_COSIGN_LABEL, body(alt(9, {})))));
stepCase('hasCosignature 2', 'malformed', 1, (() => { const s = hexToBytes(aliceList(2).signed); const flag = s.length - 65; s[flag] = 2; return s; })());
// Step 2.
stepCase('genesis of another account', 'wrong_account', 0, hexToBytes(aliceList(1).signed), 'alice', 'mallory');
// Step 3.
stepCase('replayed older list (version 2 after version 3)', 'version_not_next', 3, hexToBytes(aliceList(2).signed));
stepCase('a skipped version (version 4 after version 2)', 'version_not_next', 2, hexToBytes(aliceList(4).signed));
stepCase('a change without a previous list', 'version_not_next', 0, hexToBytes(aliceList(2).signed));
// Step 4.
stepCase('prevListHash names another list', 'prev_mismatch', 2, signedRaw(body(alt(3, { prevListHash: hashOf(1) })), 2, a2.signingSeed, a3.signingSeed));
// Step 5.
stepCase('genesis with two devices', 'kind_mismatch', 0, signedRaw(body(alt(1, { nextDeviceId: 3, devices: [e1, e2] })), 1, a1.signingSeed));
stepCase('a change signed by the recovery key', 'kind_mismatch', 7, signedRaw(body(alt(8, { kind: 'change' })), 0, rk2.privateKey, a4.signingSeed));
stepCase('a recovery signed by a device', 'kind_mismatch', 8, signedRaw(body(alt(9, {})), 5, a5.signingSeed, a5.signingSeed));
stepCase('reset with nextDeviceId ≠ deviceId + 1', 'kind_mismatch', 10, signedRaw(body(alt(11, { nextDeviceId: 8 })), 6, a6.signingSeed));
stepCase('reset signed by another device id', 'kind_mismatch', 10, signedRaw(body(alt(11, {})), 5, a6.signingSeed));
// Step 6.
stepCase('signed by a removed device (device 2 after version 4)', 'not_a_signer', 4, signedRaw(body(alt(5, {})), 2, a2.signingSeed));
stepCase('signed by a device that is not listed (device 9)', 'not_a_signer', 1, signedRaw(body(alt(2, {})), 9, ghost.signingSeed, a2.signingSeed));
stepCase('recovery without a recovery key', 'not_a_signer', 1, signedRaw(body(alt(2, { kind: 'recovery' })), 0, rk1.privateKey, a2.signingSeed));
// Step 7.
stepCase('unsigned list (zero signature)', 'bad_signature', 1, wrap(b2, 1, 1, new Uint8Array(64), sign(a2.signingSeed, DEVICE_LIST_COSIGN_LABEL, b2)));
stepCase("signed by device 2's key under device 1's id", 'bad_signature', 1, signedRaw(b2, 1, a2.signingSeed, a2.signingSeed));
stepCase('signature over another list', 'bad_signature', 1, wrap(b2, 1, 1, hexToBytes(aliceList(1).signature), sign(a2.signingSeed, DEVICE_LIST_COSIGN_LABEL, b2)));
stepCase('signed by the replaced recovery key', 'bad_signature', 8, signedRaw(body(alt(9, {})), 0, rk1.privateKey, a5.signingSeed));
// Step 8.
stepCase("device 1's IKdh changed", 'entry_changed', 2, signedRaw(body(alt(3, { devices: [{ ...e1, identityDhKey: ghost.dhKey }, e2, e3] })), 2, a2.signingSeed, a3.signingSeed));
stepCase("device 1's linkedAt changed", 'entry_changed', 3, signedRaw(body(alt(4, { devices: [{ ...e1, linkedAt: e1.linkedAt + 1 }, e3] })), 1, a1.signingSeed));
stepCase("device 1's credential key rotated by device 3", 'entry_changed', 4, signedRaw(body(alt(5, {})), 3, a3.signingSeed));
stepCase('device id reused (a new key as device 2 after its removal)', 'device_id_reused', 4, signedRaw(body(alt(5, { devices: [e1r, { ...e2, identitySigningKey: ghost.signingKey, identityDhKey: ghost.dhKey, credentialKey: ghost.credentialKey }, e3] })), 1, a1.signingSeed, ghost.signingSeed));
stepCase('nextDeviceId decreasing', 'device_id_reused', 3, signedRaw(body(alt(4, { nextDeviceId: 3, devices: [e1, e2] })), 1, a1.signingSeed));
stepCase('reset to a used device id', 'device_id_reused', 10, signedRaw(body(alt(11, { nextDeviceId: 6, devices: [{ ...e6, deviceId: 5 }] })), 5, a6.signingSeed));
// Step 9.
stepCase('a device added without its cosignature', 'bad_cosignature', 1, signedRaw(b2, 1, a1.signingSeed));
stepCase('cosignature over another list', 'bad_cosignature', 1, (() => { const other = body(alt(2, { issuedAt: at(2) + 1 })); return wrap(b2, 1, 1, sign(a1.signingSeed, DEVICE_LIST_SIGN_LABEL, b2), sign(a2.signingSeed, DEVICE_LIST_COSIGN_LABEL, other)); })());
stepCase('cosignature by the signer, not the added device', 'bad_cosignature', 1, signedRaw(b2, 1, a1.signingSeed, a1.signingSeed));
stepCase('two devices added in one version', 'bad_cosignature', 1, signedRaw(body(alt(2, { nextDeviceId: 4, devices: [e1, e2, e3] })), 1, a1.signingSeed, a2.signingSeed));
stepCase('a cosignature on a removal', 'bad_cosignature', 3, signedRaw(body(alt(4, {})), 1, a1.signingSeed, a1.signingSeed));
stepCase('a cosignature on a genesis', 'bad_cosignature', 0, signedRaw(body(alt(1, {})), 1, a1.signingSeed, a1.signingSeed));
// Step 10.
const carol9 = { ...carolSteps[7]!.list, listVersion: 9, prevListHash: hexToBytes(carol.lists[7]!.listHash), issuedAt: T0 + 9 * MINUTE, nextDeviceId: 10, devices: cEntries };
stepCase('a ninth device', 'too_many_devices', 8, signedRaw(body(carol9), 1, c[0]!.signingSeed, c[8]!.signingSeed), 'carol');

// Sanity: every negative case gives its code through the SDK.
const verifiedUpTo = (scenario: 'alice' | 'carol', n: number) => {
  let prev: VerifiedDeviceList | null = null;
  const src = scenario === 'alice' ? alice : carol;
  for (let i = 0; i < n; i++) prev = verifyListStep(prev, src.bytes[i]!, scenario === 'alice' ? A : C);
  return prev;
};
for (const s of stepCases) {
  let got = 'accepted';
  try {
    verifyListStep(verifiedUpTo(s.scenario, s.prevVersion), s.signed, s.accountId);
  } catch (e) {
    if (!DeviceListError.is(e)) throw e;
    got = e.code;
  }
  if (got !== s.code) throw new Error(`negative step case "${s.name}": expected ${s.code}, got ${got}`);
}

// D5.2–D5.3: chains from a pinned state. `pinnedVersion` pins alice's chain up to that version first (0: nothing).
const fork4 = signedRaw(body(alt(4, { issuedAt: at(4) + 1, devices: [e1, e2] })), 1, a1.signingSeed); // another version 4: removes device 3 instead
const removedForks = signedRaw(body(alt(4, { nextDeviceId: 5, devices: [e1, e2, e3, { ...entry(4, ghost, at(4)) }] })), 2, a2.signingSeed, ghost.signingSeed); // device 2, removed at 4, signs a ghost off version 3
const proofsFor = (lists: Uint8Array[]) => lists.map((b) => { const s = verifiedHash(b); return leafKey(s.version, s.hash); });
function verifiedHash(b: Uint8Array) {
  return { version: decodeSignedDeviceList(b).list.listVersion, hash: deviceListHash(b) };
}
interface ChainCase { name: string; code: string; pinnedVersion: number; lists: Uint8Array[]; proofs: (string | null)[] }
const chainCases: ChainCase[] = [];
const chainCase = (name: string, code: string, pinnedVersion: number, lists: Uint8Array[], proofs?: (string | null)[]) => chainCases.push({ name, code, pinnedVersion, lists, proofs: proofs ?? proofsFor(lists) });
chainCase('replayed older list', 'stale_list', 4, [alice.bytes[2]!]);
chainCase('two different lists of the same version', 'fork', 4, [fork4]);
chainCase('a removed device signs off an older version', 'fork', 5, [removedForks]);
chainCase('a removed device signs off an older version, verifier pinned before it (the server does not log it, D7.2)', 'not_logged', 3, [removedForks], [null]);
const forkContinued = signedRaw(body(alt(5, { prevListHash: deviceListHash(removedForks), nextDeviceId: 5, devices: [e1, e2, e3, entry(4, ghost, at(4))] })), 2, a2.signingSeed);
chainCase('the fork continued at the next version', 'prev_mismatch', 4, [forkContinued]);
chainCase('a list without its key-log proof', 'not_logged', 0, [alice.bytes[0]!, alice.bytes[1]!], [proofsFor([alice.bytes[0]!])[0]!, null]);
chainCase('a proof of another list', 'not_logged', 3, [fork4], [proofsFor([alice.bytes[3]!])[0]!]);
chainCase('a proof for the pinned list is not enough for the next', 'not_logged', 3, [alice.bytes[3]!], [proofsFor([alice.bytes[2]!])[0]!]);
chainCase('an unsigned list in the middle of a chain', 'bad_signature', 0, [alice.bytes[0]!, wrap(b2, 1, 1, new Uint8Array(64), sign(a2.signingSeed, DEVICE_LIST_COSIGN_LABEL, b2))]);
chainCase('a chain that does not start at version 1', 'version_not_next', 0, [alice.bytes[1]!]);
chainCase("another account's list at a pinned version", 'wrong_account', 4, [signedRaw(body(alt(3, { accountId: 'mallory' })), 2, a2.signingSeed, a3.signingSeed)]);

const verifyProof = (_a: string, v: number, h: Uint8Array, p: unknown) => p === leafKey(v, h);
const pinnedAfter = (n: number) => (n === 0 ? null : verifyListChain(null, alice.bytes.slice(0, n), proofsFor(alice.bytes.slice(0, n)), A, { verifyProof }).pinned);
for (const cc of chainCases) {
  let got = 'accepted';
  try {
    verifyListChain(pinnedAfter(cc.pinnedVersion), cc.lists, cc.proofs, A, { verifyProof });
  } catch (e) {
    if (!DeviceListError.is(e)) throw e;
    got = e.code;
  }
  if (got !== cc.code) throw new Error(`negative chain case "${cc.name}": expected ${cc.code}, got ${got}`);
}
// A positive update from a pin: the pinned list itself first, then versions 5–11.
const update = verifyListChain(pinnedAfter(4), alice.bytes.slice(3), proofsFor(alice.bytes.slice(3)), A, { verifyProof });

const file = {
  note: 'Generated by scripts/make-device-vectors.ts (npm run vectors:devices); spec: docs/PROTOCOL-devices.md D4–D5, D20. All bytes hex. Seeds are SHA-256("franking-chat device vectors" ‖ 0x00 ‖ purpose); the kit secrets are such seeds, the recovery keys derive from them by D2.4. A key-log proof is represented by its D7.1 leaf key (u64 listVersion ‖ listHash), which the tests\' injected verifier compares; D7 replaces it with a KeyInclusionProof.',
  devices: {
    alice: Object.fromEntries(a.map((k, i) => [String(i + 1), keysJson(k)])),
    aliceDevice1RotatedCredential: keysJson(a1Rotated),
    carol: Object.fromEntries(c.map((k, i) => [String(i + 1), keysJson(k)])),
    dave: { '1': keysJson(d1) },
    ghost: keysJson(ghost),
  },
  kits: [kit1, kit2].map((kit) => { const r = recoveryKeyFromKit(kit); return { kitSecret: hex(kit), recoverySeed: hex(r.privateKey), recoveryKey: hex(r.publicKey) }; }),
  scenarios: {
    alice: { accountId: A, lists: alice.lists, pinned: alice.pinned },
    carol: { accountId: C, lists: carol.lists, pinned: carol.pinned },
    dave: { accountId: 'dave', lists: dave.lists, pinned: dave.pinned },
  },
  update: { name: 'alice pinned at version 4 takes versions 4 (pinned, skipped) to 11', pinnedVersion: 4, fromIndex: 3, resets: update.resets, pinned: update.pinned },
  negativeSteps: stepCases.map((s) => ({ name: s.name, code: s.code, scenario: s.scenario, accountId: s.accountId, prevVersion: s.prevVersion, signed: hex(s.signed) })),
  negativeChains: chainCases.map((cc) => ({ name: cc.name, code: cc.code, scenario: 'alice', pinnedVersion: cc.pinnedVersion, lists: cc.lists.map(hex), proofs: cc.proofs })),
};
writeFileSync(new URL('../test/vectors/devices.json', import.meta.url), `${JSON.stringify(file, null, 2)}\n`);
console.log(`devices.json: ${alice.lists.length + carol.lists.length + dave.lists.length} lists, ${stepCases.length} negative steps, ${chainCases.length} negative chains`);
