// The group cipher suite on the SDK's providers (client/group/_mls-crypto.ts) against ts-mls' own noble provider,
// the implementation groups used before (docs/PROTOCOL.md §12.1): the same bytes primitive by primitive, HPKE
// sealed by one and opened by the other, and whole MLS groups where members on either implementation create,
// join (Welcome), commit (UpdatePath HPKE) and decrypt each other's messages, including a group state serialized
// under the old implementation and resumed under the new one. Node and Chromium, every provider of the runtime.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as hex, hexToBytes, utf8ToBytes as utf8 } from '@noble/hashes/utils.js';
import {
  type CiphersuiteImpl,
  type ClientState,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeGroupState,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  nobleCryptoProvider as tsMlsNobleProvider,
  processPrivateMessage,
  processPublicMessage,
} from 'ts-mls';
import { nobleCryptoProvider, setDefaultCryptoProvider } from '../../client/crypto/index.ts';
// eslint-disable-next-line no-restricted-imports -- white-box: the SDK's cipher suite and how it picks its provider are this test's subject
import { GROUP_CIPHERSUITE, ciphersuiteFromProvider, groupCiphersuite, groupCryptoProviderName } from '../../client/group/_mls-crypto.ts';
// eslint-disable-next-line no-restricted-imports -- white-box: the suite must fail with ts-mls' own CryptoError
import { CryptoError } from '../../client/group/_ts-mls.ts';
import { ASYNC, SYNC } from './_providers.ts';

const old: CiphersuiteImpl = await getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHERSUITE), tsMlsNobleProvider);
const det = (label: string, n = 32) => sha256(utf8(`mls interop\0${label}`)).slice(0, n);

async function member(name: string, cs: CiphersuiteImpl): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  return generateKeyPackage({ credentialType: 'basic', identity: utf8(name) }, defaultCapabilities(), defaultLifetime, [], cs);
}

async function commitAdd(state: ClientState, kp: KeyPackage, cs: CiphersuiteImpl) {
  const r = await createCommit({ state, cipherSuite: cs }, { extraProposals: [{ proposalType: 'add', add: { keyPackage: kp } }], wireAsPublicMessage: true, ratchetTreeExtension: true });
  return { state: r.newState, commit: r.commit as MLSMessage & { wireformat: 'mls_public_message' }, welcome: r.welcome! };
}

async function send(state: ClientState, text: string, cs: CiphersuiteImpl) {
  const r = await createApplicationMessage(state, utf8(text), cs);
  return { state: r.newState, pm: r.privateMessage };
}

async function read(state: ClientState, pm: Awaited<ReturnType<typeof send>>['pm'], cs: CiphersuiteImpl): Promise<{ state: ClientState; text: string }> {
  const r = await processPrivateMessage(state, pm, emptyPskIndex, cs);
  if (r.kind !== 'applicationMessage') throw new Error('expected an application message');
  return { state: r.newState, text: new TextDecoder().decode(r.message) };
}

