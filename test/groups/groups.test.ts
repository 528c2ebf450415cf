// Group conversations on a real server: roster management (creator, admins it names, members), client
// fan-out through real pairwise X3DH/Double Ratchet sessions with ONE commitment per message, one stamp per
// member, removed members receive nothing new and cannot send, any member reports with group context,
// and context completeness per sender.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttachmentDescriptor, type FrankedMessage, toBase64Url } from '../../client/protocol.ts';
import { GroupSender, groupSendRequest, sealForGroup } from '../../client/group/group.ts';
import { generateIdentity, type IdentityKeyPair } from '../../client/session/identity.ts';
import { type FetchedPreKeyBundle, PreKeyStore } from '../../client/session/prekeys.ts';
import { Session } from '../../client/session/session.ts';
import { SessionError } from '../../client/session/session-errors.ts';
import { type EnvelopeJson, type TestServer, type TestUser, api, createUser, startTestServer } from '../server/_harness.ts';

let srv: TestServer;
let base: string;
const users: Record<string, TestUser> = {};
const te = new TextEncoder();

/** One device: identity, prekeys and the pairwise sessions with every peer. */
class Device {
  readonly identity: IdentityKeyPair = generateIdentity();
  readonly store = PreKeyStore.create(this.identity, { oneTimePreKeys: 8 });
  readonly sessions = new Map<string, Session>();
  constructor(readonly id: string) {}
  bundle(): FetchedPreKeyBundle {
    const b = this.store.bundle(this.identity);
    const opk = b.oneTimePreKeys[0];
    return { identitySigningKey: b.identitySigningKey, identityDhKey: b.identityDhKey, signedPreKey: b.signedPreKey, ...(opk ? { oneTimePreKey: opk } : {}) };
  }
}
const devices: Record<string, Device> = {};

/** X3DH + one round trip, so both sides hold a ratchet that can send. */
function pair(a: Device, b: Device): void {
  const sa = Session.initiate(a.identity, b.bundle());
  const { session: sb } = Session.respond(b.identity, b.store, sa.encrypt(te.encode('hello')));
  sa.decrypt(sb.encrypt(te.encode('hello back')));
  a.sessions.set(b.id, sa);
  b.sessions.set(a.id, sb);
}

const NAMES = ['g-alice', 'g-bob', 'g-carol', 'g-dave', 'g-erin'] as const;
beforeAll(async () => {
  srv = await startTestServer();
  base = srv.url;
  for (const n of NAMES) {
    users[n] = await createUser(base, n);
    devices[n] = new Device(n);
  }
  for (let i = 0; i < NAMES.length; i++) for (let j = i + 1; j < NAMES.length; j++) pair(devices[NAMES[i] as string] as Device, devices[NAMES[j] as string] as Device);
});
afterAll(async () => srv?.stop());

const u = (n: string) => users[n] as TestUser;
const d = (n: string) => devices[n] as Device;
type Roster = { members: Array<{ accountId: string; role: string }> };
const roster = async (conv: string, as = 'g-alice') => (await api<Roster>(base, 'GET', `/v1/conversations/${conv}/members`, undefined, u(as).token)).json;
const ids = (r: Roster) => r.members.map((m) => m.accountId);

async function newGroup(creator: string, members: string[]): Promise<string> {
  const r = await api<{ id: string }>(base, 'POST', '/v1/conversations', { kind: 'group', memberIds: members }, u(creator).token);
  expect(r.status).toBe(201);
  return r.json.id;
}

/** Sends through the relay; returns the sender stamp response. */
async function post(sender: string, conv: string, body: ReturnType<typeof groupSendRequest>) {
  return api<{ messageId: string; stamp: Record<string, unknown> }>(base, 'POST', '/v1/messages', body, u(sender).token);
}

