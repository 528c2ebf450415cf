// Behaviour of the franking core beyond the vectors: codecs reject non-canonical input, keyring life
// cycle, chains, context completeness and error types. Runs in Node and Chromium.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrankingError,
  Keyring,
  type MessageHeader,
  ReceiveChain,
  SenderChain,
  analyzeContext,
  computeCommitment,
  computeStamp,
  decodeHeader,
  decodeReportItem,
  describeSenderContext,
  WEBCRYPTO_COMMITMENT_THRESHOLD,
  encodeHeader,
  encodePayload,
  encodeReportItem,
  equalBytes,
  formatRanges,
  frankMessage,
  isProtocolContentType,
  frankMessageAsync,
  openFranked,
  openFrankedAsync,
  openFrankedPayloadAsync,
  reportItemFromJson,
  reportItemToJson,
  sealFranked,
  verifyReportItem,
  xchacha20poly1305Aead,
} from '../../client/protocol.ts';
import { KT_GOSSIP_CONTENT_TYPE } from '../../client/transparency/gossip.ts';

const enc = new TextEncoder();
const header = (over: Partial<MessageHeader> = {}): MessageHeader => ({
  version: 1, conversationId: 'conv', senderId: 'alice', clientMessageId: new Uint8Array(16), sentAt: 1_000, seq: 1,
  prevCommitment: new Uint8Array(32), contentType: 'text/plain', attachments: [], ...over,
});
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return FrankingError.is(e) ? e.code : (e as Error).name;
  }
  return 'no error';
};