describe.each(ASYNC.map((p) => [p.name, p] as const))("suite 3 on %s against ts-mls' noble provider", (_name, crypto) => {
  const cs = ciphersuiteFromProvider(crypto);

  it('the same bytes: hash, MAC, KDF, AEAD, Ed25519, HPKE DeriveKeyPair', async () => {
    const key = det('key');
    const data = det('data', 100);
    expect(hex(await cs.hash.digest(data))).toBe(hex(await old.hash.digest(data)));
    expect(hex(await cs.hash.mac(key, data))).toBe(hex(await old.hash.mac(key, data)));
    expect(await cs.hash.verifyMac(key, await old.hash.mac(key, data), data)).toBe(true);
    expect(await cs.hash.verifyMac(key, (await old.hash.mac(key, data)).map((b, i) => (i === 5 ? b ^ 1 : b)), data)).toBe(false);
    expect(hex(await cs.kdf.extract(key, data))).toBe(hex(await old.kdf.extract(key, data)));
    expect(hex(await cs.kdf.extract(new Uint8Array(0), data))).toBe(hex(await old.kdf.extract(new Uint8Array(0), data)));
    for (const len of [12, 32, 33, 64, 100]) expect(hex(await cs.kdf.expand(key, data, len))).toBe(hex(await old.kdf.expand(key, data, len)));
    expect(cs.kdf.size).toBe(old.kdf.size);
    expect([cs.hpke.keyLength, cs.hpke.nonceLength]).toEqual([old.hpke.keyLength, old.hpke.nonceLength]);
    const nonce = det('nonce', 12);
    const sealed = await cs.hpke.encryptAead(key, nonce, data, data);
    expect(hex(sealed)).toBe(hex(await old.hpke.encryptAead(key, nonce, data, data)));
    expect(await old.hpke.decryptAead(key, nonce, data, sealed)).toEqual(data);
    expect(hex(await cs.signature.sign(key, data))).toBe(hex(await old.signature.sign(key, data)));
    // A signing key wrapped in RFC 8410 PKCS #8 (what ts-mls' WebCrypto keygen exports) signs the same; anything else is refused.
    const pkcs8 = Uint8Array.from([...hexToBytes('302e020100300506032b657004220420'), ...key]);
    expect(hex(await cs.signature.sign(pkcs8, data))).toBe(hex(await cs.signature.sign(key, data)));
    await expect(cs.signature.sign(key.subarray(1), data)).rejects.toThrow(CryptoError);
    await expect(cs.signature.sign(pkcs8.map((b, i) => (i === 9 ? b ^ 1 : b)), data)).rejects.toThrow(CryptoError);
    const ours = await cs.signature.keygen();
    const sig = await old.signature.sign(ours.signKey, data);
    expect(await cs.signature.verify(ours.publicKey, data, sig)).toBe(true);
    expect(await cs.signature.verify(ours.publicKey, utf8('other'), sig)).toBe(false);
    for (const ikm of [det('ikm1'), det('ikm2'), new Uint8Array(0)]) {
      const [a, b] = [await cs.hpke.deriveKeyPair(ikm), await old.hpke.deriveKeyPair(ikm)];
      expect(hex(await cs.hpke.exportPrivateKey(a.privateKey))).toBe(hex(await old.hpke.exportPrivateKey(b.privateKey)));
      expect(hex(await cs.hpke.exportPublicKey(a.publicKey))).toBe(hex(await old.hpke.exportPublicKey(b.publicKey)));
    }
  });

  it('Ed25519 verification stays strict (RFC 8032 §5.1.7): non-canonical S (S + L) or A, and a wrong key, are refused', async () => {
    const seed = det('strict');
    const message = det('signed content', 64);
    const signature = await cs.signature.sign(seed, message);
    const publicKey = await crypto.ed25519PublicKey(seed);
    expect(await cs.signature.verify(publicKey, message, signature)).toBe(true);
    // S' = S + L encodes the same scalar mod L: lax verifiers accept it, RFC 8032 §5.1.7 requires S < L.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let sNum = 0n;
    for (let i = 31; i >= 0; i--) sNum = (sNum << 8n) | BigInt(signature[32 + i]!);
    let sPlusL = sNum + L;
    const malleated = signature.slice();
    for (let i = 0; i < 32; i++, sPlusL >>= 8n) malleated[32 + i] = Number(sPlusL & 0xffn);
    expect(sPlusL).toBe(0n); // still fits in 32 bytes
    expect(await cs.signature.verify(publicKey, message, malleated)).toBe(false);
    expect(await cs.signature.verify(await crypto.ed25519PublicKey(det('other')), message, signature)).toBe(false);
    // A = the identity point encoded with y = p + 1 (non-canonical), R = identity, S = 0: [S]B = R + [k]A holds for
    // every message, and OpenSSL's and Node's WebCrypto Ed25519 accept it (ZIP-215 rules); RFC 8032 strict refuses.
    const nonCanonicalIdentity = Uint8Array.from([0xee, ...new Array<number>(30).fill(0xff), 0x7f]);
    const forged = new Uint8Array(64);
    forged[0] = 1;
    for (const m of [message, utf8('anything at all')]) expect(await cs.signature.verify(nonCanonicalIdentity, m, forged)).toBe(false);
    expect(await cs.signature.verify(publicKey.subarray(1), message, signature)).toBe(false);
  });

  it('HPKE both ways: sealed by one implementation, opened by the other; exported secrets agree', async () => {
    const kp = await old.hpke.deriveKeyPair(det('recipient'));
    const raw = { sk: await old.hpke.exportPrivateKey(kp.privateKey), pk: await old.hpke.exportPublicKey(kp.publicKey) };
    const [skNew, pkNew] = [await cs.hpke.importPrivateKey(raw.sk), await cs.hpke.importPublicKey(raw.pk)];
    const [skOld, pkOld] = [await old.hpke.importPrivateKey(raw.sk), await old.hpke.importPublicKey(raw.pk)];
    const info = utf8('info');
    const aad = utf8('aad');
    const a = await cs.hpke.seal(pkNew, utf8('to old'), info, aad);
    expect(await old.hpke.open(skOld, a.enc, a.ct, info, aad)).toEqual(utf8('to old'));
    const b = await old.hpke.seal(pkOld, utf8('to new'), info);
    expect(await cs.hpke.open(skNew, b.enc, b.ct, info)).toEqual(utf8('to new'));
    const c = await cs.hpke.exportSecret(pkNew, utf8('ctx'), 48, info);
    expect(hex(await old.hpke.importSecret(skOld, utf8('ctx'), c.enc, 48, info))).toBe(hex(c.secret));
    const d = await old.hpke.exportSecret(pkOld, utf8('ctx'), 32, info);
    expect(hex(await cs.hpke.importSecret(skNew, utf8('ctx'), d.enc, 32, info))).toBe(hex(d.secret));
  });

  it('one MLS group across both: created on the old, joined and committed on the new, messages read both ways', async () => {
    // Alice: ts-mls' noble provider (groups before this change). Bob, then Carol: the SDK providers / the old again.
    const alice = await member('alice', old);
    let a = await createGroup(utf8('interop-group'), alice.publicPackage, alice.privatePackage, [], old);
    const bob = await member('bob', cs);
    const add = await commitAdd(a, bob.publicPackage, old);
    a = add.state;
    let b = await joinGroup(add.welcome, bob.publicPackage, bob.privatePackage, emptyPskIndex, cs);
    expect(hex(b.keySchedule.epochAuthenticator)).toBe(hex(a.keySchedule.epochAuthenticator));

    let m = await send(a, 'hello from the old implementation', old);
    a = m.state;
    let r = await read(b, m.pm, cs);
    b = r.state;
    expect(r.text).toBe('hello from the old implementation');

    // Bob commits (UpdatePath: HPKE to Alice's node under the new implementation) adding Carol (old).
    const carol = await member('carol', old);
    const add2 = await commitAdd(b, carol.publicPackage, cs);
    b = add2.state;
    a = (await processPublicMessage(a, add2.commit.publicMessage, emptyPskIndex, old)).newState;
    let c = await joinGroup(add2.welcome, carol.publicPackage, carol.privatePackage, emptyPskIndex, old);
    expect(new Set([a, b, c].map((s) => hex(s.keySchedule.epochAuthenticator))).size).toBe(1);

    m = await send(b, 'hello from the new implementation', cs);
    b = m.state;
    r = await read(a, m.pm, old);
    a = r.state;
    expect(r.text).toBe('hello from the new implementation');
    r = await read(c, m.pm, old);
    c = r.state;
    expect(r.text).toBe('hello from the new implementation');

    // Alice's state, serialized under the old implementation, resumes under the new one: it reads and commits.
    const decoded = decodeGroupState(encodeGroupState(a), 0);
    if (!decoded) throw new Error('state does not decode');
    a = { ...decoded[0], clientConfig: a.clientConfig };
    m = await send(c, 'to the resumed state', old);
    c = m.state;
    r = await read(a, m.pm, cs);
    a = r.state;
    expect(r.text).toBe('to the resumed state');
    const update = await createCommit({ state: a, cipherSuite: cs }, { wireAsPublicMessage: true });
    a = update.newState;
    b = (await processPublicMessage(b, (update.commit as MLSMessage & { wireformat: 'mls_public_message' }).publicMessage, emptyPskIndex, cs)).newState;
    c = (await processPublicMessage(c, (update.commit as MLSMessage & { wireformat: 'mls_public_message' }).publicMessage, emptyPskIndex, old)).newState;
    expect(new Set([a, b, c].map((s) => hex(s.keySchedule.epochAuthenticator))).size).toBe(1);

    // A message altered in flight is refused by the new implementation as by the old.
    m = await send(c, 'tampered', old);
    const ct = m.pm.ciphertext.slice();
    ct[ct.length - 1] = (ct[ct.length - 1] as number) ^ 1;
    await expect(processPrivateMessage(b, { ...m.pm, ciphertext: ct }, emptyPskIndex, cs)).rejects.toThrow();
    expect((await read(b, m.pm, cs)).text).toBe('tampered');
  });
});

