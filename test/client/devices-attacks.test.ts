// The attacks of docs/PROTOCOL-devices.md D19 that are about the device list itself, each built against the SDK and
// refused with the exact DeviceListError code of D5.1–D5.3 (A1–A8, A22–A24), plus "every mutation of a valid signed
// list is refused". The other rows of D19 (copies, relay, groups, history) belong to D11–D15.
import { describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import {
  cosignDeviceList, type DeviceEntry, type DeviceList, DeviceListError, type DeviceListErrorCode, deviceListHash, encodeSignedDeviceList, MAX_DEVICES,
  needsListRefresh, type PinnedDeviceList, pinnedVerifiedList, recoveryKeyFromKit, signDeviceList, type SignedDeviceList, verifyListChain, verifyListStep,
  type VerifiedDeviceList, ZERO_LIST_HASH,
} from '../../client/devices/index.ts';

const seed = (s: string) => sha256(utf8ToBytes(`devices attack test\0${s}`));
interface Keys { seed: Uint8Array; entry: (id: number, linkedAt?: number) => DeviceEntry }
function keys(name: string): Keys {
  const s = seed(`${name} sig`);
  const dh = x25519.getPublicKey(seed(`${name} dh`));
  const ck = ed25519.getPublicKey(seed(`${name} ck`));
  return { seed: s, entry: (deviceId, linkedAt = 1_000) => ({ deviceId, identitySigningKey: ed25519.getPublicKey(s), identityDhKey: dh, credentialKey: ck, linkedAt }) };
}

const ACCOUNT = 'alice';
const phone = keys('phone');
const laptop = keys('laptop');
const tablet = keys('tablet');
const thief = keys('thief');
const serverKey = keys('server');
const kit = recoveryKeyFromKit(seed('kit'));

/** A small account history: genesis (phone = 1), link laptop (2), link tablet (3), remove laptop. */
function history() {
  const lists: Uint8Array[] = [];
  const verified: VerifiedDeviceList[] = [];
  const add = (list: Omit<DeviceList, 'prevListHash' | 'accountId' | 'issuedAt'>, signed: (l: DeviceList) => SignedDeviceList) => {
    const prev = verified.at(-1) ?? null;
    const full: DeviceList = { ...list, accountId: ACCOUNT, issuedAt: 5_000 + list.listVersion, prevListHash: prev?.listHash ?? ZERO_LIST_HASH };
    const bytes = encodeSignedDeviceList(signed(full));
    verified.push(verifyListStep(prev, bytes, ACCOUNT));
    lists.push(bytes);
    return full;
  };
  const byPhone = (cos?: Keys) => (l: DeviceList) => signDeviceList(l, { kind: 'device', deviceId: 1, signingPrivateKey: phone.seed }, cos ? { cosignerPrivateKey: cos.seed } : {});
  add({ listVersion: 1, kind: 'genesis', nextDeviceId: 2, recoveryKey: kit.publicKey, devices: [phone.entry(1)] }, byPhone());
  add({ listVersion: 2, kind: 'change', nextDeviceId: 3, recoveryKey: kit.publicKey, devices: [phone.entry(1), laptop.entry(2)] }, byPhone(laptop));
  add({ listVersion: 3, kind: 'change', nextDeviceId: 4, recoveryKey: kit.publicKey, devices: [phone.entry(1), laptop.entry(2), tablet.entry(3)] }, byPhone(tablet));
  add({ listVersion: 4, kind: 'change', nextDeviceId: 4, recoveryKey: kit.publicKey, devices: [phone.entry(1), tablet.entry(3)] }, byPhone());
  return { lists, verified };
}
const h = history();
const at = (v: number) => h.verified[v - 1]!;
const proofs = (lists: Uint8Array[]) => lists.map(() => 'proof');
const logged = () => true;
const pinAt = (v: number): PinnedDeviceList => verifyListChain(null, h.lists.slice(0, v), proofs(h.lists.slice(0, v)), ACCOUNT, { verifyProof: logged }).pinned;

/** The next list after version v with `patch`, as bytes, signed by `signer` (device id, key) and cosigned by `cos`. */
function next(v: number, patch: Partial<DeviceList>, signer: { id: number; key: Keys } | { recovery: Uint8Array }, cos?: Keys): Uint8Array {
  const prev = at(v).signed.list;
  const list: DeviceList = { ...prev, listVersion: v + 1, kind: 'change', issuedAt: prev.issuedAt + 1, prevListHash: at(v).listHash, ...patch };
  const s = 'recovery' in signer
    ? signDeviceList(list, { kind: 'recovery', signingPrivateKey: signer.recovery }, cos ? { cosignerPrivateKey: cos.seed } : {})
    : signDeviceList(list, { kind: 'device', deviceId: signer.id, signingPrivateKey: signer.key.seed }, cos ? { cosignerPrivateKey: cos.seed } : {});
  return encodeSignedDeviceList(s);
}
const codeOf = (f: () => unknown): DeviceListErrorCode | 'accepted' => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    if (DeviceListError.is(e)) return e.code;
    throw e;
  }
};
const step = (v: number, bytes: Uint8Array, account = ACCOUNT) => codeOf(() => verifyListStep(at(v), bytes, account));
const chain = (pinnedVersion: number, lists: Uint8Array[], p: unknown[] = proofs(lists)) =>
  codeOf(() => verifyListChain(pinAt(pinnedVersion), lists, p, ACCOUNT, { verifyProof: logged }));
