// test/vectors/link.json (docs/PROTOCOL-linking.md L11), checked two ways in Node and in Chromium: an independent
// re-derivation from the spec text with raw primitives (@noble directly: L3 code bytes, L4 commitment, transcript, keys,
// L5 short code, L6 nonce/AD and every sealed frame — no client/link code), and the SDK under every sync crypto provider
// of the runtime (./_providers.ts): both sides replayed with the vector's draws give the same frames byte for byte,
// and every negative gives its LinkError code. (The link channel has no async API: WebCrypto's X25519 and HKDF would
// add nothing to a handshake of two key agreements.)
import { describe, expect, it } from 'vitest';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as hex, hexToBytes as bytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import type { CryptoProvider } from '../../client/crypto/index.ts';
import { decodeDeviceList, decodeHistoryDescriptor, encodeDeviceList, verifyListStep } from '../../client/devices/index.ts';
import {
  checkLinkCommitment, decodeLinkCode, encodeLinkCode, decodeLinkMessage, deriveLinkKeys, encodeLinkMessage, ExistingDeviceLink, LinkError, type LinkKeys, NewDeviceLink,
  type OutgoingFrame, openLinkFrame, parseLinkCodeText, readHandshakeFrame, checkDeviceMessage,
} from '../../client/link/index.ts';
import v from '../vectors/link.json';
import { SYNC } from './_providers.ts';
import { cat, label, u } from './_spec-encoding.ts';

const codeBytes = bytes(v.code.bytes);
const EE = bytes(v.handshake.existingKey);

describe('link.json from the spec text (raw primitives)', () => {
  it('L3: the code is version ‖ channelId ‖ EN ‖ linkSecret ‖ vec8 origin, and its text is FCLINK1- ‖ base64url', () => {
    const EN = x25519.getPublicKey(bytes(v.draws.nEphemeralPrivate));
    expect(hex(cat(u(1, 1), bytes(v.draws.channelId), EN, bytes(v.draws.linkSecret), u(0, 1)))).toBe(v.code.bytes);
    expect(v.code.text).toBe(`FCLINK1-${base64urlnopad.encode(codeBytes)}`);
    const origin = utf8ToBytes(v.codeWithOrigin.origin);
    expect(hex(cat(codeBytes.subarray(0, 65), u(origin.length, 1), origin))).toBe(v.codeWithOrigin.bytes);
  });

  it('L4–L5: commitment, transcript, shared secret, keys and short code', () => {
    expect(hex(x25519.getPublicKey(bytes(v.draws.eEphemeralPrivate)))).toBe(v.handshake.existingKey);
    const commitment = sha256(cat(label('franking-chat/v1/link-commit'), EE));
    expect(hex(commitment)).toBe(v.handshake.commitment);
    const th = sha256(cat(label('franking-chat/v1/link-transcript'), codeBytes, commitment, bytes(v.draws.nonceN), EE));
    expect(hex(th)).toBe(v.handshake.transcript);
    const ss = x25519.getSharedSecret(bytes(v.draws.nEphemeralPrivate), EE);
    expect(hex(ss)).toBe(v.handshake.sharedSecret);
    expect(hex(x25519.getSharedSecret(bytes(v.draws.eEphemeralPrivate), codeBytes.subarray(17, 49)))).toBe(v.handshake.sharedSecret);
    const ikm = cat(ss, bytes(v.draws.linkSecret));
    const okm = hkdf(sha256, ikm, th, label('franking-chat/v1/link-keys'), 64);
    expect(hex(okm.subarray(0, 32))).toBe(v.handshake.toExisting);
    expect(hex(okm.subarray(32))).toBe(v.handshake.toNew);
    const sas = hkdf(sha256, ikm, th, label('franking-chat/v1/link-sas'), 4);
    const n = new DataView(sas.buffer, sas.byteOffset).getUint32(0);
    expect(String(n % 1_000_000).padStart(6, '0')).toBe(v.handshake.shortCode);
  });

  it('L6: every sealed frame is 0x04 ‖ ChaCha20-Poly1305(k_dir, 0^4 ‖ u64 seq, plaintext, label ‖ th ‖ dir ‖ u64 seq)', () => {
    const th = bytes(v.handshake.transcript);
    for (const f of v.frames) {
      if (f.frameType !== 'sealed') {
        const value = f.frameType === 'commit' ? v.handshake.commitment : f.frameType === 'nonce' ? v.draws.nonceN : v.handshake.existingKey;
        expect(f.frame).toBe(hex(cat(u({ commit: 1, nonce: 2, reveal: 3 }[f.frameType]!, 1), bytes(value))));
        continue;
      }
      const toE = f.from === 'N';
      const key = bytes(toE ? v.handshake.toExisting : v.handshake.toNew);
      const nonce = cat(u(0, 4), u(f.seq, 8));
      const ad = cat(label('franking-chat/v1/link-ad'), th, u(toE ? 1 : 2, 1), u(f.seq, 8));
      expect(f.frame, `${f.from} ${f.seq}`).toBe(hex(cat(u(4, 1), chacha20poly1305(key, nonce, ad).encrypt(bytes(f.plaintext!)))));
    }
  });

  it('L7: the device message is the keys, the name and two proofs over LINK_DEVICE_LABEL ‖ th ‖ keys', () => {
    const d = v.newDevice;
    const f = v.frames.find((x) => x.from === 'N' && x.frameType === 'sealed')!;
    const keysBytes = cat(bytes(d.identitySigningKey), bytes(d.identityDhKey), bytes(d.credentialKey));
    const input = cat(label('franking-chat/v1/link-device'), bytes(v.handshake.transcript), keysBytes);
    const name = utf8ToBytes(d.name);
    expect(f.plaintext).toBe(hex(cat(u(0x10, 1), keysBytes, u(name.length, 1), name, ed25519.sign(input, bytes(d.signingSeed)), ed25519.sign(input, bytes(d.credentialSeed)))));
    // list: id accountId ‖ vec16 body; cosign: the D4.3 cosignature; done: the type alone.
    const list = v.frames.find((x) => x.from === 'E' && (x.message as { type?: string } | null)?.type === 'list')!;
    const body = bytes((list.message as { body: string }).body);
    expect(list.plaintext).toBe(hex(cat(u(0x11, 1), u(v.account.accountId.length, 1), utf8ToBytes(v.account.accountId), u(body.length, 2), body)));
    const cosign = v.frames.find((x) => (x.message as { type?: string } | null)?.type === 'cosign')!;
    expect(cosign.plaintext).toBe(hex(cat(u(0x12, 1), ed25519.sign(cat(label('franking-chat/v1/device-list-cosign'), u(body.length, 4), body), bytes(d.signingSeed)))));
    expect(v.frames.at(-1)!.plaintext).toBe('15');
  });
});

