// Changing the device list (docs/PROTOCOL-devices.md D6): every builder's result is checked by the existing D5.1
// verifier (verifyListStep) and D5.2 chain, the new device's check before it counter-signs (D6.1 step 3), the D6.4
// re-application after a lost race, and the refusals of D19 A4–A8 (a removed signer, a replayed older list, a 9th
// device, a reused id). Under every sync provider, in Node and in Chromium.
import { describe, expect, it } from 'vitest';
import {
  cosignLinkedList, DeviceError, DeviceListError, deviceListHash, diffDeviceLists, encodeDeviceList, encodeSignedDeviceList, linkDeviceList, MAX_DEVICES,
  nextDeviceList, reapplyListIntent, recoveryDeviceList, recoveryKeyFromKit, recoveryKeyList, removeDevicesList, resetDeviceList, rotateCredentialList,
  signDeviceList, verifyListChain, verifyListStep, type DeviceList, type DeviceListSigner, withCosignature, type VerifiedDeviceList,
} from '../../client/devices/index.ts';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { SYNC } from './_providers.ts';
import vectors from '../vectors/devices.json';
import { Account, det, type Device, keysOf, leafKey, makeDevice, MINUTE, T0, verifyProof } from './_fanout-world.ts';

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    if (DeviceListError.is(e) || DeviceError.is(e)) return e.code;
    throw e;
  }
};
const by = (d: Device): DeviceListSigner => ({ kind: 'device', deviceId: d.deviceId, signingPrivateKey: d.identity.signingPrivateKey });
const linking = (d: Device) => ({ ...keysOf(d), signingPrivateKey: d.identity.signingPrivateKey });

