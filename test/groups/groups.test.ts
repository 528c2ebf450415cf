// MLS groups on the real server (docs/PROTOCOL.md §12): key packages from the directory (once each, then the
// last resort), membership only by Commits the relay orders (first for an epoch wins), the relay following
// the roster from them, ONE stored ciphertext per message with one stamp per member, reports from groups
// verifying like 1:1 reports with the group and epoch visible to the moderator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../client/protocol.ts';
import { generateGroupKeyPackage } from '../../client/group/index.ts';
import { KIND_MLS_CREDENTIAL } from '../../client/transparency/index.ts';
import { ApiError } from '../../client/transport/api.ts';
import { type TestServer, api, startTestServer } from '../server/_harness.ts';
import { ServerMember, isStale } from './_server-member.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => srv?.stop());

let n = 0;
const member = (name: string, kps = 3) => ServerMember.create(`${name}-${++n}`, srv.url, kps);
const messages = (r: Awaited<ReturnType<ServerMember['sync']>>) =>
  r.flatMap((x) => (x.event.kind === 'message' ? [{ from: x.event.senderId, text: new TextDecoder().decode(x.event.opened.body), epoch: x.event.epoch }] : []));
const count = async (table: 'groupMessage' | 'groupDelivery', where: Record<string, unknown>) =>
  (srv.services.db as unknown as Record<string, { count(a: unknown): Promise<number> }>)[table]!.count({ where });

describe('key packages in the key directory', () => {
  it('are handed out once each, then the last-resort package forever', async () => {
    const bob = await member('kp-bob', 2);
    const alice = await member('kp-alice');
    expect(await bob.api.countKeyPackages()).toEqual({ oneTime: 2, lastResort: true });
    const got = [await alice.api.claimKeyPackage(bob.id), await alice.api.claimKeyPackage(bob.id), await alice.api.claimKeyPackage(bob.id), await alice.api.claimKeyPackage(bob.id)];
    expect(got.map((g) => g.lastResort)).toEqual([false, false, true, true]);
    expect(toBase64Url(got[0]!.keyPackage)).not.toBe(toBase64Url(got[1]!.keyPackage));
    expect(toBase64Url(got[2]!.keyPackage)).toBe(toBase64Url(got[3]!.keyPackage));
    expect(await bob.api.countKeyPackages()).toEqual({ oneTime: 0, lastResort: true });
  });

  it('logs the credential key of published packages in the key-transparency log, once per key', async () => {
    const dave = await member('kp-dave', 3); // 3 one-time packages + a last resort, all under one credential key
    const leaves = () => count('ktLeaf' as 'groupMessage', { accountId: dave.id, kind: KIND_MLS_CREDENTIAL });
    expect(await leaves()).toBe(1);
    await dave.api.publishKeyPackages([(await generateGroupKeyPackage(dave.me)).bytes]);
    expect(await leaves()).toBe(1); // the same key again: no second binding
    const proof = await srv.services.transparency.proveBinding(dave.id, KIND_MLS_CREDENTIAL, dave.me.credentialKey.publicKey);
    expect(await leaves()).toBe(1); // proven from the log as published, nothing appended to prove it
    expect(proof.leafIndex).toBeGreaterThanOrEqual(0);
  });

  it('refuses key packages not bound to the account\'s registered identity key, or naming another account', async () => {
    const bob = await member('kp-bob2');
    const carol = await member('kp-carol2');
    const other = { ...bob.me, identity: carol.me.identity }; // signed by another identity key
    const e1 = await bob.api.publishKeyPackages([(await generateGroupKeyPackage(other)).bytes]).catch((e: unknown) => e);
    expect(ApiError.is(e1, 'invalid_key_package')).toBe(true);
    const e2 = await bob.api.publishKeyPackages([(await generateGroupKeyPackage(carol.me)).bytes]).catch((e: unknown) => e);
    expect(ApiError.is(e2, 'invalid_key_package')).toBe(true);
    const garbage = await api(srv.url, 'PUT', '/v1/key-packages', { keyPackages: ['AAAA'] }, (bob.api as unknown as { tokenValue: string }).tokenValue);
    expect(garbage.status).toBe(400);
    expect(garbage.json.code).toBe('invalid_key_package');
    const none = await bob.api.claimKeyPackage('nobody-here').catch((e: unknown) => e);
    expect(ApiError.is(none, 'not_found')).toBe(true);
  });
});