/** Replays both sides with the vector's draws under one provider; returns every frame in delivery order. */
function replay(crypto: CryptoProvider) {
  const draws = (list: string[]) => (n: number) => {
    const next = list.shift();
    if (next === undefined || next.length !== 2 * n) throw new Error(`unexpected draw of ${n} bytes`);
    return bytes(next);
  };
  const d = v.newDevice;
  const secrets = {
    identitySigningKey: bytes(d.identitySigningKey), identityDhKey: bytes(d.identityDhKey), credentialKey: bytes(d.credentialKey),
    signingPrivateKey: bytes(d.signingSeed), credentialPrivateKey: bytes(d.credentialSeed),
  };
  const n = new NewDeviceLink(bytes(v.draws.channelId), '', secrets, d.name, { crypto, random: draws([v.draws.nEphemeralPrivate, v.draws.linkSecret, v.draws.nonceN]) });
  const e = new ExistingDeviceLink(decodeLinkCode(bytes(v.code.bytes)), { crypto, random: draws([v.draws.eEphemeralPrivate]) });
  const out: string[] = [];
  const toN = (f: OutgoingFrame) => (out.push(hex(f.frame)), n.receive(f.seq, f.frame));
  const toE = (f: OutgoingFrame) => (out.push(hex(f.frame)), e.receive(f.seq, f.frame));
  const s2 = toE(toN(e.start()).send[0]!);
  const s3 = toN(s2.send[0]!);
  const s4 = toE(s3.send[0]!);
  const listFrame = v.frames.find((x) => (x.message as { type?: string } | null)?.type === 'list')!;
  const body = bytes((listFrame.message as { body: string }).body);
  const s5 = toN(e.sendList(v.account.accountId, body));
  const s6 = toE(s5.send[0]!);
  const v2 = verifyListStep(verifyListStep(null, bytes(v.account.v1), v.account.accountId, crypto), bytes(v.account.v2), v.account.accountId, crypto);
  const events = [];
  for (const f of e.sendWelcome({ listVersion: 2, listHash: v2.listHash, deviceId: 2 }, bytes(v.state), { descriptor: decodeHistoryDescriptor(bytes(v.history.descriptor)), ciphertext: bytes(v.history.ciphertext) }))
    events.push(toN(f).event);
  const done = toE(n.done());
  return { out, n, e, s2, s3, s4, s5, s6, events, done };
}

