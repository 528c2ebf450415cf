// test/vectors/copies.json (docs/PROTOCOL-devices.md D11.1, D20), in Node and in Chromium: CopyAD re-derived from
// the spec text with its own encoders (./_spec-encoding.ts, no client/ code) and the commitment with WebCrypto's HMAC;
// then, under every sync provider of the runtime, the SDK re-runs the deterministic world and must produce the very
// same lists, header, fk, c and sealed copies, every copy opens on its device (receiveCopy, D11.3), and every negative
// gives its code.
import { describe, expect, it } from 'vitest';
import { bytesToHex as hex, hexToBytes as bytes } from '@noble/hashes/utils.js';
import { type CopyEnvelope, type CopyReceipt, DeviceError, encodeCopyAd, receiveCopy, sendFanOut } from '../../client/devices/index.ts';
import { SenderChain } from '../../client/franking/index.ts';
import { SessionError } from '../../client/session/index.ts';
import type { CryptoProvider } from '../../client/crypto/index.ts';
import { SYNC } from './_providers.ts';
import { cat, label, str8, u, webHmac } from './_spec-encoding.ts';
import { buildWorld, deliver, receiveOn, sessionsFrom, T0 } from './_fanout-world.ts';
import v from '../vectors/copies.json';

const KIND = { recipient: 1, own: 2 } as Record<string, number>;
type Fields = (typeof v.copyAds)[number]['fields'];
const specCopyAd = (f: Fields) =>
  cat(
    label('franking-chat/v1/copy-ad'), str8(f.senderId), u(f.senderDeviceId, 4), str8(f.targetAccountId), u(f.targetDeviceId, 4), u(KIND[f.copyKind]!, 1),
    u(f.senderListVersion, 8), bytes(f.senderListHash), u(f.targetListVersion, 8), bytes(f.targetListHash),
  );

describe('copies.json: re-derivation from the spec text (D11.1)', () => {
  it.each(v.copyAds.map((x) => [x.name, x] as const))('CopyAD: %s', (_n, x) => {
    expect(hex(specCopyAd(x.fields))).toBe(x.hex);
    expect(bytes(x.hex).length).toBe(25 + 1 + x.fields.senderId.length + 4 + 1 + x.fields.targetAccountId.length + 4 + 1 + 2 * 40);
  });

  it('each copy states the lists of the vectors: sender alice version 2, target its account’s newest version', () => {
    const aliceHash = v.lists.alice.at(-1)!.listHash;
    for (const c of v.message.copies) {
      const target = c.accountId === 'alice' ? v.lists.alice.at(-1)! : v.lists.bob.at(-1)!;
      const fields = { senderId: 'alice', senderDeviceId: 1, targetAccountId: c.accountId, targetDeviceId: c.deviceId, copyKind: c.copyKind, senderListVersion: 2, senderListHash: aliceHash, targetListVersion: target.listVersion, targetListHash: target.listHash };
      expect(hex(specCopyAd(fields))).toBe(c.copyAd);
    }
  });

  it('one c for all copies: HMAC-SHA256(fk, COMMITMENT_LABEL ‖ u32 len(header) ‖ header ‖ body) by WebCrypto', async () => {
    const header = bytes(v.message.header);
    const body = new TextEncoder().encode(v.message.body);
    expect(await webHmac(bytes(v.message.fk), cat(label('franking-chat/v1/commitment'), u(header.length, 4), header, body))).toBe(v.message.commitment);
    // Header version 3 with the sending device right after senderId (D10.1).
    expect(header[0]).toBe(3);
    expect(hex(header.subarray(1, 1 + 1 + v.message.conversationId.length + 1 + 5 + 4))).toBe(hex(cat(str8(v.message.conversationId), str8('alice'), u(1, 4))));
  });
});

const codeOf = (f: () => CopyReceipt): string => {
  try {
    const r = f();
    return r.status === 'dropped' ? `dropped:${r.code}` : r.status;
  } catch (e) {
    if (DeviceError.is(e) || SessionError.is(e)) return e.code;
    throw e;
  }
};

function replay(crypto: CryptoProvider) {
  const world = buildWorld(crypto);
  const [alice, bob] = [world.alice.current, world.bob.current];
  const a1 = world.alice.devices.get(1)!;
  const send = sendFanOut({
    chain: new SenderChain(v.message.conversationId, 'alice', 1), body: new TextEncoder().encode(v.message.body),
    frank: { sentAt: v.message.sentAt, randomBytes: a1.random }, own: alice, peer: bob, sessionFor: sessionsFrom(world, a1, { alice, bob }),
  });
  const envelopes = deliver(world, send, 'bob', 'm1', v.message.serverTime);
  const pins = { alice: world.alice.pin(), bob: world.bob.pin() };
  const device = (key: string) => (key.startsWith('alice') ? world.alice : world.bob).devices.get(Number(key.split('#')[1]))!;
  return { world, send, envelopes, pins, device };
}

