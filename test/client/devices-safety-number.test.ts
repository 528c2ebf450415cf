// Safety numbers with devices (docs/PROTOCOL-devices.md D16): the number of two accounts is PROTOCOL-sessions.md §S12
// over each account's founder key, so linking, removing (the founder device too) and recovering leave it unchanged and
// a reset changes it; a legacy account's identity key gives the same number as the genesis it signs at migration
// (D17). contactDeviceChange turns a contact's previous and new pinned state into D16's quiet lines or "safety number
// changed", and refuses states that do not follow each other (D5.3, D17.2). The attacks: a list that would give the
// account another founder key without a reset is refused by D5.1/D5.2 (verifyListStep, verifyListChain) before any
// pin moves, and a tampered pin is refused by contactDeviceChange. Under every sync provider, in Node and in Chromium.
import { describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { toBase64Url } from '../../client/crypto/index.ts';
import {
  accountSafetyNumber, CONTACT_DEVICE_LINE_TEXT, contactDeviceChange, DeviceListError, deviceListHash, type DeviceList, encodeSignedDeviceList, founderKeyOf,
  type LegacyAccountIdentity, type ListChainResult, linkDeviceList, type PinnedDeviceList, pinnedFounderKey, recoveryDeviceList, recoveryKeyFromKit, resetDeviceList,
  signDeviceList, verifyListChain, verifyListStep, ZERO_LIST_HASH,
} from '../../client/devices/index.ts';
import { safetyNumber } from '../../client/session/index.ts';
import { SYNC } from './_providers.ts';
import { Account, det, type Device, keysOf, leafKey, makeDevice, MINUTE, T0, verifyProof } from './_fanout-world.ts';
import sessionVectors from '../vectors/session.json';

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    if (DeviceListError.is(e)) return e.code;
    throw e;
  }
};

