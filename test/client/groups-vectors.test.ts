// test/vectors/groups.json (MLS groups with franking, docs/PROTOCOL.md §12), checked in Node and in Chromium:
// credential binding (§12.2), roles encoding (§12.5), epoch tag and authenticated data (§12.4), the version 2
// header and its commitment (§12.3), per-member stamps (§12.8), and the relay's view of a real MLS message.
// Commitment, AD and epoch tag are also re-derived from the spec text with @noble/hashes alone.
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  GROUP_AD_LABEL, GroupError, credentialBindingInput, decodeGroupAd, decodeMemberCredential, decodeRoles, encodeGroupAd, encodeMemberCredential, encodeRoles, epochTag,
  inspectGroupWire,
} from '../../client/group/index.ts';
import { verifyCredentialBinding } from '../../client/group/credential.ts';
import { frankMessage } from '../../client/franking/franking.ts';
import { decodeHeader } from '../../client/franking/header.ts';
import { Keyring } from '../../client/franking/keyring.ts';
import { computeStamp } from '../../client/franking/stamp.ts';
import v from '../vectors/groups.json';

const hex = bytesToHex;
const det = (purpose: string, i = 0, length = 32) => sha256(utf8ToBytes(`franking-chat group vectors\0${purpose}\0${i}`)).slice(0, length);

describe('§12.2 credentials bound to the identity key', () => {
  it.each(v.credentials)('$accountId', (c) => {
    expect(hex(ed25519.getPublicKey(hexToBytes(c.identitySeed)))).toBe(c.identitySigningKey);
    const input = credentialBindingInput(c.accountId, hexToBytes(c.credentialKey));
    expect(hex(input)).toBe(c.bindingInput);
    // Re-derived from the text: label ‖ u8 len ‖ accountId ‖ credentialKey.
    expect(hex(concatBytes(utf8ToBytes('franking-chat/v1/mls-credential\0'), new Uint8Array([c.accountId.length]), utf8ToBytes(c.accountId), hexToBytes(c.credentialKey)))).toBe(c.bindingInput);
    expect(hex(ed25519.sign(input, hexToBytes(c.identitySeed)))).toBe(c.binding);
    const encoded = encodeMemberCredential({ accountId: c.accountId, identitySigningKey: hexToBytes(c.identitySigningKey), binding: hexToBytes(c.binding) });
    expect(hex(encoded)).toBe(c.credential);
    expect(decodeMemberCredential(encoded)).toEqual({ accountId: c.accountId, identitySigningKey: hexToBytes(c.identitySigningKey), binding: hexToBytes(c.binding) });
    const credential = { credentialType: 'basic' as const, identity: encoded };
    expect(verifyCredentialBinding(credential, hexToBytes(c.credentialKey)).accountId).toBe(c.accountId);
    // Another credential key, or one flipped bit anywhere in the credential, is refused.
    expect(() => verifyCredentialBinding(credential, ed25519.getPublicKey(det('other')))).toThrow(GroupError);
    for (let i = 0; i < encoded.length; i += 7) {
      const bad = encoded.slice();
      bad[i] = (bad[i] as number) ^ 0x01;
      expect(() => verifyCredentialBinding({ credentialType: 'basic', identity: bad }, hexToBytes(c.credentialKey))).toThrow(GroupError);
    }
  });
});

describe('§12.5 roles', () => {
  it.each(v.roles)('creator $creator, admins $admins', (r) => {
    expect(hex(encodeRoles(r))).toBe(r.encoded);
    expect(decodeRoles(hexToBytes(r.encoded))).toEqual({ creator: r.creator, admins: [...r.admins].sort() });
  });
  it.each(v.nonCanonicalRoles)('non-canonical encoding %s is refused', (h) => {
    expect(() => decodeRoles(hexToBytes(h))).toThrow(GroupError);
  });
});

