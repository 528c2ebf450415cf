// Header versions 3 and 4, the chains and context completeness per sending device (docs/PROTOCOL-devices.md D10.1–D10.3):
// test/vectors/franking-devices.json re-derived from the spec text with WebCrypto's HMAC (not the library's code),
// checked through the library under every crypto provider, and the attacks of D19 A12 plus malformed headers.
// Runs unchanged in Node and in Chromium.
import { describe, expect, inject, it } from 'vitest';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  type AttachmentDescriptor,
  type ContextEntry,
  DEVICE_GROUP_HEADER_VERSION,
  DEVICE_HEADER_VERSION,
  FrankingError,
  Keyring,
  type MessageHeader,
  ReceiveChain,
  ReceiveChains,
  SenderChain,
  analyzeContext,
  computeCommitment,
  describeSenderContext,
  decodeHeader,
  decodePayload,
  decodeReportItem,
  encodeHeader,
  encodeReportItem,
  frankMessage,
  headerDeviceId,
  openFrankedPayload,
  verifyReportItem,
  verifyReportItemAsync,
} from '../../client/protocol.ts';
import vectorFile from '../vectors/franking-devices.json';
import { ASYNC, SYNC } from './_providers.ts';
import { cat, label, str8, u, v8, webHmac } from './_spec-encoding.ts';


const { vectors, negativeHeaders, negative, chains, now } = vectorFile;
const keyring = Keyring.fromJSON(vectorFile.keyring);
const stampKey = hexToBytes(vectorFile.keys[0]!.key);

type HeaderJson = (typeof vectors)[number]['header'];
function headerOf(h: HeaderJson): MessageHeader {
  return {
    ...h,
    clientMessageId: hexToBytes(h.clientMessageId),
    prevCommitment: hexToBytes(h.prevCommitment),
    attachments: h.attachments.map(
      (a): AttachmentDescriptor => ({ ...a, key: hexToBytes(a.key), params: hexToBytes(a.params), ciphertextDigest: hexToBytes(a.ciphertextDigest) }),
    ),
  };
}

const isMalformed = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return FrankingError.is(e, 'malformed');
  }
  return false;
};

