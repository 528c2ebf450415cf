// docs/PROTOCOL-devices.md D17.5: a migrated device (its leaf a version 1 credential, admitted as device 1, D14.1)
// replaces its credential by version 2 with the same signature key at its next Commit with an UpdatePath; every other
// member sees device 1 of the same person, roles and messages go on. Any other credential change in a Commit's
// UpdatePath — another device, another account, another key, back to version 1 — is refused by every member
// (RFC 9420 §5.3.1: the application decides what a credential may be replaced by). The attacker builds its Commit
// with ts-mls directly; each attack variant passes the AuthenticationService (D14.1) on its own, so only D17.5 stops it.
import { type CiphersuiteImpl, type ClientState, type Credential, type LeafNode, createCommit, encodeMlsMessage, getCiphersuiteFromName, getCiphersuiteImpl, nobleCryptoProvider } from 'ts-mls';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEVICE_GROUP_HEADER_VERSION, GROUP_HEADER_VERSION } from '../../client/franking/labels.ts';
import { type CredentialKeyPair, GROUP_CIPHERSUITE, type GroupEvent, type GroupIdentity, type GroupPerson, MlsGroup, generateCredentialKey, generateGroupKeyPackage } from '../../client/group/index.ts';
import { makeCredential, makeDeviceCredential } from '../../client/group/credential.ts';
import type { DeviceListWant } from '../../client/group/device-members.ts';
import { Account, type Device, deliver, deviceGroup, packagesOf, str, text } from './_devices-harness.ts';

const suite: CiphersuiteImpl = await getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHERSUITE), nobleCryptoProvider);
const stateOf = (g: MlsGroup) => (g as unknown as { state: ClientState }).state;
const asMessage = (e: GroupEvent) => {
  if (e.kind !== 'message') throw new Error(`expected a message, got ${e.kind}`);
  return e;
};

/** The same device before its account had a list: no deviceId, so a version 1 credential (§12.2). */
const legacyOf = (d: Device): GroupIdentity => ({ accountId: d.accountId, identity: d.identity, credentialKey: d.credentialKey });

/** `d` joins with a version 1 key package (a single-device client), added by `by` (creator or admin). */
async function addLegacy(by: Device, d: Device, others: Device[]): Promise<void> {
  const kp = await generateGroupKeyPackage(legacyOf(d));
  const pending = await by.group!.addPerson(d.accountId, [kp.bytes]);
  await deliver(by, pending, others);
  d.group = await MlsGroup.join(pending.welcome!, legacyOf(d), (ref) => (ref === kp.ref ? kp : undefined), d.opts);
}

/** D17.1: the device migrated — the app now loads its groups as device 1 of its account. */
const migrate = (d: Device) => {
  d.group = MlsGroup.deserialize(d.group!.serialize(), d.me, d.opts);
};

/** people() without the credential version: what "the same person, the same devices" compares. */
const shape = (ps: GroupPerson[]) => ps.map((p) => ({ ...p, devices: p.devices.map(({ deviceId, leaf }) => ({ deviceId, leaf })) }));

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
  await deviceGroup(`g${n}`, b1, [carol]);
  await addLegacy(b1, a1, [b2, c1]);
});

