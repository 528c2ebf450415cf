// One franking, many seals (docs/PROTOCOL-devices.md D9, D11) and the attacks of D19 it stops (A1, A3, A9–A13, A18,
// A19), under every sync provider of the runtime, in Node and in Chromium: alice device 1 sends to bob (devices 1, 3)
// and to her own device 2; every copy is received by receiveCopy in D11.3's order.
import { describe, expect, it } from 'vitest';
import {
  applyDeviceMismatchPlan, checkBundleForDevice, deliverFanOut, copyViewAlarms, checkPreKeyMessageSender, type CopyEnvelope, type CopyReceipt, DeviceError, deviceSessionKey, encodeCopyAd,
  fanOutRequestBody, fanOutTargets, LIST_GRACE_MS, listViewOf, type PinnedDeviceList, planDeviceMismatch, sendFanOut, type FanOutSend, ZERO_LIST_HASH,
} from '../../client/devices/index.ts';
import { analyzeContext, type ContextEntry, SenderChain } from '../../client/franking/index.ts';
import { Session, SessionError } from '../../client/session/index.ts';
import type { CryptoProvider } from '../../client/crypto/index.ts';
import { toBase64Url } from '../../client/index.ts';
import { ApiError } from '../../client/transport/api-error.ts';
import { SYNC } from './_providers.ts';
import { buildWorld, deliver, type Device, makeDevice, MINUTE, receiveOn, sessionsFrom, T0 } from './_fanout-world.ts';

const te = new TextEncoder();
const CONV = 'c:alice:bob';

function setup(crypto: CryptoProvider) {
  const world = buildWorld(crypto);
  const pins: Record<string, PinnedDeviceList> = { alice: world.alice.pin(), bob: world.bob.pin() };
  const a1 = world.alice.devices.get(1)!;
  const a2 = world.alice.devices.get(2)!;
  const b1 = world.bob.devices.get(1)!;
  const b3 = world.bob.devices.get(3)!;
  const chains = new Map<Device, SenderChain>();
  const send = (from: Device, text: string, extra: { sentAt?: number } = {}): FanOutSend => {
    let chain = chains.get(from);
    if (chain === undefined) chains.set(from, (chain = new SenderChain(CONV, from.accountId, from.deviceId)));
    const lists = { alice: world.alice.current, bob: world.bob.current };
    return sendFanOut({
      chain, body: te.encode(text), frank: { sentAt: extra.sentAt ?? T0 + 10 * MINUTE, randomBytes: from.random },
      own: lists.alice, peer: lists.bob, sessionFor: sessionsFrom(world, from, lists),
    });
  };
  return { world, pins, a1, a2, b1, b3, send };
}