describe.each(SYNC.map((p) => [p.name, p] as const))('the SDK under %s', (_name, crypto) => {
  it('replays the whole link byte for byte: frames, short codes, events', () => {
    const r = replay(crypto);
    expect(r.out).toEqual(v.frames.map((f) => f.frame));
    expect(r.s2.event).toEqual({ kind: 'short_code', shortCode: v.handshake.shortCode });
    expect(r.s3.event).toEqual({ kind: 'short_code', shortCode: v.handshake.shortCode });
    expect(r.s4.event).toMatchObject({ kind: 'device', name: v.newDevice.name });
    expect(r.s5.event).toMatchObject({ kind: 'list', accountId: v.account.accountId });
    expect(r.n.joiningAccount).toBe(v.account.accountId);
    const complete = r.events.at(-1);
    if (complete?.kind !== 'complete') throw new Error('expected complete');
    expect(hex(complete.state)).toBe(v.state);
    expect(hex(complete.history!.ciphertext)).toBe(v.history.ciphertext);
    expect(r.done.event).toEqual({ kind: 'done' });
  });

  it('L3: code text and bytes round-trip; every negative code gives its error', () => {
    expect(hex(parseLinkCodeText(` ${v.code.text}\n`).channelId)).toBe(v.draws.channelId);
    expect(hex(encodeLinkCode(parseLinkCodeText(v.code.text)))).toBe(v.code.bytes);
    expect(decodeLinkCode(bytes(v.codeWithOrigin.bytes)).origin).toBe(v.codeWithOrigin.origin);
    for (const c of v.negatives.codes) {
      const run = () => ('text' in c && c.text ? parseLinkCodeText(c.text) : decodeLinkCode(bytes((c as { bytes: string }).bytes)));
      expect(run, c.name).toThrow(LinkError);
      try {
        run();
      } catch (e) {
        expect((e as LinkError).code, c.name).toBe(c.code);
      }
    }
  });

  it('L4: keys and short code by the SDK; a wrong reveal and a low-order key are refused', () => {
    const code = decodeLinkCode(codeBytes);
    const k = deriveLinkKeys(bytes(v.draws.nEphemeralPrivate), EE, code, bytes(v.handshake.transcript), crypto);
    expect([hex(k.toExisting), hex(k.toNew), k.shortCode]).toEqual([v.handshake.toExisting, v.handshake.toNew, v.handshake.shortCode]);
    for (const h of v.negatives.handshake) {
      const run = () => {
        if ('frame' in h && h.frame) return readHandshakeFrame('reveal', bytes(h.frame));
        const reveal = bytes(h.reveal!);
        checkLinkCommitment(bytes(h.commitment!), reveal, crypto);
        return deriveLinkKeys(bytes(v.draws.nEphemeralPrivate), reveal, code, bytes(v.handshake.transcript), crypto);
      };
      expect(run, h.name).toThrow(expect.objectContaining({ code: h.code }));
    }
  });

  it('L6–L7: sealed-frame and message negatives', () => {
    const k: LinkKeys = { transcript: bytes(v.handshake.transcript), toExisting: bytes(v.handshake.toExisting), toNew: bytes(v.handshake.toNew), shortCode: v.handshake.shortCode };
    for (const s of v.negatives.sealed)
      expect(() => openLinkFrame(k, s.dir as 'toExisting' | 'toNew', s.seq, bytes(s.frame), crypto), s.name).toThrow(expect.objectContaining({ code: s.code }));
    for (const m of v.negatives.messages) {
      const run = () => {
        if ('frame' in m && m.frame) {
          const msg = decodeLinkMessage(openLinkFrame(k, 'toExisting', 2, bytes(m.frame), crypto));
          if (msg.type !== 'device') throw new Error('expected device');
          return checkDeviceMessage(k.transcript, msg, crypto);
        }
        return decodeLinkMessage(bytes(m.plaintext!));
      };
      expect(run, m.name).toThrow(expect.objectContaining({ code: m.code }));
    }
    // Every plaintext of the vectors decodes and re-encodes to itself (L7 canonical).
    for (const f of v.frames) if (f.plaintext) expect(hex(encodeLinkMessage(decodeLinkMessage(bytes(f.plaintext))))).toBe(f.plaintext);
    const list = decodeDeviceList(bytes((v.frames.find((x) => (x.message as { type?: string } | null)?.type === 'list')!.message as { body: string }).body));
    expect(hex(encodeDeviceList(list))).toBe((v.frames.find((x) => (x.message as { type?: string } | null)?.type === 'list')!.message as { body: string }).body);
  });
});