describe('§12.4 epoch tag and authenticated data', () => {
  it.each(v.epochTags)('epoch tag of $epochAuthenticator', (t) => {
    expect(hex(epochTag(hexToBytes(t.epochAuthenticator)))).toBe(t.epochTag);
    expect(hex(hmac(sha256, hexToBytes(t.epochAuthenticator), utf8ToBytes('franking-chat/v1/mls-epoch-tag\0')).slice(0, 16))).toBe(t.epochTag);
  });
  it('authenticated data = label ‖ c ‖ epochTag', () => {
    const m = v.message;
    const ad = encodeGroupAd(hexToBytes(m.commitment), hexToBytes(m.epochTag));
    expect(hex(ad)).toBe(m.authenticatedData);
    expect(hex(concatBytes(utf8ToBytes('franking-chat/v1/mls-ad\0'), hexToBytes(m.commitment), hexToBytes(m.epochTag)))).toBe(m.authenticatedData);
    expect(ad.length).toBe(GROUP_AD_LABEL.length + 48);
    expect(decodeGroupAd(ad)).toEqual({ commitment: hexToBytes(m.commitment), epochTag: hexToBytes(m.epochTag) });
    expect(() => decodeGroupAd(ad.slice(1))).toThrow(GroupError);
  });
});

describe('§12.3 the group header (version 2) and its commitment; §12.8 stamps per member', () => {
  const m = v.message;
  it('header, commitment and payload', () => {
    let draws = 0;
    const f = frankMessage(
      { conversationId: m.conversationId, senderId: m.senderId, seq: m.seq, prevCommitment: hexToBytes(m.prevCommitment), sentAt: m.sentAt, epoch: m.epoch },
      hexToBytes(m.body),
      { randomBytes: (n) => det('random', draws++, n) },
    );
    expect(hex(f.headerBytes)).toBe(m.header);
    expect(hex(f.fk)).toBe(m.fk);
    expect(hex(f.commitment)).toBe(m.commitment);
    expect(hex(f.payload)).toBe(m.payload);
    // §4.3 re-derived: HMAC-SHA256(fk, "franking-chat/v1/commitment\0" ‖ u32be(len(header)) ‖ header ‖ body).
    const header = hexToBytes(m.header);
    const len = new Uint8Array([0, 0, header.length >> 8, header.length & 0xff]);
    expect(hex(hmac(sha256, hexToBytes(m.fk), concatBytes(utf8ToBytes('franking-chat/v1/commitment\0'), len, header, hexToBytes(m.body))))).toBe(m.commitment);
    const h = decodeHeader(hexToBytes(m.header));
    expect(h).toMatchObject({ version: 2, conversationId: m.conversationId, senderId: m.senderId, seq: m.seq, epoch: m.epoch });
    // The epoch is the last 8 bytes (u64 big-endian).
    expect(hex(hexToBytes(m.header).slice(-8))).toBe(m.epoch.toString(16).padStart(16, '0'));
  });
  it.each(m.stamps)('stamp for $recipientId ($role)', (s) => {
    const ring = Keyring.create(m.kid, hexToBytes(m.stampKey), 1_700_000_000_000);
    const t = computeStamp(ring, { messageId: m.messageId, conversationId: m.conversationId, senderId: m.senderId, recipientId: s.recipientId, role: s.role as 'recipient' | 'sender', serverTime: m.serverTime }, hexToBytes(m.commitment));
    expect(t.kid).toBe(s.kid);
    expect(hex(t.tag)).toBe(s.tag);
  });
});

describe('§12.8 what the relay reads of a real MLS application message', () => {
  it('group id, epoch and the commitment from the authenticated data', () => {
    const info = inspectGroupWire(hexToBytes(v.relayView.message));
    expect(info).toMatchObject({ kind: 'application', conversationId: v.relayView.conversationId, epoch: v.relayView.epoch });
    if (info.kind === 'application') expect(hex(info.commitment)).toBe(v.relayView.commitment);
  });
});