/** Fetches and opens every pending envelope of `who` (acks them), returning accepted messages. */
async function inbox(who: string) {
  const mail = await api<{ envelopes: EnvelopeJson[] }>(base, 'GET', '/v1/messages?limit=500', undefined, u(who).token);
  const out: Array<{ env: EnvelopeJson; text: string; commitment: string; franked: Pick<FrankedMessage, 'commitment' | 'fk' | 'headerBytes'>; body: Uint8Array; seq: number }> = [];
  for (const env of mail.json.envelopes) {
    const senderId = env.stamp.senderId as string;
    const session = d(who).sessions.get(senderId) as Session;
    const receipt = session.receiveFranked(
      { commitment: Buffer.from(env.commitment, 'base64url'), message: Buffer.from(env.ciphertext, 'base64url') },
      { expect: { conversationId: env.stamp.conversationId as string, senderId } },
    );
    expect(receipt.status).toBe('accepted');
    if (receipt.status !== 'accepted') continue;
    const m = receipt.message;
    out.push({ env, text: new TextDecoder().decode(m.body), commitment: env.commitment, franked: { commitment: m.commitment, fk: m.fk, headerBytes: m.headerBytes }, body: m.body, seq: m.header.seq });
  }
  if (mail.json.envelopes.length) await api(base, 'POST', '/v1/messages/ack', { ids: mail.json.envelopes.map((e) => e.id) }, u(who).token);
  return out;
}

describe('roster management', () => {
  it('creator and named admins add and remove; members cannot; only the creator names admins or removes admins', async () => {
    const conv = await newGroup('g-alice', ['g-bob', 'g-carol']);
    expect((await roster(conv)).members).toEqual(expect.arrayContaining([
      expect.objectContaining({ accountId: 'g-alice', role: 'creator' }), expect.objectContaining({ accountId: 'g-bob', role: 'member' }),
    ]));
    const add = (as: string, accountIds: string[]) => api<Roster & { code?: string }>(base, 'POST', `/v1/conversations/${conv}/members`, { accountIds }, u(as).token);
    const remove = (as: string, who: string) => api<Roster & { code?: string }>(base, 'DELETE', `/v1/conversations/${conv}/members/${who}`, undefined, u(as).token);
    const setRole = (as: string, who: string, role: string) => api<{ code?: string }>(base, 'PUT', `/v1/conversations/${conv}/members/${who}/role`, { role }, u(as).token);

    const denied = await add('g-bob', ['g-dave']);
    expect(denied.status).toBe(403);
    expect(denied.json.code).toBe('not_group_admin');
    expect((await add('g-alice', ['g-nobody'])).status).toBe(404);
    expect(ids((await add('g-alice', ['g-dave'])).json)).toContain('g-dave');
    expect((await setRole('g-bob', 'g-carol', 'admin')).status).toBe(403); // only the creator names admins
    expect((await setRole('g-alice', 'g-bob', 'admin')).status).toBe(200);
    expect(ids((await add('g-bob', ['g-erin'])).json)).toContain('g-erin'); // an admin adds
    expect((await setRole('g-alice', 'g-carol', 'admin')).status).toBe(200);
    expect((await remove('g-bob', 'g-carol')).status).toBe(403); // an admin cannot remove another admin
    expect((await remove('g-bob', 'g-alice')).status).toBe(403); // nobody removes the creator
    expect((await remove('g-dave', 'g-erin')).status).toBe(403); // a member cannot remove others
    expect(ids((await remove('g-bob', 'g-erin')).json)).not.toContain('g-erin');
    expect((await remove('g-dave', 'g-dave')).json).toEqual({ left: true }); // anyone may leave
    expect((await api(base, 'GET', `/v1/conversations/${conv}/members`, undefined, u('g-dave').token)).status).toBe(404);
    expect(ids(await roster(conv))).toEqual(['g-alice', 'g-bob', 'g-carol']);
  });

  it('direct conversations have a fixed roster', async () => {
    const r = await api<{ id: string }>(base, 'POST', '/v1/conversations', { kind: 'direct', peerId: 'g-bob' }, u('g-alice').token);
    const add = await api(base, 'POST', `/v1/conversations/${r.json.id}/members`, { accountIds: ['g-carol'] }, u('g-alice').token);
    expect(add.status).toBe(400);
  });
});

