// test/vectors/devices.json (docs/PROTOCOL-devices.md D4–D5, D20), checked two ways in Node and in Chromium, under
// every crypto provider of the runtime (./_providers.ts): an independent re-derivation from the spec text with raw
// primitives (its own D4.1/D4.2 encoder, the D4.3 inputs, D4.4 hash, D2.4 recovery key — no client/devices code), and
// the SDK (decode/encode round trips, signing, hashing, D5.1 steps, D5.2 chains, D5.3 pinned state, every negative
// case with its DeviceListError code).
import { describe, expect, it } from 'vitest';
import { hexToBytes as bytes, bytesToHex as hex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  decodeSignedDeviceList, type DeviceList, DeviceListError, deviceListHash, type DeviceListSigner, encodeDeviceList, encodeSignedDeviceList, recoveryKeyFromKit,
  signDeviceList, verifyListChain, verifyListStep, type VerifiedDeviceList,
} from '../../client/devices/index.ts';
import type { CryptoProvider } from '../../client/crypto/index.ts';
import { ASYNC, SYNC } from './_providers.ts';
import v from '../vectors/devices.json';
import { cat, u as be } from './_spec-encoding.ts';

type ListJson = (typeof v.scenarios.alice.lists)[number];
type Scenario = keyof typeof v.scenarios;
const scenarios = Object.entries(v.scenarios) as [Scenario, (typeof v.scenarios)[Scenario]][];

// --- the spec, written out independently (D4.1–D4.4, D2.4) ---------------------------------------------------------
const label = (s: string) => utf8ToBytes(`franking-chat/v1/${s}\0`);
const KIND = { genesis: 1, change: 2, recovery: 3, reset: 4 } as Record<string, number>;
const specBody = (l: ListJson['list']) =>
  cat(
    be(1, 1), be(l.accountId.length, 1), utf8ToBytes(l.accountId), be(l.listVersion, 8), bytes(l.prevListHash), be(KIND[l.kind]!, 1), be(l.issuedAt, 8),
    be(l.nextDeviceId, 4), l.recoveryKey === null ? be(0, 1) : cat(be(1, 1), bytes(l.recoveryKey)), be(l.devices.length, 1),
    ...l.devices.map((e) => cat(be(e.deviceId, 4), bytes(e.identitySigningKey), bytes(e.identityDhKey), bytes(e.credentialKey), be(e.linkedAt, 8))),
  );
const specSigned = (x: ListJson) => {
  const body = bytes(x.body);
  return cat(be(1, 1), be(body.length, 2), body, be(x.signerKind === 'device' ? 1 : 2, 1), be(x.signerDeviceId, 4), bytes(x.signature),
    x.cosignature === null ? be(0, 1) : cat(be(1, 1), bytes(x.cosignature)));
};
const specInput = (l: string, body: Uint8Array) => cat(label(l), be(body.length, 4), body);

const listOf = (l: ListJson['list']): DeviceList => ({
  ...l, kind: l.kind as DeviceList['kind'], prevListHash: bytes(l.prevListHash), recoveryKey: l.recoveryKey === null ? null : bytes(l.recoveryKey),
  devices: l.devices.map((e) => ({ ...e, identitySigningKey: bytes(e.identitySigningKey), identityDhKey: bytes(e.identityDhKey), credentialKey: bytes(e.credentialKey) })),
});
const allDevices = [
  ...Object.values(v.devices.alice), v.devices.aliceDevice1RotatedCredential, ...Object.values(v.devices.carol), ...Object.values(v.devices.dave), v.devices.ghost,
];
const seedOf = (publicKey: string): string => {
  const d = allDevices.find((k) => k.identitySigningKey === publicKey);
  if (d !== undefined) return d.signingSeed;
  const kit = v.kits.find((k) => k.recoveryKey === publicKey);
  if (kit !== undefined) return kit.recoverySeed;
  throw new Error(`no seed for ${publicKey}`);
};