describe.each(SYNC.map((p) => [p.name, p] as const))('list changes with %s', (_name, crypto) => {
  const start = () => {
    const acct = new Account('alice', crypto);
    const d1 = acct.genesis(T0);
    return { acct, d1 };
  };
  const step = (prev: VerifiedDeviceList, list: DeviceList, signer: DeviceListSigner, cosignature?: Uint8Array) => {
    const signed = signDeviceList(list, signer, { crypto });
    return verifyListStep(prev, encodeSignedDeviceList(cosignature === undefined ? signed : withCosignature(signed, cosignature)), list.accountId, crypto);
  };

  it('D6.1: link builds v + 1 with the new entry at nextDeviceId; the new device checks and counter-signs it', () => {
    const { acct, d1 } = start();
    const d2 = makeDevice('alice', 2, crypto);
    const list = linkDeviceList(acct.current, keysOf(d2), T0 + MINUTE);
    expect(list.listVersion).toBe(2);
    expect(list.nextDeviceId).toBe(3);
    expect(list.devices.map((e) => [e.deviceId, e.linkedAt])).toEqual([[1, T0], [2, T0 + MINUTE]]);
    expect(list.prevListHash).toEqual(acct.current.listHash);
    // The body travels to the new device, which checks it and returns its cosignature (D6.1 step 3).
    const cosignature = cosignLinkedList(encodeDeviceList(list), 'alice', linking(d2), crypto);
    const v2 = step(acct.current, list, by(d1), cosignature);
    expect(v2.signed.list.devices).toHaveLength(2);
    // Without the cosignature the verifier refuses (D5.1 step 9).
    expect(codeOf(() => step(acct.current, list, by(d1)))).toBe('bad_cosignature');
  });

  it('D6.1 step 3: the new device refuses a list of another account, with other keys, or that does not add it', () => {
    const { acct } = start();
    const d2 = makeDevice('alice', 2, crypto);
    const other = makeDevice('alice', 2, crypto, ' other');
    const body = encodeDeviceList(linkDeviceList(acct.current, keysOf(d2), T0 + MINUTE));
    expect(codeOf(() => cosignLinkedList(body, 'mallory', linking(d2), crypto))).toBe('wrong_account');
    expect(codeOf(() => cosignLinkedList(body, 'alice', linking(other), crypto))).toBe('link_mismatch');
    const swappedDh = encodeDeviceList(linkDeviceList(acct.current, { ...keysOf(d2), identityDhKey: other.identity.dhPublicKey }, T0 + MINUTE));
    expect(codeOf(() => cosignLinkedList(swappedDh, 'alice', linking(d2), crypto))).toBe('link_mismatch');
    const swappedCk = encodeDeviceList(linkDeviceList(acct.current, { ...keysOf(d2), credentialKey: other.credentialKey }, T0 + MINUTE));
    expect(codeOf(() => cosignLinkedList(swappedCk, 'alice', linking(d2), crypto))).toBe('link_mismatch');
    // Device 1 asked to cosign its own genesis-era entry: not the newly added id.
    const d1 = acct.devices.get(1)!;
    expect(codeOf(() => cosignLinkedList(body, 'alice', linking(d1), crypto))).toBe('link_mismatch');
    expect(codeOf(() => cosignLinkedList(encodeDeviceList(acct.current.signed.list), 'alice', linking(d1), crypto))).toBe('link_mismatch'); // a genesis
  });

  it('A7: linking a 9th device is too_many_devices; a removed id is never reused (A8)', () => {
    const { acct } = start();
    for (let i = 2; i <= MAX_DEVICES; i++) acct.link(1, T0 + i * MINUTE);
    expect(acct.current.signed.list.devices).toHaveLength(8);
    expect(codeOf(() => linkDeviceList(acct.current, keysOf(makeDevice('alice', 9, crypto)), T0))).toBe('too_many_devices');
    acct.remove(1, [5], T0 + 20 * MINUTE);
    const d = makeDevice('alice', 9, crypto);
    const list = linkDeviceList(acct.current, keysOf(d), T0 + 21 * MINUTE);
    expect(list.devices.at(-1)!.deviceId).toBe(9); // not 5
    expect(list.nextDeviceId).toBe(10);
  });

  it('D6.2: remove verifies (also the signer itself); an unknown id is unknown_device, removing every device malformed', () => {
    const { acct, d1 } = start();
    const d2 = acct.link(1, T0 + MINUTE);
    const v3 = step(acct.current, removeDevicesList(acct.current, [2], T0 + 2 * MINUTE), by(d1));
    expect(v3.signed.list.devices.map((e) => e.deviceId)).toEqual([1]);
    expect(v3.signed.list.nextDeviceId).toBe(3);
    expect(step(acct.current, removeDevicesList(acct.current, [2], T0 + 2 * MINUTE), by(d2)).signed.list.devices.map((e) => e.deviceId)).toEqual([1]);
    expect(codeOf(() => removeDevicesList(acct.current, [7], T0))).toBe('unknown_device');
    expect(codeOf(() => removeDevicesList(acct.current, [1, 2], T0))).toBe('malformed');
  });

  it('D6.3: a credential rotation verifies when the device signs it, and is entry_changed when another device does', () => {
    const { acct, d1 } = start();
    const d2 = acct.link(1, T0 + MINUTE);
    const ck = crypto.ed25519PublicKey(det('alice device 2 credential 2'));
    const list = rotateCredentialList(acct.current, 2, ck, T0 + 2 * MINUTE);
    expect(step(acct.current, list, by(d2)).signed.list.devices[1]!.credentialKey).toEqual(ck);
    expect(codeOf(() => step(acct.current, list, by(d1)))).toBe('entry_changed');
    expect(diffDeviceLists(acct.current.signed.list, list)).toEqual({ added: [], removed: [], rotated: [2], recoveryKeyChanged: false });
  });

  it('D2.4/D6.5: set, replace and remove the recovery key; recovery by the kit removes the lost devices and links a new one; the founder key stays', () => {
    const { acct } = start();
    acct.link(1, T0 + MINUTE);
    const kit1 = recoveryKeyFromKit(det('kit 1'), crypto);
    const kit2 = recoveryKeyFromKit(det('kit 2'), crypto);
    expect(codeOf(() => recoveryDeviceList(acct.current, { remove: [1] }, T0))).toBe('not_a_signer');
    acct.change(1, { recoveryKey: kit1.publicKey }, T0 + 2 * MINUTE);
    expect(acct.current.signed.list.recoveryKey).toEqual(kit1.publicKey);
    const pinBefore = acct.pin();
    const d3 = makeDevice('alice', 3, crypto);
    const list = recoveryDeviceList(acct.current, { remove: [1, 2], add: keysOf(d3), recoveryKey: kit2.publicKey }, T0 + 3 * MINUTE);
    expect(list.kind).toBe('recovery');
    const signed = signDeviceList(list, { kind: 'recovery', signingPrivateKey: kit1.privateKey }, { crypto });
    const bytes = encodeSignedDeviceList(withCosignature(signed, cosignLinkedList(encodeDeviceList(list), 'alice', linking(d3), crypto)));
    const after = verifyListChain(pinBefore, [bytes], [leafKey(4, deviceListHash(bytes, crypto))], 'alice', { verifyProof, crypto }).pinned;
    expect(after.founderKey).toBe(pinBefore.founderKey);
    expect(after.deviceIdsSinceReset).toEqual([1, 2, 3]);
    // Remove the recovery key again (a device's change), then the kit is no signer any more.
    const v4 = verifyListStep(acct.current, bytes, 'alice', crypto);
    const v5 = step(v4, recoveryKeyList(v4, null, T0 + 4 * MINUTE), by(d3));
    expect(v5.signed.list.recoveryKey).toBeNull();
  });

  it('D6.6: a reset is one new self-signed device with a new id; verifiers see a new founder key', () => {
    const { acct } = start();
    acct.link(1, T0 + MINUTE);
    const pin = acct.pin();
    const d3 = makeDevice('alice', 3, crypto);
    const list = resetDeviceList(acct.current, keysOf(d3), T0 + 2 * MINUTE);
    expect([list.kind, list.devices[0]!.deviceId, list.nextDeviceId]).toEqual(['reset', 3, 4]);
    const bytes = encodeSignedDeviceList(signDeviceList(list, by(d3), { crypto }));
    const r = verifyListChain(pin, [bytes], [leafKey(3, deviceListHash(bytes, crypto))], 'alice', { verifyProof, crypto });
    expect(r.resets).toEqual([3]);
    expect(r.pinned.founderKey).not.toBe(pin.founderKey);
    expect(r.pinned.deviceIdsSinceReset).toEqual([3]);
  });

  it('D6.4: the loser of a race re-applies its intent on top of the winner: removed stays removed, added stays', () => {
    const { acct, d1 } = start();
    acct.link(1, T0 + MINUTE);
    const v2 = acct.current;
    // Device 1 wants to remove device 2 and link device 4's keys; device 2 wins the race by linking device 3.
    const d4 = makeDevice('alice', 4, crypto, ' new');
    const intent = { remove: [2], add: keysOf(d4) };
    const losing = nextDeviceList(v2, intent, { now: T0 + 2 * MINUTE });
    const losingCosig = cosignLinkedList(encodeDeviceList(losing), 'alice', linking(d4), crypto);
    acct.link(2, T0 + 2 * MINUTE); // the winner: version 3 adds device 3
    const winner = acct.current;
    expect(codeOf(() => step(winner, losing, by(d1), losingCosig))).toBe('version_not_next');
    const again = reapplyListIntent(winner, intent)!;
    expect(again).toEqual({ add: keysOf(d4), remove: [2] });
    const list = nextDeviceList(winner, again, { now: T0 + 3 * MINUTE });
    expect(list.devices.map((e) => e.deviceId)).toEqual([1, 3, 4]); // device 3 (the winner's) stays, 2 removed, 4 added
    // The body changed, so the old cosignature no longer verifies: the new device counter-signs again.
    expect(codeOf(() => step(winner, list, by(d1), losingCosig))).toBe('bad_cosignature');
    const v4 = step(winner, list, by(d1), cosignLinkedList(encodeDeviceList(list), 'alice', linking(d4), crypto));
    // Re-deciding on top of v4: the device is linked and 2 is gone — nothing left to do.
    expect(reapplyListIntent(v4, intent)).toBeNull();
    // A winner that removed device 2 itself: the loser's removal is dropped, a rotation of device 2 too.
    expect(reapplyListIntent(v4, { remove: [2], rotateCredential: { deviceId: 2, credentialKey: d4.credentialKey } })).toBeNull();
  });

  it('A4/A3: a list signed by a removed device and a replayed older list are refused', () => {
    const { acct } = start();
    const d2 = acct.link(1, T0 + MINUTE);
    const pinV2 = acct.pin();
    acct.remove(1, [2], T0 + 2 * MINUTE); // version 3 without device 2
    const pin = acct.pin();
    // Device 2, removed, signs version 4 adding a ghost.
    const ghost = makeDevice('alice', 9, crypto, ' ghost');
    const list = linkDeviceList(acct.current, keysOf(ghost), T0 + 3 * MINUTE);
    const bytes = encodeSignedDeviceList(withCosignature(signDeviceList(list, by(d2), { crypto }), cosignLinkedList(encodeDeviceList(list), 'alice', linking(ghost), crypto)));
    expect(codeOf(() => verifyListChain(pin, [bytes], [leafKey(4, deviceListHash(bytes, crypto))], 'alice', { verifyProof, crypto }))).toBe('not_a_signer');
    // Signing off the older version 2 instead: a second list for a pinned version (fork) at a pinned verifier.
    const branch = linkDeviceList(acct.versions[1]!, keysOf(ghost), T0 + 3 * MINUTE);
    const branchBytes = encodeSignedDeviceList(withCosignature(signDeviceList(branch, by(d2), { crypto }), cosignLinkedList(encodeDeviceList(branch), 'alice', linking(ghost), crypto)));
    expect(codeOf(() => verifyListChain(pin, [branchBytes], [leafKey(3, deviceListHash(branchBytes, crypto))], 'alice', { verifyProof, crypto }))).toBe('fork');
    // The older version 2 (device 2 still in it) replayed to a verifier pinned at 3.
    expect(codeOf(() => verifyListChain(pin, [acct.bytes[1]!], [leafKey(2, acct.versions[1]!.listHash)], 'alice', { verifyProof, crypto }))).toBe('stale_list');
    expect(pinV2.listVersion).toBe(2);
  });
});

