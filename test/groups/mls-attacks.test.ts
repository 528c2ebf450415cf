// Attacks on MLS groups (docs/PROTOCOL.md §12.10): each test plays a malicious relay, a malicious member or
// an outsider and tries to break one property — only members change membership, removed and new members read
// nothing outside their membership, forks are reported, nobody encrypts under a stale epoch.
import { type CiphersuiteImpl, type ClientState, type Proposal, createApplicationMessage, encodeMlsMessage, getCiphersuiteFromName, getCiphersuiteImpl, nobleCryptoProvider } from 'ts-mls';
import { beforeEach, describe, expect, it } from 'vitest';
import { GROUP_CIPHERSUITE, type GroupEvent, GroupError, MlsGroup, encodeGroupAd, generateGroupKeyPackage } from '../../client/group/index.ts';
import { frankMessage } from '../../client/franking/franking.ts';
import { type Member, deliverCommit, directory, join, keyPackage, makeGroup, makeMember, opts, str, text } from './_mls-harness.ts';

// The attacker's MLS: ts-mls' own implementation of the group suite, not the SDK's (the same bytes, as
// test/client/group-mls-interop.test.ts shows); an insider needs nothing of the SDK to forge these messages.
const attackerSuite: CiphersuiteImpl = await getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHERSUITE), nobleCryptoProvider);
const stateOf = (g: MlsGroup) => (g as unknown as { state: ClientState }).state;
const ids = (g: MlsGroup) => g.members().map((m) => m.accountId).sort();
const expectCode = async (p: Promise<unknown>, code: GroupError['code']) => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(GroupError.is(e), String(e)).toBe(true);
  expect((e as GroupError).code, (e as GroupError).message).toBe(code);
};
const asMessage = (ev: GroupEvent) => {
  if (ev.kind !== 'message') throw new Error(`expected a message, got ${ev.kind}`);
  return ev;
};

let alice: Member, bob: Member, carol: Member, dave: Member, eve: Member;
let n = 0;
let conv: string;
beforeEach(async () => {
  n++;
  conv = `grp-${n}`;
  alice = makeMember(`alice${n}`);
  bob = makeMember(`bob${n}`);
  carol = makeMember(`carol${n}`);
  dave = makeMember(`dave${n}`);
  eve = makeMember(`eve${n}`);
  await makeGroup(conv, alice, [bob, carol]);
});