const current = [phone.entry(1), tablet.entry(3)];

describe('D19 attacks on the device list', () => {
  it('A1: the server adds a device row nobody signed (a list under its own key, or claiming a listed device)', () => {
    const ghost = serverKey.entry(4);
    expect(step(4, next(4, { nextDeviceId: 5, devices: [...current, ghost] }, { id: 4, key: serverKey }, serverKey))).toBe('not_a_signer');
    expect(step(4, next(4, { nextDeviceId: 5, devices: [...current, ghost] }, { id: 1, key: serverKey }, serverKey))).toBe('bad_signature');
  });

  it('A2: an unsigned list, or one signed by a key that is not a listed device', () => {
    const signed = next(4, { nextDeviceId: 5, devices: [...current, serverKey.entry(4)] }, { id: 1, key: phone }, serverKey);
    const unsigned = signed.slice();
    const sigAt = unsigned.length - 1 - 64 - 64; // … signature(64) ‖ hasCosignature ‖ cosignature(64)
    unsigned.fill(0, sigAt, sigAt + 64);
    expect(step(4, unsigned)).toBe('bad_signature');
    expect(step(4, next(4, {}, { id: 7, key: serverKey }))).toBe('not_a_signer');
  });

  it('A3: a replayed older list (the removed laptop still in it)', () => {
    expect(chain(4, [h.lists[2]!])).toBe('stale_list');
    expect(chain(4, [h.lists[1]!, h.lists[2]!])).toBe('stale_list');
    expect(step(4, h.lists[2]!)).toBe('version_not_next');
    // The pinned newest list itself is no change, not a refusal.
    expect(verifyListChain(pinAt(4), [h.lists[3]!], ['proof'], ACCOUNT, { verifyProof: logged }).pinned).toEqual(pinAt(4));
  });

  it('A4: the removed laptop signs a list adding a ghost', () => {
    const ghost = thief.entry(4);
    // After its removal it is no signer.
    expect(step(4, next(4, { nextDeviceId: 5, devices: [...current, ghost] }, { id: 2, key: laptop }, thief))).toBe('not_a_signer');
    // Signing off an older version, where it was still listed: a second list for a pinned version.
    const offOld = next(3, { nextDeviceId: 5, devices: [phone.entry(1), laptop.entry(2), tablet.entry(3), ghost] }, { id: 2, key: laptop }, thief);
    expect(step(3, offOld)).toBe('accepted'); // a valid step in itself: only the pin and the log stop it
    expect(chain(4, [offOld])).toBe('fork');
    expect(chain(3, [offOld], [null])).toBe('not_logged'); // the server does not log it (D7.2)
    // Continuing its branch at the next version does not link to the pinned chain.
    const prevBranch = verifyListStep(at(3), offOld, ACCOUNT);
    const cont = signDeviceList(
      { ...prevBranch.signed.list, listVersion: 5, issuedAt: 9_999, prevListHash: prevBranch.listHash },
      { kind: 'device', deviceId: 4, signingPrivateKey: thief.seed },
    );
    expect(chain(4, [encodeSignedDeviceList(cont)])).toBe('prev_mismatch');
  });

  it("A5: a list binds someone else's key as a new device without its consent", () => {
    const victim = keys('victim');
    const list = next(4, { nextDeviceId: 5, devices: [...current, victim.entry(4)] }, { id: 1, key: phone });
    expect(step(4, list)).toBe('bad_cosignature'); // no cosignature
    expect(step(4, next(4, { nextDeviceId: 5, devices: [...current, victim.entry(4)] }, { id: 1, key: phone }, phone))).toBe('bad_cosignature'); // by the signer
    // The victim's cosignature over another list (e.g. one that added it to another account) does not carry over.
    const other: DeviceList = { ...at(4).signed.list, accountId: 'mallory', listVersion: 2, prevListHash: at(1).listHash, devices: [phone.entry(1), victim.entry(4)], nextDeviceId: 5 };
    const borrowed = cosignDeviceList(other, victim.seed);
    const withBorrowed = { ...signDeviceList({ ...at(4).signed.list, listVersion: 5, prevListHash: at(4).listHash, nextDeviceId: 5, devices: [...current, victim.entry(4)] }, { kind: 'device', deviceId: 1, signingPrivateKey: phone.seed }), cosignature: borrowed };
    expect(step(4, encodeSignedDeviceList(withBorrowed))).toBe('bad_cosignature');
  });

  it('A6: concurrent updates from two devices: once one is pinned, the other is a fork', () => {
    const fromPhone = next(4, { issuedAt: 7_000, recoveryKey: null }, { id: 1, key: phone });
    const fromTablet = next(4, { issuedAt: 7_001, devices: [phone.entry(1), tablet.entry(3)], nextDeviceId: 4 }, { id: 3, key: tablet });
    expect(step(4, fromPhone)).toBe('accepted');
    expect(step(4, fromTablet)).toBe('accepted');
    const pinned = verifyListChain(pinAt(4), [fromPhone], ['proof'], ACCOUNT, { verifyProof: logged }).pinned;
    expect(codeOf(() => verifyListChain(pinned, [fromTablet], ['proof'], ACCOUNT, { verifyProof: logged }))).toBe('fork');
  });

  it('A7: a ninth device', () => {
    const many = Array.from({ length: MAX_DEVICES + 1 }, (_, i) => keys(`device ${i + 1}`));
    let prev: VerifiedDeviceList | null = null;
    let bytes: Uint8Array = new Uint8Array(0);
    for (let n = 1; n <= MAX_DEVICES + 1; n++) {
      const list: DeviceList = {
        accountId: 'bob', listVersion: n, prevListHash: prev?.listHash ?? ZERO_LIST_HASH, kind: n === 1 ? 'genesis' : 'change', issuedAt: n, nextDeviceId: n + 1,
        recoveryKey: null, devices: many.slice(0, n).map((k, i) => k.entry(i + 1)),
      };
      bytes = encodeSignedDeviceList(signDeviceList(list, { kind: 'device', deviceId: 1, signingPrivateKey: many[0]!.seed }, n === 1 ? {} : { cosignerPrivateKey: many[n - 1]!.seed }));
      if (n <= MAX_DEVICES) prev = verifyListStep(prev, bytes, 'bob');
    }
    expect(codeOf(() => verifyListStep(prev, bytes, 'bob'))).toBe('too_many_devices');
  });

  it("A8: device id reuse (a new key under the removed laptop's id) and a decreasing nextDeviceId", () => {
    expect(step(4, next(4, { devices: [phone.entry(1), thief.entry(2), tablet.entry(3)] }, { id: 1, key: phone }, thief))).toBe('device_id_reused');
    expect(step(3, next(3, { nextDeviceId: 3, devices: [phone.entry(1), laptop.entry(2)] }, { id: 1, key: phone }))).toBe('device_id_reused');
    // A reset may not reuse an id either.
    expect(step(4, next(4, { kind: 'reset', nextDeviceId: 3, devices: [thief.entry(2)] }, { id: 2, key: thief }))).toBe('device_id_reused');
  });

  it("a signer changes another device's keys (entry_changed), and rotates only its own credential key", () => {
    expect(step(4, next(4, { devices: [phone.entry(1), { ...tablet.entry(3), identityDhKey: x25519.getPublicKey(seed('mitm')) }] }, { id: 1, key: phone }))).toBe('entry_changed');
    const newCk = ed25519.getPublicKey(seed('tablet ck 2'));
    expect(step(4, next(4, { devices: [phone.entry(1), { ...tablet.entry(3), credentialKey: newCk }] }, { id: 1, key: phone }))).toBe('entry_changed');
    expect(step(4, next(4, { devices: [phone.entry(1), { ...tablet.entry(3), credentialKey: newCk }] }, { id: 3, key: tablet }))).toBe('accepted');
    expect(step(4, next(4, { devices: [phone.entry(1, 2_000), tablet.entry(3)] }, { id: 1, key: phone }))).toBe('entry_changed');
  });

  it('a list of another account is not this account\'s', () => {
    expect(step(4, next(4, { accountId: 'mallory' }, { id: 1, key: phone }), ACCOUNT)).toBe('wrong_account');
    // Also when its version is one the pin covers: another account's list is never called a fork.
    expect(chain(4, [next(2, { accountId: 'mallory' }, { id: 1, key: phone })])).toBe('wrong_account');
  });

  it('A22: a device removes all others (allowed, D2.2), but never all devices', () => {
    expect(step(4, next(4, { devices: [tablet.entry(3)] }, { id: 3, key: tablet }))).toBe('accepted');
    expect(step(4, next(4, { devices: [phone.entry(1)] }, { id: 3, key: tablet }))).toBe('accepted'); // removes its signer too
    expect(() => next(4, { devices: [] }, { id: 3, key: tablet })).toThrow(DeviceListError);
  });

  it('A23: a stolen kit takes over visibly (kind recovery); a replaced or removed kit signs nothing', () => {
    const takeover = next(4, { kind: 'recovery', nextDeviceId: 5, devices: [thief.entry(4)] }, { recovery: kit.privateKey }, thief);
    expect(step(4, takeover)).toBe('accepted');
    expect(verifyListStep(at(4), takeover, ACCOUNT).signed.list.kind).toBe('recovery');
    const kit2 = recoveryKeyFromKit(seed('kit 2'));
    const replaced = verifyListStep(at(4), next(4, { recoveryKey: kit2.publicKey }, { id: 1, key: phone }), ACCOUNT);
    const old = signDeviceList(
      { ...replaced.signed.list, kind: 'recovery', listVersion: 6, prevListHash: replaced.listHash, nextDeviceId: 5, devices: [thief.entry(4)] },
      { kind: 'recovery', signingPrivateKey: kit.privateKey }, { cosignerPrivateKey: thief.seed },
    );
    expect(codeOf(() => verifyListStep(replaced, encodeSignedDeviceList(old), ACCOUNT))).toBe('bad_signature');
    const removed = verifyListStep(at(4), next(4, { recoveryKey: null }, { id: 1, key: phone }), ACCOUNT);
    const again = signDeviceList(
      { ...removed.signed.list, kind: 'recovery', listVersion: 6, prevListHash: removed.listHash, nextDeviceId: 5, devices: [thief.entry(4)] },
      { kind: 'recovery', signingPrivateKey: kit.privateKey }, { cosignerPrivateKey: thief.seed },
    );
    expect(codeOf(() => verifyListStep(removed, encodeSignedDeviceList(again), ACCOUNT))).toBe('not_a_signer');
  });

  it('A24: a reset is accepted as a new founder key and reported as a reset (D5.2, D6.6)', () => {
    const reset = next(4, { kind: 'reset', nextDeviceId: 6, recoveryKey: null, devices: [thief.entry(5)] }, { id: 5, key: thief });
    const before = pinAt(4);
    const result = verifyListChain(before, [reset], ['proof'], ACCOUNT, { verifyProof: logged });
    expect(result.resets).toEqual([5]);
    expect(result.pinned.founderKey).not.toBe(before.founderKey);
    expect(result.pinned.deviceIdsSinceReset).toEqual([5]);
    expect(before.deviceIdsSinceReset).toEqual([1, 2, 3]);
  });
});

