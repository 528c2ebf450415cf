// Attacks on groups of multi-device accounts (docs/PROTOCOL-devices.md D19 A3, A9, A20, A21, D14.4): a ghost leaf
// (a device not in the account's verified list, or a listed device with another key) is refused by every member, and
// a Commit adding it is refused without changing state; a device removed from the list but still a leaf is found and
// removed (R1); a Commit under R1/R2 naming a list the receiver cannot prove is refused and can be retried; roles
// cannot be gained by adding devices. The attacker commits with ts-mls directly (a modified client, its own checks off).
import { type CiphersuiteImpl, type ClientState, type Proposal, createCommit, encodeMlsMessage, getCiphersuiteFromName, getCiphersuiteImpl, nobleCryptoProvider } from 'ts-mls';
import { beforeEach, describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../client/protocol.ts';
import { GROUP_CIPHERSUITE, type GroupError, type MlsGroup, generateCredentialKey, generateGroupKeyPackage } from '../../client/group/index.ts';
import { encodeDeviceSyncAd } from '../../client/group/device-members.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { Account, type Device, deliver, deviceGroup, packagesOf, served, str, text } from './_devices-harness.ts';

const attackerSuite: CiphersuiteImpl = await getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHERSUITE), nobleCryptoProvider);
const stateOf = (g: MlsGroup) => (g as unknown as { state: ClientState }).state;

/** A Commit by `d` with its own client's checks off (any proposal, any authenticated data). */
async function forceCommit(d: Device, proposals: Proposal[], authenticatedData?: Uint8Array): Promise<{ commit: Uint8Array; welcome?: Uint8Array }> {
  const s = stateOf(d.group!);
  const gullible = { ...s, clientConfig: { ...s.clientConfig, authService: { validateCredential: async () => true } } };
  const r = await createCommit({ state: gullible, cipherSuite: attackerSuite }, { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true, ...(authenticatedData && { authenticatedData }) });
  return { commit: encodeMlsMessage(r.commit), ...(r.welcome && { welcome: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome }) }) };
}

/** A key package the server makes: a version 2 credential naming (accountId, deviceId) with a key of its own. */
async function forgedPackage(accountId: string, deviceId: number) {
  return (await generateGroupKeyPackage({ accountId, deviceId, identity: generateIdentity(), credentialKey: generateCredentialKey() })).publicPackage;
}

const addOf = (keyPackage: Awaited<ReturnType<typeof forgedPackage>>): Proposal => ({ proposalType: 'add', add: { keyPackage } });
const syncAd = (d: Device, accountId: string) => {
  const pin = d.refresh(accountId)!;
  return encodeDeviceSyncAd([{ accountId, listVersion: pin.listVersion, listHash: fromBase64Url(pin.listHash, 'listHash') }]);
};

async function refused(receivers: Device[], commit: Uint8Array, code: GroupError['code']): Promise<void> {
  for (const d of receivers) {
    const epoch = d.group!.epoch;
    const leaves = d.group!.members().length;
    await expect(d.group!.receive(commit)).rejects.toMatchObject({ code });
    expect(d.group!.epoch).toBe(epoch); // state unchanged
    expect(d.group!.members()).toHaveLength(leaves);
  }
}

let n = 0;
let alice: Account, bob: Account, carol: Account;
let a1: Device, b1: Device, b2: Device, c1: Device;
beforeEach(async () => {
  n++;
  alice = new Account(`alice${n}`);
  bob = new Account(`bob${n}`);
  carol = new Account(`carol${n}`);
  a1 = alice.link();
  [b1, b2] = [bob.link(), bob.link()];
  c1 = carol.link();
  await deviceGroup(`g${n}`, a1, [bob, carol]);
});

