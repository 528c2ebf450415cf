// The franking binding attacks of the 1:1 suite (test/franking/attacks.test.ts) re-run on MLS group messages
// (docs/PROTOCOL.md §12.4, §12.8): report items are built from what members really received — the opened
// franked payload of an MLS PrivateMessage and the per-member stamps the relay issues over the commitment it
// read from the MLS authenticated data — then mutated bit by bit, substituted, framed and misattributed.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FailureReason,
  Keyring,
  type ReportItem,
  type Role,
  computeStamp,
  encodeReportItem,
  verifyReportItem,
} from '../../client/protocol.ts';
import { inspectGroupWire } from '../../client/group/index.ts';
import { type Member, makeGroup, makeMember, text } from './_mls-harness.ts';

const NOW = Date.UTC(2026, 10, 26);
const WINDOW = 90 * 86_400_000;
const keyring = Keyring.create('kGroup', new Uint8Array(32).fill(5), NOW - 86_400_000);
const verify = (item: ReportItem | Uint8Array, reporterId: string) => verifyReportItem(item, keyring, reporterId, NOW, WINDOW);
const conv = 'grp-franking';

let alice: Member, bob: Member, carol: Member;
/** What each member received of each message: the opened payload and its own stamp. */
const received: Array<{ text: string; senderId: string; items: Map<string, ReportItem> }> = [];

/** The relay's part (§12.8): read c from the MLS AD, stamp it once per member plus the sender's own stamp. */
function relay(message: Uint8Array, senderId: string, members: string[], i: number) {
  const info = inspectGroupWire(message);
  if (info.kind !== 'application') throw new Error('expected an application message');
  const base = { messageId: `g-msg-${i}`, conversationId: info.conversationId, senderId, serverTime: NOW - 3_600_000 + i };
  const stamps = new Map(members.map((m) => [m, computeStamp(keyring, { ...base, recipientId: m, role: (m === senderId ? 'sender' : 'recipient') as Role }, info.commitment)]));
  return { stamps, commitment: info.commitment };
}

beforeAll(async () => {
  alice = makeMember('g-alice');
  bob = makeMember('g-bob');
  carol = makeMember('g-carol');
  await makeGroup(conv, alice, [bob, carol]);
  const all = [alice, bob, carol];
  const script: Array<[Member, string]> = [[alice, 'hello'], [bob, 'you are awful (abusive)'], [alice, 'please stop'], [bob, 'innocent']];
  for (const [i, [from, body]] of script.entries()) {
    const sent = await from.group!.send(text(body));
    const { stamps } = relay(sent.message, from.me.accountId, all.map((m) => m.me.accountId), i);
    const items = new Map<string, ReportItem>();
    // The sender's own item (role sender) from what it franked; every other member's from what it opened.
    items.set(from.me.accountId, { stamp: stamps.get(from.me.accountId)!, commitment: sent.commitment, fk: sent.franked.fk, header: sent.franked.headerBytes, body: text(body) });
    for (const m of all.filter((x) => x !== from)) {
      const ev = await m.group!.receive(sent.message);
      if (ev.kind !== 'message') throw new Error('not delivered');
      items.set(m.me.accountId, { stamp: stamps.get(m.me.accountId)!, commitment: ev.opened.commitment, fk: ev.opened.fk, header: ev.opened.headerBytes, body: ev.opened.body });
    }
    received.push({ text: body, senderId: from.me.accountId, items });
  }
});

const itemOf = (t: string, reporter: string) => received.find((r) => r.text === t)!.items.get(reporter)!;

/** Byte ranges of each field of an encoded item (PROTOCOL.md §8.1), as in the 1:1 suite. */
function fieldMap(item: ReportItem): Array<{ field: string; start: number; end: number }> {
  const out: Array<{ field: string; start: number; end: number }> = [];
  let at = 0;
  const add = (field: string, n: number) => {
    out.push({ field, start: at, end: at + n });
    at += n;
  };
  add('version', 1);
  for (const f of ['messageId', 'conversationId', 'senderId', 'recipientId'] as const) {
    add(`len:${f}`, 1);
    add(f, item.stamp[f].length);
  }
  add('role', 1);
  add('serverTime', 8);
  add('len:kid', 1);
  add('kid', item.stamp.kid.length);
  for (const f of ['tag', 'commitment', 'fk'] as const) add(f, 32);
  add('len:header', 2);
  add('header', item.header.length);
  add('len:body', 4);
  add('body', item.body.length);
  return out;
}