describe('re-derivation from the spec text (D2.4, D4)', () => {
  it.each(ASYNC.map((p) => [p.name, p] as const))('keys and kits with %s', async (_n, p) => {
    for (const k of allDevices) {
      expect(hex(await p.ed25519PublicKey(bytes(k.signingSeed)))).toBe(k.identitySigningKey);
      expect(hex(await p.x25519PublicKey(bytes(k.dhPrivateKey)))).toBe(k.identityDhKey);
      expect(hex(await p.ed25519PublicKey(bytes(k.credentialSeed)))).toBe(k.credentialKey);
    }
    for (const kit of v.kits) {
      const seed = await p.hkdfSha256(bytes(kit.kitSecret), new Uint8Array(32), label('recovery-key'), 32);
      expect(hex(seed)).toBe(kit.recoverySeed);
      expect(hex(await p.ed25519PublicKey(seed))).toBe(kit.recoveryKey);
    }
  });
  it.each(ASYNC.flatMap((p) => scenarios.flatMap(([s, sc]) => sc.lists.map((x) => [s, x.list.listVersion, x.name, p.name, p, x] as const))))(
    '%s v%i (%s) with %s',
    async (_s, _v, _n, _p, p, x) => {
      const body = specBody(x.list);
      expect(hex(body)).toBe(x.body);
      expect(body.length).toBe(x.bodyLength);
      expect(hex(specInput('device-list', body))).toBe(x.signatureInput);
      const list = v.scenarios[_s].lists;
      // D4.3: the signer's key is in the previous list (this list for genesis and reset), or the previous recovery key.
      const prev = x.list.listVersion === 1 ? null : list[x.list.listVersion - 2]!.list;
      const signerKey =
        x.signerKind === 'recovery' ? prev!.recoveryKey! : (x.list.kind === 'change' ? prev! : x.list).devices.find((e) => e.deviceId === x.signerDeviceId)!.identitySigningKey;
      expect(hex(await p.ed25519Sign(bytes(seedOf(signerKey)), bytes(x.signatureInput)))).toBe(x.signature);
      expect(await p.ed25519Verify(bytes(signerKey), bytes(x.signatureInput), bytes(x.signature))).toBe(true);
      if (x.cosignature !== null) {
        expect(hex(specInput('device-list-cosign', body))).toBe(x.cosignatureInput);
        const added = x.list.devices.find((e) => !prev!.devices.some((o) => o.deviceId === e.deviceId))!;
        expect(await p.ed25519Verify(bytes(added.identitySigningKey), bytes(x.cosignatureInput!), bytes(x.cosignature))).toBe(true);
        expect(hex(await p.ed25519Sign(bytes(seedOf(added.identitySigningKey)), bytes(x.cosignatureInput!)))).toBe(x.cosignature);
      }
      expect(hex(specSigned(x))).toBe(x.signed);
      expect(hex(await p.sha256(label('device-list-hash'), bytes(x.signed)))).toBe(x.listHash);
      expect(x.leafKey).toBe(hex(cat(be(x.list.listVersion, 8), bytes(x.listHash))));
      expect(x.list.prevListHash).toBe(prev === null ? '00'.repeat(32) : list[x.list.listVersion - 2]!.listHash);
    },
  );
  it('the largest list is 1017 bytes (D4.1)', () => {
    expect(v.scenarios.carol.lists.at(-1)!.bodyLength).toBe(1017);
  });
});

const verifyProof = (_a: string, version: number, listHash: Uint8Array, proof: unknown) => proof === hex(cat(be(version, 8), listHash));
const scenarioBytes = (s: Scenario) => v.scenarios[s].lists.map((x) => bytes(x.signed));
const proofsOf = (s: Scenario) => v.scenarios[s].lists.map((x) => x.leafKey);
function verifiedUpTo(s: Scenario, n: number, crypto: CryptoProvider): VerifiedDeviceList | null {
  let prev: VerifiedDeviceList | null = null;
  for (const b of scenarioBytes(s).slice(0, n)) prev = verifyListStep(prev, b, v.scenarios[s].accountId, crypto);
  return prev;
}
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    if (DeviceListError.is(e)) return e.code;
    throw e;
  }
};

