// Every crypto provider computes the same function (docs/PROTOCOL.md §14): random inputs and the edge cases where
// implementations differ (empty inputs, tag failures, low-order X25519 points, non-canonical Ed25519 encodings),
// compared byte for byte against nobleCryptoProvider. Node: noble, node:crypto, WebCrypto; Chromium: noble, WebCrypto.
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { type AsyncCryptoProvider, DecryptError, LowOrderError, nobleCryptoProvider as noble, webCryptoProvider } from '../../client/crypto/index.ts';
// eslint-disable-next-line no-restricted-imports -- white-box: the table of small-order encodings every provider refuses is checked against the curve
import { ED25519_SMALL_ORDER_ENCODINGS } from '../../client/crypto/_ed25519.ts';
import { ASYNC, SYNC, runtime } from './_providers.ts';

const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const hex = bytesToHex;
// Fallback path too: a WebCrypto provider allowed no native primitive must still give noble's bytes.
const PROVIDERS: AsyncCryptoProvider[] = [...ASYNC, await webCryptoProvider({ only: [] })];
const named = PROVIDERS.map((p, i) => [i === PROVIDERS.length - 1 ? `${p.name} (all fallback)` : p.name, p] as const);

describe(`crypto providers agree with noble (${runtime})`, () => {
  it('detects what the platform runs natively and reports it', () => {
    const web = ASYNC.find((p) => p.name === 'webcrypto') as AsyncCryptoProvider;
    expect(web.native.chacha20poly1305).toBe(false); // no WebCrypto has ChaCha20
    expect(web.native.hmacSha256).toBe(true);
    expect(web.native.aesGcm).toBe(true);
    // Node ≥ 20 ships X25519 and Ed25519 in WebCrypto; a browser may or may not (then noble runs them).
    if (runtime === 'node') expect(web.native.x25519 && web.native.ed25519).toBe(true);
    expect(PROVIDERS.at(-1)?.native.hmacSha256).toBe(false);
  });

  it.each(named)('%s: hashes, MACs, KDFs, curves and AEADs on random inputs', async (_n, p) => {
    for (const len of [0, 1, 31, 32, 63, 64, 65, 1000, 4096]) {
      const k = rnd(32), m = rnd(len), ad = rnd(len % 50), n12 = rnd(12), n24 = rnd(24);
      expect(hex(await p.sha256(m, ad))).toBe(hex(noble.sha256(m, ad)));
      expect(hex(await p.hmacSha256(k, m, ad))).toBe(hex(noble.hmacSha256(k, m, ad)));
      expect(hex(await p.hmacSha256(m, ad))).toBe(hex(noble.hmacSha256(m, ad))); // keys of any length, empty too
      expect(hex(await p.hkdfSha256(m, ad, k, 64))).toBe(hex(noble.hkdfSha256(m, ad, k, 64)));
      expect(hex(await p.x25519PublicKey(k))).toBe(hex(noble.x25519PublicKey(k)));
      const peer = noble.x25519PublicKey(rnd(32));
      expect(hex(await p.x25519(k, peer))).toBe(hex(noble.x25519(k, peer)));
      expect(hex(await p.ed25519PublicKey(k))).toBe(hex(noble.ed25519PublicKey(k)));
      const sig = noble.ed25519Sign(k, m);
      expect(hex(await p.ed25519Sign(k, m))).toBe(hex(sig));
      expect(await p.ed25519Verify(noble.ed25519PublicKey(k), m, sig)).toBe(true);
      const c1 = noble.chacha20poly1305Seal(k, n12, m, ad);
      expect(hex(await p.chacha20poly1305Seal(k, n12, m, ad))).toBe(hex(c1));
      expect(hex(await p.chacha20poly1305Open(k, n12, c1, ad))).toBe(hex(m));
      const c2 = noble.xchacha20poly1305Seal(k, n24, m, ad);
      expect(hex(await p.xchacha20poly1305Seal(k, n24, m, ad))).toBe(hex(c2));
      expect(hex(await p.xchacha20poly1305Open(k, n24, c2, ad))).toBe(hex(m));
      for (const key of [k, k.subarray(0, 16)]) {
        const c3 = noble.aesGcmSeal(key, n12, m, ad);
        expect(hex(await p.aesGcmSeal(key, n12, m, ad))).toBe(hex(c3));
        expect(hex(await p.aesGcmOpen(key, n12, c3, ad))).toBe(hex(m));
      }
    }
  });

  it.each(named)('%s: HMAC-SHA256 on RFC 4231 vectors and around the one-shot limits (key 64/65 bytes, input 8 KiB ± 1)', async (_n, p) => {
    const ascii = (t: string) => new TextEncoder().encode(t);
    // RFC 4231 §4.2, §4.3 and §4.7 (test cases 1, 2 and 6: the last with a 131-byte key, hashed first).
    expect(hex(await p.hmacSha256(new Uint8Array(20).fill(0x0b), ascii('Hi There')))).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(hex(await p.hmacSha256(ascii('Jefe'), ascii('what do ya '), ascii('want for nothing?')))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(hex(await p.hmacSha256(new Uint8Array(131).fill(0xaa), ascii('Test Using Larger Than Block-Size Key - Hash Key First')))).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
    for (const keyLength of [0, 63, 64, 65]) {
      for (const total of [8191, 8192, 8193]) {
        const k = rnd(keyLength), a = rnd(5000), b = rnd(total - 5000);
        expect(hex(await p.hmacSha256(k, a, b)), `key ${keyLength}, input ${total}`).toBe(hex(noble.hmacSha256(k, a, b)));
      }
    }
    // The inputs are left as they were (the native provider copies them into a scratch block it then wipes).
    const k = rnd(32), m = rnd(100), before = hex(m) + hex(k);
    const first = hex(await p.hmacSha256(k, m));
    expect(hex(m) + hex(k)).toBe(before);
    expect(hex(await p.hmacSha256(k, m))).toBe(first);
  });

  it.each(named)('%s: HKDF-SHA256 at every output length class (RFC 5869 §2.3: 0 to 255 × 32 bytes), salts of any length', async (_n, p) => {
    for (const length of [0, 1, 31, 32, 33, 64, 65, 100, 255 * 32]) {
      for (const saltLength of [0, 32, 64, 65]) {
        const ikm = rnd(32), salt = rnd(saltLength), info = rnd(length % 40);
        expect(hex(await p.hkdfSha256(ikm, salt, info, length)), `L ${length}, salt ${saltLength}`).toBe(hex(noble.hkdfSha256(ikm, salt, info, length)));
      }
    }
    await expect(p.hkdfSha256(rnd(32), rnd(32), rnd(8), 255 * 32 + 1)).rejects.toThrow();
  });

  it.each(named)('%s: every AEAD rejects a flipped bit of ciphertext, tag or AD with DecryptError', async (_n, p) => {
    const k = rnd(32), m = rnd(100), ad = rnd(7), n12 = rnd(12), n24 = rnd(24);
    const cases: [(s: Uint8Array, a: Uint8Array) => Promise<Uint8Array>, Uint8Array][] = [
      [(s, a) => p.chacha20poly1305Open(k, n12, s, a), noble.chacha20poly1305Seal(k, n12, m, ad)],
      [(s, a) => p.xchacha20poly1305Open(k, n24, s, a), noble.xchacha20poly1305Seal(k, n24, m, ad)],
      [(s, a) => p.aesGcmOpen(k, n12, s, a), noble.aesGcmSeal(k, n12, m, ad)],
    ];
    for (const [open, sealed] of cases) {
      for (const at of [0, 50, sealed.length - 1]) {
        const bad = sealed.slice();
        bad[at]! ^= 1;
        await expect(open(bad, ad)).rejects.toBeInstanceOf(DecryptError);
      }
      const badAd = ad.slice();
      badAd[0]! ^= 1;
      await expect(open(sealed, badAd)).rejects.toBeInstanceOf(DecryptError);
      await expect(open(sealed.subarray(0, 15), ad)).rejects.toBeInstanceOf(DecryptError);
    }
  });

  it.each(named)('%s: X25519 refuses every low-order peer key with LowOrderError', async (_n, p) => {
    // RFC 7748 §6.1: the all-zero output. u = 0, u = 1 and the order-8 points (and their non-canonical twins).
    const lowOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const h of lowOrder) await expect(p.x25519(rnd(32), hexToBytes(h))).rejects.toBeInstanceOf(LowOrderError);
  });

  it('the small-order Ed25519 encodings the native providers refuse are exactly the 8 points of small order', () => {
    expect(new Set(ED25519_SMALL_ORDER_ENCODINGS.map(hex)).size).toBe(8);
    for (const e of ED25519_SMALL_ORDER_ENCODINGS) expect(ed25519.Point.fromBytes(e).isSmallOrder()).toBe(true);
  });

  it.each(named)('%s: strict Ed25519 verification answers as noble on malleated and non-canonical signatures', async (_n, p) => {
    const seed = rnd(32), m = rnd(40);
    const pub = noble.ed25519PublicKey(seed);
    const sig = noble.ed25519Sign(seed, m);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));
    const s = sig.subarray(32).reduceRight((acc, b) => acc * 256n + BigInt(b), 0n);
    const malleated = new Uint8Array([...sig.subarray(0, 32), ...le(s + L)]); // S + L: same point, non-canonical S
    const nonCanonicalR = sig.slice();
    nonCanonicalR.set(hexToBytes('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), 0); // y = p
    const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
      [pub, m, malleated],
      [pub, m, nonCanonicalR],
      [ED25519_SMALL_ORDER_ENCODINGS[0] as Uint8Array, m, sig],
      [pub, rnd(40), sig],
      [pub.map((b, i) => (i === 31 ? b | 0x80 : b)), m, sig],
      [pub, m, sig.subarray(0, 63)],
    ];
    for (const [k, msg, sg] of cases) expect(await p.ed25519Verify(k, msg, sg)).toBe(noble.ed25519Verify(k, msg, sg));
    expect(noble.ed25519Verify(pub, m, malleated)).toBe(false);
  });

  it.each(named)('%s: wrong key and nonce lengths are RangeErrors', async (_n, p) => {
    await expect(p.xchacha20poly1305Seal(rnd(31), rnd(24), rnd(1), rnd(0))).rejects.toBeInstanceOf(RangeError);
    await expect(p.chacha20poly1305Seal(rnd(32), rnd(24), rnd(1), rnd(0))).rejects.toBeInstanceOf(RangeError);
    await expect(p.aesGcmSeal(rnd(24), rnd(12), rnd(1), rnd(0))).rejects.toBeInstanceOf(RangeError);
    await expect(p.x25519(rnd(31), rnd(32))).rejects.toBeInstanceOf(RangeError);
  });
});

