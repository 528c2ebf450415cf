// HPKE of the group cipher suite (client/group/_hpke.ts, docs/PROTOCOL.md §12.1) against RFC 9180 Appendix A.2.1
// (mode_base, kem 0x0020, kdf 0x0001, aead 0x0003) and its HKDF against RFC 5869, under every provider of this
// runtime (Node: noble, node, webcrypto; Chromium: noble, webcrypto); then the attacks an HPKE recipient must
// survive: altered enc, ciphertext, aad or info, low-order KEM inputs, wrong key lengths, key-kind confusion.
import { describe, expect, it } from 'vitest';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { bytesToHex as hex, hexToBytes as bytes } from '@noble/hashes/utils.js';
// eslint-disable-next-line no-restricted-imports -- white-box: the internal HPKE (RFC 9180) and its ts-mls Hpke wrapper are this test's subject
import { HpkeError, deriveKeyPair, hkdfExpand, hkdfExtract, setupBaseRecipient, setupBaseSender } from '../../client/group/_hpke.ts';
// eslint-disable-next-line no-restricted-imports -- white-box: the cipher suite's Hpke, built on that HPKE
import { ciphersuiteFromProvider } from '../../client/group/_mls-crypto.ts';
// eslint-disable-next-line no-restricted-imports -- white-box: the suite must fail with ts-mls' own CryptoError
import { CryptoError } from '../../client/group/_ts-mls.ts';
import v from '../vectors/hpke-rfc9180.json';
import { ASYNC } from './_providers.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const flip = (b: Uint8Array, i: number) => {
  const c = b.slice();
  c[i] = (c[i] as number) ^ 0x01;
  return c;
};
// RFC 7748 §6.1 / Bernstein's list: X25519 inputs of small order; every output is all zero and must be refused.
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

describe('the vectors file is the RFC text', () => {
  it('key and base_nonce give the sequence-0 ciphertext (noble ChaCha20-Poly1305, independent of the code under test)', () => {
    const e = v.encryptions[0]!;
    expect(hex(chacha20poly1305(bytes(v.key), bytes(v.baseNonce), bytes(e.aad)).encrypt(bytes(v.pt)))).toBe(e.ct);
  });
});