describe('D5.3 pinned state and D5.4 refresh', () => {
  it('a tampered pinned state is refused', () => {
    const p = pinAt(4);
    expect(codeOf(() => pinnedVerifiedList({ ...p, listVersion: 3 }))).toBe('malformed');
    expect(codeOf(() => pinnedVerifiedList({ ...p, list: pinAt(3).list }))).toBe('malformed');
    expect(codeOf(() => verifyListChain(p, [], [], 'mallory', { verifyProof: logged }))).toBe('wrong_account');
  });
  it('refresh triggers', () => {
    const p = pinAt(4);
    expect(needsListRefresh(null, { kind: 'first_send' })).toBe(true);
    expect(needsListRefresh(p, { kind: 'first_send' })).toBe(false);
    expect(needsListRefresh(p, { kind: 'stated_version', listVersion: 4 })).toBe(false);
    expect(needsListRefresh(p, { kind: 'stated_version', listVersion: 5 })).toBe(true);
    expect(needsListRefresh(p, { kind: 'device_mismatch' })).toBe(true);
    expect(needsListRefresh(p, { kind: 'timer', lastRefreshAt: 0, now: 86_399_999 })).toBe(false);
    expect(needsListRefresh(p, { kind: 'timer', lastRefreshAt: 0, now: 86_400_000 })).toBe(true);
  });
});

describe('every mutation of a valid signed list is refused', () => {
  // Each byte of a cosigned list, flipped in turn: some check of D5.1 refuses every one of them (the list hash, the
  // signatures and the strict decoder leave no byte free).
  const target = next(4, { nextDeviceId: 5, devices: [...current, laptop.entry(4)] }, { id: 3, key: tablet }, laptop);
  it('the unmutated list verifies', () => expect(step(4, target)).toBe('accepted'));
  it('every single-bit flip', () => {
    const refused = new Set<string>();
    for (let i = 0; i < target.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const m = target.slice();
        m[i]! ^= bit;
        const code = step(4, m);
        expect(code, `byte ${i} ^ ${bit}`).not.toBe('accepted');
        refused.add(code);
      }
    }
    expect(refused.has('malformed') && refused.has('bad_signature') && refused.has('bad_cosignature')).toBe(true);
  });
  it('the list hash changes with every signed byte', () => {
    expect(deviceListHash(target)).not.toEqual(deviceListHash(target.slice(0, -1)));
  });
});