describe(`X25519 key handles, CryptoProvider.x25519Import (${runtime})`, () => {
  // A handle keeps the imported private key for its public key and several DHs (the Double Ratchet's DHs); the node
  // provider also keeps the last peer key a handle imported. Both must give x25519PublicKey's and x25519's bytes.
  it('the native provider has them; a handle gives its public key and each peer\'s X25519, following the peer bytes', () => {
    const withImport = SYNC.filter((p) => p.x25519Import !== undefined);
    expect(withImport.map((p) => p.name)).toEqual(runtime === 'node' ? ['node'] : []);
    for (const p of withImport) {
      for (let round = 0; round < 4; round++) {
        const priv = rnd(32);
        const handle = (p.x25519Import as NonNullable<typeof p.x25519Import>)(priv);
        expect(hex(handle.publicKey)).toBe(hex(noble.x25519PublicKey(priv)));
        const [a, b] = [noble.x25519PublicKey(rnd(32)), noble.x25519PublicKey(rnd(32))];
        const peer = a.slice();
        expect(hex(handle.x25519(peer))).toBe(hex(noble.x25519(priv, a)));
        expect(hex(handle.x25519(a))).toBe(hex(noble.x25519(priv, a))); // the same peer bytes, another array
        peer.set(b); // the same array object now holds B: the answer follows the bytes
        expect(hex(handle.x25519(peer))).toBe(hex(noble.x25519(priv, b)));
        // A second handle with the peer key the first one left behind.
        const other = rnd(32);
        expect(hex((p.x25519Import as NonNullable<typeof p.x25519Import>)(other).x25519(b))).toBe(hex(noble.x25519(other, b)));
        const kept = priv.slice();
        priv.fill(0); // the handle holds its own copy: wiping the array does not change it
        expect(hex(handle.x25519(a))).toBe(hex(noble.x25519(kept, a)));
        const lowOrder = new Uint8Array(32); // u = 0: refused on every call, cached or not
        for (let i = 0; i < 2; i++) expect(() => handle.x25519(lowOrder)).toThrow(LowOrderError);
        expect(() => handle.x25519(new Uint8Array(31))).toThrow(RangeError);
      }
    }
  });
});

