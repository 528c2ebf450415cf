// RFC 7748 (X25519) and RFC 5869 (HKDF-SHA256) vectors through the session layer's own wrappers
// (client/session/_session-kdf.ts), plus the wrappers' input checks. Runs in Node and Chromium.
import { describe, expect, it } from 'vitest';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
// eslint-disable-next-line no-restricted-imports -- white-box: the session KDFs (docs/PROTOCOL-sessions.md) are this test's subject
import { defaultRandomBytes, dh, hkdfSha256, kdfChain, kdfRoot, x25519PublicKey, x3dhKdf } from '../../client/session/_session-kdf.ts';
import { SessionError } from '../../client/session/session-errors.ts';

const h = hexToBytes;
const range = (from: number, to: number) => Uint8Array.from({ length: to - from }, (_, i) => from + i);

describe('X25519 through dh() / x25519PublicKey() (RFC 7748)', () => {
  it.each([
    // §5.2 test vectors
    ['a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4', 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c', 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552'],
    ['4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d', 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493', '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957'],
  ])('§5.2 scalar %s', (scalar, u, out) => {
    expect(bytesToHex(dh(h(scalar), h(u)))).toBe(out);
  });

  it('§5.2 iterated 1 and 1000 times', () => {
    let k: Uint8Array = h('0900000000000000000000000000000000000000000000000000000000000000');
    let u = k;
    for (let i = 1; i <= 1000; i++) {
      [k, u] = [dh(k, u), k];
      if (i === 1) expect(bytesToHex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    expect(bytesToHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  it('§6.1 Diffie-Hellman: public keys and the shared secret', () => {
    const a = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const b = h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const aPub = x25519PublicKey(a);
    const bPub = x25519PublicKey(b);
    expect(bytesToHex(aPub)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(bytesToHex(bPub)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(bytesToHex(dh(a, bPub))).toBe(shared);
    expect(bytesToHex(dh(b, aPub))).toBe(shared);
  });

  it.each([
    ['zero', '0000000000000000000000000000000000000000000000000000000000000000'],
    ['one', '0100000000000000000000000000000000000000000000000000000000000000'],
    ['order-8 point', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'],
  ])('refuses the low-order public key %s (all-zero output) with bad_key', (_name, pub) => {
    const err = (() => {
      try {
        dh(h('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'), h(pub));
      } catch (e) {
        return e;
      }
    })();
    expect(SessionError.is(err, 'bad_key')).toBe(true);
  });

  it('wrong type → TypeError, wrong length → RangeError with the exact expectation', () => {
    expect(() => dh('x' as unknown as Uint8Array, new Uint8Array(32))).toThrow(TypeError);
    expect(() => dh(new Uint8Array(31), new Uint8Array(32))).toThrow('expected Uint8Array of length 32, got length=31');
    expect(() => dh(new Uint8Array(32), new Uint8Array(33))).toThrow(RangeError);
  });
});

describe('HKDF-SHA256 through hkdfSha256() (RFC 5869 Appendix A)', () => {
  it.each([
    {
      name: 'A.1 basic',
      ikm: new Uint8Array(22).fill(0x0b),
      salt: range(0x00, 0x0d),
      info: range(0xf0, 0xfa),
      length: 42,
      okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    },
    {
      name: 'A.2 longer inputs/outputs',
      ikm: range(0x00, 0x50),
      salt: range(0x60, 0xb0),
      info: range(0xb0, 0x100),
      length: 82,
      okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
    },
    {
      name: 'A.3 zero-length salt and info',
      ikm: new Uint8Array(22).fill(0x0b),
      salt: new Uint8Array(0),
      info: new Uint8Array(0),
      length: 42,
      okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    },
  ])('$name', ({ ikm, salt, info, length, okm }) => {
    expect(bytesToHex(hkdfSha256(ikm, salt, info, length))).toBe(okm);
  });
});

describe('session KDFs are the spec formulas (PROTOCOL-sessions.md §5–§6)', () => {
  it('x3dhKdf = HKDF(salt 0^32, 0xFF^32 || DH outputs, "franking-chat/v1/x3dh\\0", 32)', () => {
    const outs = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)];
    const ikm = new Uint8Array(128);
    ikm.fill(0xff, 0, 32);
    outs.forEach((o, i) => ikm.set(o, 32 + 32 * i));
    const expected = hkdfSha256(ikm, new Uint8Array(32), new TextEncoder().encode('franking-chat/v1/x3dh\0'), 32);
    expect(bytesToHex(x3dhKdf(outs))).toBe(bytesToHex(expected));
  });

  it('kdfRoot splits HKDF(salt = rk, ikm = dh, "franking-chat/v1/ratchet/root\\0", 64) into rk || ck', () => {
    const rk = new Uint8Array(32).fill(7);
    const out = new Uint8Array(32).fill(9);
    const okm = hkdfSha256(out, rk, new TextEncoder().encode('franking-chat/v1/ratchet/root\0'), 64);
    const r = kdfRoot(rk, out);
    expect(bytesToHex(r.rootKey)).toBe(bytesToHex(okm.slice(0, 32)));
    expect(bytesToHex(r.chainKey)).toBe(bytesToHex(okm.slice(32)));
  });

  it('kdfChain is mk = HMAC-SHA256(ck, 0x01), ck\' = HMAC-SHA256(ck, 0x02) (checked against noble hmac)', () => {
    for (let i = 0; i < 20; i++) {
      const ck = Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j * 7) & 0xff);
      const r = kdfChain(ck);
      expect(bytesToHex(r.messageKey)).toBe(bytesToHex(hmac(sha256, ck, Uint8Array.of(1))));
      expect(bytesToHex(r.chainKey)).toBe(bytesToHex(hmac(sha256, ck, Uint8Array.of(2))));
    }
  });

  it('kdfChain gives distinct message and chain keys and is deterministic', () => {
    const ck = new Uint8Array(32).fill(5);
    const a = kdfChain(ck);
    const b = kdfChain(ck);
    expect(bytesToHex(a.messageKey)).toBe(bytesToHex(b.messageKey));
    expect(bytesToHex(a.messageKey)).not.toBe(bytesToHex(a.chainKey));
    expect(bytesToHex(ck)).toBe('05'.repeat(32)); // input untouched
  });
});

describe('default randomness of the session layer', () => {
  it('is the pooled CSPRNG: right lengths, draws differ', () => {
    const seen = new Set(Array.from({ length: 200 }, () => bytesToHex(defaultRandomBytes(24))));
    expect(seen.size).toBe(200);
    expect(defaultRandomBytes(32)).toHaveLength(32);
  });
});