describe('which provider groups use', () => {
  it('the configured default provider, else WebCrypto X25519/Ed25519 where native; rebuilt when the default changes', async () => {
    const before = setDefaultCryptoProvider(undefined);
    try {
      const unconfigured = await groupCiphersuite();
      const web = await groupCryptoProviderName();
      const subtle = globalThis.crypto?.subtle !== undefined;
      if (!subtle) expect(web).toBe('noble');
      // Node ≥ 20 and this Chromium have both curves in WebCrypto.
      else expect(web).toBe('webcrypto (x25519, ed25519)');
      expect(await groupCiphersuite()).toBe(unconfigured);
      for (const p of SYNC) {
        setDefaultCryptoProvider(p);
        expect(await groupCryptoProviderName()).toBe(p.name);
        const cs = await groupCiphersuite();
        expect(cs).not.toBe(unconfigured);
        // Same bytes whichever provider: an HKDF expansion and a deterministic Ed25519 signature.
        const key = det('which');
        expect(hex(await cs.kdf.expand(key, utf8('info'), 32))).toBe(hex(await old.kdf.expand(key, utf8('info'), 32)));
        expect(hex(await cs.signature.sign(key, utf8('m')))).toBe(hex(await old.signature.sign(key, utf8('m'))));
      }
      setDefaultCryptoProvider(nobleCryptoProvider);
      expect(await groupCryptoProviderName()).toBe('noble');
    } finally {
      setDefaultCryptoProvider(before);
    }
  });
});