describe(`webcrypto provider key caches (${runtime})`, () => {
  // The provider remembers imported keys (public keys by value, private keys per array object with a digest of its
  // bytes). A cache that answered for the old bytes after the array changed would sign or agree with the wrong key.
  it('a private key array changed or wiped in place is imported again, never answered from the cache', async () => {
    const web = await webCryptoProvider();
    const priv = noble.randomBytes(32);
    const peer = noble.x25519PublicKey(noble.randomBytes(32));
    const seed = noble.randomBytes(32);
    const msg = new Uint8Array([1, 2, 3]);
    for (let round = 0; round < 3; round++) {
      expect(await web.x25519(priv, peer)).toEqual(noble.x25519(priv, peer));
      expect(await web.x25519PublicKey(priv)).toEqual(noble.x25519PublicKey(priv));
      expect(await web.ed25519Sign(seed, msg)).toEqual(noble.ed25519Sign(seed, msg));
      priv.set(noble.randomBytes(32)); // same object, new bytes
      seed.set(noble.randomBytes(32));
    }
  });

  it('a cached public key answers for its own bytes only; a refused import is not cached', async () => {
    const web = await webCryptoProvider();
    const seedA = noble.randomBytes(32);
    const seedB = noble.randomBytes(32);
    const [a, b] = [noble.ed25519PublicKey(seedA), noble.ed25519PublicKey(seedB)];
    const msg = new Uint8Array(64).fill(7);
    const sigA = noble.ed25519Sign(seedA, msg);
    expect(await web.ed25519Verify(a, msg, sigA)).toBe(true);
    expect(await web.ed25519Verify(b, msg, sigA)).toBe(false);
    const shared = a.slice();
    expect(await web.ed25519Verify(shared, msg, sigA)).toBe(true);
    shared.set(b); // the same array object now holds B: the answer follows the bytes
    expect(await web.ed25519Verify(shared, msg, sigA)).toBe(false);
    // A low-order peer key is refused on every call, cached or not.
    const lowOrder = new Uint8Array(32); // u = 0
    for (let i = 0; i < 2; i++) await expect(web.x25519(noble.randomBytes(32), lowOrder)).rejects.toBeInstanceOf(LowOrderError);
  });
});