const accepted = (r: CopyReceipt) => {
  if (r.status !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(r.status === 'dropped' ? { status: r.status, code: r.code, reason: r.reason } : r)}`);
  return r;
};
const codeOf = (f: () => unknown): string => {
  try {
    const r = f() as CopyReceipt;
    return r.status === 'dropped' ? `dropped:${r.code}` : r.status;
  } catch (e) {
    if (DeviceError.is(e) || SessionError.is(e)) return e.code;
    throw e;
  }
};

describe.each(SYNC.map((p) => [p.name, p] as const))('fan-out with %s', (_name, crypto) => {
  it('franks once and seals one copy per peer device and own other device; each device opens the same message', () => {
    const { world, pins, a2, b1, b3, send } = setup(crypto);
    const s = send(world.alice.devices.get(1)!, 'hello bob');
    expect(s.copies.map((c) => [c.accountId, c.deviceId, c.copyKind])).toEqual([['bob', 1, 'recipient'], ['bob', 3, 'recipient'], ['alice', 2, 'own']]);
    expect(s.franked.header.version).toBe(3);
    expect(s.franked.header.senderDeviceId).toBe(1);
    const body = fanOutRequestBody(s);
    expect(body.lists).toEqual([
      { accountId: 'alice', listVersion: 2, listHash: toBase64Url(world.alice.current.listHash) },
      { accountId: 'bob', listVersion: 4, listHash: toBase64Url(world.bob.current.listHash) },
    ]);
    expect(body.copies.map((c) => c.deviceId)).toEqual([1, 3, 2]);
    const env = deliver(world, s, 'bob', 'm1', T0 + 10 * MINUTE);
    for (const d of [b1, b3, a2]) {
      const r = accepted(receiveOn(world, d, env.get(deviceSessionKey(d.accountId, d.deviceId))!, pins));
      expect(new TextDecoder().decode(r.message.body)).toBe('hello bob');
      expect(r.message.commitment).toEqual(s.franked.commitment);
      expect(r.message.fk).toEqual(s.franked.fk);
      expect(r.message.headerBytes).toEqual(s.franked.headerBytes);
      expect(r.deliveredToDeviceId).toBe(d.deviceId);
      expect(r.copyKind).toBe(d.accountId === 'alice' ? 'own' : 'recipient');
      expect(r.alarms).toEqual([]);
      expect(r.observation).toEqual({ kind: 'in_order' });
    }
    // A reply goes back through the sessions the prekey messages started (ratchet messages from here on).
    const reply = sendFanOut({
      chain: new SenderChain(CONV, 'bob', 1), body: te.encode('hi alice'), frank: { randomBytes: b1.random },
      own: world.bob.current, peer: world.alice.current, sessionFor: sessionsFrom(world, b1, { alice: world.alice.current, bob: world.bob.current }),
    });
    const env2 = deliver(world, reply, 'alice', 'm2', T0 + 11 * MINUTE);
    // A ratchet message from a listed device this device holds no session with: nothing to decrypt it (bad_state).
    expect(codeOf(() => receiveOn(world, world.alice.devices.get(1)!, env2.get('alice#1')!, pins, { session: null }))).toBe('bad_state');
    expect(accepted(receiveOn(world, world.alice.devices.get(1)!, env2.get('alice#1')!, pins)).message.header.senderDeviceId).toBe(1);
    expect(accepted(receiveOn(world, b3, env2.get('bob#3')!, pins)).copyKind).toBe('own');
  });

  it('A10: a copy for one device replayed to another device of the account is refused before decryption (wrong_device)', () => {
    const { world, pins, a1, b1, b3, send } = setup(crypto);
    const env = deliver(world, send(a1, 'for device 1'), 'bob', 'm1', T0 + 10 * MINUTE);
    const before = b3.sessions.size;
    expect(codeOf(() => receiveOn(world, b3, env.get('bob#1')!, pins))).toBe('wrong_device');
    expect(codeOf(() => receiveOn(world, b1, { ...env.get('bob#1')!, targetAccountId: 'carol' }, pins))).toBe('wrong_device');
    expect(b3.sessions.size).toBe(before);
    expect(accepted(receiveOn(world, b1, env.get('bob#1')!, pins)).deliveredToDeviceId).toBe(1);
  });

  it('A10: with device 1\'s session state cloned onto device 3 and the routing fields rewritten, CopyAD still refuses it (tampered)', () => {
    const { world, pins, a1, b1, b3, send } = setup(crypto);
    accepted(receiveOn(world, b1, deliver(world, send(a1, 'first'), 'bob', 'm1', T0 + 10 * MINUTE).get('bob#1')!, pins));
    const env = deliver(world, send(a1, 'second'), 'bob', 'm2', T0 + 10 * MINUTE).get('bob#1')!;
    const cloneOnB3 = Session.deserialize(b1.sessions.get('alice#1')!.serialize(), { crypto });
    const moved: CopyEnvelope = { ...env, targetDeviceId: 3 };
    const state = cloneOnB3.serialize();
    expect(codeOf(() => receiveOn(world, b3, moved, pins, { session: cloneOnB3 }))).toBe('tampered');
    expect(cloneOnB3.serialize()).toEqual(state); // nothing committed
    // The same clone opens it as device 1 would: only the CopyAD's target differs.
    expect(accepted(receiveOn(world, { ...b3, deviceId: 1 }, env, pins, { session: cloneOnB3 })).message.header.seq).toBe(2);
  });

  it('A10/A11: replay to the same device is refused (replay); moved under another c is refused (tampered)', () => {
    const { world, pins, a1, b1, send } = setup(crypto);
    const s1 = send(a1, 'one');
    const env = deliver(world, s1, 'bob', 'm1', T0 + 10 * MINUTE).get('bob#1')!;
    accepted(receiveOn(world, b1, env, pins));
    const s2 = send(a1, 'two');
    const env2 = deliver(world, s2, 'bob', 'm2', T0 + 10 * MINUTE).get('bob#1')!;
    expect(codeOf(() => receiveOn(world, b1, { ...env2, commitment: s1.franked.commitment }, pins))).toBe('tampered');
    accepted(receiveOn(world, b1, env2, pins));
    expect(codeOf(() => receiveOn(world, b1, env2, pins))).toBe('replay');
  });

  it('every change of a clear CopyAD field, of c or of the ciphertext is refused without changing the session', () => {
    const { world, pins, a1, b1, send } = setup(crypto);
    accepted(receiveOn(world, b1, deliver(world, send(a1, 'first'), 'bob', 'm0', T0 + 10 * MINUTE).get('bob#1')!, pins));
    const env = deliver(world, send(a1, 'second'), 'bob', 'm1', T0 + 10 * MINUTE).get('bob#1')!;
    const session = b1.sessions.get('alice#1')!;
    const state = session.serialize();
    const flip = (b: Uint8Array, i = 0) => b.map((x, j) => (j === i ? x ^ 1 : x));
    const changes: [string, Partial<CopyEnvelope>, string][] = [
      ['senderListHash', { senderListHash: flip(env.senderListHash) }, 'tampered'],
      ['targetListHash', { targetListHash: flip(env.targetListHash, 31) }, 'tampered'],
      ['senderListVersion (older)', { senderListVersion: 1, senderListHash: world.alice.versions[0]!.listHash }, 'tampered'],
      ['targetListVersion (older)', { targetListVersion: 3, targetListHash: world.bob.versions[2]!.listHash }, 'tampered'],
      ['senderDeviceId (another listed device)', { senderDeviceId: 2 }, 'binding_mismatch'],
      ['senderDeviceId (unlisted)', { senderDeviceId: 5 }, 'unknown_device'],
      ['targetDeviceId', { targetDeviceId: 3 }, 'wrong_device'],
      ['commitment', { commitment: flip(env.commitment, 7) }, 'tampered'],
      ['ciphertext', { ciphertext: flip(env.ciphertext, env.ciphertext.length - 1) }, 'tampered'],
      ['stamp conversation', { stamp: { ...env.stamp, conversationId: 'c:other' } }, 'dropped:header_mismatch'],
    ];
    for (const [name, change, code] of changes) {
      expect([name, codeOf(() => receiveOn(world, b1, { ...env, ...change }, pins, { session }))]).toEqual([name, code]);
      if (!code.startsWith('dropped')) expect(session.serialize()).toEqual(state);
    }
  });

  it('a copy relabelled own ↔ recipient is refused: by routing, by the stamp role, and by CopyAD', () => {
    const { world, pins, a1, a2, b1, send } = setup(crypto);
    const s = send(a1, 'relabel');
    const env = deliver(world, s, 'bob', 'm1', T0 + 10 * MINUTE);
    const own = env.get('alice#2')!;
    const toBob = env.get('bob#1')!;
    // The clear copyKind flipped: not this device's copy in that role (step 1), nothing decrypted.
    expect(codeOf(() => receiveOn(world, a2, { ...own, copyKind: 'recipient' }, pins))).toBe('wrong_device');
    expect(codeOf(() => receiveOn(world, b1, { ...toBob, copyKind: 'own' }, pins))).toBe('wrong_device');
    // The own copy delivered with the recipient stamp: authenticated, then dropped at step 6.
    expect(codeOf(() => receiveOn(world, a2, { ...own, stamp: toBob.stamp }, pins))).toBe('dropped:header_mismatch');
    // A sender that seals a copy for bob's device as an own copy (copyKind 0x02 in CopyAD): bob rebuilds 0x01 → tampered.
    const franked = new SenderChain(CONV, 'alice', 1).frank(te.encode('x'), { randomBytes: a1.random });
    const session = a1.sessions.get('bob#1')!;
    const [aliceView, bobView] = [listViewOf(world.alice.current), listViewOf(world.bob.current)];
    const ad = encodeCopyAd({ senderId: 'alice', senderDeviceId: 1, targetAccountId: 'bob', targetDeviceId: 1, copyKind: 'own', senderListVersion: 2, senderListHash: aliceView.listHash, targetListVersion: 4, targetListHash: bobView.listHash });
    const sealed = session.sendFranked(franked, ad);
    const forged: CopyEnvelope = { ...toBob, ciphertext: sealed.message, commitment: franked.commitment };
    expect(codeOf(() => receiveOn(world, b1, forged, pins))).toBe('tampered');
  });

  it('A1/A20: a device not in the verified list is never a target, and a copy from it is refused on receive (ghost)', () => {
    const { world, pins, b1, send } = setup(crypto);
    expect(fanOutTargets(world.alice.current, 1, world.bob.current).map((t) => `${t.accountId}#${t.deviceId}`)).toEqual(['bob#1', 'bob#3', 'alice#2']);
    // The relay claims bob has a device 9 (a row nobody signed): no verified chain reaches its list → ghost_device.
    const s = send(world.alice.devices.get(1)!, 'to bob');
    const fakeHash = new Uint8Array(32).fill(9);
    expect(codeOf(() => planDeviceMismatch(s, [{ accountId: 'bob', listVersion: 5, listHash: toBase64Url(fakeHash), missing: [9], extra: [], stale: true }], { bob: world.bob.current }, 1))).toBe('ghost_device');
    expect(codeOf(() => planDeviceMismatch(s, [{ accountId: 'bob', listVersion: 5, listHash: fakeHash, missing: [9], extra: [], stale: true }], {}, 1))).toBe('ghost_device');
    // A ghost "alice device 9" (its own keys, a prekey message to bob): unknown_device before any session is made.
    const ghost = makeDevice('alice', 9, crypto, ' ghost');
    const fakeAlice = { ...world.alice.current, signed: { ...world.alice.current.signed, list: { ...world.alice.current.signed.list, devices: [...world.alice.current.signed.list.devices, { deviceId: 9, identitySigningKey: ghost.identity.signingPublicKey, identityDhKey: ghost.identity.dhPublicKey, credentialKey: ghost.credentialKey, linkedAt: T0 }], nextDeviceId: 10 } } };
    const g = sendFanOut({ chain: new SenderChain(CONV, 'alice', 9), body: te.encode('boo'), frank: { randomBytes: ghost.random }, own: fakeAlice, peer: world.bob.current, sessionFor: sessionsFrom(world, ghost, { alice: fakeAlice, bob: world.bob.current }) });
    const genv = deliver(world, g, 'bob', 'm9', T0 + 10 * MINUTE).get('bob#1')!;
    const sessions = b1.sessions.size;
    const prekeys = b1.preKeys.bundle(b1.identity).oneTimePreKeys.length;
    expect(codeOf(() => receiveOn(world, b1, genv, pins))).toBe('unknown_device');
    expect(b1.sessions.size).toBe(sessions);
    expect(b1.preKeys.bundle(b1.identity).oneTimePreKeys.length).toBe(prekeys); // no one-time prekey spent
    // The ghost's prekey message claiming to be alice's device 2 (listed): its identity is not device 2's entry.
    expect(codeOf(() => receiveOn(world, b1, { ...genv, senderDeviceId: 2 }, pins))).toBe('binding_mismatch');
  });

  it('D9: bundles and prekey messages are checked against the verified entry (binding_mismatch, unknown_device)', () => {
    const { world, a1, b1, b3 } = setup(crypto);
    const bundleOf = (d: Device) => {
      const u = d.preKeys.bundle(d.identity);
      return { identitySigningKey: u.identitySigningKey, identityDhKey: u.identityDhKey, signedPreKey: u.signedPreKey };
    };
    const bob = world.bob.current.signed.list;
    expect(checkBundleForDevice(bob, 1, bundleOf(b1), crypto).identity.signingKey).toEqual(b1.identity.signingPublicKey);
    expect(codeOf(() => checkBundleForDevice(bob, 1, bundleOf(b3), crypto))).toBe('binding_mismatch');
    expect(codeOf(() => checkBundleForDevice(bob, 2, bundleOf(b1), crypto))).toBe('unknown_device'); // removed in version 4
    const tampered = { ...bundleOf(b1), signedPreKey: { ...bundleOf(b3).signedPreKey } };
    expect(codeOf(() => checkBundleForDevice(bob, 1, tampered, crypto))).toBe('bad_signature');
    // A sender whose store hands out device 1's session for device 3: refused before the chain advances (no gap).
    const lists = { alice: world.alice.current, bob: world.bob.current };
    const honest = sessionsFrom(world, a1, lists);
    const chain = new SenderChain(CONV, 'alice', 1);
    const swapped = (t: Parameters<typeof honest>[0]) => honest(t.deviceId === 3 && t.accountId === 'bob' ? { ...t, deviceId: 1, entry: bob.devices[0]! } : t);
    expect(codeOf(() => sendFanOut({ chain, body: te.encode('x'), own: lists.alice, peer: lists.bob, sessionFor: swapped }))).toBe('binding_mismatch');
    expect(chain.toJSON().nextSeq).toBe(1);
    expect(sendFanOut({ chain, body: te.encode('x'), frank: { randomBytes: a1.random }, own: lists.alice, peer: lists.bob, sessionFor: honest }).franked.header.seq).toBe(1);
    const msg = Session.initiate(a1.identity, bundleOf(b1), { randomBytes: a1.random, crypto }).encrypt(te.encode('x'));
    expect(() => checkPreKeyMessageSender(world.alice.current.signed.list, 1, msg)).not.toThrow();
    expect(codeOf(() => checkPreKeyMessageSender(world.alice.current.signed.list, 2, msg))).toBe('binding_mismatch');
    expect(codeOf(() => checkPreKeyMessageSender(world.alice.current.signed.list, 7, msg))).toBe('unknown_device');
  });

  it('A9/D6.2: a removed device gets no copy once v + 1 is verified; the device_mismatch planner drops it and re-seals the rest', () => {
    const { world, pins, a1, b1, send } = setup(crypto);
    const s = send(a1, 'before the removal'); // alice still holds bob version 4: copies for 1 and 3
    world.bob.remove(1, [3], T0 + 5 * MINUTE); // bob version 5 (logged), the relay answers device_mismatch
    const bob5 = world.bob.current;
    const answer = [{ accountId: 'bob', listVersion: 5, listHash: toBase64Url(bob5.listHash), missing: [], extra: [3], stale: true }];
    const plan = planDeviceMismatch(s, answer, { bob: bob5 }, 1);
    expect(plan.drop).toEqual([{ accountId: 'bob', deviceId: 3 }]);
    expect(plan.add).toEqual([]);
    expect(plan.reseal.map((t) => `${t.accountId}#${t.deviceId}`)).toEqual(['bob#1']);
    const retry = applyDeviceMismatchPlan(s, plan, sessionsFrom(world, a1, { alice: world.alice.current, bob: bob5 }));
    expect(retry.copies.map((c) => `${c.accountId}#${c.deviceId}`)).toEqual(['bob#1', 'alice#2']);
    expect(retry.franked).toBe(s.franked); // same clientMessageId, fk, header and c
    expect(retry.lists[1].listVersion).toBe(5);
    const pinsNow = { ...pins, bob: world.bob.pin(pins.bob!) };
    const env = deliver(world, retry, 'bob', 'm1', T0 + 6 * MINUTE);
    expect(accepted(receiveOn(world, b1, env.get('bob#1')!, pinsNow)).alarms).toEqual([]);
    expect(env.has('bob#3')).toBe(false);
    // A fresh send after the pin: device 3 is no target at all.
    expect(send(a1, 'after').copies.some((c) => c.accountId === 'bob' && c.deviceId === 3)).toBe(false);
  });

  it('D11.2 step 4 in one call (deliverFanOut): the relay\'s missing/extra are hints, never targets; the third refusal is devices_unsettled', async () => {
    const { world, a1, send } = setup(crypto);
    const s = send(a1, 'x');
    world.bob.remove(1, [3], T0 + 5 * MINUTE); // bob version 5: the relay now wants copies for bob 1 only
    const mismatch = (accounts: Array<{ accountId: string; listVersion: number; listHash: string; missing: number[]; extra: number[]; stale: boolean }>) => {
      const problem = { type: 'about:blank', title: 'Conflict', status: 409, detail: 'copies differ', code: 'device_mismatch', accounts };
      return new ApiError(problem, problem);
    };
    const posted: Array<ReturnType<typeof fanOutRequestBody>> = [];
    // A relay that also names a device 9 the verified list does not hold, every time.
    const post = async (body: ReturnType<typeof fanOutRequestBody>) => {
      posted.push(body);
      throw mismatch([{ accountId: 'bob', listVersion: 5, listHash: toBase64Url(world.bob.current.listHash), missing: [9], extra: [3], stale: true }]);
    };
    const refreshes: string[] = [];
    const refresh = async (accountId: string, listVersion: number) => {
      refreshes.push(`${accountId}@${listVersion}`);
      return world.bob.current;
    };
    const e = await deliverFanOut(s, { post, refresh, sessionFor: sessionsFrom(world, a1, { alice: world.alice.current, bob: world.bob.current }) }).catch((x: unknown) => x);
    expect(DeviceError.is(e) && e.code).toBe('devices_unsettled');
    expect(posted.map((b) => b.copies.map((c) => `${c.accountId}#${c.deviceId}`).join(','))).toEqual(['bob#1,bob#3,alice#2', 'bob#1,alice#2', 'bob#1,alice#2']);
    expect(new Set(posted.map((b) => b.clientMessageId)).size).toBe(1);
    expect(refreshes).toEqual(['bob@5', 'bob@5']);
    // The relay that accepts the second request: delivered with one refusal.
    let n = 0;
    const done = await deliverFanOut(send(a1, 'y'), { post: async () => (n++ === 0 ? Promise.reject(mismatch([{ accountId: 'bob', listVersion: 5, listHash: toBase64Url(world.bob.current.listHash), missing: [], extra: [], stale: false }])) : 'stamp'), refresh, sessionFor: sessionsFrom(world, a1, { alice: world.alice.current, bob: world.bob.current }) });
    expect([done.result, done.refusals]).toEqual(['stamp', 1]);
    // Any other error is the caller's, as it is.
    await expect(deliverFanOut(send(a1, 'z'), { post: async () => Promise.reject(new Error('offline')), refresh, sessionFor: () => { throw new Error('unused'); } })).rejects.toThrow('offline');
  });

  it('D11.2 step 4: a stale own list re-seals every copy (each CopyAD states the sender list); a new own device gets a copy', () => {
    const { world, a1, send } = setup(crypto);
    const s = send(a1, 'x');
    world.alice.link(2, T0 + 5 * MINUTE); // alice device 3, version 3
    const answer = [{ accountId: 'alice', listVersion: 3, listHash: world.alice.current.listHash, missing: [3], extra: [], stale: true }];
    const plan = planDeviceMismatch(s, answer, { alice: world.alice.current }, 1);
    expect(plan.add.map((t) => `${t.accountId}#${t.deviceId}`)).toEqual(['alice#3']);
    expect(plan.reseal.map((t) => `${t.accountId}#${t.deviceId}`).sort()).toEqual(['alice#2', 'bob#1', 'bob#3']);
    const retry = applyDeviceMismatchPlan(s, plan, sessionsFrom(world, a1, { alice: world.alice.current, bob: world.bob.current }));
    expect(retry.copies.map((c) => `${c.accountId}#${c.deviceId}`)).toEqual(['bob#1', 'bob#3', 'alice#2', 'alice#3']);
    expect(codeOf(() => planDeviceMismatch(retry, answer, { alice: world.alice.current }, 3))).toBe('devices_unsettled');
  });

  it('A12: two devices of one sender interleaving sends to one recipient: no equivocation, no gap', () => {
    const { world, pins, a1, a2, b1, send } = setup(crypto);
    const entries: ContextEntry[] = [];
    let t = T0 + 10 * MINUTE;
    for (const [i, from] of [a1, a2, a2, a1, a1, a2].entries()) {
      const s = send(from, `message ${i}`);
      const r = accepted(receiveOn(world, b1, deliver(world, s, 'bob', `m${i}`, (t += 1000)).get('bob#1')!, pins));
      expect(r.observation).toEqual({ kind: 'in_order' });
      entries.push({ stamp: entryStamp(`m${i}`, t), header: r.message.header, commitment: r.message.commitment });
    }
    expect(b1.chains.devices(CONV, 'alice')).toEqual([1, 2]);
    const report = analyzeContext(entries);
    expect(report.complete).toBe(true);
    expect(report.senders.map((x) => [x.senderDeviceId, x.present, x.issues])).toEqual([[1, [1, 2, 3], []], [2, [1, 2, 3], []]]);
  });

  it('A13: a header naming another device than the one whose session sealed it is dropped (header_mismatch)', () => {
    const { world, pins, a1, b1, send } = setup(crypto);
    accepted(receiveOn(world, b1, deliver(world, send(a1, 'start'), 'bob', 'm0', T0 + 10 * MINUTE).get('bob#1')!, pins));
    const franked = new SenderChain(CONV, 'alice', 2).frank(te.encode('as device 2'), { randomBytes: a1.random });
    const asDevice2: FanOutSend = { franked, senderId: 'alice', senderDeviceId: 1, lists: [listViewOf(world.alice.current), listViewOf(world.bob.current)], copies: [] };
    const sealed = applyDeviceMismatchPlan(asDevice2, { lists: asDevice2.lists, add: fanOutTargets(world.alice.current, 1, world.bob.current).slice(0, 1), drop: [], reseal: [] }, sessionsFrom(world, a1, { alice: world.alice.current, bob: world.bob.current }));
    expect(codeOf(() => receiveOn(world, b1, deliver(world, sealed, 'bob', 'm1', T0 + 10 * MINUTE).get('bob#1')!, pins))).toBe('dropped:header_mismatch');
  });

  it('D11.3 step 2: a copy stating a newer list than pinned asks for a refresh; step 7 raises the view alarms', () => {
    const { world, pins, a1, b1, send } = setup(crypto);
    const env = deliver(world, send(a1, 'x'), 'bob', 'm1', T0 + 10 * MINUTE).get('bob#1')!;
    world.alice.link(1, T0 + 11 * MINUTE);
    expect(receiveOn(world, b1, { ...env, senderListVersion: 3 }, pins)).toEqual({ status: 'refresh', accountId: 'alice', listVersion: 3 });
    expect(receiveOn(world, b1, { ...env, targetListVersion: 5 }, pins)).toEqual({ status: 'refresh', accountId: 'bob', listVersion: 5 });
  });

  it('A18/A19: device_list_fork, forged_list_shown and stale_list_shown from the lists a copy states', () => {
    const { world, pins, a1, b1 } = setup(crypto);
    const bob4 = world.bob.current;
    const alice2 = world.alice.current;
    const chain = new SenderChain(CONV, 'alice', 1);
    const sendWith = (own: typeof alice2, peer: typeof bob4) =>
      sendFanOut({ chain, body: te.encode('v'), frank: { randomBytes: a1.random }, own, peer, sessionFor: sessionsFrom(world, a1, { alice: alice2, bob: bob4 }) });
    // alice's app was shown a forged bob list (another hash for version 4): bob's device sees it.
    const forged = { ...bob4, listHash: new Uint8Array(32).fill(4) };
    const r1 = accepted(receiveOn(world, b1, deliver(world, sendWith(alice2, forged), 'bob', 'm1', T0 + 10 * MINUTE).get('bob#1')!, pins));
    expect(r1.alarms.map((a) => [a.code, a.accountId, a.listVersion])).toEqual([['forged_list_shown', 'bob', 4]]);
    // alice's device states a version 2 of her own list that bob did not verify: a fork of alice's list.
    const forkedAlice = { ...alice2, listHash: new Uint8Array(32).fill(2) };
    const r2 = accepted(receiveOn(world, b1, deliver(world, sendWith(forkedAlice, bob4), 'bob', 'm2', T0 + 10 * MINUTE).get('bob#1')!, pins));
    expect(r2.alarms.map((a) => a.code)).toEqual(['device_list_fork']);
    // bob removed device 3 in version 5 (logged at +20 min); alice still encrypts to version 4 well after that.
    world.bob.remove(1, [3], T0 + 20 * MINUTE);
    const bobPins = { ...pins, bob: world.bob.pin(pins.bob!) };
    const late = T0 + 20 * MINUTE + LIST_GRACE_MS + 1;
    const r3 = accepted(receiveOn(world, b1, deliver(world, sendWith(alice2, bob4), 'bob', 'm3', late).get('bob#1')!, bobPins));
    expect(r3.alarms.map((a) => [a.code, a.listVersion])).toEqual([['stale_list_shown', 4]]);
    // Within the relay's grace the same copy is a race, not an alarm.
    const r4 = accepted(receiveOn(world, b1, deliver(world, sendWith(alice2, bob4), 'bob', 'm4', T0 + 20 * MINUTE + 1000).get('bob#1')!, bobPins));
    expect(r4.alarms).toEqual([]);
    // The legacy view (version 0, 32 zero bytes): expected only before bob's genesis was logged (+ grace).
    const view = (serverTime: number) => copyViewAlarms({ stamp: { ...r1.message.header, ...entryStamp('m5', serverTime), recipientId: 'bob', role: 'recipient', kid: 'k1', tag: new Uint8Array(32) }, senderListVersion: 2, senderListHash: alice2.listHash, targetListVersion: 0, targetListHash: ZERO_LIST_HASH }, { accountId: 'bob', senderPinned: pins.alice!, ownPinned: bobPins.bob, ownLog: world.bob.ownLog() });
    expect(view(T0 + MINUTE + LIST_GRACE_MS - 1)).toEqual([]);
    expect(view(T0 + MINUTE + LIST_GRACE_MS).map((a) => [a.code, a.listVersion])).toEqual([['stale_list_shown', 0]]);
  });
});

function entryStamp(messageId: string, serverTime: number): ContextEntry['stamp'] {
  return { messageId, conversationId: CONV, senderId: 'alice', serverTime };
}