describe(`franking device vectors (${inject('runtime')})`, () => {
  it('covers both versions and every refusal D10.1 names', () => {
    expect(new Set(vectors.map((v) => v.header.version))).toEqual(new Set([DEVICE_HEADER_VERSION, DEVICE_GROUP_HEADER_VERSION]));
    expect(negativeHeaders.some((n) => n.name.includes('senderDeviceId 0'))).toBe(true);
    expect(chains.map((c) => c.name)).toEqual([
      'two devices interleave',
      'equivocation within one device',
      'gap in one device chain, the other complete',
      'v1 then v3 device 1 of a migrated account',
    ]);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: spec-only derivation with WebCrypto', async (_name, v) => {
    const h = v.header as HeaderJson & { epoch?: number };
    // D10.1: version ‖ conversationId ‖ senderId ‖ u32 senderDeviceId ‖ the v1 fields ‖ (version 4) u64 epoch.
    const headerBytes = cat(
      u(h.version, 1), str8(h.conversationId), str8(h.senderId), u(h.senderDeviceId, 4), hexToBytes(h.clientMessageId), u(h.sentAt, 8),
      u(h.seq, 4), hexToBytes(h.prevCommitment), str8(h.contentType), u(h.attachments.length, 1),
      ...h.attachments.map((a) =>
        cat(str8(a.blobId), u(a.scheme, 1), hexToBytes(a.key), v8(hexToBytes(a.params)), hexToBytes(a.ciphertextDigest), u(a.size, 8), str8(a.mediaType)),
      ),
      h.version === 4 ? u(h.epoch!, 8) : new Uint8Array(0),
    );
    expect(bytesToHex(headerBytes)).toBe(v.headerHex);
    const body = hexToBytes(v.bodyHex);
    expect(await webHmac(hexToBytes(v.fk), cat(label('franking-chat/v1/commitment'), u(headerBytes.length, 4), headerBytes, body))).toBe(v.commitment);
    // §5.2 payload and §8.1 report item are unchanged (the payload version stays 1).
    expect(bytesToHex(cat(u(1, 1), u(headerBytes.length, 2), headerBytes, hexToBytes(v.fk), body))).toBe(v.payloadHex);
    const s = v.stamp;
    const stampInput = cat(
      label('franking-chat/v1/stamp'), hexToBytes(v.commitment), str8(s.messageId), str8(s.conversationId), str8(s.senderId),
      str8(s.recipientId), u(s.role === 'recipient' ? 1 : 2, 1), u(s.serverTime, 8),
    );
    expect(bytesToHex(stampInput)).toBe(v.stampInputHex);
    expect(await webHmac(stampKey, stampInput)).toBe(v.tag);
    const item = cat(
      u(1, 1), str8(s.messageId), str8(s.conversationId), str8(s.senderId), str8(s.recipientId), u(s.role === 'recipient' ? 1 : 2, 1),
      u(s.serverTime, 8), str8(s.kid), hexToBytes(v.tag), hexToBytes(v.commitment), hexToBytes(v.fk),
      cat(u(headerBytes.length, 2), headerBytes), cat(u(body.length, 4), body),
    );
    expect(bytesToHex(item)).toBe(v.reportItemHex);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: through the library', async (_name, v) => {
    const header = headerOf(v.header);
    expect(bytesToHex(encodeHeader(header))).toBe(v.headerHex);
    expect(decodeHeader(hexToBytes(v.headerHex))).toEqual(header);
    expect(headerDeviceId(header)).toBe(v.header.senderDeviceId);
    const body = hexToBytes(v.bodyHex);
    for (const p of SYNC) expect(bytesToHex(computeCommitment(hexToBytes(v.fk), hexToBytes(v.headerHex), body, p.hmacSha256))).toBe(v.commitment);
    const payload = decodePayload(hexToBytes(v.payloadHex));
    expect(bytesToHex(payload.headerBytes)).toBe(v.headerHex);
    const bytes = hexToBytes(v.reportItemHex);
    expect(bytesToHex(encodeReportItem(decodeReportItem(bytes)))).toBe(v.reportItemHex);
    for (const p of SYNC) expect(verifyReportItem(bytes, keyring, v.reporterId, now, vectorFile.windowMs, { crypto: p })).toMatchObject({ ok: true });
    for (const p of ASYNC) expect(await verifyReportItemAsync(bytes, keyring, v.reporterId, now, vectorFile.windowMs, { crypto: p })).toMatchObject({ ok: true });
  });

  it.each(negativeHeaders.map((n) => [n.name, n] as const))('negative header %s: malformed', (_name, n) => {
    expect(isMalformed(() => decodeHeader(hexToBytes(n.headerHex)))).toBe(true);
  });

  it.each(negative.map((n) => [n.name, n] as const))('negative report %s', (_name, n) => {
    expect(verifyReportItem(hexToBytes(n.reportItemHex), keyring, n.reporterId, now)).toMatchObject({ ok: false, reason: n.expected });
  });

  it.each(chains.map((c) => [c.name, c] as const))('chain scenario %s: ReceiveChains observes what the file says', (_name, c) => {
    const rc = new ReceiveChains();
    for (const m of c.messages) expect(rc.observe(decodeHeader(hexToBytes(m.headerHex)), hexToBytes(m.commitment))).toEqual(m.expected);
  });

  it.each(chains.map((c) => [c.name, c] as const))('chain scenario %s: analyzeContext per device chain (D10.3)', (_name, c) => {
    const entries: ContextEntry[] = c.messages.map((m, i) => ({
      stamp: { messageId: `${c.name}/${i}`, conversationId: 'conv-chain', senderId: 'alice', serverTime: m.serverTime },
      header: decodeHeader(hexToBytes(m.headerHex)),
      commitment: hexToBytes(m.commitment),
    }));
    const { summaries, ...context } = c.context;
    const report = analyzeContext(entries);
    expect(report).toEqual(context);
    expect(report.senders.map(describeSenderContext)).toEqual(summaries);
  });
});