describe.each(SYNC.map((p) => [p.name, p] as const))('copies.json: the SDK with %s', (_name, crypto) => {
  it('the same lists, CopyADs, header, fk, c and sealed copies', () => {
    const { world, send } = replay(crypto);
    expect(world.alice.versions.map((x) => hex(x.bytes))).toEqual(v.lists.alice.map((x) => x.signed));
    expect(world.bob.versions.map((x) => hex(x.bytes))).toEqual(v.lists.bob.map((x) => x.signed));
    for (const x of v.copyAds) expect(hex(encodeCopyAd({ ...x.fields, copyKind: x.fields.copyKind as 'recipient' | 'own', senderListHash: bytes(x.fields.senderListHash), targetListHash: bytes(x.fields.targetListHash) }))).toBe(x.hex);
    expect(hex(send.franked.headerBytes)).toBe(v.message.header);
    expect(hex(send.franked.fk)).toBe(v.message.fk);
    expect(hex(send.franked.commitment)).toBe(v.message.commitment);
    expect(hex(send.franked.payload)).toBe(v.message.payload);
    expect(send.copies.map((c) => [c.accountId, c.deviceId, c.copyKind, hex(c.ciphertext)])).toEqual(v.message.copies.map((c) => [c.accountId, c.deviceId, c.copyKind, c.ciphertext]));
  });

  it('every copy opens on its device with the one c and the same header', () => {
    const { world, envelopes, pins, device } = replay(crypto);
    for (const c of v.message.copies) {
      const key = `${c.accountId}#${c.deviceId}`;
      const r = receiveOn(world, device(key), envelopes.get(key)!, pins);
      if (r.status !== 'accepted') throw new Error(`${key}: ${r.status}`);
      expect(new TextDecoder().decode(r.message.body)).toBe(v.message.body);
      expect(hex(r.message.commitment)).toBe(v.message.commitment);
      expect(hex(r.message.headerBytes)).toBe(v.message.header);
      expect([r.copyKind, r.deliveredToDeviceId, r.alarms]).toEqual([c.copyKind, c.deviceId, []]);
      expect(r.message.header.sentAt).toBe(T0 + 10 * 60_000);
    }
  });

  it.each(v.negatives.map((n) => [n.name, n] as const))('negative: %s', (_n, n) => {
    const { world, envelopes, pins, device } = replay(crypto);
    const original = envelopes.get(n.copy)!;
    const change = n.change as Record<string, unknown>;
    const envelope: CopyEnvelope = {
      ...original,
      ...(change.targetDeviceId !== undefined && { targetDeviceId: change.targetDeviceId as number }),
      ...(change.copyKind !== undefined && { copyKind: change.copyKind as 'own' }),
      ...(change.stamp !== undefined && { stamp: envelopes.get(change.stamp as string)!.stamp }),
      ...(change.commitment !== undefined && { commitment: bytes(change.commitment as string) }),
      ...(change.targetListVersion !== undefined && { targetListVersion: change.targetListVersion as number, targetListHash: bytes(change.targetListHash as string) }),
      ...(change.senderDeviceId !== undefined && { senderDeviceId: change.senderDeviceId as number }),
    };
    const receiver = device(n.receiver);
    if (n.clone === undefined) {
      expect(codeOf(() => receiveOn(world, receiver, envelope, pins))).toBe(n.code);
      return;
    }
    // Device 3 restored from a copy of device 1's storage (its identity and prekeys): X3DH succeeds, CopyAD does not.
    const cloned = device(n.clone);
    const ctx = {
      accountId: receiver.accountId, deviceId: receiver.deviceId, senderPinned: pins.alice, ownPinned: pins.bob, ownLog: world.bob.ownLog(), session: null,
      responder: { identity: cloned.identity, preKeys: cloned.preKeys }, crypto,
    };
    expect(codeOf(() => receiveCopy(envelope, ctx))).toBe(n.code);
    expect(codeOf(() => receiveCopy(original, { ...ctx, deviceId: 1 }))).toBe('accepted'); // the same storage as device 1 opens it
  });
});
