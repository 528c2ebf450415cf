// The sender's single-allocation path (client/franking/franking.ts, header.ts): the header is checked first, then
// written into the payload and copied in front of it. These tests pin what that must keep: the same bytes as the
// stand-alone encoders, header and payload as views with no shared byte (a caller may wipe the payload after sending
// and still report with the header), the same errors for bad headers, and a Writer over a caller's buffer that
// refuses to under- or overfill it.
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
// eslint-disable-next-line no-restricted-imports -- white-box: Writer.over, the buffer writer of the sender's single-allocation path, is this test's subject
import { Writer } from '../../client/crypto/_bytes.ts';
import { FrankingError } from '../../client/franking/errors.ts';
import { encodePayload, frankMessage } from '../../client/franking/franking.ts';
import { checkHeader, encodeHeader, writeHeader } from '../../client/franking/header.ts';

const te = new TextEncoder();
const attachment = {
  blobId: 'blob-1',
  scheme: 1,
  key: new Uint8Array(32).fill(7),
  params: Uint8Array.of(16, ...new Uint8Array(16).fill(3)),
  ciphertextDigest: new Uint8Array(32).fill(9),
  size: 123_456,
  mediaType: 'image/png',
};

describe('sender buffers', () => {
  it('frankMessage gives encodeHeader and encodePayload bytes, with or without attachments and an epoch', () => {
    for (const extra of [{}, { attachments: [attachment, { ...attachment, blobId: 'blob-2' }] }, { epoch: 42 }]) {
      const f = frankMessage({ conversationId: 'c-1', senderId: 'alice', seq: 3, sentAt: 1_700_000_000_000, prevCommitment: new Uint8Array(32).fill(1), ...extra }, te.encode('hello'));
      expect(bytesToHex(f.headerBytes)).toBe(bytesToHex(encodeHeader(f.header)));
      expect(bytesToHex(f.payload)).toBe(bytesToHex(encodePayload(f.headerBytes, f.fk, te.encode('hello'))));
    }
  });

  it('header and payload share no byte: wiping the payload after sending leaves the header and fk a report needs', () => {
    const f = frankMessage({ conversationId: 'c-1', senderId: 'alice', seq: 1 }, te.encode('report me'));
    const header = bytesToHex(f.headerBytes);
    const fk = bytesToHex(f.fk);
    f.payload.fill(0);
    expect(bytesToHex(f.headerBytes)).toBe(header);
    expect(bytesToHex(f.fk)).toBe(fk);
    expect(bytesToHex(f.headerBytes)).toBe(bytesToHex(encodeHeader(f.header)));
  });

  it('a later change to the body does not change the payload (the body is copied at frank time)', () => {
    const body = te.encode('original');
    const f = frankMessage({ conversationId: 'c-1', senderId: 'alice', seq: 1 }, body);
    body.fill(0x41);
    expect(new TextDecoder().decode(f.payload.subarray(f.payload.length - body.length))).toBe('original');
  });

  it('bad headers fail before anything is written, with the errors of the stand-alone encoder', () => {
    const good = { version: 1, conversationId: 'c-1', senderId: 'alice', clientMessageId: new Uint8Array(16), sentAt: 1, seq: 2, prevCommitment: new Uint8Array(32).fill(1), contentType: 'text/plain', attachments: [] };
    const bad = [
      { ...good, conversationId: 'has space' },
      { ...good, contentType: 'é' },
      { ...good, seq: 0 },
      { ...good, seq: 1 }, // non-zero prevCommitment at seq 1
      { ...good, attachments: [{ ...attachment, params: new Uint8Array(256) }] },
      { ...good, attachments: [{ ...attachment, scheme: 0 }] },
      { ...good, epoch: 3 }, // version 1 carries no epoch
    ];
    for (const h of bad) {
      expect(() => checkHeader(h), JSON.stringify(Object.keys(h))).toThrow(FrankingError);
      expect(() => encodeHeader(h)).toThrow(FrankingError);
    }
    expect(() => checkHeader({ ...good, clientMessageId: new Uint8Array(15) })).toThrow(RangeError);
    expect(() => frankMessage({ conversationId: 'has space', senderId: 'alice', seq: 1 }, te.encode('x'))).toThrow(FrankingError);
  });

  it('writeHeader fills exactly the buffer it is given; Writer.over refuses to overfill or underfill', () => {
    const h = { version: 1, conversationId: 'c-1', senderId: 'alice', clientMessageId: new Uint8Array(16), sentAt: 1, seq: 1, prevCommitment: new Uint8Array(32), contentType: 'text/plain', attachments: [] };
    const n = checkHeader(h);
    const big = new Uint8Array(n + 10).fill(0xee);
    writeHeader(h, big.subarray(5, 5 + n));
    expect(bytesToHex(big.subarray(5, 5 + n))).toBe(bytesToHex(encodeHeader(h)));
    expect([...big.subarray(0, 5), ...big.subarray(5 + n)].every((b) => b === 0xee)).toBe(true);
    expect(() => writeHeader(h, new Uint8Array(n - 1))).toThrow(RangeError);
    expect(() => writeHeader(h, new Uint8Array(n + 1))).toThrow(RangeError);
    expect(() => Writer.over(new Uint8Array(2)).u8(1).u8(2).u8(3)).toThrow(RangeError);
    expect(() => Writer.over(new Uint8Array(2)).u8(1).finish()).toThrow(RangeError);
    const target = new Uint8Array(2);
    expect(Writer.over(target).u16(0x0102).finish()).toBe(target);
  });
});