describe('D17.5 a migrated device upgrades its leaf to a version 2 credential', () => {
  it('upgradeCredential(): every member sees device 1 of the same person; roles kept; messages flow; the chain continues', async () => {
    const everyone = [a1, b1, b2, c1];
    await deliver(b1, await b1.group!.setRole(alice.accountId, 'admin'), everyone);
    for (const d of everyone) expect(d.group!.members().find((m) => m.accountId === alice.accountId)).toMatchObject({ deviceId: 1, credentialVersion: 1, role: 'admin' });
    const m1 = await a1.group!.send(text('before'));
    expect(asMessage(await b2.group!.receive(m1.message)).opened.header.version).toBe(GROUP_HEADER_VERSION);
    const late = await a1.group!.send(text('sent before the upgrade, delivered after'));
    expect(a1.group!.credentialUpgradeDue).toBe(false); // not migrated yet: no deviceId
    await expect(a1.group!.upgradeCredential()).rejects.toMatchObject({ code: 'bad_state' });

    migrate(a1);
    expect(a1.group!.credentialUpgradeDue).toBe(true);
    const people = shape(b1.group!.people());
    const leaf = a1.group!.members().find((m) => m.accountId === alice.accountId)!.leaf;
    const up = await a1.group!.upgradeCredential();
    const change = a1.group!.confirmCommit();
    for (const d of [b1, b2, c1]) {
      const seen = await d.group!.receive(up.commit);
      expect(seen).toMatchObject({ kind: 'membership', by: alice.accountId, added: [], removed: [], roles: [], devicesAdded: [], devicesRemoved: [] });
    }
    expect(change).toMatchObject({ added: [], removed: [], devicesAdded: [], devicesRemoved: [] });
    for (const d of everyone) {
      expect(d.group!.members().find((m) => m.accountId === alice.accountId)).toEqual({ accountId: alice.accountId, deviceId: 1, credentialVersion: 2, leaf, role: 'admin' });
      expect(shape(d.group!.people())).toEqual(people);
      expect(d.group!.epochAuthenticator).toEqual(a1.group!.epochAuthenticator);
    }
    expect(a1.group!.credentialUpgradeDue).toBe(false);
    await expect(a1.group!.upgradeCredential()).rejects.toMatchObject({ code: 'bad_state' });

    // A message of the epoch before still opens as the version 1 leaf's (header version 2).
    expect(str(asMessage(await b1.group!.receive(late.message)).opened.body)).toBe('sent before the upgrade, delivered after');
    // From now on: header version 4 naming device 1, the same chain (D17.4: seq and prevCommitment continue).
    const m3 = await a1.group!.send(text('after'));
    for (const d of [b1, b2, c1]) {
      const got = asMessage(await d.group!.receive(m3.message));
      expect(got.senderId).toBe(alice.accountId);
      expect(got.opened.header).toMatchObject({ version: DEVICE_GROUP_HEADER_VERSION, senderDeviceId: 1, seq: 3, prevCommitment: late.commitment });
    }
    const reply = await c1.group!.send(text('hi alice'));
    expect(str(asMessage(await a1.group!.receive(reply.message)).opened.body)).toBe('hi alice');
    // Roles stayed the person's: alice, admin, adds dave; the state survives a restart with version 4 headers.
    const dave = new Account(`dave${n}`);
    dave.link();
    await deliver(a1, await a1.group!.addPerson(dave.accountId, await packagesOf(dave)), [b1, b2, c1], [...dave.devices.values()]);
    migrate(a1);
    const m4 = await a1.group!.send(text('restarted'));
    expect(asMessage(await b1.group!.receive(m4.message)).opened.header).toMatchObject({ version: DEVICE_GROUP_HEADER_VERSION, senderDeviceId: 1, seq: 4 });
  });

  it('rides on the next Commit with an UpdatePath; a Commit without one (an Add) leaves the leaf as it is', async () => {
    await deliver(b1, await b1.group!.setRole(alice.accountId, 'admin'), [a1, b2, c1]);
    migrate(a1);
    const dave = new Account(`dave${n}`);
    const d1 = dave.link();
    await deliver(a1, await a1.group!.addPerson(dave.accountId, await packagesOf(dave)), [b1, b2, c1], [d1]);
    expect(a1.group!.credentialUpgradeDue).toBe(true);
    expect(b1.group!.members().find((m) => m.accountId === alice.accountId)!.credentialVersion).toBe(1);
    // A discarded upgrade (another Commit won the epoch) is made again by the next one.
    await a1.group!.update();
    a1.group!.discardCommit();
    expect(a1.group!.credentialUpgradeDue).toBe(true);
    const upd = await a1.group!.update();
    await deliver(a1, upd, [b1, b2, c1, d1]);
    for (const d of [a1, b1, b2, c1, d1]) expect(d.group!.members().find((m) => m.accountId === alice.accountId)!.credentialVersion).toBe(2);
    const sent = await a1.group!.send(text('v4'));
    expect(asMessage(await d1.group!.receive(sent.message)).opened.header.senderDeviceId).toBe(1);
  });

  it('a migrated device added by a version 1 key package it published before: version 2 headers until its upgrade', async () => {
    const erin = new Account(`erin${n}`);
    const e1 = erin.link();
    const old = await generateGroupKeyPackage(legacyOf(e1)); // left in the directory from before the migration
    const add = await b1.group!.addPerson(erin.accountId, [old.bytes]);
    await deliver(b1, add, [a1, b2, c1]);
    e1.group = await MlsGroup.join(add.welcome!, e1.me, (ref) => (ref === old.ref ? old : undefined), e1.opts);
    expect(e1.group.credentialUpgradeDue).toBe(true);
    const before = await e1.group.send(text('as the version 1 leaf'));
    expect(asMessage(await c1.group!.receive(before.message)).opened.header).toMatchObject({ version: GROUP_HEADER_VERSION, seq: 1 });
    await deliver(e1, await e1.group.upgradeCredential(), [a1, b1, b2, c1]);
    const after = await e1.group.send(text('as device 1'));
    expect(asMessage(await c1.group!.receive(after.message)).opened.header).toMatchObject({ version: DEVICE_GROUP_HEADER_VERSION, senderDeviceId: 1, seq: 2 });
  });

  it('the upgrade Commit names the account\'s list: a member that still holds the legacy view refreshes it first', async () => {
    // carol's client holds no list of alice (the legacy view, D17.2) until a Commit names a version (D14.4).
    c1.pins.delete(alice.accountId);
    const legacyView = { ...c1.opts, resolveDeviceList: (id: string, want?: DeviceListWant) => (id === alice.accountId && !want && !c1.pins.has(id) ? undefined : c1.resolveDeviceList(id, want)) };
    c1.group = MlsGroup.deserialize(c1.group!.serialize(), c1.me, legacyView);
    // Without the list named, carol cannot admit a version 2 leaf of alice: the same upgrade is refused by her.
    await refused(await commitWithLeaf(a1, makeDeviceCredential(alice.accountId, 1), a1.credentialKey), [c1]);
    migrate(a1);
    await deliver(a1, await a1.group!.upgradeCredential(), [b1, b2, c1]);
    expect(c1.pins.get(alice.accountId)?.listVersion).toBe(1);
    expect(c1.group.members().find((m) => m.accountId === alice.accountId)!.credentialVersion).toBe(2);
  });

  it('no upgrade without a migration, or when this device\'s credential key is not the leaf\'s', async () => {
    await deliver(a1, await a1.group!.update(), [b1, b2, c1]);
    expect(b1.group!.members().find((m) => m.accountId === alice.accountId)!.credentialVersion).toBe(1);
    // A "device 1" with another credential key than the leaf's would change the key: not an upgrade (D17.5).
    a1.group = MlsGroup.deserialize(a1.group!.serialize(), { ...a1.me, credentialKey: generateCredentialKey() }, a1.opts);
    expect(a1.group.credentialUpgradeDue).toBe(false);
    await expect(a1.group.upgradeCredential()).rejects.toMatchObject({ code: 'bad_state' });
  });
});