describe('fan-out, stamps and removal', () => {
  it('one commitment, one stamp per member; a removed member receives nothing new and cannot send', async () => {
    const conv = await newGroup('g-alice', ['g-bob', 'g-carol', 'g-dave']);
    for (const n of NAMES) await inbox(n); // start from empty mailboxes
    const alice = new GroupSender(conv, 'g-alice');
    const members = ids(await roster(conv));
    const send1 = alice.send(te.encode('hello group'), members, d('g-alice').sessions);
    expect(send1.envelopes.map((e) => e.recipientId).sort()).toEqual(['g-bob', 'g-carol', 'g-dave']);
    const r1 = await post('g-alice', conv, groupSendRequest(conv, send1));
    expect(r1.status).toBe(201);

    const got = await Promise.all(['g-bob', 'g-carol', 'g-dave'].map(inbox));
    const stamps = got.map((g) => g[0]?.env.stamp);
    expect(got.every((g) => g.length === 1 && g[0]?.text === 'hello group')).toBe(true);
    expect(new Set(got.map((g) => g[0]?.commitment))).toEqual(new Set([toBase64Url(send1.commitment)])); // one commitment
    expect(stamps.map((s) => s?.recipientId)).toEqual(['g-bob', 'g-carol', 'g-dave']); // one stamp per member …
    expect(new Set(stamps.map((s) => s?.tag)).size).toBe(3); // … each a different MAC
    expect(new Set(stamps.map((s) => s?.messageId)).size).toBe(1); // of one message

    // dave is removed: the sender's fan-out follows the roster, and the relay refuses him as a recipient.
    expect((await api(base, 'DELETE', `/v1/conversations/${conv}/members/g-dave`, undefined, u('g-alice').token)).status).toBe(200);
    const after = ids(await roster(conv));
    const send2 = alice.send(te.encode('dave is gone'), after, d('g-alice').sessions);
    expect(send2.envelopes.map((e) => e.recipientId)).not.toContain('g-dave');
    expect((await post('g-alice', conv, groupSendRequest(conv, send2))).status).toBe(201);
    // A sender that still addresses dave (stale roster, or on purpose) is refused outright.
    const stale = sealForGroup(alice.chain.frank(te.encode('to a stale roster')), members, d('g-alice').sessions);
    const refused = await post('g-alice', conv, groupSendRequest(conv, stale));
    expect(refused.status).toBe(403);
    expect((refused.json as { code?: string }).code).toBe('not_a_member');
    expect(await inbox('g-dave')).toEqual([]);
    expect((await inbox('g-bob')).map((m) => m.text)).toEqual(['dave is gone']);
    // dave cannot send to the group either, and the client refuses before franking when it is off the roster.
    const daveSender = new GroupSender(conv, 'g-dave');
    expect(() => daveSender.send(te.encode('let me in'), after, d('g-dave').sessions)).toThrow(SessionError);
    const daveRaw = sealForGroup(new GroupSender(conv, 'g-dave').chain.frank(te.encode('x')), [...after, 'g-dave'], d('g-dave').sessions);
    expect((await post('g-dave', conv, groupSendRequest(conv, daveRaw))).status).toBe(403);
  });

  it('a missing session refuses the whole send and leaves the sender chain without a gap', async () => {
    const conv = await newGroup('g-bob', ['g-carol', 'g-erin']);
    const bob = new GroupSender(conv, 'g-bob');
    const partial = new Map([...d('g-bob').sessions].filter(([k]) => k !== 'g-erin'));
    expect(() => bob.send(te.encode('x'), ['g-bob', 'g-carol', 'g-erin'], partial)).toThrow(/no session with member/);
    const ok = bob.send(te.encode('y'), ['g-bob', 'g-carol', 'g-erin'], d('g-bob').sessions);
    expect(ok.franked.header.seq).toBe(1);
  });
});