describe(`header versions 3 and 4: encoding rules (${inject('runtime')})`, () => {
  const base = headerOf(vectors[0]!.header);

  it('refuses device 0, a device beyond u32, a missing device, and a device on version 1 or 2', () => {
    for (const senderDeviceId of [0, -1, 1.5, 2 ** 32, Number.NaN]) expect(isMalformed(() => encodeHeader({ ...base, senderDeviceId }))).toBe(true);
    const { senderDeviceId: _drop, ...noDevice } = base;
    expect(isMalformed(() => encodeHeader({ ...noDevice, version: 3 }))).toBe(true);
    expect(isMalformed(() => encodeHeader({ ...noDevice, version: 4, epoch: 1 }))).toBe(true);
    expect(isMalformed(() => encodeHeader({ ...base, version: 1 }))).toBe(true);
    expect(isMalformed(() => encodeHeader({ ...base, version: 2, epoch: 1 }))).toBe(true);
    expect(isMalformed(() => encodeHeader({ ...base, version: 5 }))).toBe(true);
    // Epoch only on versions 2 and 4.
    expect(isMalformed(() => encodeHeader({ ...base, epoch: 1 }))).toBe(true);
    expect(isMalformed(() => encodeHeader({ ...base, version: 4 }))).toBe(true);
  });

  it('the codec accepts any listed-or-not id in [1, 2^32 − 1]: whether the device is in the sender list is D11.3 step 5, not the header', () => {
    for (const senderDeviceId of [1, 9, 2 ** 31, 2 ** 32 - 1]) {
      const h = { ...base, senderDeviceId };
      expect(decodeHeader(encodeHeader(h))).toEqual(h);
    }
  });

  it('every truncation and every one-byte extension of a v3 and a v4 header is malformed', () => {
    for (const v of [vectors[0]!, vectors[2]!, vectors[4]!]) {
      const bytes = hexToBytes(v.headerHex);
      for (let n = 0; n < bytes.length; n++) expect(isMalformed(() => decodeHeader(bytes.subarray(0, n)))).toBe(true);
      for (const extra of [0x00, 0x01, 0xff]) expect(isMalformed(() => decodeHeader(cat(bytes, Uint8Array.of(extra))))).toBe(true);
    }
  });

  it('version 1 and 2 headers read as device 1 and stay byte-identical (no senderDeviceId field)', () => {
    const { senderDeviceId: _drop, ...v1 } = base;
    const h1 = { ...v1, version: 1 };
    const d1 = decodeHeader(encodeHeader(h1));
    expect('senderDeviceId' in d1).toBe(false);
    expect(headerDeviceId(d1)).toBe(1);
    const d2 = decodeHeader(encodeHeader({ ...h1, version: 2, epoch: 3 }));
    expect(headerDeviceId(d2)).toBe(1);
    // v3 is exactly v1 with the version byte changed and four bytes after senderId.
    const b1 = encodeHeader(h1);
    const b3 = encodeHeader({ ...base, senderDeviceId: 7 });
    const at = 1 + 1 + base.conversationId.length + 1 + base.senderId.length;
    expect(bytesToHex(b3)).toBe(bytesToHex(cat(Uint8Array.of(3), b1.subarray(1, at), u(7, 4), b1.subarray(at))));
  });

  it('frankMessage produces version 1/2 without senderDeviceId and 3/4 with it; the opened header carries the device', () => {
    const body = utf8ToBytes('x');
    expect(frankMessage({ conversationId: 'c', senderId: 'a', seq: 1 }, body).header.version).toBe(1);
    expect(frankMessage({ conversationId: 'c', senderId: 'a', seq: 1, epoch: 2 }, body).header.version).toBe(2);
    const f3 = frankMessage({ conversationId: 'c', senderId: 'a', seq: 1, senderDeviceId: 3 }, body);
    expect(f3.header.version).toBe(3);
    const opened = openFrankedPayload(f3.payload, f3.commitment);
    expect(opened.header.senderDeviceId).toBe(3);
    expect(frankMessage({ conversationId: 'c', senderId: 'a', seq: 1, senderDeviceId: 3, epoch: 2 }, body).header.version).toBe(4);
    expect(isMalformed(() => frankMessage({ conversationId: 'c', senderId: 'a', seq: 1, senderDeviceId: 0 }, body))).toBe(true);
  });
});

