// Property tests of the device-list codec (docs/PROTOCOL-devices.md D4.1, D4.2; PROTOCOL.md §2 "canonical"): every
// valid list round-trips byte for byte, every decoded input re-encodes to itself, and every truncation is refused.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import {
  decodeDeviceList, decodeSignedDeviceList, type DeviceList, DeviceListError, encodeDeviceList, encodeSignedDeviceList, MAX_DEVICE_LIST_LENGTH, type SignedDeviceList,
  ZERO_LIST_HASH,
} from '../../client/devices/index.ts';

const seed = (s: string) => sha256(utf8ToBytes(`devices codec test\0${s}`));
const POOL = Array.from({ length: 24 }, (_, i) => ({
  identitySigningKey: ed25519.getPublicKey(seed(`sig ${i}`)),
  identityDhKey: x25519.getPublicKey(seed(`dh ${i}`)),
  credentialKey: ed25519.getPublicKey(seed(`ck ${i}`)),
}));
const u64 = fc.nat({ max: Number.MAX_SAFE_INTEGER });

const deviceList: fc.Arbitrary<DeviceList> = fc
  .record({
    accountId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
    listVersion: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER })),
    prevListHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => b.some((x) => x !== 0)),
    kind: fc.constantFrom('change', 'recovery', 'reset' as const),
    issuedAt: u64,
    recovery: fc.option(fc.integer({ min: 0, max: POOL.length - 1 }), { nil: null }),
    ids: fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 32 - 2 }), { minLength: 1, maxLength: 12 }),
    keys: fc.shuffledSubarray(POOL.map((_, i) => i), { minLength: 12, maxLength: 12 }),
    linkedAt: fc.array(u64, { minLength: 12, maxLength: 12 }),
    extra: fc.integer({ min: 1, max: 1000 }),
  })
  .map((r) => {
    const ids = [...r.ids].sort((a, b) => a - b);
    const maxId = ids.at(-1)!;
    const genesis = r.listVersion === 1;
    return {
      accountId: r.accountId, listVersion: r.listVersion, prevListHash: genesis ? ZERO_LIST_HASH : r.prevListHash, kind: genesis ? 'genesis' : r.kind,
      issuedAt: r.issuedAt, nextDeviceId: Math.min(maxId + r.extra, 2 ** 32 - 1), recoveryKey: r.recovery === null ? null : POOL[r.recovery]!.credentialKey,
      devices: ids.map((deviceId, i) => ({ deviceId, ...POOL[r.keys[i]!]!, linkedAt: r.linkedAt[i]! })),
    } satisfies DeviceList;
  });

const signedList: fc.Arbitrary<SignedDeviceList> = fc.record({
  list: deviceList,
  signerKind: fc.constantFrom('device', 'recovery' as const),
  signerDeviceId: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  cosignature: fc.option(fc.uint8Array({ minLength: 64, maxLength: 64 }), { nil: null }),
}).map((s) => ({ ...s, signerDeviceId: s.signerKind === 'recovery' ? 0 : s.signerDeviceId }));

const refusal = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return DeviceListError.is(e) ? e.code : String(e);
  }
};

describe('device-list codec (D4.1, D4.2)', () => {
  it('decode(encode(x)) = x for every valid list, and the body stays within the bound for ≤ 8 devices', () => {
    fc.assert(
      fc.property(deviceList, (list) => {
        const body = encodeDeviceList(list);
        expect(decodeDeviceList(body)).toEqual(list);
        if (list.devices.length <= 8) expect(body.length).toBeLessThanOrEqual(MAX_DEVICE_LIST_LENGTH);
      }),
      { numRuns: 150 },
    );
  });
  it('the signed form round-trips, and every truncation of it is malformed', () => {
    fc.assert(
      fc.property(signedList, fc.nat(), (s, cut) => {
        const bytes = encodeSignedDeviceList(s);
        const d = decodeSignedDeviceList(bytes);
        expect(encodeSignedDeviceList(d)).toEqual(bytes);
        expect(d.body).toEqual(encodeDeviceList(s.list));
        expect(refusal(() => decodeSignedDeviceList(bytes.slice(0, cut % bytes.length)))).toBe('malformed');
      }),
      { numRuns: 100 },
    );
  });
  it('random bytes are refused as malformed or re-encode to themselves', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const code = refusal(() => expect(encodeDeviceList(decodeDeviceList(bytes))).toEqual(bytes));
        expect(['accepted', 'malformed']).toContain(code);
      }),
      { numRuns: 300 },
    );
  });
});