describe('membership only by Commits, ordered by the relay', () => {
  it('create, add, send, remove: the relay follows the roster; one ciphertext per message, one stamp per member', async () => {
    const [alice, bob, carol, dave] = await Promise.all([member('alice'), member('bob'), member('carol'), member('dave')]);
    const conv = await alice.createGroup();
    expect((await alice.api.roster(conv)).members.map((m) => m.accountId)).toEqual([alice.id]);
    const added = await alice.add(conv, [bob.id, carol.id, dave.id]);
    expect(added.change).toMatchObject({ added: [bob.id, carol.id, dave.id].sort(), by: alice.id });
    for (const m of [bob, carol, dave]) expect((await m.sync()).map((r) => r.event.kind)).toEqual(['joined']);
    const roster = await bob.api.roster(conv);
    expect(roster.epoch).toBe(1);
    expect(roster.members.map((m) => m.accountId).sort()).toEqual([alice.id, bob.id, carol.id, dave.id].sort());

    const sent = await bob.send(conv, 'hello group');
    expect(sent.sent.stamp).toMatchObject({ role: 'sender', senderId: bob.id, recipientId: bob.id, conversationId: conv });
    // §12.8: ONE ciphertext stored, one delivery per other member.
    expect(await count('groupMessage', { id: sent.sent.messageId })).toBe(1);
    expect(await count('groupDelivery', { messageId: sent.sent.messageId })).toBe(3);
    for (const m of [alice, carol, dave]) {
      const r = await m.sync();
      expect(messages(r)).toEqual([{ from: bob.id, text: 'hello group', epoch: 1 }]);
      expect(r[0]!.item.stamp).toMatchObject({ recipientId: m.id, role: 'recipient', messageId: sent.sent.messageId });
    }
    expect(await count('groupMessage', { id: sent.sent.messageId })).toBe(0); // gone with its last delivery

    const removed = await alice.commit(conv, await alice.group(conv).remove([carol.id]));
    expect(removed.sent.epoch).toBe(2);
    expect((await carol.sync())[0]!.event).toMatchObject({ kind: 'membership', selfRemoved: true, by: alice.id });
    for (const m of [bob, dave]) expect((await m.sync())[0]!.event).toMatchObject({ kind: 'membership', removed: [carol.id], by: alice.id });
    expect((await alice.api.roster(conv)).members.map((m) => m.accountId).sort()).toEqual([alice.id, bob.id, dave.id].sort());
    // The relay refuses the removed member, and delivers her nothing new.
    const e = await carol.api.sendGroupMessage(conv, sent.message).catch((x: unknown) => x);
    expect(ApiError.is(e, 'not_found')).toBe(true);
    await dave.send(conv, 'after carol');
    expect(await carol.sync()).toEqual([]);
    expect(messages(await alice.sync())).toEqual([{ from: dave.id, text: 'after carol', epoch: 2 }]);
  });

  it('two admins commit for the same epoch: the first wins, the second gets stale_epoch, catches up and retries', async () => {
    const [alice, bob, carol, dave] = await Promise.all([member('race-a'), member('race-b'), member('race-c'), member('race-d')]);
    const conv = await alice.createGroup();
    await alice.add(conv, [bob.id, carol.id]);
    await bob.sync();
    await carol.sync();
    await alice.commit(conv, await alice.group(conv).setRole(bob.id, 'admin'));
    await bob.sync();
    await carol.sync();
    const pendingByBob = await bob.group(conv).add([(await bob.api.claimKeyPackage(dave.id)).keyPackage]);
    await alice.commit(conv, await alice.group(conv).remove([carol.id])); // alice first
    const e = await bob.commit(conv, pendingByBob).catch((x: unknown) => x);
    expect(isStale(e)).toBe(true);
    expect(bob.group(conv).hasPendingCommit).toBe(false);
    // An application message of the stale epoch is refused too: nobody encrypts under it for long.
    const stale = await bob.group(conv).send(new TextEncoder().encode('old epoch'));
    expect(isStale(await bob.api.sendGroupMessage(conv, stale.message).catch((x: unknown) => x))).toBe(true);
    await bob.sync();
    expect(bob.group(conv).epoch).toBe(alice.group(conv).epoch);
    await bob.add(conv, [dave.id]);
    await dave.sync();
    await alice.sync();
    expect(dave.group(conv).epochAuthenticator).toEqual(alice.group(conv).epochAuthenticator);
  });

  it('removing an admin: refused while an admin, then the creator demotes and removes in two Commits every member applies', async () => {
    const [alice, bob, carol] = await Promise.all([member('rmadm-a'), member('rmadm-b'), member('rmadm-c')]);
    const conv = await alice.createGroup();
    await alice.add(conv, [bob.id, carol.id]);
    await bob.sync();
    await carol.sync();
    await alice.commit(conv, await alice.group(conv).setRole(bob.id, 'admin'));
    await bob.sync();
    await carol.sync();
    const epoch = alice.group(conv).epoch;
    // One Commit with the Remove and the roles change could not be processed by any receiver (docs/PROTOCOL.md §12.5):
    // it is not built at all, and the group has not moved.
    await expect(alice.group(conv).remove([bob.id])).rejects.toMatchObject({ code: 'bad_state' });
    expect(alice.group(conv).hasPendingCommit).toBe(false);
    expect((await alice.api.roster(conv)).epoch).toBe(epoch);
    await alice.commit(conv, await alice.group(conv).setRole(bob.id, 'member'));
    await alice.commit(conv, await alice.group(conv).remove([bob.id]));
    expect((await carol.sync()).map((r) => r.event)).toMatchObject([{ kind: 'membership' }, { kind: 'membership', removed: [bob.id], by: alice.id }]);
    expect((await bob.sync()).map((r) => r.event)).toMatchObject([{ kind: 'membership' }, { kind: 'membership', selfRemoved: true, by: alice.id }]);
    expect(carol.group(conv).roles.admins).toEqual([]);
    expect(carol.group(conv).epochAuthenticator).toEqual(alice.group(conv).epochAuthenticator);
    await carol.send(conv, 'after bob');
    expect(messages(await alice.sync())).toEqual([{ from: carol.id, text: 'after bob', epoch: epoch + 2 }]);
  });

  it('the relay refuses what does not fit: another group\'s message, a forged sender leaf, a Commit without its Welcome, replays', async () => {
    const [alice, bob, carol] = await Promise.all([member('ref-a'), member('ref-b'), member('ref-c')]);
    const conv = await alice.createGroup();
    const other = await alice.createGroup();
    await alice.add(conv, [bob.id]);
    await bob.sync();
    const s = await alice.group(conv).send(new TextEncoder().encode('x'));
    expect((await alice.api.sendGroupMessage(other, s.message).catch((x: unknown) => x)) as ApiError).toMatchObject({ code: 'validation_failed' });
    // bob uploads alice's commit as his own: the sender leaf is not his.
    const p = await alice.group(conv).add([(await alice.api.claimKeyPackage(carol.id)).keyPackage]);
    expect(await bob.api.sendGroupMessage(conv, p.commit, p.welcome).catch((x: unknown) => x)).toMatchObject({ code: 'not_a_member' });
    expect(await alice.api.sendGroupMessage(conv, p.commit).catch((x: unknown) => x)).toMatchObject({ code: 'validation_failed' });
    await alice.commit(conv, p);
    expect(isStale(await alice.api.sendGroupMessage(conv, p.commit, p.welcome).catch((x: unknown) => x))).toBe(true);
    const bad = await api(srv.url, 'POST', `/v1/groups/${conv}/messages`, { message: 'not-mls' }, (alice.api as unknown as { tokenValue: string }).tokenValue);
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('validation_failed');
  });

  it('leaving: a self-Remove proposal through the relay, committed by another member; the relay stops delivering', async () => {
    const [alice, bob, carol] = await Promise.all([member('leave-a'), member('leave-b'), member('leave-c')]);
    const conv = await alice.createGroup();
    await alice.add(conv, [bob.id, carol.id]);
    await bob.sync();
    await carol.sync();
    await carol.api.sendGroupMessage(conv, await carol.group(conv).proposeLeave());
    expect((await bob.sync())[0]!.event).toMatchObject({ kind: 'leave_request', accountId: carol.id });
    await alice.sync();
    const c = await bob.commit(conv, await bob.group(conv).commitLeaves());
    expect(c.change).toMatchObject({ removed: [carol.id], by: bob.id });
    expect((await alice.sync())[0]!.event).toMatchObject({ kind: 'membership', removed: [carol.id], by: bob.id });
    expect((await alice.api.roster(conv)).members.map((m) => m.accountId).sort()).toEqual([alice.id, bob.id].sort());
  });
});