describe('header codec', () => {
  it('round-trips arbitrary valid headers (property)', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
    fc.assert(
      fc.property(
        id, id, fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat({ max: 2 ** 53 - 1 }), fc.integer({ min: 2, max: 2 ** 32 - 1 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.stringMatching(/^[\x20-\x7e]{1,127}$/),
        (conversationId, senderId, clientMessageId, sentAt, seq, prevCommitment, contentType) => {
          const h = header({ conversationId, senderId, clientMessageId, sentAt, seq, prevCommitment, contentType });
          const bytes = encodeHeader(h);
          expect(decodeHeader(bytes)).toEqual(h);
          expect(encodeHeader(decodeHeader(bytes))).toEqual(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects non-canonical or out-of-range headers with malformed', () => {
    const good = encodeHeader(header());
    expect(code(() => decodeHeader(Uint8Array.from([...good, 0])))).toBe('malformed'); // trailing byte
    expect(code(() => decodeHeader(good.subarray(0, good.length - 1)))).toBe('malformed'); // truncated
    expect(code(() => decodeHeader(Uint8Array.from([2, ...good.subarray(1)])))).toBe('malformed'); // version
    expect(code(() => encodeHeader(header({ seq: 0 })))).toBe('malformed');
    expect(code(() => encodeHeader(header({ seq: 1, prevCommitment: new Uint8Array(32).fill(1) })))).toBe('malformed');
    expect(code(() => encodeHeader(header({ conversationId: 'has space' })))).toBe('malformed');
    expect(code(() => encodeHeader(header({ senderId: 'é' })))).toBe('malformed');
    expect(code(() => encodeHeader(header({ senderId: 'x'.repeat(65) })))).toBe('malformed');
    expect(code(() => encodeHeader(header({ contentType: '' })))).toBe('malformed');
    expect(code(() => encodeHeader(header({ contentType: 'text/\u0001' })))).toBe('malformed');
    const a = { blobId: 'b', scheme: 1, key: new Uint8Array(32), params: new Uint8Array(0), ciphertextDigest: new Uint8Array(32), size: 1, mediaType: 'image/png' };
    expect(code(() => encodeHeader(header({ attachments: Array(17).fill(a) })))).toBe('malformed');
    expect(code(() => encodeHeader(header({ attachments: [{ ...a, scheme: 0 }] })))).toBe('malformed');
    // seq = 0 on the wire: byte offset 1 + 5 + 6 + 16 + 8 = 36 holds seq.
    const zeroSeq = good.slice();
    zeroSeq.set([0, 0, 0, 0], 36);
    expect(code(() => decodeHeader(zeroSeq))).toBe('malformed');
  });

  it('wrong types and lengths raise TypeError / RangeError with the expectation', () => {
    expect(() => encodeHeader(header({ clientMessageId: new Uint8Array(15) }))).toThrow('clientMessageId: expected Uint8Array of length 16, got length=15');
    expect(() => computeCommitment(new Uint8Array(31), new Uint8Array(0), new Uint8Array(0))).toThrow(RangeError);
    expect(() => frankMessage({ conversationId: 'c', senderId: 's', seq: 1 }, 'text' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('franked messages through an AEAD', () => {
  it('a 1 MiB body round-trips and binds optional session associated data', () => {
    const aead = xchacha20poly1305Aead(new Uint8Array(32).fill(4));
    const body = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    const f = frankMessage({ conversationId: 'c', senderId: 's', seq: 1 }, body);
    const extra = enc.encode('ratchet header');
    const ct = sealFranked(aead, f, extra);
    expect(openFranked(aead, ct, f.commitment, { extraAd: extra }).body).toEqual(body);
    expect(code(() => openFranked(aead, ct, f.commitment, { extraAd: enc.encode('other') }))).toBe('decrypt_failed');
  });

  it('fresh fk and commitment per message, even for identical bodies', () => {
    const a = frankMessage({ conversationId: 'c', senderId: 's', seq: 1 }, enc.encode('same'));
    const b = frankMessage({ conversationId: 'c', senderId: 's', seq: 1 }, enc.encode('same'));
    expect(a.fk).not.toEqual(b.fk);
    expect(a.commitment).not.toEqual(b.commitment);
  });
});

describe('async fast path (WebCrypto HMAC for large bodies)', () => {
  const aead = xchacha20poly1305Aead(new Uint8Array(32).fill(6));
  const sizes = [0, 1024, WEBCRYPTO_COMMITMENT_THRESHOLD - 1, WEBCRYPTO_COMMITMENT_THRESHOLD, 100_000, 1 << 20];

  it.each(sizes)('%i bytes: same commitment and payload as the sync path; opens both ways', async (size) => {
    const body = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
    let draws = 0;
    const fixed = (n: number) => new Uint8Array(n).fill(++draws); // same draws for both paths
    const input = { conversationId: 'c', senderId: 's', seq: 1, sentAt: 5 };
    const sync = frankMessage(input, body, { randomBytes: fixed });
    draws = 0;
    const async_ = await frankMessageAsync(input, body, { randomBytes: fixed });
    expect(equalBytes(async_.commitment, sync.commitment)).toBe(true);
    expect(equalBytes(async_.payload, sync.payload)).toBe(true);
    const ct = sealFranked(aead, async_);
    expect(equalBytes((await openFrankedAsync(aead, ct, async_.commitment)).body, body)).toBe(true);
    expect(equalBytes(openFranked(aead, ct, sync.commitment).body, body)).toBe(true);
  });

  it('rejects a payload that does not open its commitment, above and below the threshold', async () => {
    for (const size of [10, WEBCRYPTO_COMMITMENT_THRESHOLD * 2]) {
      const f = await frankMessageAsync({ conversationId: 'c', senderId: 's', seq: 1 }, new Uint8Array(size));
      const evil = encodePayload(f.headerBytes, f.fk, new Uint8Array(size).fill(1));
      await expect(openFrankedPayloadAsync(evil, f.commitment)).rejects.toMatchObject({ code: 'commitment_mismatch' });
      await expect(openFrankedPayloadAsync(f.payload, f.commitment, { senderId: 'other' })).rejects.toMatchObject({ code: 'header_mismatch' });
    }
  });
});

describe('keyring', () => {
  it('rotates, keeps verify-only keys through the window, prunes, and never reuses kids', () => {
    const ring = Keyring.create('k1', new Uint8Array(32).fill(1), 0);
    const stamp = computeStamp(ring, { messageId: 'm', conversationId: 'c', senderId: 's', recipientId: 'r', role: 'recipient', serverTime: 10 }, new Uint8Array(32));
    expect(stamp.kid).toBe('k1');
    ring.rotate('k2', new Uint8Array(32).fill(2), 100);
    expect(ring.current().kid).toBe('k2');
    expect(ring.state('k1')).toBe('verify-only');
    expect(ring.prune(100 + 50, 100)).toEqual([]);
    expect(ring.prune(100 + 101, 100)).toEqual(['k1']);
    expect(ring.state('k1')).toBe('retired');
    expect(ring.verificationKey('k1')).toBe('retired_key');
    expect(ring.verificationKey('nope')).toBe('unknown_key');
    expect(code(() => ring.rotate('k1', new Uint8Array(32), 300))).toBe('malformed');
    expect(() => ring.rotate('k3', new Uint8Array(16), 300)).toThrow(RangeError);
  });

  it('JSON round trip keeps states; retired keys carry no key bytes; bad JSON is refused', () => {
    const ring = Keyring.create('k1', new Uint8Array(32).fill(1), 0);
    ring.rotate('k2', new Uint8Array(32).fill(2), 5);
    ring.rotate('k3', new Uint8Array(32).fill(3), 6);
    ring.retire('k1', 7);
    const json = ring.toJSON();
    expect(json.keys.find((k) => k.kid === 'k1')?.key).toBeNull();
    const back = Keyring.fromJSON(JSON.parse(JSON.stringify(json)));
    expect(back.list()).toEqual(ring.list());
    expect(back.current().key).toEqual(new Uint8Array(32).fill(3));
    expect(code(() => Keyring.fromJSON({ version: 2, keys: [] }))).toBe('malformed');
    expect(code(() => Keyring.fromJSON({ ...json, activeKid: 'k1' }))).toBe('malformed');
    expect(code(() => Keyring.fromJSON({ ...json, keys: [...json.keys, json.keys[1]] }))).toBe('malformed');
  });

  it('retiring the active key stops stamping until the next rotation', () => {
    const ring = Keyring.create('k1', new Uint8Array(32).fill(1), 0);
    ring.retire('k1', 1);
    expect(code(() => ring.current())).toBe('unknown_key');
  });
});

describe('report item JSON and binary forms', () => {
  const ring = Keyring.create('k1', new Uint8Array(32).fill(1), 0);
  const f = frankMessage({ conversationId: 'c', senderId: 'alice', seq: 1 }, enc.encode('hello'));
  const stamp = computeStamp(ring, { messageId: 'm1', conversationId: 'c', senderId: 'alice', recipientId: 'bob', role: 'recipient', serverTime: 1000 }, f.commitment);
  const item = { stamp, commitment: f.commitment, fk: f.fk, header: f.headerBytes, body: enc.encode('hello') };

  it('round-trips both ways and verifies', () => {
    expect(reportItemFromJson(JSON.parse(JSON.stringify(reportItemToJson(item))))).toEqual(item);
    expect(decodeReportItem(encodeReportItem(item))).toEqual(item);
    expect(verifyReportItem(item, ring, 'bob', 2000).reason).toBe('verified');
  });

  it('rejects bad base64url, missing fields and wrong lengths as malformed, never throwing from the verifier', () => {
    const json = reportItemToJson(item);
    expect(code(() => reportItemFromJson({ ...json, fk: json.fk + '=' }))).toBe('malformed');
    expect(code(() => reportItemFromJson({ ...json, fk: json.fk.slice(1) }))).toBe('malformed');
    expect(code(() => reportItemFromJson({ ...json, stamp: undefined }))).toBe('malformed');
    expect(code(() => reportItemFromJson({ ...json, stamp: { ...json.stamp, serverTime: '1000' } }))).toBe('malformed');
    expect(code(() => reportItemFromJson(null))).toBe('malformed');
    expect(verifyReportItem({ ...item, fk: new Uint8Array(3) }, ring, 'bob', 2000).reason).toBe('malformed');
    expect(verifyReportItem(null as never, ring, 'bob', 2000).reason).toBe('malformed');
  });
});

describe('chains and context completeness', () => {
  const ring = Keyring.create('k1', new Uint8Array(32).fill(1), 0);
  function conversation(n: number, senders = ['alice', 'bob']) {
    const chains = Object.fromEntries(senders.map((s) => [s, new SenderChain('conv', s)]));
    return Array.from({ length: n }, (_, i) => {
      const senderId = senders[i % senders.length] as string;
      const f = chains[senderId]!.frank(enc.encode(`message ${i}`));
      const stamp = computeStamp(ring, { messageId: `m${i}`, conversationId: 'conv', senderId, recipientId: senderId, role: 'sender', serverTime: 1000 + i }, f.commitment);
      return { stamp, header: f.header, commitment: f.commitment };
    });
  }

  it('a full window is complete with an intact chain', () => {
    const report = analyzeContext(conversation(20));
    expect(report.complete).toBe(true);
    expect(report.senders.map((s) => [s.senderId, s.firstSeq, s.lastSeq, s.chainIntact])).toEqual([['alice', 1, 10, true], ['bob', 1, 10, true]]);
    expect(describeSenderContext(report.senders[0]!)).toBe('messages 1–10 complete');
  });

  it('left-out messages are reported as missing, by sequence number', () => {
    const msgs = conversation(20).filter((m) => !(m.header.senderId === 'alice' && [3, 5, 6].includes(m.header.seq)));
    const alice = analyzeContext(msgs).senders.find((s) => s.senderId === 'alice')!;
    expect(alice.missing).toEqual([3, 5, 6]);
    expect(alice.complete).toBe(false);
    expect(describeSenderContext(alice)).toBe('messages 1–10: 3 missing (3, 5–6)');
  });

  it('protocol messages (key-log gossip) revealed with the context close the chain: no gap, listed as protocol (§8.4)', () => {
    const chain = new SenderChain('conv', 'alice');
    const msgs = Array.from({ length: 5 }, (_, i) => {
      const gossip = i === 2; // alice's third message is her key-log view, franked like any message
      const f = chain.frank(enc.encode(gossip ? 'heads' : `message ${i}`), gossip ? { contentType: KT_GOSSIP_CONTENT_TYPE } : {});
      const stamp = computeStamp(ring, { messageId: `m${i}`, conversationId: 'conv', senderId: 'alice', recipientId: 'bob', role: 'recipient', serverTime: 1000 + i }, f.commitment);
      return { stamp, header: f.header, commitment: f.commitment };
    });
    expect(isProtocolContentType(KT_GOSSIP_CONTENT_TYPE)).toBe(true);
    expect(isProtocolContentType(`${KT_GOSSIP_CONTENT_TYPE}; v=1`)).toBe(true);
    expect(isProtocolContentType('text/plain; charset=utf-8')).toBe(false);
    const full = analyzeContext(msgs).senders[0]!;
    expect(full).toMatchObject({ missing: [], protocol: [3], complete: true, chainIntact: true });
    expect(describeSenderContext(full)).toBe('messages 1–5 complete (3: protocol message, not conversation)');
    // A reporter that leaves it out leaves a gap like any other omission: the verifier cannot know what it was.
    const without = analyzeContext(msgs.filter((m) => m.header.seq !== 3)).senders[0]!;
    expect(without).toMatchObject({ missing: [3], protocol: [], complete: false });
  });

  it('seq > 1 with an all-zero prevCommitment is well-formed and links to nothing: a chain_break (§4.1)', () => {
    const msgs = conversation(4, ['alice']);
    const zero = frankMessage({ conversationId: 'conv', senderId: 'alice', seq: 3 }, enc.encode('after a restart'));
    expect(zero.header.prevCommitment).toEqual(new Uint8Array(32));
    expect(decodeHeader(zero.headerBytes)).toEqual(zero.header); // decoders accept it
    const withZero = msgs.map((m, i) => (i === 2 ? { ...m, header: zero.header, commitment: zero.commitment } : m));
    const alice = analyzeContext(withZero).senders[0]!;
    expect(alice.issues).toContainEqual({ kind: 'chain_break', seq: 3 });
    expect(alice.chainIntact).toBe(false);
    // seq 1 must carry the zero commitment, and nothing else (unchanged rule).
    expect(() => frankMessage({ conversationId: 'conv', senderId: 'alice', seq: 1, prevCommitment: new Uint8Array(32).fill(1) }, enc.encode('x'))).toThrow(FrankingError);
  });

  it('a substituted predecessor breaks the chain; two versions of one seq are equivocation', () => {
    const msgs = conversation(6, ['alice']);
    const forged = frankMessage({ conversationId: 'conv', senderId: 'alice', seq: 3, prevCommitment: msgs[1]!.commitment }, enc.encode('other'));
    const withFork = [...msgs, { stamp: msgs[2]!.stamp, header: forged.header, commitment: forged.commitment }];
    const alice = analyzeContext(withFork).senders[0]!;
    expect(alice.issues).toContainEqual({ kind: 'equivocation', seq: 3 });
    expect(alice.chainIntact).toBe(false);
    const swapped = msgs.map((m, i) => (i === 2 ? { ...m, header: forged.header, commitment: forged.commitment } : m));
    expect(analyzeContext(swapped).senders[0]!.issues).toContainEqual({ kind: 'chain_break', seq: 4 });
    const late = msgs.map((m, i) => (i === 4 ? { ...m, stamp: { ...m.stamp, serverTime: 0 } } : m));
    expect(analyzeContext(late).senders[0]!.issues).toContainEqual({ kind: 'time_order', seq: 5 });
  });

  it('SenderChain state survives serialisation; ReceiveChain flags gaps, late, duplicate, equivocation and breaks', () => {
    const chain = new SenderChain('conv', 'alice');
    const m1 = chain.frank(enc.encode('1'));
    const restored = SenderChain.fromJSON(JSON.parse(JSON.stringify(chain.toJSON())));
    const m2 = restored.frank(enc.encode('2'));
    const m3 = restored.frank(enc.encode('3'));
    expect(m2.header.seq).toBe(2);
    expect(m2.header.prevCommitment).toEqual(m1.commitment);
    const rx = new ReceiveChain();
    expect(rx.observe(m1.header, m1.commitment)).toEqual({ kind: 'in_order' });
    expect(rx.observe(m3.header, m3.commitment)).toEqual({ kind: 'gap', missing: [2] });
    expect(rx.observe(m2.header, m2.commitment)).toEqual({ kind: 'late' });
    expect(rx.observe(m2.header, m2.commitment)).toEqual({ kind: 'duplicate' });
    const fork = new SenderChain('conv', 'alice');
    fork.frank(enc.encode('x'));
    const other2 = fork.frank(enc.encode('y'));
    expect(rx.observe(other2.header, other2.commitment)).toEqual({ kind: 'equivocation' });
    const m4 = restored.frank(enc.encode('4'));
    const rx2 = new ReceiveChain();
    rx2.observe(m3.header, m3.commitment);
    const bad4 = frankMessage({ conversationId: 'conv', senderId: 'alice', seq: 4, prevCommitment: m1.commitment }, enc.encode('4'));
    expect(rx2.observe(bad4.header, bad4.commitment)).toEqual({ kind: 'chain_break' });
    expect(rx2.observe(m4.header, m4.commitment)).toEqual({ kind: 'equivocation' });
  });

  it('formatRanges compresses runs', () => {
    expect(formatRanges([1, 2, 3, 5, 7, 8])).toBe('1–3, 5, 7–8');
    expect(formatRanges([])).toBe('');
  });
});