describe('A20 ghost leaves are refused by every member', () => {
  it('a device the list does not have: the adder refuses it, and a Commit that adds it anyway is refused by every member', async () => {
    const ghost = await forgedPackage(bob.accountId, 7);
    const bytes = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: ghost });
    await expect(b1.group!.syncDevices(bob.accountId, [bytes])).rejects.toMatchObject({ code: 'bad_credential' });
    // bob's device 1 modified (or the server's own client) commits it under R2 anyway, naming bob's real list.
    const forged = await forceCommit(b1, [addOf(ghost)], syncAd(b1, bob.accountId));
    await refused([a1, b2, c1], forged.commit, 'bad_credential');
    // A new person added in the same Commit as a ghost cannot use its Welcome: the ghost is in the tree.
    const dave = new Account(`dave${n}`);
    const d1 = dave.link();
    const withGhost = await forceCommit(a1, [addOf((await generateGroupKeyPackage(d1.me)).publicPackage), addOf(await forgedPackage(dave.accountId, 2))]);
    await refused([b1, c1], withGhost.commit, 'bad_credential');
    const kp = await generateGroupKeyPackage(d1.me);
    d1.kps.set(kp.ref, kp);
    const welcomed = await forceCommit(a1, [addOf(kp.publicPackage), addOf(await forgedPackage(dave.accountId, 2))]);
    await expect(d1.join(welcomed.welcome!)).rejects.toMatchObject({ code: 'bad_credential' });
  });

  it('a listed device with another key than its list entry\'s credentialKey is a ghost too', async () => {
    const swapped = await forgedPackage(carol.accountId, 1); // carol's device 1, a key the server chose
    const bytes = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: swapped });
    const dave = new Account(`dave${n}`);
    dave.link();
    await expect(a1.group!.add([bytes])).rejects.toMatchObject({ code: 'bad_credential' });
    // As a second leaf for carol's device 1 (R2) and as a new person: refused for the key before any rule is looked at.
    await refused([b1, b2, c1], (await forceCommit(a1, [addOf(swapped)], syncAd(a1, carol.accountId))).commit, 'bad_credential');
    const fakeDave = await forgedPackage(dave.accountId, 1);
    await refused([b1, b2, c1], (await forceCommit(a1, [addOf(fakeDave)])).commit, 'bad_credential');
  });

  it('a device the account removed stays refused: its key packages no longer add, its Commits are not accepted', async () => {
    bob.unlink(2);
    for (const d of [a1, c1, b1]) d.refresh(bob.accountId);
    // Its leaf is stale: every member finds it before sending (D14.4) and any member removes it (R1).
    expect(await c1.group!.staleLeaves()).toEqual([{ accountId: bob.accountId, deviceId: 2 }]);
    // The removed device commits an Update of its own leaf: members that know its removal refuse its credential.
    const update = await forceCommit(b2, []);
    await refused([a1, c1], update.commit, 'bad_credential');
    // Its key package (made while it was listed) no longer adds it back.
    const old = await b2.keyPackage();
    await expect(b1.group!.syncDevices(bob.accountId, [old])).rejects.toMatchObject({ code: 'bad_credential' });
    const r1 = (await c1.group!.removeStaleDevices())!;
    await deliver(c1, r1, [a1, b1]);
    expect((await b2.group!.receive(r1.commit)).kind).toBe('membership');
    expect(b2.group!.active).toBe(false);
    expect(a1.group!.people().find((p) => p.accountId === bob.accountId)!.devices.map((d) => d.deviceId)).toEqual([1]);
  });
});

describe('A21 a Commit naming a list version the receiver cannot prove', () => {
  it('is refused with state unchanged, and accepted once the list is provable', async () => {
    const b3 = bob.link(b1);
    b1.refresh(bob.accountId);
    const sync = await b1.group!.syncDevices(bob.accountId, [await b3.keyPackage()]);
    b1.group!.confirmCommit();
    // The server withholds bob's version 3 from carol: she cannot reach the version the Commit names.
    const all = served.get(bob.accountId)!;
    served.set(bob.accountId, all.slice(0, 2));
    await refused([c1], sync.commit, 'not_authorized');
    served.set(bob.accountId, all);
    expect((await c1.group!.receive(sync.commit)).kind).toBe('membership'); // retried later: accepted
    for (const d of [a1, b2]) await d.group!.receive(sync.commit);
    await b3.join(sync.welcome!);
    // A Commit naming a hash other than the list's at that version (the committer's view of a forked list) is refused.
    const b4 = bob.link(b1);
    b1.refresh(bob.accountId);
    const pin = b1.pins.get(bob.accountId)!;
    const bad = encodeDeviceSyncAd([{ accountId: bob.accountId, listVersion: pin.listVersion, listHash: new Uint8Array(32).fill(7) }]);
    const forged = await forceCommit(b1, [addOf((await generateGroupKeyPackage(b4.me)).publicPackage)], bad);
    await refused([a1, c1], forged.commit, 'not_authorized');
    // Bytes that are not a DeviceSyncAd are malformed.
    await refused([a1], (await forceCommit(b1, [], new Uint8Array([9, 9]))).commit, 'malformed');
  });
});