function allowedReasons(field: string, role: Role): FailureReason[] {
  if (field === 'version' || field === 'role' || field.startsWith('len:')) return ['malformed'];
  if (field === 'messageId' || field === 'conversationId' || field === 'serverTime') return ['malformed', 'stamp_invalid'];
  if (field === 'senderId') return role === 'sender' ? ['malformed'] : ['malformed', 'stamp_invalid'];
  if (field === 'recipientId') return role === 'sender' ? ['malformed'] : ['malformed', 'not_a_party'];
  if (field === 'kid') return ['malformed', 'unknown_key'];
  if (field === 'tag' || field === 'commitment') return ['stamp_invalid'];
  return ['commitment_mismatch']; // fk, header (including the epoch), body
}

describe('group report items verify exactly as 1:1 items do', () => {
  it('every member\'s copy of every message verifies for that member, and shows group and epoch', () => {
    for (const r of received)
      for (const [reporter, item] of r.items) {
        const v = verify(item, reporter);
        expect(v.reason, `${r.text} by ${reporter}`).toBe('verified');
        if (v.ok) expect(v.header).toMatchObject({ version: 2, conversationId: conv, senderId: r.senderId, epoch: 1 });
      }
  });

  it('every single-bit flip of every group item is rejected with a reason §8.2 allows', () => {
    let flips = 0;
    for (const r of received)
      for (const [reporter, item] of r.items) {
        const bytes = encodeReportItem(item);
        const fields = fieldMap(item);
        expect(fields.at(-1)!.end).toBe(bytes.length);
        for (let bit = 0; bit < bytes.length * 8; bit += 3) {
          const bad = bytes.slice();
          bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
          const { field } = fields.find((f) => bit >> 3 >= f.start && bit >> 3 < f.end)!;
          const v = verify(bad, reporter);
          expect(v.ok, `bit ${bit} in ${field}`).toBe(false);
          expect(allowedReasons(field, item.stamp.role), `bit ${bit} in ${field}: ${v.reason}`).toContain(v.reason);
          flips++;
        }
      }
    expect(flips).toBeGreaterThan(4 * 3 * 500);
  });
});

describe('named attacks on group reports', () => {
  it('wrong reporter: another member using my copy, the sender using a recipient stamp, a bystander', () => {
    const mine = itemOf('you are awful (abusive)', 'g-alice');
    expect(verify(mine, 'g-carol').reason).toBe('not_a_party');
    expect(verify(mine, 'g-bob').reason).toBe('not_a_party');
    expect(verify(mine, 'g-eve').reason).toBe('not_a_party');
    expect(verify(itemOf('you are awful (abusive)', 'g-bob'), 'g-alice').reason).toBe('not_a_party');
  });

  it('substituted commitment: another message\'s c under this stamp, or this c under another stamp', () => {
    const abusive = itemOf('you are awful (abusive)', 'g-alice');
    const innocent = itemOf('innocent', 'g-alice');
    expect(verify({ ...abusive, commitment: innocent.commitment }, 'g-alice').reason).toBe('stamp_invalid');
    expect(verify({ ...abusive, stamp: innocent.stamp }, 'g-alice').reason).toBe('stamp_invalid');
  });

  it('framing: the reporter edits the text, swaps in another opening, or moves the message to another epoch', () => {
    const abusive = itemOf('you are awful (abusive)', 'g-carol');
    const innocent = itemOf('innocent', 'g-carol');
    expect(verify({ ...abusive, body: text('you are awful (edited)') }, 'g-carol').reason).toBe('commitment_mismatch');
    expect(verify({ ...innocent, body: abusive.body }, 'g-carol').reason).toBe('commitment_mismatch');
    expect(verify({ ...abusive, fk: innocent.fk, header: innocent.header }, 'g-carol').reason).toBe('commitment_mismatch');
    const epochMoved = abusive.header.slice();
    epochMoved[epochMoved.length - 1] = (epochMoved[epochMoved.length - 1] as number) ^ 1;
    expect(verify({ ...abusive, header: epochMoved }, 'g-carol').reason).toBe('commitment_mismatch');
  });

  it('header/stamp disagreement: the relay stamps the group message under another conversation', () => {
    const abusive = itemOf('you are awful (abusive)', 'g-carol');
    const restamped = computeStamp(keyring, { ...abusive.stamp, conversationId: 'grp-other' }, abusive.commitment);
    expect(verify({ ...abusive, stamp: restamped }, 'g-carol').reason).toBe('header_mismatch');
    const otherSender = computeStamp(keyring, { ...abusive.stamp, senderId: 'g-alice' }, abusive.commitment);
    expect(verify({ ...abusive, stamp: otherSender }, 'g-carol').reason).toBe('header_mismatch');
  });
});