const isLeafNodeTbs = (m: Uint8Array) => new TextDecoder().decode(m.subarray(1, 20)) === 'MLS 1.0 LeafNodeTBS';

/**
 * A path-only Commit by `d` (its own client's checks off) whose UpdatePath leaf presents `credential` with `leafKey`:
 * the leaf is signed by `leafKey`, the Commit by `d`'s leaf key as the tree holds it.
 */
async function commitWithLeaf(d: Device, credential: Credential, leafKey: CredentialKeyPair): Promise<Uint8Array> {
  const s = stateOf(d.group!);
  const i = s.privatePath.leafIndex * 2;
  const leaf = (s.ratchetTree[i] as { leaf: LeafNode }).leaf;
  const ratchetTree = s.ratchetTree.slice();
  ratchetTree[i] = { nodeType: 'leaf', leaf: { ...leaf, credential, signaturePublicKey: leafKey.publicKey } };
  const signature = { ...suite.signature, sign: (key: Uint8Array, m: Uint8Array) => suite.signature.sign(isLeafNodeTbs(m) ? leafKey.privateKey : key, m) };
  const gullible = { ...s, ratchetTree, clientConfig: { ...s.clientConfig, authService: { validateCredential: async () => true } } };
  const r = await createCommit({ state: gullible, cipherSuite: { ...suite, signature } }, { wireAsPublicMessage: true });
  return encodeMlsMessage(r.commit);
}