describe('D14.4 roles cannot be gained by adding devices; partial removes only for stale devices', () => {
  it('a plain member cannot add a new person by calling it a device sync, nor drop another person\'s listed device', async () => {
    const erin = new Account(`erin${n}`);
    const e1 = erin.link();
    const asSync = await forceCommit(c1, [addOf((await generateGroupKeyPackage(e1.me)).publicPackage)], syncAd(c1, erin.accountId));
    await refused([a1, b1, b2], asSync.commit, 'not_authorized');
    // R2 without naming the list is refused too, even for a real listed device of a member.
    const b3 = bob.link(b1);
    for (const d of [a1, b2, c1]) d.refresh(bob.accountId); // they know the device: what is refused is the rule
    await refused([a1, b2], (await forceCommit(c1, [addOf((await generateGroupKeyPackage(b3.me)).publicPackage)])).commit, 'not_authorized');
    // carol removes bob's laptop (still listed) claiming R1: refused; so is an admin's Remove of some of bob's leaves.
    const laptop = c1.group!.members().find((m) => m.accountId === bob.accountId && m.deviceId === 2)!.leaf;
    await refused([a1, b1], (await forceCommit(c1, [{ proposalType: 'remove', remove: { removed: laptop } }], syncAd(c1, bob.accountId))).commit, 'not_authorized');
    await refused([b1, c1], (await forceCommit(a1, [{ proposalType: 'remove', remove: { removed: laptop } }])).commit, 'not_authorized');
    // Roles stay the person's: carol's new device (added by R2) is still a member; a GroupContextExtensions Commit
    // naming carol admin from it is refused.
    const c2 = carol.link(c1);
    c1.refresh(carol.accountId);
    await deliver(c1, await c1.group!.syncDevices(carol.accountId, [await c2.keyPackage()]), [a1, b1, b2], [c2]);
    const roles = { extensionType: 0xf0a1, extensionData: new Uint8Array([1, alice.accountId.length, ...new TextEncoder().encode(alice.accountId), 1, carol.accountId.length, ...new TextEncoder().encode(carol.accountId)]) };
    await refused([a1, b1, c1], (await forceCommit(c2, [{ proposalType: 'group_context_extensions', groupContextExtensions: { extensions: [roles] } }])).commit, 'not_authorized');
    expect(a1.group!.people().find((p) => p.accountId === carol.accountId)!.role).toBe('member');
  });

  it('after a reset the person re-enters only by an admin\'s Add; the creator\'s devices are never all removed', async () => {
    const fresh = bob.reset(); // bob lost every device: a new founder, device 3
    for (const d of [a1, c1]) d.refresh(bob.accountId);
    expect((await c1.group!.staleLeaves()).map((s) => s.deviceId)).toEqual([1, 2]);
    // R2 for the new device is refused: bob has no leaf of his current founder epoch.
    await expect(c1.group!.syncDevices(bob.accountId, [await fresh.keyPackage()])).rejects.toMatchObject({ code: 'not_authorized' });
    await refused([a1], (await forceCommit(c1, [addOf((await generateGroupKeyPackage(fresh.me)).publicPackage)], syncAd(c1, bob.accountId))).commit, 'not_authorized');
    // Any member removes the stale leaves (R1); then the creator adds bob again as a person.
    await deliver(c1, (await c1.group!.removeStaleDevices())!, [a1]);
    await deliver(a1, await a1.group!.addPerson(bob.accountId, await packagesOf(bob)), [c1], [fresh]);
    const sent = await fresh.group!.send(text('back'));
    expect(str((await a1.group!.receive(sent.message) as { opened: { body: Uint8Array } }).opened.body)).toBe('back');
    // The creator's account resets too: its old leaf is stale, but no R1 Commit may leave the group without its creator.
    alice.reset();
    c1.refresh(alice.accountId);
    await expect(c1.group!.removeStaleDevices()).rejects.toMatchObject({ code: 'not_authorized' });
  });
});