describe(`chains per sending device (${inject('runtime')})`, () => {
  const body = (s: string) => utf8ToBytes(s);

  it('a SenderChain without a device is unchanged (v1, no senderDeviceId in its state); with one it franks v3 and persists the device', () => {
    const legacy = new SenderChain('conv', 'alice');
    expect(legacy.frank(body('a')).header.version).toBe(1);
    expect(Object.keys(legacy.toJSON())).toEqual(['conversationId', 'senderId', 'nextSeq', 'prevCommitment']);
    const d2 = new SenderChain('conv', 'alice', 2);
    const m1 = d2.frank(body('a'));
    expect(m1.header).toMatchObject({ version: 3, senderDeviceId: 2, seq: 1 });
    const restored = SenderChain.fromJSON(JSON.parse(JSON.stringify(d2.toJSON())));
    expect(restored.senderDeviceId).toBe(2);
    const m2 = restored.frank(body('b'), { epoch: 4 });
    expect(m2.header).toMatchObject({ version: 4, senderDeviceId: 2, seq: 2, epoch: 4 });
    expect(bytesToHex(m2.header.prevCommitment)).toBe(bytesToHex(m1.commitment));
    for (const id of [0, -1, 2 ** 32, 1.5]) expect(isMalformed(() => new SenderChain('conv', 'alice', id))).toBe(true);
    expect(isMalformed(() => SenderChain.fromJSON({ ...d2.toJSON(), senderDeviceId: 0 }))).toBe(true);
  });

  it('A12: two devices of one sender interleaving seqs: no equivocation, no gap (one ReceiveChain for both would see both)', () => {
    const phone = new SenderChain('conv', 'alice', 1);
    const laptop = new SenderChain('conv', 'alice', 2);
    const chains = new ReceiveChains();
    const single = new ReceiveChain();
    const singleKinds = new Set<string>();
    for (let i = 0; i < 40; i++) {
      // Irregular interleaving: the laptop sends two for every phone message in some stretches.
      const chain = i % 3 === 0 ? phone : laptop;
      const m = chain.frank(body(`m${i}`));
      const decoded = decodeHeader(m.headerBytes);
      expect(chains.observe(decoded, m.commitment)).toEqual({ kind: 'in_order' });
      singleKinds.add(single.observe(decoded, m.commitment).kind);
    }
    expect(chains.devices('conv', 'alice')).toEqual([1, 2]);
    // What a per-sender chain (PROTOCOL.md §4.4 alone) would wrongly report for the same stream.
    expect(singleKinds.has('equivocation')).toBe(true);
  });

  it('devices arriving out of order: a gap in one device is reported only for that device, and filled as late', () => {
    const a = new SenderChain('conv', 'alice', 1);
    const b = new SenderChain('conv', 'alice', 2);
    const a1 = a.frank(body('a1'));
    const a2 = a.frank(body('a2'));
    const b1 = b.frank(body('b1'));
    const chains = new ReceiveChains();
    expect(chains.observe(a1.header, a1.commitment)).toEqual({ kind: 'in_order' });
    expect(chains.observe(b1.header, b1.commitment)).toEqual({ kind: 'in_order' });
    const a3 = a.frank(body('a3'));
    expect(chains.observe(a3.header, a3.commitment)).toEqual({ kind: 'gap', missing: [2] });
    expect(chains.observe(a2.header, a2.commitment)).toEqual({ kind: 'late' });
    expect(chains.observe(b1.header, b1.commitment)).toEqual({ kind: 'duplicate' });
  });

  it('equivocation is per device: the same (conversation, sender, device, seq) with another commitment', () => {
    const chains = new ReceiveChains();
    const x = frankMessage({ conversationId: 'conv', senderId: 'alice', senderDeviceId: 5, seq: 1 }, body('x'));
    const y = frankMessage({ conversationId: 'conv', senderId: 'alice', senderDeviceId: 5, seq: 1 }, body('y'));
    const z = frankMessage({ conversationId: 'conv', senderId: 'alice', senderDeviceId: 6, seq: 1 }, body('z'));
    expect(chains.observe(x.header, x.commitment)).toEqual({ kind: 'in_order' });
    expect(chains.observe(z.header, z.commitment)).toEqual({ kind: 'in_order' });
    expect(chains.observe(y.header, y.commitment)).toEqual({ kind: 'equivocation' });
  });

  it('a v1 message and a v3 device 1 message are one chain (D10.1: v1/v2 count as device 1); conversations and senders stay apart', () => {
    const chains = new ReceiveChains();
    const legacy = new SenderChain('conv', 'alice');
    const m1 = legacy.frank(body('1'));
    const state = legacy.toJSON();
    const migrated = SenderChain.fromJSON({ ...state, senderDeviceId: 1 });
    const m2 = migrated.frank(body('2'));
    expect(m2.header.version).toBe(3);
    expect(chains.observe(m1.header, m1.commitment)).toEqual({ kind: 'in_order' });
    expect(chains.observe(m2.header, m2.commitment)).toEqual({ kind: 'in_order' });
    const other = frankMessage({ conversationId: 'conv', senderId: 'bob', senderDeviceId: 1, seq: 2 , prevCommitment: m1.commitment }, body('b'));
    expect(chains.observe(other.header, other.commitment)).toEqual({ kind: 'gap', missing: [1] });
    expect(chains.devices('conv', 'alice')).toEqual([1]);
    expect(chains.devices('conv', 'bob')).toEqual([1]);
    expect(chains.devices('conv2', 'alice')).toEqual([]);
  });
});

