// The server verifies Ed25519 by the SDK's one rule (docs/PROTOCOL.md §14.4): test/vectors/ed25519-edge-cases.json
// through server/services/_ed25519.ts, and at the HTTP edge, registration (the signature every account starts from)
// with the two inputs on which an OpenSSL-only verifier and the clients disagree: a small-order identity key whose
// "signature" verifies for any message under the cofactorless equation (refused), and an honest holder's
// mixed-order key whose signature only the cofactored equation accepts (accepted, as every client accepts it).
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { hexToBytes as bytes, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nobleCryptoProvider } from '../../client/crypto/noble.ts';
import { verifyEd25519 } from '../../server/services/_ed25519.ts';
import v from '../vectors/ed25519-edge-cases.json';
import { type TestServer, api, b64, startTestServer } from './_harness.ts';

const vectors = v.vectors.map((x) => ({ ...x, pub: bytes(x.publicKey), msg: bytes(x.message), sig: bytes(x.signature) }));

describe('the server verifier gives every vector its answer', () => {
  it.each(vectors.map((x) => [x.id, x] as const))('%s', (_id, x) => {
    expect(verifyEd25519(x.pub, x.msg, x.sig)).toBe(x.valid);
  });
});

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => srv?.stop());

const registerInput = (dh: Uint8Array, id: string) => concatBytes(utf8ToBytes('franking-chat/v1/register\0'), dh, utf8ToBytes(id));
const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const fromLe = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const T8 = Point.fromBytes(bytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')); // order 8

describe('registration at the HTTP edge', () => {
  it('a small-order identity key with R = identity, S = 0 (valid for any message to a cofactorless verifier) is refused', async () => {
    const identity = Point.ZERO.toBytes();
    const dh = x25519.getPublicKey(x25519.utils.randomSecretKey());
    const signature = concatBytes(identity, new Uint8Array(32));
    const id = `small-order-${Date.now()}`;
    const r = await api(srv.url, 'POST', '/v1/accounts', { userId: id, identitySigningKey: b64(identity), identityDhKey: b64(dh), signature: b64(signature) });
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('invalid_signature');
    expect(nobleCryptoProvider.ed25519Verify(identity, registerInput(dh, id), signature)).toBe(false); // what every client says
  });

  it('an honest mixed-order identity key (only the cofactored equation holds) is accepted, as every client accepts it', async () => {
    const a = 1n + (fromLe(sha512(utf8ToBytes(`mixed ${Date.now()}`))) % (L - 1n));
    const pub = Point.BASE.multiply(a).add(T8).toBytes();
    const dh = x25519.getPublicKey(x25519.utils.randomSecretKey());
    // A user id for which k = H(R || A' || M) is not a multiple of 8: the cofactorless equation then fails.
    for (let i = 0; ; i++) {
      const id = `mixed-${Date.now()}-${i}`;
      const msg = registerInput(dh, id);
      const r = 1n + (fromLe(sha512(concatBytes(utf8ToBytes('nonce'), msg))) % (L - 1n));
      const R = Point.BASE.multiply(r).toBytes();
      const k = fromLe(sha512(concatBytes(R, pub, msg))) % L;
      if (k % 8n === 0n) continue;
      const signature = concatBytes(R, le((r + k * a) % L));
      expect(nobleCryptoProvider.ed25519Verify(pub, msg, signature)).toBe(true); // the SDK's answer
      const res = await api(srv.url, 'POST', '/v1/accounts', { userId: id, identitySigningKey: b64(pub), identityDhKey: b64(dh), signature: b64(signature) });
      expect(res.status).toBe(201);
      break;
    }
  });
});