describe('block lists in MLS groups', () => {
  it('a member who blocked the sender gets no copy of its messages; Commits still reach everyone', async () => {
    const [alice, bob, carol] = await Promise.all([member('blk-a'), member('blk-b'), member('blk-c')]);
    const conv = await alice.createGroup();
    await alice.add(conv, [bob.id, carol.id]);
    await bob.sync();
    await carol.sync();
    await api(srv.url, 'PUT', `/v1/blocks/${alice.id}`, undefined, (bob.api as unknown as { tokenValue: string }).tokenValue);
    const sent = await alice.send(conv, 'bob blocked me');
    expect(await count('groupDelivery', { messageId: sent.sent.messageId })).toBe(1);
    expect(messages(await carol.sync())).toEqual([{ from: alice.id, text: 'bob blocked me', epoch: 1 }]);
    expect(await bob.sync()).toEqual([]);
    await alice.commit(conv, await alice.group(conv).update());
    expect((await bob.sync())[0]!.event).toMatchObject({ kind: 'membership', by: alice.id });
  });
});

describe('a malicious server adding a silent member', () => {
  it('the server writes eve into its roster: she gets the ciphertexts, reads nothing, and nothing of hers is shown', async () => {
    const [alice, bob, eve] = await Promise.all([member('silent-a'), member('silent-b'), member('silent-e')]);
    const conv = await alice.createGroup();
    await alice.add(conv, [bob.id]);
    await bob.sync();
    // The "server" adds eve behind everyone's back (a row in its routing roster, no Commit).
    // The relay routes per leaf (docs/PROTOCOL-devices.md D14.2), so the lie is a member row plus a leaf for her device 1.
    const db = srv.services.db as unknown as {
      conversationMember: { create(a: unknown): Promise<unknown> };
      mlsGroupState: { findUnique(a: unknown): Promise<{ leaves: string }>; update(a: unknown): Promise<unknown> };
    };
    await db.conversationMember.create({ data: { conversationId: conv, accountId: eve.id } });
    const { leaves } = await db.mlsGroupState.findUnique({ where: { conversationId: conv } });
    await db.mlsGroupState.update({ where: { conversationId: conv }, data: { leaves: JSON.stringify([...(JSON.parse(leaves) as unknown[]), eve.id]) } });
    const sent = await alice.send(conv, 'members only');
    // No honest client encrypts to her: the members are what the Commits said.
    for (const m of [alice, bob]) expect(m.group(conv).members().map((x) => x.accountId)).not.toContain(eve.id);
    const got = await eve.sync();
    expect(got.map((r) => r.item.id)).toContain(sent.sent.messageId); // the relay delivered it to her...
    expect(got.every((r) => r.event.kind === 'dropped')).toBe(true); // ...and she could not open it
    // eve makes up a group of her own with the same id and writes "into" it: the relay routes it, members drop it.
    const { MlsGroup } = await import('../../client/group/index.ts');
    const fake = await MlsGroup.create(conv, eve.me, eve.opts);
    await fake.add([(await eve.api.claimKeyPackage(bob.id)).keyPackage]).then(() => fake.confirmCommit());
    const forged = await fake.send(new TextEncoder().encode('hi, I am in your group'));
    await eve.api.sendGroupMessage(conv, forged.message); // the relay only routes: it cannot tell
    const bobSaw = await bob.sync();
    expect(messages(bobSaw)).toEqual([{ from: alice.id, text: 'members only', epoch: 1 }]);
    const fromEve = bobSaw.filter((r) => r.item.senderId === eve.id);
    expect(fromEve).toHaveLength(1);
    // Same epoch, another group state that no member's keys open: dropped as unauthenticated; bob's group is not forked.
    expect(fromEve[0]!.event).toEqual({ kind: 'dropped', code: 'decrypt_failed' });
    expect(bob.group(conv).fork).toBeUndefined();
  });
});