describe.each(SYNC.map((p) => [p.name, p] as const))('the SDK with %s', (_name, crypto) => {
  it.each(scenarios.flatMap(([s, sc]) => sc.lists.map((x) => [s, x.list.listVersion, x] as const)))('%s v%i: encode, decode, sign, hash', (s, _v, x) => {
    const list = listOf(x.list);
    expect(hex(encodeDeviceList(list))).toBe(x.body);
    const decoded = decodeSignedDeviceList(bytes(x.signed));
    expect(decoded.list).toEqual(list);
    expect(hex(decoded.body)).toBe(x.body);
    expect(hex(encodeSignedDeviceList(decoded))).toBe(x.signed);
    const prev = x.list.listVersion === 1 ? null : v.scenarios[s].lists[x.list.listVersion - 2]!.list;
    const signer: DeviceListSigner =
      x.signerKind === 'recovery'
        ? { kind: 'recovery', signingPrivateKey: bytes(seedOf(prev!.recoveryKey!)) }
        : { kind: 'device', deviceId: x.signerDeviceId, signingPrivateKey: bytes(seedOf((x.list.kind === 'change' ? prev! : x.list).devices.find((e) => e.deviceId === x.signerDeviceId)!.identitySigningKey)) };
    const added = prev === null ? undefined : x.list.devices.find((e) => !prev.devices.some((o) => o.deviceId === e.deviceId));
    const signed = signDeviceList(list, signer, { crypto, ...(x.cosignature === null ? {} : { cosignerPrivateKey: bytes(seedOf(added!.identitySigningKey)) }) });
    expect(hex(encodeSignedDeviceList(signed))).toBe(x.signed);
    expect(hex(deviceListHash(signed, crypto))).toBe(x.listHash);
  });
  it.each(scenarios.map(([s]) => [s] as const))('%s: the whole chain verifies step by step and pins the stated state (D5.1–D5.3)', (s) => {
    const sc = v.scenarios[s];
    const last = verifiedUpTo(s, sc.lists.length, crypto)!;
    expect(hex(last.listHash)).toBe(sc.lists.at(-1)!.listHash);
    const result = verifyListChain(null, scenarioBytes(s), proofsOf(s), sc.accountId, { verifyProof, crypto });
    expect(result.pinned).toEqual(sc.pinned);
    expect(JSON.parse(JSON.stringify(result.pinned))).toEqual(result.pinned); // plain serialisable data
  });
  it('an update from a pin (the pinned list itself first)', () => {
    const u = v.update;
    const pinned = verifyListChain(null, scenarioBytes('alice').slice(0, u.pinnedVersion), proofsOf('alice').slice(0, u.pinnedVersion), 'alice', { verifyProof, crypto }).pinned;
    const result = verifyListChain(pinned, scenarioBytes('alice').slice(u.fromIndex), proofsOf('alice').slice(u.fromIndex), 'alice', { verifyProof, crypto });
    expect(result.pinned).toEqual(u.pinned);
    expect(result.resets).toEqual(u.resets);
    expect(result.pinned).toEqual(v.scenarios.alice.pinned);
  });
  it.each(v.negativeSteps.map((n) => [n.name, n.code, n] as const))('step refuses %s: %s', (_n, code, n) => {
    const prev = verifiedUpTo(n.scenario as Scenario, n.prevVersion, crypto);
    expect(codeOf(() => verifyListStep(prev, bytes(n.signed), n.accountId, crypto))).toBe(code);
  });
  it.each(v.negativeChains.map((n) => [n.name, n.code, n] as const))('chain refuses %s: %s', (_n, code, n) => {
    const pinned = n.pinnedVersion === 0 ? null : verifyListChain(null, scenarioBytes('alice').slice(0, n.pinnedVersion), proofsOf('alice').slice(0, n.pinnedVersion), 'alice', { verifyProof, crypto }).pinned;
    expect(codeOf(() => verifyListChain(pinned, n.lists.map(bytes), n.proofs, 'alice', { verifyProof, crypto }))).toBe(code);
  });
});

it('every D5.1 reason code and D5.2–D5.3 code has a negative vector (D20)', async () => {
  const { DEVICE_LIST_ERROR_CODES } = await import('../../client/devices/index.ts');
  const covered = new Set([...v.negativeSteps, ...v.negativeChains].map((n) => n.code));
  expect([...DEVICE_LIST_ERROR_CODES].filter((c) => !covered.has(c))).toEqual([]);
});

it('recoveryKeyFromKit matches the kits', () => {
  for (const kit of v.kits) expect(hex(recoveryKeyFromKit(bytes(kit.kitSecret)).publicKey)).toBe(kit.recoveryKey);
});
