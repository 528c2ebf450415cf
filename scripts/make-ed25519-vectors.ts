// Generates test/vectors/ed25519-edge-cases.json: Ed25519 inputs on which verifiers are known to disagree (small-order
// and mixed-order public keys and R, non-canonical encodings of A and R, S ≥ L, wrong lengths), each with the answer of
// the project's one verification rule (docs/PROTOCOL.md §14.4, docs/TRANSPARENCY.md §2): RFC 8032 §5.1.7 with
//   - A and R decoded canonically (y < p; no x = 0 with the sign bit set),
//   - 0 ≤ S < L,
//   - A not of small order,
//   - the cofactored equation [8][S]B = [8]R + [8][k]A, k = SHA-512(R || A || M) mod L.
// The expected answers are computed here from that rule written out step by step on curve points (not by calling a
// verifier), and the script refuses to write the file if noble's strict verify (zip215: false) disagrees on any
// case. Categories follow Chalkias, Garillot, Nikolaenko, "Taming the many EdDSAs" (SSR 2020) and Wycheproof's
// eddsa_test.json. Secrets are SHA-256("franking-chat ed25519 vectors" ‖ purpose); signing is deterministic, so
// re-running reproduces the file byte for byte. Usage: npm run vectors:ed25519
import { writeFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex as hex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

const Point = ed25519.Point;
type P = InstanceType<typeof Point>;
const L = Point.Fn.ORDER;
const P_FIELD = Point.Fp.ORDER;
const det = (purpose: string) => sha256(utf8ToBytes(`franking-chat ed25519 vectors\0${purpose}`));
const le = (n: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
};
const fromLe = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const mod = (a: bigint, m = L) => ((a % m) + m) % m;
const challenge = (r: Uint8Array, a: Uint8Array, m: Uint8Array) => mod(fromLe(sha512(concatBytes(r, a, m))));

/** An Ed25519 key from a seed, as scalar and point (RFC 8032 §5.1.5). */
function keyOf(purpose: string) {
  const seed = det(purpose);
  const h = sha512(seed);
  const s = h.slice(0, 32);
  s[0]! &= 248;
  s[31]! &= 127;
  s[31]! |= 64;
  const a = mod(fromLe(s));
  return { a, A: Point.BASE.multiply(a), prefix: h.slice(32) };
}

/** Signs with explicit R and A encodings (for mixed-order A or R), S = r + k·a (RFC 8032 §5.1.6 steps 2–5). */
function signWith(a: bigint, aBytes: Uint8Array, msg: Uint8Array, nonce: bigint, rPoint: P) {
  const rBytes = rPoint.toBytes();
  const k = challenge(rBytes, aBytes, msg);
  return { sig: concatBytes(rBytes, le(mod(nonce + k * a))), k };
}

// ---- The rule, step by step (independent of any verify function) ----
function decodeCanonical(b: Uint8Array): P | null {
  if (b.length !== 32) return null;
  const y = fromLe(b) & ((1n << 255n) - 1n);
  if (y >= P_FIELD) return null; // RFC 8032 §5.1.3 step 1: y < p
  let pt: P;
  try {
    pt = Point.fromBytes(b, true); // decoding only; canonicality is checked here, not by the library
  } catch {
    return null; // not on the curve
  }
  if (pt.toAffine().x === 0n && (b[31]! & 0x80) !== 0) return null; // §5.1.3 step 4: x = 0 with x_0 = 1
  return pt;
}
function rule(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (pub.length !== 32 || sig.length !== 64) return false;
  const A = decodeCanonical(pub);
  const R = decodeCanonical(sig.subarray(0, 32));
  const S = fromLe(sig.subarray(32));
  if (!A || !R || S >= L) return false;
  if (A.multiply(8n).equals(Point.ZERO)) return false; // small-order public key
  const k = challenge(sig.subarray(0, 32), pub, msg);
  const lhs = S === 0n ? Point.ZERO : Point.BASE.multiply(S);
  const rhs = k === 0n ? R : R.add(A.multiplyUnsafe(k));
  return lhs.subtract(rhs).multiplyUnsafe(8n).equals(Point.ZERO);
}

// ---- The cases ----
const ZERO32 = new Uint8Array(32);
const IDENTITY = Point.ZERO.toBytes(); // 01 00 … 00
// The 8 points of small order, canonically encoded (the torsion subgroup E[8]).
// A point of order exactly 8 (RFC 8032 curve, x > 0 root of y = sqrt(1 − sqrt(d + 1))…): the generator of E[8] used by
// the "Taming the many EdDSAs" vectors; checked below to have order 8.
const T8 = Point.fromBytes(hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
if (T8.multiplyUnsafe(4n).equals(Point.ZERO) || !T8.multiplyUnsafe(8n).equals(Point.ZERO)) throw new Error('T8 is not of order 8');
const torsion = Array.from({ length: 8 }, (_, i) => (i === 0 ? Point.ZERO : T8.multiplyUnsafe(BigInt(i))));

interface Case { id: string; category: string; comment: string; publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }
const cases: Case[] = [];
const add = (category: string, comment: string, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) =>
  cases.push({ id: `${category}-${cases.filter((c) => c.category === category).length + 1}`, category, comment, publicKey, message, signature });

const msg = utf8ToBytes('franking-chat: one Ed25519 rule everywhere');
const honest = keyOf('honest');
const honestPub = ed25519.getPublicKey(det('honest'));
const honestSig = ed25519.sign(msg, det('honest'));
const S0 = fromLe(honestSig.subarray(32));

add('valid', 'an honest RFC 8032 signature', honestPub, msg, honestSig);
add('valid', 'an honest signature over the empty message', honestPub, new Uint8Array(0), ed25519.sign(new Uint8Array(0), det('honest')));
add('wrong', 'the message changed by one bit', honestPub, Uint8Array.from(msg, (b, i) => (i === 0 ? b ^ 1 : b)), honestSig);
add('wrong', 'another public key', ed25519.getPublicKey(det('other')), msg, honestSig);

// S out of range (Wycheproof "s ≥ L", Taming-EdDSAs cases 9–11): malleability.
add('noncanonical-s', 'S + L: the same point, a second encoding of S', honestPub, msg, concatBytes(honestSig.subarray(0, 32), le(S0 + L)));
add('noncanonical-s', 'S = L', honestPub, msg, concatBytes(honestSig.subarray(0, 32), le(L)));
add('noncanonical-s', 'S with its top bit set (S + 2^255 would not fit; S | 2^255)', honestPub, msg, concatBytes(honestSig.subarray(0, 32), le(S0 | (1n << 255n))));
add('noncanonical-s', 'S = 2^256 − 1', honestPub, msg, concatBytes(honestSig.subarray(0, 32), new Uint8Array(32).fill(0xff)));

// Small-order public keys (Taming-EdDSAs cases 0–3): R = identity, S = 0 satisfies the cofactorless equation
// whenever [k]A is the identity, and the cofactored one always: every message "verifies".
for (const [i, t] of torsion.entries()) add('small-order-a', `public key of small order (the torsion point [${i}]T8), R = identity, S = 0`, t.toBytes(), msg, concatBytes(IDENTITY, ZERO32));
add('small-order-a', 'the identity as public key with an honest-looking signature', IDENTITY, msg, honestSig);

// Non-canonical encodings of A (Taming-EdDSAs cases 6–7): y ≥ p, or x = 0 with the sign bit set.
const nonCanonicalY = (y: bigint, sign = false) => {
  const b = le(y + P_FIELD);
  if (sign) b[31]! |= 0x80;
  return b;
};
add('noncanonical-a', 'y = p + 1 (the identity, encoded non-canonically), R = identity, S = 0', nonCanonicalY(1n), msg, concatBytes(IDENTITY, ZERO32));
add('noncanonical-a', 'y = p (the point (±1, 0) encoded non-canonically), R = identity, S = 0', nonCanonicalY(0n), msg, concatBytes(IDENTITY, ZERO32));
const negZeroIdentity = IDENTITY.slice();
negZeroIdentity[31]! |= 0x80;
add('noncanonical-a', 'the identity with the sign bit set ("negative zero" x), R = identity, S = 0', negZeroIdentity, msg, concatBytes(IDENTITY, ZERO32));
// A non-canonical encoding of a point of large order: y + p with y < 19 on the curve.
for (let y = 2n; y < 19n; y++) {
  let q: P;
  try {
    q = Point.fromBytes(le(y), false);
  } catch {
    continue;
  }
  if (q.multiplyUnsafe(8n).equals(Point.ZERO)) continue;
  add('noncanonical-a', `y = p + ${y} (a point of large order, encoded non-canonically), an honest signature`, nonCanonicalY(y), msg, honestSig);
  break;
}

// Non-canonical R (Taming-EdDSAs cases 8, 12): the equation holds when R is read as the point it denotes.
{
  const rBytes = nonCanonicalY(1n); // the identity, y = p + 1
  const k = challenge(rBytes, honestPub, msg);
  add('noncanonical-r', 'R = identity encoded as y = p + 1, S = k·a: the equation holds for the decoded R', honestPub, msg, concatBytes(rBytes, le(mod(k * honest.a))));
  const rNeg = negZeroIdentity;
  const k2 = challenge(rNeg, honestPub, msg);
  add('noncanonical-r', 'R = identity with the sign bit set, S = k·a', honestPub, msg, concatBytes(rNeg, le(mod(k2 * honest.a))));
  const kI = challenge(IDENTITY, honestPub, msg);
  add('small-order-r', 'R = identity (canonical), S = k·a: a valid signature with a small-order R', honestPub, msg, concatBytes(IDENTITY, le(mod(kI * honest.a))));
}

// Mixed-order A and R (Taming-EdDSAs cases 4–5): A' = A + T8. The cofactored equation holds; the cofactorless one
// only when 8 | k. Both kinds of k are included, for A' and for R' = R + T8.
{
  const mixedA = honest.A.add(T8).toBytes();
  let found = { zero: false, nonzero: false };
  for (let i = 0; !(found.zero && found.nonzero); i++) {
    const m = utf8ToBytes(`mixed-order public key ${i}`);
    const nonce = mod(fromLe(sha512(concatBytes(honest.prefix, m))));
    const { sig, k } = signWith(honest.a, mixedA, m, nonce, Point.BASE.multiply(nonce));
    const zero = k % 8n === 0n;
    if (zero ? found.zero : found.nonzero) continue;
    found = { ...found, [zero ? 'zero' : 'nonzero']: true };
    add('mixed-order-a', `A' = A + T8 (mixed order), k ${zero ? '≡ 0' : '≢ 0'} (mod 8): the cofactorless equation ${zero ? 'holds too' : 'fails'}`, mixedA, m, sig);
  }
  found = { zero: false, nonzero: false };
  for (let i = 0; !(found.zero && found.nonzero); i++) {
    const m = utf8ToBytes(`mixed-order R ${i}`);
    const nonce = mod(fromLe(sha512(concatBytes(honest.prefix, m))));
    const rPoint = Point.BASE.multiply(nonce).add(T8);
    const { sig, k } = signWith(honest.a, honestPub, m, nonce, rPoint);
    // R' + [k]A − [S]B = T8: the cofactorless equation never holds; only the cofactored one.
    const zero = k % 8n === 0n;
    if (zero ? found.zero : found.nonzero) continue;
    found = { ...found, [zero ? 'zero' : 'nonzero']: true };
    add('mixed-order-r', `R' = R + T8 (mixed order), k ${zero ? '≡ 0' : '≢ 0'} (mod 8)`, honestPub, m, sig);
  }
}

// Lengths (Wycheproof "truncated signature", "wrong key length"): false, never an exception.
add('length', 'a 63-byte signature', honestPub, msg, honestSig.subarray(0, 63));
add('length', 'a 65-byte signature', honestPub, msg, concatBytes(honestSig, new Uint8Array(1)));
add('length', 'a 31-byte public key', honestPub.subarray(0, 31), msg, honestSig);
add('length', 'a 33-byte public key', concatBytes(honestPub, new Uint8Array(1)), msg, honestSig);

const vectors = cases.map((c) => {
  const valid = rule(c.publicKey, c.message, c.signature);
  let noble = false;
  try {
    noble = ed25519.verify(c.signature, c.message, c.publicKey, { zip215: false });
  } catch {
    noble = false;
  }
  if (noble !== valid) throw new Error(`${c.id}: the written-out rule says ${valid}, noble (zip215: false) says ${noble}`);
  return { id: c.id, category: c.category, comment: c.comment, publicKey: hex(c.publicKey), message: hex(c.message), signature: hex(c.signature), valid };
});

const out = {
  description:
    'Ed25519 verification edge cases and the answer of the one rule every verifier in this project applies (docs/PROTOCOL.md §14.4): ' +
    'RFC 8032 §5.1.7, canonical A and R (y < p, no negative zero), 0 ≤ S < L, A not of small order, cofactored equation.',
  howMade:
    'npm run vectors:ed25519 (scripts/make-ed25519-vectors.ts): deterministic keys SHA-256("franking-chat ed25519 vectors" ‖ purpose); ' +
    'expected answers computed from the rule written out on curve points, cross-checked against @noble/curves ed25519.verify(zip215: false). ' +
    'Categories after Chalkias et al., "Taming the many EdDSAs" (2020), and Wycheproof eddsa_test.json.',
  vectors,
};
writeFileSync(new URL('../test/vectors/ed25519-edge-cases.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${vectors.length} vectors (${vectors.filter((v) => v.valid).length} valid)`);