async function refused(commit: Uint8Array, receivers: Device[]): Promise<void> {
  for (const d of receivers) {
    const before = d.group!.members();
    const epoch = d.group!.epoch;
    await expect(d.group!.receive(commit)).rejects.toMatchObject({ code: 'bad_credential' });
    expect(d.group!.epoch).toBe(epoch);
    expect(d.group!.members()).toEqual(before);
  }
}

describe('D17.5 any other credential change on an UpdatePath is refused by every member', () => {
  it('device 1\'s leaf cannot become another device of its account (a listed device without a leaf, its own key)', async () => {
    const a2 = alice.link();
    for (const d of [b1, b2, c1]) d.refresh(alice.accountId);
    await refused(await commitWithLeaf(a1, makeDeviceCredential(alice.accountId, 2), a2.credentialKey), [b1, b2, c1]);
  });

  it('nor a device of another account', async () => {
    const mallory = new Account(`mallory${n}`);
    const m1 = mallory.link();
    await refused(await commitWithLeaf(a1, makeDeviceCredential(mallory.accountId, 1), m1.credentialKey), [b1, b2, c1]);
  });

  it('nor device 1 with another key, even one its list now names (the upgrade keeps the key; a rotation is not an upgrade)', async () => {
    const rotated = generateCredentialKey();
    alice.rotate(a1, rotated.publicKey);
    for (const d of [b1, b2, c1]) d.refresh(alice.accountId);
    await refused(await commitWithLeaf(a1, makeDeviceCredential(alice.accountId, 1), rotated), [b1, b2, c1]);
  });

  it('nor back from version 2 to version 1 (a downgrade)', async () => {
    migrate(a1);
    await deliver(a1, await a1.group!.upgradeCredential(), [b1, b2, c1]);
    await refused(await commitWithLeaf(a1, makeCredential(alice.accountId, a1.identity, a1.credentialKey.publicKey), a1.credentialKey), [b1, b2, c1]);
    // The honest path still works after the refusals.
    await deliver(a1, await a1.group!.update(), [b1, b2, c1]);
    expect(c1.group!.members().find((m) => m.accountId === alice.accountId)!.credentialVersion).toBe(2);
  });

  it('the same upgrade built by hand is accepted (the refusals above are about the change, not the hand-made Commit)', async () => {
    const commit = await commitWithLeaf(a1, makeDeviceCredential(alice.accountId, 1), a1.credentialKey);
    for (const d of [b1, b2, c1]) await d.group!.receive(commit);
    for (const d of [b1, b2, c1]) expect(d.group!.members().find((m) => m.accountId === alice.accountId)).toMatchObject({ deviceId: 1, credentialVersion: 2 });
  });

  it('a version 2 leaf that keeps its credential may present a new key its list names (a rotation, D6.3): the list decides', async () => {
    const rotated = generateCredentialKey();
    bob.rotate(b2, rotated.publicKey);
    const commit = await commitWithLeaf(b2, makeDeviceCredential(bob.accountId, 2), rotated);
    const stranger = generateCredentialKey(); // a key the list does not name: the AuthenticationService refuses it (D14.1)
    await refused(await commitWithLeaf(b2, makeDeviceCredential(bob.accountId, 2), stranger), [a1, c1]);
    for (const d of [a1, c1]) d.refresh(bob.accountId);
    for (const d of [a1, c1]) await d.group!.receive(commit);
  });
});