describe(`context completeness per sending device (${inject('runtime')})`, () => {
  const entriesOf = (chain: SenderChain, n: number, t0: number, step = 2): ContextEntry[] =>
    Array.from({ length: n }, (_, i) => {
      const m = chain.frank(utf8ToBytes(`${i}`));
      return { stamp: { messageId: `${chain.senderDeviceId ?? 0}-${i}`, conversationId: chain.conversationId, senderId: chain.senderId, serverTime: t0 + i * step }, header: m.header, commitment: m.commitment };
    });

  it('version 1 chains report exactly as before devices: no senderDeviceId key, summary without a device', () => {
    const report = analyzeContext(entriesOf(new SenderChain('conv', 'alice'), 4, 1000));
    expect(report.complete).toBe(true);
    expect('senderDeviceId' in report.senders[0]!).toBe(false);
    expect(describeSenderContext(report.senders[0]!)).toBe('messages 1–4 complete');
  });

  it('A12: two interleaving devices are two complete chains, in device order; one sender-level group would have equivocated', () => {
    const phone = entriesOf(new SenderChain('conv', 'alice', 3), 4, 1000);
    const laptop = entriesOf(new SenderChain('conv', 'alice', 1), 3, 1001);
    const report = analyzeContext([...phone, ...laptop]);
    expect(report.complete).toBe(true);
    expect(report.senders.map((s) => [s.senderDeviceId, s.present])).toEqual([[1, [1, 2, 3]], [3, [1, 2, 3, 4]]]);
    expect(report.senders.map(describeSenderContext)).toEqual(['device 1: messages 1–3 complete', 'device 3: messages 1–4 complete']);
    // The same items with the device stripped (as if one chain per sender): the colliding seqs are conflicts.
    const flattened = [...phone, ...laptop].map((e) => {
      const { senderDeviceId: _d, ...header } = e.header;
      return { ...e, header: { ...header, version: 1 } };
    });
    expect(analyzeContext(flattened).senders[0]!.issues.some((i) => i.kind === 'equivocation')).toBe(true);
  });
});