describe('the operator injects a junk Commit through the database', () => {
  it('a Commit for a past epoch that no member signed is dropped by every member: no fork, state unchanged, sending goes on', async () => {
    const [alice, bob, eve] = await Promise.all([member('junk-a'), member('junk-b'), member('junk-e')]);
    const conv = await alice.createGroup();
    await alice.add(conv, [bob.id]);
    await bob.sync();
    await alice.commit(conv, await alice.group(conv).setRole(bob.id, 'admin')); // the group moves on to epoch 2
    await bob.sync();
    // eve (or the operator) builds a "Commit for epoch 1" in a group of her own with the same id, from leaf 0...
    const { MlsGroup } = await import('../../client/group/index.ts');
    const fake = await MlsGroup.create(conv, eve.me, eve.opts);
    await fake.update().then(() => fake.confirmCommit());
    const junk = await fake.update();
    expect(junk.epoch).toBe(1);
    // ...and the operator writes it straight into both members' inboxes, as if alice had sent it.
    const db = srv.services.db as unknown as { groupMessage: { create(a: unknown): Promise<unknown> } };
    const now = Date.now();
    await db.groupMessage.create({
      data: {
        id: `junk-${n}`, conversationId: conv, senderId: alice.id, kind: 'commit', epoch: 1n, ciphertext: junk.commit, serverTime: BigInt(now), expiresAt: new Date(now + 86_400_000),
        deliveries: { create: [alice.id, bob.id].map((recipientId) => ({ recipientId, serverTime: BigInt(now), expiresAt: new Date(now + 86_400_000) })) },
      },
    });
    for (const m of [alice, bob]) {
      const before = m.group(conv).serialize();
      const got = await m.sync();
      expect(got.map((r) => r.event)).toEqual([{ kind: 'dropped', code: 'decrypt_failed' }]);
      expect(m.group(conv).fork).toBeUndefined();
      expect(m.group(conv).serialize()).toEqual(before);
    }
    await alice.send(conv, 'still one group');
    expect(messages(await bob.sync())).toEqual([{ from: alice.id, text: 'still one group', epoch: 2 }]);
  });
});