describe.each(SYNC.map((p) => [p.name, p] as const))('D16 with %s', (_name, crypto) => {
  /** verifyListChain from `from` over every newer version of `acct` (each with its stand-in key-log proof). */
  const update = (acct: Account, from: PinnedDeviceList | null): ListChainResult => {
    const start = from === null ? 0 : from.listVersion;
    const lists = acct.bytes.slice(start);
    return verifyListChain(from, lists, lists.map((b, i) => leafKey(start + i + 1, deviceListHash(b, crypto))), acct.accountId, { verifyProof, crypto });
  };
  /** Appends a list signed outside Account's own helpers (recovery, reset), verified by D5.1 like every other. */
  const append = (acct: Account, bytes: Uint8Array, added?: Device): void => {
    acct.versions.push(verifyListStep(acct.current, bytes, acct.accountId, crypto));
    if (added !== undefined) acct.devices.set(added.deviceId, added);
  };
  const world = () => {
    const alice = new Account('alice', crypto);
    alice.genesis(T0);
    alice.link(1, T0 + MINUTE);
    const bob = new Account('bob', crypto);
    const founder = bob.genesis(T0);
    return { alice, bob, founder, alicePin: alice.pin() };

  };
  const founderParty = (accountId: string, d: Device) => ({ userId: accountId, identity: { signingKey: d.identity.signingPublicKey, dhKey: d.identity.dhPublicKey } });

  it('is §S12 over the founder keys, the same on every device of both accounts', () => {
    const { alice, bob, founder, alicePin } = world();
    const bobPin = bob.pin();
    const n = accountSafetyNumber(alicePin, bobPin, crypto);
    expect(n).toMatch(/^\d{60}$/);
    expect(n).toBe(safetyNumber(founderParty('alice', alice.devices.get(1)!), founderParty('bob', founder)));
    // Symmetric, and alice's device 2 (linked later) pins the same state, so it shows the same digits.
    expect(accountSafetyNumber(bobPin, alicePin, crypto)).toBe(n);
    expect(pinnedFounderKey(alicePin, crypto)).toEqual(founderKeyOf(alice.versions[0]!.signed.list.devices[0]!));
  });

  it('does not change when bob links, removes (his founder device too) or recovers devices; each step is a quiet line', () => {
    const { alicePin, bob } = world();
    const start = bob.pin();
    const number = accountSafetyNumber(alicePin, start, crypto);

    bob.link(1, T0 + 1 * MINUTE); // v2: device 2
    const linked = update(bob, start);
    expect(accountSafetyNumber(alicePin, linked.pinned, crypto)).toBe(number);
    expect(contactDeviceChange(start, linked.pinned, { crypto })).toEqual({ kind: 'devices_changed', lines: [{ kind: 'device_linked', deviceId: 2 }] });

    bob.remove(2, [1], T0 + 2 * MINUTE); // v3: device 2 removes the founder device
    const removed = update(bob, linked.pinned);
    expect(removed.pinned.founderKey).toBe(start.founderKey);
    expect(accountSafetyNumber(alicePin, removed.pinned, crypto)).toBe(number);
    expect(contactDeviceChange(linked.pinned, removed.pinned, { crypto })).toEqual({ kind: 'devices_changed', lines: [{ kind: 'device_removed', deviceId: 1 }] });

    const kit = recoveryKeyFromKit(det('bob kit'), crypto);
    bob.change(2, { recoveryKey: kit.publicKey }, T0 + 3 * MINUTE); // v4: no device change, no line
    const kitSet = update(bob, removed.pinned);
    expect(contactDeviceChange(removed.pinned, kitSet.pinned, { crypto })).toEqual({ kind: 'unchanged' });

    // v5: every device lost; the kit removes device 2 and adds device 3 (D6.5).
    const d3 = makeDevice('bob', 3, crypto);
    const list = recoveryDeviceList(bob.current, { remove: [2], add: keysOf(d3) }, T0 + 4 * MINUTE);
    append(bob, encodeSignedDeviceList(signDeviceList(list, { kind: 'recovery', signingPrivateKey: kit.privateKey }, { crypto, cosignerPrivateKey: d3.identity.signingPrivateKey })), d3);
    const recovered = update(bob, kitSet.pinned);
    expect(accountSafetyNumber(alicePin, recovered.pinned, crypto)).toBe(number);
    expect(contactDeviceChange(kitSet.pinned, recovered.pinned, { crypto })).toEqual({ kind: 'devices_changed', lines: [{ kind: 'recovered', listVersion: 5 }] });

    // All of it at once, with the verified lists: one set of lines per version, in order.
    const all = update(bob, start);
    expect(contactDeviceChange(start, all.pinned, { verified: all.verified, crypto })).toEqual({
      kind: 'devices_changed',
      lines: [{ kind: 'device_linked', deviceId: 2 }, { kind: 'device_removed', deviceId: 1 }, { kind: 'recovered', listVersion: 5 }],
    });
    // Without them the two newest lists are compared as one step (documented): 1 gone, 3 new, the newest is a recovery.
    expect(contactDeviceChange(start, all.pinned, { crypto })).toEqual({ kind: 'devices_changed', lines: [{ kind: 'recovered', listVersion: 5 }] });
    expect(CONTACT_DEVICE_LINE_TEXT).toEqual({ device_linked: 'linked a new device', device_removed: 'removed a device', recovered: 'restored with a recovery kit' });
  });

  it('changes on a reset (D6.6), also when the reset is followed by links', () => {
    const { alice, alicePin, bob } = world();
    bob.link(1, T0 + MINUTE);
    const before = bob.pin();
    const number = accountSafetyNumber(alicePin, before, crypto);
    const fresh = makeDevice('bob', 3, crypto);
    append(bob, encodeSignedDeviceList(signDeviceList(resetDeviceList(bob.current, keysOf(fresh), T0 + 2 * MINUTE), { kind: 'device', deviceId: 3, signingPrivateKey: fresh.identity.signingPrivateKey }, { crypto })), fresh);
    const reset = update(bob, before);
    expect(reset.resets).toEqual([3]);
    expect(accountSafetyNumber(alicePin, reset.pinned, crypto)).not.toBe(number);
    expect(accountSafetyNumber(alicePin, reset.pinned, crypto)).toBe(safetyNumber(founderParty('alice', alice.devices.get(1)!), founderParty('bob', fresh)));
    expect(contactDeviceChange(before, reset.pinned, { crypto })).toEqual({ kind: 'safety_number_changed' });

    bob.link(3, T0 + 3 * MINUTE); // v4 after the reset: still a changed number from `before`
    const later = update(bob, before);
    expect(contactDeviceChange(before, later.pinned, { crypto })).toEqual({ kind: 'safety_number_changed' });
    expect(contactDeviceChange(before, later.pinned, { verified: later.verified, crypto })).toEqual({ kind: 'safety_number_changed' });
    // From the reset on, links are quiet again.
    expect(contactDeviceChange(reset.pinned, later.pinned, { crypto })).toEqual({ kind: 'devices_changed', lines: [{ kind: 'device_linked', deviceId: 4 }] });
  });

  it('D17: a legacy account is its identity key — migration changes no safety number (the session vectors\' number)', () => {
    const s = sessionVectors.scenarios[0]!;
    const legacy = (accountId: string, draws: string[]): LegacyAccountIdentity => ({
      accountId,
      legacyIdentity: { signingKey: ed25519.getPublicKey(hexToBytes(draws[0]!)), dhKey: x25519.getPublicKey(hexToBytes(draws[1]!)) },
    });
    const aliceLegacy = legacy('alice', s.draws.alice);
    const bobLegacy = legacy('bob', s.draws.bob);
    expect(accountSafetyNumber(aliceLegacy, bobLegacy, crypto)).toBe(s.expected.safetyNumber);

    // bob migrates (D17.1): a genesis whose device 1 is his identity keys.
    const bob = new Account('bob', crypto);
    const seeds = { signing: hexToBytes(s.draws.bob[0]!), dh: hexToBytes(s.draws.bob[1]!) };
    const entry = { deviceId: 1, identitySigningKey: bobLegacy.legacyIdentity.signingKey, identityDhKey: bobLegacy.legacyIdentity.dhKey, credentialKey: crypto.ed25519PublicKey(det('bob credential')), linkedAt: T0 };
    const genesis: DeviceList = { accountId: 'bob', listVersion: 1, prevListHash: ZERO_LIST_HASH, kind: 'genesis', issuedAt: T0, nextDeviceId: 2, recoveryKey: null, devices: [entry] };
    bob.versions.push(verifyListStep(null, encodeSignedDeviceList(signDeviceList(genesis, { kind: 'device', deviceId: 1, signingPrivateKey: seeds.signing }, { crypto })), 'bob', crypto));
    const migrated = bob.pin();
    expect(accountSafetyNumber(aliceLegacy, migrated, crypto)).toBe(s.expected.safetyNumber);
    expect(contactDeviceChange(bobLegacy, migrated, { crypto })).toEqual({ kind: 'unchanged' });

    // Then a second device: a quiet line, same number.
    const d2 = makeDevice('bob', 2, crypto);
    const list = linkDeviceList(bob.current, keysOf(d2), T0 + MINUTE);
    append(bob, encodeSignedDeviceList(signDeviceList(list, { kind: 'device', deviceId: 1, signingPrivateKey: seeds.signing }, { crypto, cosignerPrivateKey: d2.identity.signingPrivateKey })), d2);
    const two = update(bob, migrated).pinned;
    expect(accountSafetyNumber(aliceLegacy, two, crypto)).toBe(s.expected.safetyNumber);
    expect(contactDeviceChange(bobLegacy, two, { crypto })).toEqual({ kind: 'devices_changed', lines: [{ kind: 'device_linked', deviceId: 2 }] });
    expect(contactDeviceChange(bobLegacy, two, { verified: update(bob, null).verified, crypto })).toEqual({ kind: 'devices_changed', lines: [{ kind: 'device_linked', deviceId: 2 }] });

    // A genesis with another key than the legacy identity (the server must refuse it, D17.1) is a changed number.
    const other = new Account('bob', crypto);
    other.genesis(T0);
    expect(contactDeviceChange(bobLegacy, other.pin(), { crypto })).toEqual({ kind: 'safety_number_changed' });
    // A changed legacy identity is the classic key change; the same one is nothing.
    expect(contactDeviceChange(bobLegacy, { ...bobLegacy }, { crypto })).toEqual({ kind: 'unchanged' });
    expect(contactDeviceChange(bobLegacy, legacy('bob', s.draws.alice), { crypto })).toEqual({ kind: 'safety_number_changed' });
    // Once a list is pinned the legacy view is never accepted again (D17.2).
    expect(codeOf(() => contactDeviceChange(migrated, bobLegacy, { crypto }))).toBe('stale_list');
  });

  it('A: a list that gives bob another founder key without kind = reset is refused by verification, and the pin does not move', () => {
    const { bob } = world();
    const d2 = bob.link(1, T0 + MINUTE);
    const pinned = bob.pin();
    const mallory = makeDevice('bob', 1, crypto, ' mallory');
    const current = bob.current.signed.list;
    const signedBy = (list: DeviceList, d: Device, deviceId = d.deviceId, cosigner?: Device) =>
      encodeSignedDeviceList(signDeviceList(list, { kind: 'device', deviceId, signingPrivateKey: d.identity.signingPrivateKey }, { crypto, ...(cosigner && { cosignerPrivateKey: cosigner.identity.signingPrivateKey }) }));
    const next = { ...current, listVersion: 3, prevListHash: bob.current.listHash, kind: 'change' as const, issuedAt: T0 + 2 * MINUTE };
    const swapped = { ...next, devices: [{ ...current.devices[0]!, ...keysOf(mallory) }, current.devices[1]!] };

    // The founder device's entry given mallory's keys: signed by mallory in device 1's name, or by a real device.
    expect(codeOf(() => verifyListStep(bob.current, signedBy(swapped, mallory, 1), 'bob', crypto))).toBe('bad_signature');
    expect(codeOf(() => verifyListStep(bob.current, signedBy(swapped, d2), 'bob', crypto))).toBe('entry_changed');
    // A list naming only mallory, signed by mallory, as a change (not a signer) or as a recovery (no recovery key).
    const only = { ...next, nextDeviceId: 4, devices: [{ ...current.devices[0]!, ...keysOf(mallory), deviceId: 3 }] };
    expect(codeOf(() => verifyListStep(bob.current, signedBy(only, mallory, 3), 'bob', crypto))).toBe('not_a_signer');
    const asRecovery = encodeSignedDeviceList(signDeviceList({ ...only, kind: 'recovery' }, { kind: 'recovery', signingPrivateKey: mallory.identity.signingPrivateKey }, { crypto, cosignerPrivateKey: mallory.identity.signingPrivateKey }));
    expect(codeOf(() => verifyListStep(bob.current, asRecovery, 'bob', crypto))).toBe('not_a_signer');
    // A second genesis of bob (mallory as founder) shown to a client that has pinned bob: a fork, never a new founder.
    const ghost = new Account('bob', crypto);
    ghost.devices.set(1, mallory);
    ghost.versions.push(verifyListStep(null, signedBy({ accountId: 'bob', listVersion: 1, prevListHash: ZERO_LIST_HASH, kind: 'genesis', issuedAt: T0, nextDeviceId: 2, recoveryKey: null, devices: [{ deviceId: 1, ...keysOf(mallory), linkedAt: T0 }] }, mallory), 'bob', crypto));
    ghost.link(1, T0 + MINUTE);
    ghost.link(1, T0 + 2 * MINUTE);
    expect(update(ghost, null).pinned.founderKey).not.toBe(pinned.founderKey); // a valid chain on its own
    expect(codeOf(() => verifyListChain(pinned, ghost.bytes, ghost.bytes.map((b, i) => leafKey(i + 1, deviceListHash(b, crypto))), 'bob', { verifyProof, crypto }))).toBe('fork');
    expect(codeOf(() => verifyListChain(pinned, ghost.bytes.slice(2), [leafKey(3, deviceListHash(ghost.bytes[2]!, crypto))], 'bob', { verifyProof, crypto }))).toBe('prev_mismatch');
    // Nothing moved: the pin still yields the founder's key.
    expect(pinnedFounderKey(pinned, crypto)).toEqual(founderKeyOf(bob.versions[0]!.signed.list.devices[0]!));

    // Device 2 removes the founder device (accepted: the founder key stays, D16); mallory then comes back under id 1.
    bob.remove(2, [1], T0 + 2 * MINUTE);
    const after = update(bob, pinned).pinned;
    expect(after.founderKey).toBe(pinned.founderKey);
    const back = { ...bob.current.signed.list, listVersion: 4, prevListHash: bob.current.listHash, issuedAt: T0 + 3 * MINUTE, devices: [{ ...current.devices[0]!, ...keysOf(mallory) }, current.devices[1]!] };
    expect(codeOf(() => verifyListStep(bob.current, signedBy(back, d2, 2, mallory), 'bob', crypto))).toBe('device_id_reused');
  });

  it('A: a tampered or out-of-order pin is refused by contactDeviceChange', () => {
    const { alicePin, bob } = world();
    const v1 = bob.pin();
    bob.link(1, T0 + MINUTE);
    const v2 = update(bob, v1);
    const other = makeDevice('bob', 9, crypto, ' other');
    const otherFounder = toBase64Url(new Uint8Array([...other.identity.signingPublicKey, ...other.identity.dhPublicKey]));

    // The founder key of a pinned genesis must be its device's; of a later version it can only change with a reset.
    expect(codeOf(() => pinnedFounderKey({ ...v1, founderKey: otherFounder }, crypto))).toBe('malformed');
    expect(codeOf(() => accountSafetyNumber(alicePin, { ...v1, founderKey: otherFounder }, crypto))).toBe('malformed');
    expect(codeOf(() => contactDeviceChange(v1, { ...v2.pinned, founderKey: otherFounder }, { crypto }))).toBe('malformed');
    expect(codeOf(() => pinnedFounderKey({ ...v2.pinned, founderKey: 'AAAA' }, crypto))).toBe('malformed');
    // Device ids since the last reset that neither continue nor restart; a "reset" of the ids at the same version.
    expect(codeOf(() => contactDeviceChange({ ...v2.pinned, deviceIdsSinceReset: [1, 2] }, { ...v2.pinned, deviceIdsSinceReset: [2, 3] }, { crypto }))).toBe('malformed');
    expect(codeOf(() => contactDeviceChange(v2.pinned, { ...v2.pinned, deviceIdsSinceReset: [5] }, { crypto }))).toBe('malformed');
    // The stored list itself is re-hashed (pinnedVerifiedList), and listHashes must end at it.
    expect(codeOf(() => contactDeviceChange(v1, { ...v2.pinned, list: v1.list }, { crypto }))).toBe('malformed');
    expect(codeOf(() => contactDeviceChange(v1, { ...v2.pinned, listHashes: [v2.pinned.listHash] }, { crypto }))).toBe('malformed');
    // Order and account (D5.3): older, a chain that does not pass the previous pin, another account.
    expect(codeOf(() => contactDeviceChange(v2.pinned, v1, { crypto }))).toBe('stale_list');
    expect(codeOf(() => contactDeviceChange(v1, { ...v2.pinned, listHashes: [v2.pinned.listHashes[1]!, v2.pinned.listHash] }, { crypto }))).toBe('fork');
    expect(codeOf(() => contactDeviceChange(v1, alicePin, { crypto }))).toBe('wrong_account');
    // Verified lists that are not the steps between the two pins.
    expect(codeOf(() => contactDeviceChange(v1, v2.pinned, { verified: [], crypto }))).toBe('malformed');
    expect(codeOf(() => contactDeviceChange(v1, v2.pinned, { verified: [bob.versions[0]!], crypto }))).toBe('malformed');
    expect(contactDeviceChange(v1, v2.pinned, { verified: v2.verified, crypto })).toEqual({ kind: 'devices_changed', lines: [{ kind: 'device_linked', deviceId: 2 }] });
    expect(contactDeviceChange(v2.pinned, v2.pinned, { crypto })).toEqual({ kind: 'unchanged' });
  });
});