describe('the server cannot add a member that no member committed', () => {
  it("a silent participant receives every ciphertext and reads none of them", async () => {
    const sent = await alice.group!.send(text('for members only'));
    // The server hands eve the group's ciphertext and a group of her own with the same id and epoch.
    eve.group = await MlsGroup.create(conv, eve.me, opts);
    await eve.group.add([await keyPackage(dave)]);
    eve.group.confirmCommit(); // eve's forged group is now at epoch 1, like the real one
    await expectCode(eve.group.receive(sent.message), 'decrypt_failed'); // different epoch authenticator: another group
    const lone = await MlsGroup.create(conv, makeMember(`eve2-${n}`).me, opts); // or still at epoch 0
    await expectCode(lone.receive(sent.message), 'future_epoch');
    for (const m of [alice, bob, carol]) expect(ids(m.group!)).not.toContain(eve.me.accountId);
  });

  it('nothing from the silent participant is shown: her messages and commits are refused by every member', async () => {
    eve.group = await MlsGroup.create(conv, eve.me, opts);
    await eve.group.add([await keyPackage(dave)]).then(() => eve.group!.confirmCommit());
    const forged = await eve.group.send(text('I am in your group'));
    // Another epoch authenticator that no member's keys open proves nothing: dropped, the group is not marked forked.
    for (const m of [bob, carol]) {
      await expectCode(m.group!.receive(forged.message), 'decrypt_failed');
      expect(m.group!.fork).toBeUndefined();
    }
    // A commit by eve adding herself "from inside" the group: sender leaf 0 (alice's) but eve's signature.
    const eveCommit = await eve.group.add([await keyPackage(makeMember(`x${n}`))]);
    // Same epoch number, but not made with the group's membership key: refused (RFC 9420 §6.2 membership_tag).
    for (const m of [bob, carol]) await expectCode(m.group!.receive(eveCommit.commit), 'decrypt_failed');
    for (const m of [alice, bob, carol]) expect(ids(m.group!)).toEqual([alice, bob, carol].map((x) => x.me.accountId).sort());
  });

  it('a member without the admin role cannot add anyone: every client refuses the Commit, state unchanged', async () => {
    const epoch = alice.group!.epoch;
    // bob's own client refuses to build it...
    await expectCode(bob.group!.add([await keyPackage(eve)]), 'not_authorized');
    // ...and a modified client that builds it anyway is refused by every honest member.
    const forged = await forceCommit(bob, [{ proposalType: 'add', add: { keyPackage: (await generateGroupKeyPackage(eve.me)).publicPackage } }]);
    for (const m of [alice, carol]) {
      await expectCode(m.group!.receive(forged), 'not_authorized');
      expect(m.group!.epoch).toBe(epoch);
      expect(ids(m.group!)).not.toContain(eve.me.accountId);
    }
    // The group still works at the old epoch.
    const ok = await alice.group!.send(text('still here'));
    expect(str(asMessage(await carol.group!.receive(ok.message)).opened.body)).toBe('still here');
  });

  it('a member cannot remove others, name admins or remove the creator', async () => {
    const bobLeaf = bob.group!.members().find((m) => m.accountId === carol.me.accountId)!.leaf;
    const rm = await forceCommit(bob, [{ proposalType: 'remove', remove: { removed: bobLeaf } }]);
    await expectCode(alice.group!.receive(rm), 'not_authorized');
    await expectCode(bob.group!.setRole(bob.me.accountId, 'admin'), 'not_authorized');
    // Even an admin cannot remove the creator.
    const named = await alice.group!.setRole(bob.me.accountId, 'admin');
    await deliverCommit(alice, named, [bob, carol]);
    expect(bob.group!.members().find((m) => m.accountId === bob.me.accountId)!.role).toBe('admin');
    const creatorLeaf = bob.group!.members().find((m) => m.accountId === alice.me.accountId)!.leaf;
    await expectCode(bob.group!.remove([alice.me.accountId]), 'not_authorized');
    const forged = await forceCommit(bob, [{ proposalType: 'remove', remove: { removed: creatorLeaf } }]);
    await expectCode(carol.group!.receive(forged), 'not_authorized');
  });

  it('a key package whose identity key is not the directory\'s is refused (the server cannot substitute keys)', async () => {
    // The server hands out a key package for dave made with a key of its own choosing.
    const fake = makeMember(dave.me.accountId, false); // same account id, other identity key, not in the directory
    await expectCode(alice.group!.add([await keyPackage(fake)]), 'bad_credential');
    // An account the client has no identity key for at all is refused too.
    const ghost = makeMember(`ghost${n}`, false);
    await expectCode(alice.group!.add([await keyPackage(ghost)]), 'bad_credential');
    // A modified committer that adds the fake anyway: every receiving client refuses the Commit.
    const gullible = MlsGroup.deserialize(alice.group!.serialize(), alice.me, {
      resolveIdentity: (id) => (id === fake.me.accountId ? fake.me.identity.signingPublicKey : directory.get(id)),
    });
    const forged = await gullible.add([await keyPackage(fake)]);
    await expectCode(bob.group!.receive(forged.commit), 'bad_credential');
    await expectCode(MlsGroup.join(forged.welcome!, fake.me, (ref) => fake.kps.get(ref), opts), 'bad_credential');
    expect(alice.group!.hasPendingCommit).toBe(false);
  });

  it('a Welcome for another client is useless to eve', async () => {
    const p = await alice.group!.add([await keyPackage(dave)]);
    await expectCode(MlsGroup.join(p.welcome!, eve.me, (ref) => eve.kps.get(ref), opts), 'not_a_member');
    // Even with dave's public key package (from the directory), eve lacks its private keys.
    const stolen = [...dave.kps.values()][0]!;
    const eveKp = await generateGroupKeyPackage(eve.me);
    await expectCode(MlsGroup.join(p.welcome!, eve.me, () => ({ publicPackage: stolen.publicPackage, privatePackage: eveKp.privatePackage }), opts), 'decrypt_failed');
  });
});