describe.each(ASYNC.map((p) => [p.name, p] as const))('RFC 9180 A.2.1 under %s', (_name, crypto) => {
  it('HKDF-SHA256 on the provider HMAC reproduces RFC 5869 A.1 and A.3', async () => {
    for (const t of v.hkdf) {
      const prk = await hkdfExtract(crypto, bytes(t.salt), bytes(t.ikm));
      expect(hex(prk)).toBe(t.prk);
      expect(hex(await hkdfExpand(crypto, prk, bytes(t.info), t.length))).toBe(t.okm);
      // Every prefix length is a prefix of the output (T(1) ‖ T(2) …), including a block boundary.
      for (const l of [0, 1, 31, 32, 33]) expect(hex(await hkdfExpand(crypto, prk, bytes(t.info), l))).toBe(t.okm.slice(0, 2 * l));
    }
    await expect(hkdfExpand(crypto, new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1)).rejects.toThrow(RangeError);
  });

  it('DeriveKeyPair gives skEm, pkEm, skRm, pkRm', async () => {
    const e = await deriveKeyPair(crypto, bytes(v.ikmE));
    const r = await deriveKeyPair(crypto, bytes(v.ikmR));
    expect([hex(e.privateKey), hex(e.publicKey), hex(r.privateKey), hex(r.publicKey)]).toEqual([v.skEm, v.pkEm, v.skRm, v.pkRm]);
  });

  it('the sender with the vector ephemeral key gives enc, the ciphertexts of seq 0…256 and the exported values', async () => {
    const { enc, context } = await setupBaseSender(crypto, bytes(v.pkRm), bytes(v.info), await deriveKeyPair(crypto, bytes(v.ikmE)));
    expect(hex(enc)).toBe(v.enc);
    const want = new Map(v.encryptions.map((e) => [e.seq, e.ct]));
    for (let seq = 0; seq <= 256; seq++) {
      const ct = await context.seal(utf8(`Count-${seq}`), bytes(v.pt));
      if (want.has(seq)) expect(hex(ct)).toBe(want.get(seq));
    }
    expect(want.size).toBe(6);
    for (const x of v.exports) expect(hex(await context.export(bytes(x.exporterContext), x.length))).toBe(x.exportedValue);
  });

  it('the recipient opens the RFC ciphertexts in sequence and exports the same values', async () => {
    const r = await setupBaseRecipient(crypto, bytes(v.enc), bytes(v.skRm), bytes(v.info));
    const given = new Map(v.encryptions.map((e) => [e.seq, e.ct]));
    // Ciphertexts the RFC does not list are made by a sender context (checked against the listed ones above).
    const s = (await setupBaseSender(crypto, bytes(v.pkRm), bytes(v.info), await deriveKeyPair(crypto, bytes(v.ikmE)))).context;
    for (let seq = 0; seq <= 256; seq++) {
      const aad = utf8(`Count-${seq}`);
      const made = await s.seal(aad, bytes(v.pt));
      const ct = given.has(seq) ? bytes(given.get(seq) as string) : made;
      expect(hex(await r.open(aad, ct))).toBe(v.pt);
    }
    for (const x of v.exports) expect(hex(await r.export(bytes(x.exporterContext), x.length))).toBe(x.exportedValue);
  });

  it('refuses every altered byte of enc and ciphertext, another aad or info, and keeps its sequence number on failure', async () => {
    const ct = bytes(v.encryptions[0]!.ct);
    const aad = bytes(v.encryptions[0]!.aad);
    const fresh = () => setupBaseRecipient(crypto, bytes(v.enc), bytes(v.skRm), bytes(v.info));
    const r = await fresh();
    for (let i = 0; i < ct.length; i++) await expect(r.open(aad, flip(ct, i))).rejects.toThrow(HpkeError);
    await expect(r.open(utf8('Count-1'), ct)).rejects.toThrow(HpkeError);
    await expect(r.open(aad, ct.subarray(0, 15))).rejects.toThrow(HpkeError);
    // Nine failures later the context still expects seq 0.
    expect(hex(await r.open(aad, ct))).toBe(v.pt);
    for (let i = 0; i < 32; i += 5) await expect((await setupBaseRecipient(crypto, flip(bytes(v.enc), i), bytes(v.skRm), bytes(v.info))).open(aad, ct)).rejects.toThrow(HpkeError);
    await expect((await setupBaseRecipient(crypto, bytes(v.enc), bytes(v.skRm), utf8('another info'))).open(aad, ct)).rejects.toThrow(HpkeError);
    expect(hex(await (await fresh()).open(aad, ct))).toBe(v.pt);
  });

  it('refuses low-order KEM inputs (the all-zero DH output) on both sides, and wrong lengths', async () => {
    for (const p of LOW_ORDER) {
      await expect(setupBaseRecipient(crypto, bytes(p), bytes(v.skRm), bytes(v.info))).rejects.toThrow(HpkeError);
      await expect(setupBaseSender(crypto, bytes(p), bytes(v.info))).rejects.toThrow(HpkeError);
    }
    await expect(setupBaseRecipient(crypto, bytes(v.enc).subarray(0, 31), bytes(v.skRm), bytes(v.info))).rejects.toThrow(HpkeError);
    await expect(setupBaseRecipient(crypto, bytes(v.enc), bytes(v.skRm).subarray(1), bytes(v.info))).rejects.toThrow(HpkeError);
    await expect(setupBaseSender(crypto, new Uint8Array(33), bytes(v.info))).rejects.toThrow(HpkeError);
  });

  it("through ts-mls' Hpke interface: round trip, export, and CryptoError for everything refused", async () => {
    const { hpke } = ciphersuiteFromProvider(crypto);
    const kp = await hpke.deriveKeyPair(bytes(v.ikmR));
    expect(hex(await hpke.exportPrivateKey(kp.privateKey))).toBe(v.skRm);
    expect(hex(await hpke.exportPublicKey(kp.publicKey))).toBe(v.pkRm);
    const sk = await hpke.importPrivateKey(bytes(v.skRm));
    const pk = await hpke.importPublicKey(bytes(v.pkRm));
    // The RFC ciphertext opens through the interface (single-shot = seq 0).
    expect(hex(await hpke.open(sk, bytes(v.enc), bytes(v.encryptions[0]!.ct), bytes(v.info), bytes(v.encryptions[0]!.aad)))).toBe(v.pt);
    const sealed = await hpke.seal(pk, utf8('path secret'), utf8('ctx'));
    expect(await hpke.open(sk, sealed.enc, sealed.ct, utf8('ctx'))).toEqual(utf8('path secret'));
    const again = await hpke.seal(pk, utf8('path secret'), utf8('ctx'));
    expect(hex(again.enc)).not.toBe(hex(sealed.enc)); // a fresh ephemeral key per seal
    const ex = await hpke.exportSecret(pk, utf8('exp ctx'), 32, utf8('info'));
    expect(await hpke.importSecret(sk, utf8('exp ctx'), ex.enc, 32, utf8('info'))).toEqual(ex.secret);
    await expect(hpke.open(sk, sealed.enc, flip(sealed.ct, 3), utf8('ctx'))).rejects.toThrow(CryptoError);
    await expect(hpke.open(sk, sealed.enc, sealed.ct, utf8('ctx'), utf8('aad'))).rejects.toThrow(CryptoError);
    await expect(hpke.open(sk, bytes(LOW_ORDER[2]!), sealed.ct, utf8('ctx'))).rejects.toThrow(CryptoError);
    await expect(hpke.importPublicKey(new Uint8Array(31))).rejects.toThrow(CryptoError);
    await expect(hpke.seal(await hpke.importPublicKey(bytes(LOW_ORDER[3]!)), utf8('x'), utf8('ctx'))).rejects.toThrow(CryptoError);
    await expect(hpke.exportSecret(await hpke.importPublicKey(bytes(LOW_ORDER[4]!)), utf8('c'), 32, utf8('ctx'))).rejects.toThrow(CryptoError);
    await expect(hpke.importPrivateKey(new Uint8Array(33))).rejects.toThrow(CryptoError);
    // A public key is not a private key and the other way round.
    await expect(hpke.open(pk as never, sealed.enc, sealed.ct, utf8('ctx'))).rejects.toThrow(CryptoError);
    await expect(hpke.seal(sk as never, utf8('x'), utf8('ctx'))).rejects.toThrow(CryptoError);
    await expect(hpke.decryptAead(new Uint8Array(32), new Uint8Array(12), undefined, new Uint8Array(20))).rejects.toThrow(CryptoError);
  });
});