describe('reports from a group verify exactly like 1:1 reports', () => {
  it('any member reports with its own stamp; context completeness per sender; the moderator sees group and epoch', async () => {
    const [alice, bob, carol, erin] = await Promise.all([member('rep-a'), member('rep-b'), member('rep-c'), member('rep-e')]);
    const conv = await alice.createGroup();
    await alice.add(conv, [bob.id, carol.id, erin.id]);
    for (const m of [bob, carol, erin]) await m.sync();
    const script: Array<[ServerMember, string]> = [[alice, 'a1'], [bob, 'b1'], [alice, 'a2'], [bob, 'b2'], [alice, 'a3 (abusive)'], [bob, 'b3'], [alice, 'a4']];
    for (const [who, text] of script) await who.send(conv, text);
    const inbox = await carol.sync();
    const got = inbox.filter((r) => r.event.kind === 'message');
    expect(got.map((r) => (r.event.kind === 'message' ? new TextDecoder().decode(r.event.opened.body) : ''))).toEqual(script.map(([, t]) => t));
    const item = (r: (typeof got)[number]) => {
      if (r.event.kind !== 'message') throw new Error('not a message');
      const o = r.event.opened;
      return { stamp: r.item.stamp, commitment: toBase64Url(o.commitment), fk: toBase64Url(o.fk), header: toBase64Url(o.headerBytes), body: toBase64Url(o.body) };
    };
    const by = (t: string) => got.find((r) => r.event.kind === 'message' && new TextDecoder().decode(r.event.opened.body) === t)!;
    const token = (m: ServerMember) => (m.api as unknown as { tokenValue: string }).tokenValue;
    const context = ['a1', 'a2', 'a4', 'b1', 'b3'].map((t) => item(by(t)));
    const r = await api<{ id: string; verdict: string; items: Array<{ verdict: string }>; context: { complete: boolean; senders: Array<Record<string, unknown>> } }>(
      srv.url, 'POST', '/v1/reports', { category: 'harassment', reported: item(by('a3 (abusive)')), context }, token(carol),
    );
    expect(r.status).toBe(201);
    expect(r.json.verdict).toBe('verified');
    expect(r.json.items.every((i) => i.verdict === 'verified')).toBe(true);
    const per = Object.fromEntries(r.json.context.senders.map((s) => [s.senderId as string, s]));
    expect(per[alice.id]).toMatchObject({ complete: true, missing: [] });
    expect(per[bob.id]).toMatchObject({ complete: false, missing: [2] });
    // The stored header of the verified item carries the group (conversation) and the epoch for the moderator.
    const stored = await (srv.services.db as unknown as { reportItem: { findFirst(a: unknown): Promise<{ headerJson: string | null }> } }).reportItem.findFirst({ where: { reportId: r.json.id, isReported: true } });
    expect(JSON.parse(stored.headerJson as string)).toMatchObject({ version: 2, conversationId: conv, epoch: 1, senderId: alice.id });
    // The moderator's report view shows the group and the epoch of each item (1:1 items would show null).
    const detail = await srv.services.moderation.detail(r.json.id);
    expect(detail.messages.map((m) => [m.conversationId, m.epoch])).toEqual(detail.messages.map(() => [conv, 1]));
        // erin's copy of the same message carries her stamp: she reports it herself; carol cannot use it.
    const erinGot = (await erin.sync()).find((x) => x.event.kind === 'message' && new TextDecoder().decode(x.event.opened.body) === 'a3 (abusive)')!;
    const erinItem = item(erinGot as (typeof got)[number]);
    expect((await api<{ verdict: string }>(srv.url, 'POST', '/v1/reports', { category: 'harassment', reported: erinItem }, token(erin))).json.verdict).toBe('verified');
    const wrong = await api<{ code: string }>(srv.url, 'POST', '/v1/reports', { category: 'harassment', reported: erinItem }, token(carol));
    expect(wrong.json.code === 'not_a_party' || (wrong.json as unknown as { verdict: string }).verdict === 'unverified').toBe(true);
  });
});