describe('different memberships shown to different members are detected, never silently accepted', () => {
  it('two commits for one epoch delivered to different members: the fork is reported on both sides', async () => {
    const named = await alice.group!.setRole(bob.me.accountId, 'admin');
    await deliverCommit(alice, named, [bob, carol]);
    // alice (creator) adds dave; bob (admin) removes carol — both for the same epoch. The relay shows
    // alice's commit to carol and bob's to nobody else (bob applies his own).
    const byAlice = await alice.group!.add([await keyPackage(dave)]);
    const byBob = await bob.group!.remove([carol.me.accountId]);
    alice.group!.confirmCommit();
    bob.group!.confirmCommit();
    await carol.group!.receive(byAlice.commit);
    await join(dave, byAlice.welcome!);
    expect(alice.group!.epoch).toBe(bob.group!.epoch);
    expect(alice.group!.epochAuthenticator).not.toEqual(bob.group!.epochAuthenticator);
    // bob writes; alice's side sees the same epoch number with another authenticator. Her keys do not open it, so it
    // authenticates nothing (anyone could have edited the tag): dropped, not yet a fork (§12.7).
    const fromBob = await bob.group!.send(text('am I alone?'));
    await expectCode(alice.group!.receive(fromBob.message), 'decrypt_failed');
    expect(alice.group!.fork).toBeUndefined();
    // The other branch's Commit, signed by bob (a member of that epoch), is the proof: a fork on both sides, not applied.
    const forkEpoch = alice.group!.epoch - 1;
    for (const m of [alice, carol]) {
      await expectCode(m.group!.receive(byBob.commit), 'fork');
      expect(m.group!.fork).toBe(forkEpoch);
      await expectCode(m.group!.send(text('x')), 'fork'); // no more sending into a forked group
    }
    await expectCode(bob.group!.receive(byAlice.commit), 'fork');
    expect(bob.group!.fork).toBe(forkEpoch);
    expect(ids(carol.group!)).toContain(carol.me.accountId);
  });

  it('a Commit for a past epoch that no member signed is dropped: no fork, state unchanged, sending goes on', async () => {
    // The group moves on to epoch 2; then the relay (or anyone) delivers another "Commit for epoch 1": built in a group
    // of eve's with the same group id, sent from leaf 0 — alice's leaf in the real group — but signed by eve.
    const named = await alice.group!.setRole(bob.me.accountId, 'admin');
    await deliverCommit(alice, named, [bob, carol]);
    eve.group = await MlsGroup.create(conv, eve.me, opts);
    await eve.group.add([await keyPackage(dave)]).then(() => eve.group!.confirmCommit());
    const junk = await eve.group.add([await keyPackage(makeMember(`y${n}`))]);
    expect(junk.epoch).toBe(1);
    for (const m of [alice, bob, carol]) {
      const before = m.group!.serialize();
      await expectCode(m.group!.receive(junk.commit), 'decrypt_failed');
      expect(m.group!.fork).toBeUndefined();
      expect(m.group!.serialize()).toEqual(before);
    }
    // Junk for the current epoch and for a future one changes nothing either; nobody stops sending.
    eve.group.confirmCommit();
    const current = await eve.group.update();
    expect(current.epoch).toBe(alice.group!.epoch);
    eve.group.confirmCommit();
    const future = await eve.group.update();
    expect(future.epoch).toBe(alice.group!.epoch + 1);
    const before = alice.group!.serialize();
    await expectCode(alice.group!.receive(current.commit), 'decrypt_failed');
    await expectCode(alice.group!.receive(future.commit), 'future_epoch');
    expect(alice.group!.serialize()).toEqual(before);
    const ok = await alice.group!.send(text('still one group'));
    expect(str(asMessage(await bob.group!.receive(ok.message)).opened.body)).toBe('still one group');
  });
});

