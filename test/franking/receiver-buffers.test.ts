// openFranked's buffers (client/franking/franking.ts, docs/PROTOCOL.md §6): with the SDK's own AEAD, whose open
// returns a fresh array, the opened header, fk and body are disjoint views of it (no copy of the body); with any other
// Aead, which may reuse its output buffer, they are copies. And the node provider's open hands out memory of its own.
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type Aead, xchacha20poly1305Aead } from '../../client/crypto/aead.ts';
import { frankMessage, openFranked, sealFranked } from '../../client/franking/franking.ts';
import { decodeHeader } from '../../client/franking/header.ts';
// eslint-disable-next-line no-restricted-imports -- the test suite's provider list (test/client/_providers.ts), not an SDK module
import { SYNC } from '../client/_providers.ts';

const te = new TextEncoder();
const input = { conversationId: 'conv-1', senderId: 'alice', seq: 1 };

describe.each(SYNC.map((p) => [p.name, p] as const))('openFranked buffers (%s)', (_name, crypto) => {
  it('the SDK AEAD: header, fk and body are disjoint views; wiping one leaves the others', () => {
    const aead = xchacha20poly1305Aead(new Uint8Array(32).fill(5), { crypto });
    const franked = frankMessage(input, te.encode('body to wipe'), { crypto });
    const opened = openFranked(aead, sealFranked(aead, franked), franked.commitment, { crypto });
    expect(opened.body.buffer).toBe(opened.fk.buffer); // one payload, no copies
    opened.body.fill(0);
    expect(bytesToHex(opened.fk)).toBe(bytesToHex(franked.fk));
    expect(bytesToHex(opened.headerBytes)).toBe(bytesToHex(franked.headerBytes));
    expect(decodeHeader(opened.headerBytes)).toEqual(franked.header);
    opened.fk.fill(0);
    expect(bytesToHex(opened.headerBytes)).toBe(bytesToHex(franked.headerBytes));
  });

  it('another Aead that reuses its output buffer: the opened message is a copy, unaffected by the reuse', () => {
    const inner = xchacha20poly1305Aead(new Uint8Array(32).fill(6), { crypto });
    let last: Uint8Array = new Uint8Array(0);
    const reusing: Aead = {
      seal: (pt, ad) => inner.seal(pt, ad),
      open(ct, ad) {
        last = inner.open(ct, ad);
        return last;
      },
    };
    const franked = frankMessage(input, te.encode('must survive the reuse'), { crypto });
    const opened = openFranked(reusing, sealFranked(reusing, franked), franked.commitment, { crypto });
    last.fill(0xee);
    expect(new TextDecoder().decode(opened.body)).toBe('must survive the reuse');
    expect(bytesToHex(opened.fk)).toBe(bytesToHex(franked.fk));
    expect(bytesToHex(opened.headerBytes)).toBe(bytesToHex(franked.headerBytes));
  });

  it('open returns a plain Uint8Array that owns all of its memory (nothing else visible through .buffer)', () => {
    const key = new Uint8Array(32).fill(7);
    for (const n of [0, 1, 1024, 70_000]) {
      const pt = new Uint8Array(n).fill(0x61);
      const out = crypto.xchacha20poly1305Open(key, new Uint8Array(24), crypto.xchacha20poly1305Seal(key, new Uint8Array(24), pt, new Uint8Array(0)), new Uint8Array(0));
      expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
      expect(out.byteOffset).toBe(0);
      expect(out.buffer.byteLength).toBe(n);
      expect(bytesToHex(out)).toBe(bytesToHex(pt));
      const out12 = crypto.chacha20poly1305Open(key, new Uint8Array(12), crypto.chacha20poly1305Seal(key, new Uint8Array(12), pt, new Uint8Array(0)), new Uint8Array(0));
      expect(out12.buffer.byteLength).toBe(n);
    }
  });
});
