// Two-key collisions for XChaCha20-Poly1305 (Len–Grubbs–Ristenpart, "Partitioning Oracle Attacks", USENIX
// Security 2021, §3.1; Dodis et al. 2018 for the idea). Test-only code.
//
// With empty AD and n full ciphertext blocks, Poly1305 computes over GF(p), p = 2^130 − 5,
//   a = Σ_{i=1..n+1} (b_i + 2^128)·r^{n+2−i} mod p      (b_{n+1} = le64(0) ‖ le64(16n), RFC 8439 §2.8)
//   tag = (a + s) mod 2^128
// For two keys the conditions tag_1 = tag_2 = T are two linear equations mod p in one free ciphertext
// block x and the tag T, up to the wrap-arounds a_j = T − s_j + m_j·2^128 (m_j ∈ 0..4). Solve for each
// (m_1, m_2); keep a solution where x and T fit in 128 bits (≈ 1 in 16); otherwise change a filler block.
import { randomBytes } from 'node:crypto';
import { xchacha20 } from '@noble/ciphers/chacha.js';

const P = (1n << 130n) - 5n;
const TWO128 = 1n << 128n;
const mod = (a: bigint) => ((a % P) + P) % P;
function powMod(b: bigint, e: bigint): bigint {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}
const inv = (a: bigint) => powMod(a, P - 2n);
const le = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const toLe = (x: bigint, n = 16) => Uint8Array.from({ length: n }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));

function polyKey(key: Uint8Array, nonce: Uint8Array): { r: bigint; s: bigint } {
  const k = xchacha20(key, nonce, new Uint8Array(32)); // block 0 of the keystream (RFC 8439 §2.6)
  return { r: le(k.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn, s: le(k.subarray(16, 32)) };
}

/** One XChaCha20-Poly1305 ciphertext ‖ tag (empty AD) that opens under both keys; content[j] readable under key j. */
export function twoKeyPoly1305Collision(keys: [Uint8Array, Uint8Array], nonce: Uint8Array, content: [Uint8Array, Uint8Array]): { sealed: Uint8Array; plaintexts: Uint8Array[] } {
  const ks = keys.map((k) => ({ poly: polyKey(k, nonce), stream: (len: number) => xchacha20(k, nonce, new Uint8Array(len), undefined, 1) }));
  for (const c of content) if (c.length % 16) throw new RangeError('content must be whole 16-byte blocks');
  const n = (content[0].length + content[1].length) / 16 + 2; // content blocks, one filler, one free block
  const total = 16 * n;
  const streams = ks.map((k) => k.stream(total));
  for (let attempt = 0; attempt < 200; attempt++) {
    const ct = new Uint8Array(total);
    // content j is placed so that key j decrypts it: C = P ⊕ keystream_j
    ct.set(content[0].map((b, i) => b ^ (streams[0] as Uint8Array)[i]!), 0);
    ct.set(content[1].map((b, i) => b ^ (streams[1] as Uint8Array)[content[0].length + i]!), content[0].length);
    ct.set(randomBytes(16), total - 32); // filler: re-drawn until a solution fits
    const blocks = Array.from({ length: n + 1 }, (_, i) => (i < n ? le(ct.subarray(16 * i, 16 * i + 16)) : BigInt(total) << 64n));
    const free = n - 1; // 0-based index of the solved block
    const e = BigInt(n + 1 - free); // exponent of r for block `free` (0-based i ↦ n+1−i)
    const known = ks.map(({ poly }) => blocks.reduce((acc, b, i) => (i === free ? acc : mod(acc + (b + TWO128) * powMod(poly.r, BigInt(n + 1 - i)))), 0n));
    const [k1, k2] = known as [bigint, bigint];
    const [{ r: r1, s: s1 }, { r: r2, s: s2 }] = ks.map((k) => k.poly) as [{ r: bigint; s: bigint }, { r: bigint; s: bigint }];
    const d = mod(powMod(r1, e) - powMod(r2, e));
    if (d === 0n) continue;
    for (let m1 = 0n; m1 <= 4n; m1++)
      for (let m2 = 0n; m2 <= 4n; m2++) {
        const x = mod(mod(s2 - s1 + (m1 - m2) * TWO128 - k1 + k2) * inv(d) - TWO128);
        if (x >= TWO128) continue;
        const t = mod(k1 + (x + TWO128) * powMod(r1, e) + s1 - m1 * TWO128);
        if (t >= TWO128) continue;
        const a1 = t - s1 + m1 * TWO128;
        const a2 = t - s2 + m2 * TWO128;
        if (a1 < 0n || a1 >= P || a2 < 0n || a2 >= P) continue;
        ct.set(toLe(x), 16 * free);
        const sealed = new Uint8Array(total + 16);
        sealed.set(ct);
        sealed.set(toLe(t), total);
        return { sealed, plaintexts: streams.map((s) => ct.map((b, i) => b ^ s[i]!)) };
      }
  }
  throw new Error('no collision found');
}