describe('removed and new members', () => {
  it('a removed member decrypts nothing sent after the removing commit, and cannot send', async () => {
    const p = await alice.group!.remove([bob.me.accountId]);
    await deliverCommit(alice, p, [bob, carol]);
    expect(bob.group!.active).toBe(false);
    const after = await alice.group!.send(text('bob must not read this'));
    await expect(bob.group!.receive(after.message)).rejects.toBeInstanceOf(GroupError);
    await expectCode(bob.group!.send(text('let me back')), 'not_a_member');
    expect(str(asMessage(await carol.group!.receive(after.message)).opened.body)).toBe('bob must not read this');
  });

  it('a removed member the relay never told still decrypts nothing new', async () => {
    const p = await alice.group!.remove([bob.me.accountId]);
    await deliverCommit(alice, p, [carol]); // bob never gets the commit
    const after = await carol.group!.send(text('after removal'));
    const before = bob.group!.serialize();
    await expectCode(bob.group!.receive(after.message), 'future_epoch');
    // An unauthenticated newer epoch changes nothing in bob's state (anyone can announce one, §12.7); an honest
    // relay refuses bob's sends for the stale epoch (stale_epoch) and his client then fetches the missing Commit.
    expect(bob.group!.serialize()).toEqual(before);
  });

  it('a new member reads nothing sent before its Welcome', async () => {
    const before = await alice.group!.send(text('before dave'));
    const p = await alice.group!.add([await keyPackage(dave)]);
    await deliverCommit(alice, p, [bob, carol]);
    await join(dave, p.welcome!);
    await expectCode(dave.group!.receive(before.message), 'stale_epoch');
    const after = await alice.group!.send(text('welcome dave'));
    expect(str(asMessage(await dave.group!.receive(after.message)).opened.body)).toBe('welcome dave');
  });

  it('leaving: the member proposes, any member commits it, the leaver reads nothing afterwards', async () => {
    const proposal = await carol.group!.proposeLeave();
    const ev = await bob.group!.receive(proposal);
    expect(ev).toMatchObject({ kind: 'leave_request', accountId: carol.me.accountId });
    await alice.group!.receive(proposal);
    const p = await bob.group!.commitLeaves(); // bob is a plain member: committing a leave is allowed
    bob.group!.confirmCommit();
    const seen = await alice.group!.receive(p.commit);
    expect(seen).toMatchObject({ kind: 'membership', by: bob.me.accountId, removed: [carol.me.accountId] });
    await carol.group!.receive(p.commit);
    expect(carol.group!.active).toBe(false);
    const after = await alice.group!.send(text('carol left'));
    await expect(carol.group!.receive(after.message)).rejects.toBeInstanceOf(GroupError);
  });

  it('a forged leave (a member proposing to remove someone else) is refused', async () => {
    const s = stateOf(bob.group!);
    const { createProposal } = await import('ts-mls');
    const carolLeaf = bob.group!.members().find((m) => m.accountId === carol.me.accountId)!.leaf;
    const r = await createProposal(s, true, { proposalType: 'remove', remove: { removed: carolLeaf } }, attackerSuite);
    await expectCode(alice.group!.receive(encodeMlsMessage(r.message)), 'not_authorized');
  });
});