describe('reports from a group', () => {
  it('any member reports with group context; completeness is computed per sender', async () => {
    const conv = await newGroup('g-alice', ['g-bob', 'g-carol', 'g-erin']);
    for (const n of NAMES) await inbox(n);
    const senders = { 'g-alice': new GroupSender(conv, 'g-alice'), 'g-bob': new GroupSender(conv, 'g-bob') };
    const members = ids(await roster(conv));
    // alice 1..4 and bob 1..3, interleaved
    const script: Array<[keyof typeof senders, string]> = [
      ['g-alice', 'a1'], ['g-bob', 'b1'], ['g-alice', 'a2'], ['g-bob', 'b2'], ['g-alice', 'a3 (abusive)'], ['g-bob', 'b3'], ['g-alice', 'a4'],
    ];
    for (const [who, text] of script) {
      const s = senders[who].send(te.encode(text), members, d(who).sessions);
      expect((await post(who, conv, groupSendRequest(conv, s))).status).toBe(201);
    }
    const carolInbox = await inbox('g-carol');
    expect(carolInbox.map((m) => m.text)).toEqual(script.map(([, t]) => t));
    const item = (m: (typeof carolInbox)[number]) => ({
      stamp: m.env.stamp, commitment: m.commitment, fk: toBase64Url(m.franked.fk), header: toBase64Url(m.franked.headerBytes), body: toBase64Url(m.body),
    });
    const byText = (t: string) => carolInbox.find((m) => m.text === t) as (typeof carolInbox)[number];
    // carol reports a3; context: every other alice message, and bob's b1 and b3 (b2 left out).
    const context = ['a1', 'a2', 'a4', 'b1', 'b3'].map((t) => item(byText(t)));
    const r = await api<{ id: string; verdict: string; items: Array<{ verdict: string }>; context: { complete: boolean; senders: Array<Record<string, unknown>> } }>(
      base, 'POST', '/v1/reports', { category: 'harassment', reported: item(byText('a3 (abusive)')), context }, u('g-carol').token,
    );
    expect(r.status).toBe(201);
    expect(r.json.verdict).toBe('verified');
    expect(r.json.items.every((i) => i.verdict === 'verified')).toBe(true);
    const per = Object.fromEntries(r.json.context.senders.map((s) => [s.senderId as string, s]));
    expect(per['g-alice']).toMatchObject({ complete: true, missing: [] });
    expect(per['g-bob']).toMatchObject({ complete: false, missing: [2] });
    expect(r.json.context.complete).toBe(false);

    // erin reports the same message with her own stamp: same commitment, her own verified report.
    const erinInbox = await inbox('g-erin');
    const e3 = erinInbox.find((m) => m.text === 'a3 (abusive)') as (typeof erinInbox)[number];
    expect(e3.commitment).toBe(byText('a3 (abusive)').commitment);
    const r2 = await api<{ verdict: string }>(base, 'POST', '/v1/reports', { category: 'harassment', reported: item(e3) }, u('g-erin').token);
    expect(r2.json.verdict).toBe('verified');
    // carol cannot report erin's copy (the stamp names erin).
    const r3 = await api<{ code: string }>(base, 'POST', '/v1/reports', { category: 'harassment', reported: item(e3) }, u('g-carol').token);
    expect(r3.status).toBe(403);
  });

  it('one franked message with an attachment descriptor fans out with the same descriptor to every member', async () => {
    const conv = await newGroup('g-erin', ['g-alice', 'g-bob']);
    for (const n of NAMES) await inbox(n);
    const descriptor: AttachmentDescriptor = {
      blobId: 'b_test', scheme: 1, key: new Uint8Array(32).fill(7), params: new Uint8Array(17).fill(20),
      ciphertextDigest: new Uint8Array(32).fill(9), size: 10, mediaType: 'image/png',
    };
    const s = new GroupSender(conv, 'g-erin').send(te.encode('photo'), ids(await roster(conv, 'g-erin')), d('g-erin').sessions, { attachments: [descriptor] });
    expect((await post('g-erin', conv, groupSendRequest(conv, s))).status).toBe(201);
    const [a, b] = await Promise.all([inbox('g-alice'), inbox('g-bob')]);
    expect(a[0]?.franked.headerBytes).toEqual(b[0]?.franked.headerBytes);
    expect(toBase64Url(a[0]?.franked.headerBytes as Uint8Array)).toBe(toBase64Url(s.franked.headerBytes));
  });
});