// The builders against test/vectors/devices.json: every change, recovery and reset version of alice and carol is
// rebuilt from its verified predecessor and the intent its entries show, and must be the vector's body byte for byte.
describe('the builders reproduce devices.json', () => {
  type ListJson = (typeof vectors.scenarios.alice.lists)[number];
  const entryOf = (e: ListJson['list']['devices'][number]) => ({ identitySigningKey: hexToBytes(e.identitySigningKey), identityDhKey: hexToBytes(e.identityDhKey), credentialKey: hexToBytes(e.credentialKey) });
  const cases = (['alice', 'carol'] as const).flatMap((s) => vectors.scenarios[s].lists.slice(1).map((x, i) => [s, x.name, vectors.scenarios[s].lists[i]!, x] as const));
  it.each(cases.map(([s, name, prev, x]) => [`${s} ${x.list.listVersion}: ${name}`, s, prev, x] as const))('%s', (_t, s, prev, x) => {
    const accountId = vectors.scenarios[s].lists[0]!.list.accountId;
    let verified: VerifiedDeviceList | null = null;
    for (const l of vectors.scenarios[s].lists.slice(0, prev.list.listVersion)) verified = verifyListStep(verified, hexToBytes(l.signed), accountId);
    const before = prev.list;
    const after = x.list;
    const now = after.issuedAt;
    const recoveryKey = after.recoveryKey === before.recoveryKey ? undefined : after.recoveryKey === null ? null : hexToBytes(after.recoveryKey);
    let list: DeviceList;
    if (after.kind === 'reset') {
      list = resetDeviceList(verified!, entryOf(after.devices[0]!), now, after.recoveryKey === null ? null : hexToBytes(after.recoveryKey));
    } else {
      const ids = new Set(after.devices.map((e) => e.deviceId));
      const added = after.devices.find((e) => !before.devices.some((b) => b.deviceId === e.deviceId));
      const rotated = after.devices.find((e) => before.devices.some((b) => b.deviceId === e.deviceId && b.credentialKey !== e.credentialKey));
      list = nextDeviceList(verified!, {
        remove: before.devices.filter((b) => !ids.has(b.deviceId)).map((b) => b.deviceId),
        ...(added !== undefined && { add: entryOf(added) }),
        ...(rotated !== undefined && { rotateCredential: { deviceId: rotated.deviceId, credentialKey: hexToBytes(rotated.credentialKey) } }),
        ...(recoveryKey !== undefined && { recoveryKey }),
      }, { now, kind: after.kind as 'change' | 'recovery' });
    }
    expect(bytesToHex(encodeDeviceList(list))).toBe(x.body);
  });
});
