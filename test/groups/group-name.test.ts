// The group's name (docs/PROTOCOL.md §12.11): a franked, MLS-encrypted group-info message; a rename carries
// "rename": true; receivers apply it only from the creator or an admin, by the roles of the MLS state in which
// they opened it. Real MLS groups (test/groups/_mls-harness.ts), the chat's own parsing and rule
// (chat/src/groups.ts), and a member who tries anyway.
import { describe, expect, it } from 'vitest';
import { GROUP_INFO_TYPE, groupInfo, mayNameGroup } from '../../chat/src/groups/index.ts';
import type { MlsGroup } from '../../client/group/index.ts';
import { type Member, deliverCommit, makeGroup, makeMember, text } from './_mls-harness.ts';

/** What a receiver does with a group-info message: the name it would show, or null when it refuses it (§12.11). */
async function receiveName(sender: Member, receiver: Member, body: string): Promise<{ name: string; rename: boolean } | null> {
  const sent = await (sender.group as MlsGroup).send(text(body), { contentType: GROUP_INFO_TYPE });
  const ev = await (receiver.group as MlsGroup).receive(sent.message);
  if (ev.kind !== 'message') throw new Error(`expected a message, got ${ev.kind}`);
  expect(ev.opened.header.contentType).toBe(GROUP_INFO_TYPE);
  const info = groupInfo(ev.opened.body);
  if (!info) throw new Error('not a group-info body');
  const role = (receiver.group as MlsGroup).members().find((m) => m.accountId === ev.senderId)?.role;
  return mayNameGroup(role) ? info : null;
}

describe('group name and rename', () => {
  it('the body says whether it names or renames; the name is cut at 60 characters; other bodies are not group info', () => {
    expect(groupInfo(text(JSON.stringify({ name: 'Climbing crew' })))).toEqual({ name: 'Climbing crew', rename: false });
    expect(groupInfo(text(JSON.stringify({ name: 'Bouldering', rename: true })))).toEqual({ name: 'Bouldering', rename: true });
    expect(groupInfo(text(JSON.stringify({ name: 'x'.repeat(80), rename: 'yes' })))).toEqual({ name: 'x'.repeat(60), rename: false });
    expect(groupInfo(text('{"title":"no name"}'))).toBeNull();
    expect(groupInfo(text('not json'))).toBeNull();
  });

  it('the creator renames; a plain member is refused by every receiver; once made admin, the member may', async () => {
    const alice = makeMember('name-alice');
    const bob = makeMember('name-bob');
    const carol = makeMember('name-carol');
    await makeGroup('conv-group-name', alice, [bob, carol]);

    expect(await receiveName(alice, carol, JSON.stringify({ name: 'Climbing crew' }))).toEqual({ name: 'Climbing crew', rename: false });
    expect(await receiveName(alice, bob, JSON.stringify({ name: 'Bouldering', rename: true }))).toEqual({ name: 'Bouldering', rename: true });

    // bob is a member: his client would not offer it, but a modified client can send it; carol and alice refuse it.
    expect(await receiveName(bob, carol, JSON.stringify({ name: 'Bob rules', rename: true }))).toBeNull();
    expect(await receiveName(bob, alice, JSON.stringify({ name: 'Bob rules', rename: true }))).toBeNull();

    // The creator makes bob an admin (a signed Commit every member checks); then his rename counts.
    const pending = await (alice.group as MlsGroup).setRole(bob.me.accountId, 'admin');
    await deliverCommit(alice, pending, [bob, carol]);
    expect(await receiveName(bob, carol, JSON.stringify({ name: 'Crag crew', rename: true }))).toEqual({ name: 'Crag crew', rename: true });

    // … and when it is taken back, it no longer does.
    const back = await (alice.group as MlsGroup).setRole(bob.me.accountId, 'member');
    await deliverCommit(alice, back, [bob, carol]);
    expect(await receiveName(bob, carol, JSON.stringify({ name: 'Bob again', rename: true }))).toBeNull();
  });

  it('a message from unknown or missing roles is refused', () => {
    expect(mayNameGroup(undefined)).toBe(false);
    expect(mayNameGroup('member')).toBe(false);
    expect(mayNameGroup('admin')).toBe(true);
    expect(mayNameGroup('creator')).toBe(true);
  });
});
