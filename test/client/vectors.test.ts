// test/vectors/franking.json, checked twice: through the library, and independently from the byte layout
// in docs/PROTOCOL.md with WebCrypto's HMAC-SHA256 (a different implementation from noble's).
// Runs unchanged in Node and in Chromium, through the library under every crypto provider of the runtime
// (./_providers.ts: noble, node:crypto, WebCrypto): the same bytes and verdicts under each.
import { describe, expect, inject, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  type AttachmentDescriptor,
  Keyring,
  type MessageHeader,
  computeCommitment,
  computeCommitmentAsync,
  openFrankedPayloadAsync,
  verifyReportItemAsync,
  decodeHeader,
  decodePayload,
  decodeReportItem,
  encodeHeader,
  encodePayload,
  encodeReportItem,
  encodeStampInput,
  equalBytes,
  stampTag,
  verifyReportItem,
} from '../../client/protocol.ts';
import vectorFile from '../vectors/franking.json';
import { ASYNC, SYNC } from './_providers.ts';
import { cat, label, str8, u, v8, webHmac } from './_spec-encoding.ts';

type Body = { hex: string } | { repeatHex: string; count: number };
const bodyOf = (b: Body): Uint8Array => {
  if ('hex' in b) return hexToBytes(b.hex);
  const unit = hexToBytes(b.repeatHex);
  const out = new Uint8Array(unit.length * b.count);
  for (let i = 0; i < b.count; i++) out.set(unit, i * unit.length);
  return out;
};


const { vectors, negative, now, windowMs } = vectorFile;
const keyring = Keyring.fromJSON(vectorFile.keyring);
const keyHex = (kid: string) => vectorFile.keys.find((k) => k.kid === kid)!.key;

function headerOf(v: (typeof vectors)[number]): MessageHeader {
  return {
    version: 1,
    ...v.header,
    clientMessageId: hexToBytes(v.header.clientMessageId),
    prevCommitment: hexToBytes(v.header.prevCommitment),
    attachments: v.header.attachments.map(
      (a): AttachmentDescriptor => ({ ...a, key: hexToBytes(a.key), params: hexToBytes(a.params), ciphertextDigest: hexToBytes(a.ciphertextDigest) }),
    ),
  };
}