describe('replayed, reordered and dropped commits', () => {
  it('a replayed commit changes nothing', async () => {
    const p = await alice.group!.add([await keyPackage(dave)]);
    await deliverCommit(alice, p, [bob, carol]);
    const epoch = bob.group!.epoch;
    expect(await bob.group!.receive(p.commit)).toEqual({ kind: 'duplicate', epoch: epoch - 1 });
    expect(bob.group!.epoch).toBe(epoch);
  });

  it('reordered commits: the later one waits (future_epoch), then both apply and members agree', async () => {
    const p1 = await alice.group!.add([await keyPackage(dave)]);
    alice.group!.confirmCommit();
    const p2 = await alice.group!.setRole(carol.me.accountId, 'admin');
    alice.group!.confirmCommit();
    await expectCode(bob.group!.receive(p2.commit), 'future_epoch');
    await bob.group!.receive(p1.commit);
    await bob.group!.receive(p2.commit);
    expect(bob.group!.epochAuthenticator).toEqual(alice.group!.epochAuthenticator);
    const ok = await bob.group!.send(text('caught up'));
    expect(asMessage(await alice.group!.receive(ok.message)).senderId).toBe(bob.me.accountId);
  });

  it('a replayed application message is refused the second time', async () => {
    const s = await alice.group!.send(text('once'));
    await bob.group!.receive(s.message);
    await expect(bob.group!.receive(s.message)).rejects.toBeInstanceOf(GroupError);
  });

  it('state survives serialization, including fork and epoch knowledge', async () => {
    const restored = MlsGroup.deserialize(bob.group!.serialize(), bob.me, opts);
    const s = await alice.group!.send(text('after restore'));
    expect(str(asMessage(await restored.receive(s.message)).opened.body)).toBe('after restore');
    expect(restored.epochAuthenticator).toEqual(bob.group!.epochAuthenticator);
  });
});

describe('sender binding inside MLS: unreportable group messages are dropped', () => {
  /** What a modified client could send: any payload, any AD, under real MLS keys. */
  async function raw(m: Member, payload: Uint8Array, commitment: Uint8Array): Promise<Uint8Array> {
    const g = m.group!;
    const tags = (g as unknown as { tags: Map<number, Uint8Array> }).tags;
    const r = await createApplicationMessage(stateOf(g), payload, attackerSuite, encodeGroupAd(commitment, tags.get(g.epoch)!));
    (g as unknown as { state: ClientState }).state = r.newState;
    return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage });
  }

  it('a commitment in the AD that the payload does not open: commitment_mismatch', async () => {
    const f = frankMessage({ conversationId: conv, senderId: bob.me.accountId, seq: 1, epoch: bob.group!.epoch }, text('abuse'));
    const other = frankMessage({ conversationId: conv, senderId: bob.me.accountId, seq: 1, epoch: bob.group!.epoch }, text('hello'));
    await expectCode(alice.group!.receive(await raw(bob, f.payload, other.commitment)), 'commitment_mismatch');
  });

  it('a header naming another sender, conversation or epoch than MLS says: header_mismatch', async () => {
    const epoch = bob.group!.epoch;
    for (const input of [
      { conversationId: conv, senderId: carol.me.accountId, seq: 1, epoch },
      { conversationId: 'other-group', senderId: bob.me.accountId, seq: 1, epoch },
      { conversationId: conv, senderId: bob.me.accountId, seq: 1, epoch: epoch + 1 },
      { conversationId: conv, senderId: bob.me.accountId, seq: 1 }, // a 1:1 (version 1) header
    ]) {
      const f = frankMessage(input, text('spoof'));
      await expectCode(alice.group!.receive(await raw(bob, f.payload, f.commitment)), 'header_mismatch');
    }
  });

  it('changing the AD in transit breaks MLS authentication: decrypt_failed', async () => {
    const s = await alice.group!.send(text('hi'));
    const tampered = s.message.slice();
    const at = indexOf(tampered, s.commitment);
    tampered[at] = (tampered[at] as number) ^ 1;
    await expectCode(bob.group!.receive(tampered), 'decrypt_failed');
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('not found');
}

/** A commit built by a modified client that skips its own role checks. */
async function forceCommit(m: Member, proposals: Proposal[]): Promise<Uint8Array> {
  const { createCommit } = await import('ts-mls');
  const r = await createCommit({ state: stateOf(m.group!), cipherSuite: attackerSuite }, { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true });
  return encodeMlsMessage(r.commit);
}

it('the directory the harness uses is the one the members resolve', () => {
  expect(directory.get(alice.me.accountId)).toEqual(alice.me.identity.signingPublicKey);
});