describe(`franking vectors (${inject('runtime')})`, () => {
  it('has at least 30 positive vectors and a negative vector for every failure reason', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(30);
    const reasons = new Set(negative.map((n) => n.expected));
    for (const r of ['malformed', 'not_a_party', 'unknown_key', 'retired_key', 'stamp_invalid', 'outside_window', 'commitment_mismatch', 'header_mismatch'])
      expect(reasons).toContain(r);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: spec-only derivation with WebCrypto', async (_name, v) => {
    const h = v.header;
    const headerBytes = cat(
      u(1, 1), str8(h.conversationId), str8(h.senderId), hexToBytes(h.clientMessageId), u(h.sentAt, 8), u(h.seq, 4),
      hexToBytes(h.prevCommitment), str8(h.contentType), u(h.attachments.length, 1),
      ...h.attachments.map((a) =>
        cat(str8(a.blobId), u(a.scheme, 1), hexToBytes(a.key), v8(hexToBytes(a.params)), hexToBytes(a.ciphertextDigest), u(a.size, 8), str8(a.mediaType)),
      ),
    );
    expect(bytesToHex(headerBytes)).toBe(v.headerHex);
    const body = bodyOf(v.body);
    const commitInput = cat(label('franking-chat/v1/commitment'), u(headerBytes.length, 4), headerBytes, body);
    expect(await webHmac(hexToBytes(v.fk), commitInput)).toBe(v.commitment);
    const s = v.stamp;
    const stampInput = cat(
      label('franking-chat/v1/stamp'), hexToBytes(v.commitment), str8(s.messageId), str8(s.conversationId), str8(s.senderId),
      str8(s.recipientId), u(s.role === 'recipient' ? 1 : 2, 1), u(s.serverTime, 8),
    );
    expect(bytesToHex(stampInput)).toBe(v.stampInputHex);
    expect(await webHmac(hexToBytes(keyHex(s.kid)), stampInput)).toBe(v.tag);
    // §8.2 step 4: the stamp's time lies in its key's stamping period, widened by 5 minutes on each side.
    const k = vectorFile.keyring.keys.find((x) => x.kid === s.kid) as { createdAt: number; rotatedAt?: number };
    expect(s.serverTime).toBeGreaterThanOrEqual(k.createdAt - 300_000);
    if (k.rotatedAt !== undefined) expect(s.serverTime).toBeLessThan(k.rotatedAt + 300_000);
    const item = cat(
      u(1, 1), str8(s.messageId), str8(s.conversationId), str8(s.senderId), str8(s.recipientId), u(s.role === 'recipient' ? 1 : 2, 1),
      u(s.serverTime, 8), str8(s.kid), hexToBytes(v.tag), hexToBytes(v.commitment), hexToBytes(v.fk),
      cat(u(headerBytes.length, 2), headerBytes), cat(u(body.length, 4), body),
    );
    if ('reportItemHex' in v) expect(bytesToHex(item)).toBe(v.reportItemHex);
    else expect(bytesToHex(sha256(item))).toBe(v.reportItemSha256);
    if ('payloadHex' in v) expect(bytesToHex(cat(u(1, 1), u(headerBytes.length, 2), headerBytes, hexToBytes(v.fk), body))).toBe(v.payloadHex);
  });

  it.each(SYNC.flatMap((p) => vectors.map((v) => [v.name, p.name, p, v] as const)))('%s: library encodes, verifies and round-trips (%s)', async (_name, _p, p, v) => {
    const header = headerOf(v);
    const headerBytes = encodeHeader(header);
    expect(bytesToHex(headerBytes)).toBe(v.headerHex);
    expect(encodeHeader(decodeHeader(headerBytes))).toEqual(headerBytes);
    const body = bodyOf(v.body);
    const fk = hexToBytes(v.fk);
    const commitment = computeCommitment(fk, headerBytes, body, p.hmacSha256);
    expect(bytesToHex(commitment)).toBe(v.commitment);
    // The async path (WebCrypto HMAC from 32 KiB on) gives the same bytes.
    expect(bytesToHex(await computeCommitmentAsync(fk, headerBytes, body))).toBe(v.commitment);
    const fields = { ...v.stamp, role: v.stamp.role as 'recipient' | 'sender' };
    expect(bytesToHex(encodeStampInput(fields, commitment))).toBe(v.stampInputHex);
    const tag = stampTag(hexToBytes(keyHex(v.stamp.kid)), fields, commitment, p.hmacSha256);
    expect(bytesToHex(tag)).toBe(v.tag);
    const item = { stamp: { ...fields, tag }, commitment, fk, header: headerBytes, body };
    const encoded = encodeReportItem(item);
    if ('reportItemHex' in v) expect(bytesToHex(encoded)).toBe(v.reportItemHex);
    else expect(bytesToHex(sha256(encoded))).toBe(v.reportItemSha256);
    const decoded = decodeReportItem(encoded);
    expect(decoded.stamp).toEqual(item.stamp);
    expect(equalBytes(encodeReportItem(decoded), encoded)).toBe(true);
    if ('payloadHex' in v) {
      const payload = encodePayload(headerBytes, fk, body);
      expect(bytesToHex(payload)).toBe(v.payloadHex);
      expect(decodePayload(payload).body).toEqual(body);
    }
    const verdict = verifyReportItem(encoded, keyring, v.reporterId, now, windowMs, { crypto: p });
    expect(verdict.reason).toBe('verified');
  });

  it.each(ASYNC.flatMap((p) => vectors.map((v) => [v.name, p.name, p, v] as const)))('%s: async API (%s)', async (_name, _p, p, v) => {
    const headerBytes = hexToBytes(v.headerHex);
    const body = bodyOf(v.body);
    const fk = hexToBytes(v.fk);
    expect(bytesToHex(await computeCommitmentAsync(fk, headerBytes, body, p))).toBe(v.commitment);
    expect(bytesToHex(await p.hmacSha256(hexToBytes(keyHex(v.stamp.kid)), hexToBytes(v.stampInputHex)))).toBe(v.tag);
    if ('payloadHex' in v) {
      const opened = await openFrankedPayloadAsync(hexToBytes(v.payloadHex as string), hexToBytes(v.commitment), { senderId: v.header.senderId }, p);
      expect(bytesToHex(opened.body)).toBe(bytesToHex(body));
      const wrong = hexToBytes(v.commitment);
      wrong[31]! ^= 1;
      await expect(openFrankedPayloadAsync(hexToBytes(v.payloadHex as string), wrong, {}, p)).rejects.toMatchObject({ code: 'commitment_mismatch' });
    }
  });

  it.each(SYNC.flatMap((p) => negative.map((n) => [n.name, p.name, p, n] as const)))('negative: %s (%s)', (_name, _p, p, n) => {
    const verdict = verifyReportItem(hexToBytes(n.reportItemHex), keyring, n.reporterId, now, windowMs, { crypto: p });
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe(n.expected);
  });

  it.each(ASYNC.flatMap((p) => negative.map((n) => [n.name, p.name, p, n] as const)))('negative, async verifier: %s (%s)', async (_name, _p, p, n) => {
    const verdict = await verifyReportItemAsync(hexToBytes(n.reportItemHex), keyring, n.reporterId, now, windowMs, { crypto: p });
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe(n.expected);
  });

  it.each(ASYNC.flatMap((p) => vectors.filter((v) => 'reportItemHex' in v).map((v) => [v.name, p.name, p, v] as const)))('%s: async verifier (%s)', async (_name, _p, p, v) => {
    const verdict = await verifyReportItemAsync(hexToBytes(v.reportItemHex as string), keyring, v.reporterId, now, windowMs, { crypto: p });
    expect(verdict.reason).toBe('verified');
  });

  it("the async verifier decides with the async provider's MACs (a lying provider is caught at the MAC it lies about)", async () => {
    const v = vectors.find((x) => 'reportItemHex' in x)!;
    const item = hexToBytes(v.reportItemHex as string);
    const lying = (which: number) => {
      let call = 0;
      const base = ASYNC[0]!;
      return { ...base, hmacSha256: async (k: Uint8Array, ...c: Uint8Array[]) => {
        const mac = await base.hmacSha256(k, ...c);
        if (call++ === which) mac[0]! ^= 1;
        return mac;
      } };
    };
    expect((await verifyReportItemAsync(item, keyring, v.reporterId, now, windowMs, { crypto: lying(0) })).reason).toBe('stamp_invalid');
    expect((await verifyReportItemAsync(item, keyring, v.reporterId, now, windowMs, { crypto: lying(1) })).reason).toBe('commitment_mismatch');
    expect((await verifyReportItemAsync(item, keyring, v.reporterId, now, windowMs, { crypto: lying(2) })).reason).toBe('verified');
  });
});
