// Multi-key collisions for AES-GCM (Len–Grubbs–Ristenpart, "Partitioning Oracle Attacks", USENIX Security
// 2021, §3; two-key case: Dodis–Grubbs–Ristenpart–Woodage 2018, "invisible salamanders"). Test-only code.
//
// GCM with empty AD over full blocks C_1..C_m: with H = E_K(0^128), J0 = N ‖ 0^31 1 and L = u64(0) ‖ u64(128m),
//   T = C_1·H^{m+1} ⊕ C_2·H^m ⊕ … ⊕ C_m·H^2 ⊕ L·H ⊕ E_K(J0)                     (SP 800-38D §6.4, §7.1)
// T is linear in the C_i, so for k keys K_1..K_k and a target tag T the k equations "tag under K_j = T"
// form a k×k linear system over GF(2^128) in k chosen ciphertext blocks; every other block is free, so the
// decryptions under chosen keys can carry chosen content. The result (C, T) authenticates under every K_j.
import { ecb } from '@noble/ciphers/aes.js';

// ---- GF(2^128) with GCM's reflected bit order: the MSB of byte 0 is the coefficient of x^0 ----
const R = 0xe1n << 120n;
export const ONE = 1n << 127n;

export function gfMul(x: bigint, y: bigint): bigint {
  let z = 0n;
  let v = y;
  for (let i = 127n; i >= 0n; i--) {
    if ((x >> i) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}

export function gfPow(a: bigint, e: bigint): bigint {
  let result = ONE;
  let base = a;
  while (e > 0n) {
    if (e & 1n) result = gfMul(result, base);
    base = gfMul(base, base);
    e >>= 1n;
  }
  return result;
}

/** a^(2^128 − 2) = a^−1 (Fermat; the multiplicative group has order 2^128 − 1). */
export const gfInv = (a: bigint): bigint => {
  if (a === 0n) throw new RangeError('0 has no inverse');
  return gfPow(a, (1n << 128n) - 2n);
};

export function toBig(block: Uint8Array): bigint {
  let x = 0n;
  for (const b of block) x = (x << 8n) | BigInt(b);
  return x;
}
export function fromBig(x: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** Solves A·x = b over GF(2^128) by Gaussian elimination. */
export function gfSolve(a: bigint[][], b: bigint[]): bigint[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as bigint]);
  for (let col = 0; col < n; col++) {
    const pivot = m.findIndex((row, r) => r >= col && row[col] !== 0n);
    if (pivot < 0) throw new Error('singular system');
    [m[col], m[pivot]] = [m[pivot] as bigint[], m[col] as bigint[]];
    const rowC = m[col] as bigint[];
    const inv = gfInv(rowC[col] as bigint);
    for (let k = col; k <= n; k++) rowC[k] = gfMul(rowC[k] as bigint, inv);
    for (let r = 0; r < n; r++) {
      const row = m[r] as bigint[];
      if (r === col || row[col] === 0n) continue;
      const f = row[col] as bigint;
      for (let k = col; k <= n; k++) row[k] = (row[k] as bigint) ^ gfMul(f, rowC[k] as bigint);
    }
  }
  return m.map((row) => row[n] as bigint);
}

// ---- AES-GCM pieces from the raw block cipher (noble ECB without padding = one AES call per block) ----
const aesBlock = (key: Uint8Array, block: Uint8Array): Uint8Array => ecb(key, { disablePadding: true }).encrypt(block);
function counterBlock(nonce: Uint8Array, counter: number): Uint8Array {
  const b = new Uint8Array(16);
  b.set(nonce, 0);
  new DataView(b.buffer).setUint32(12, counter);
  return b;
}

interface KeyMaterial {
  h: bigint;
  ej0: bigint;
  /** keystream block i (0-based) = E_K(N ‖ u32(i + 2)) */
  keystream(i: number): Uint8Array;
}
function material(key: Uint8Array, nonce: Uint8Array): KeyMaterial {
  return {
    h: toBig(aesBlock(key, new Uint8Array(16))),
    ej0: toBig(aesBlock(key, counterBlock(nonce, 1))),
    keystream: (i) => aesBlock(key, counterBlock(nonce, i + 2)),
  };
}

/** GHASH-based tag of full-block ciphertext with empty AD (used to cross-check against real GCM). */
export function gcmTag(key: Uint8Array, nonce: Uint8Array, blocks: bigint[]): bigint {
  const k = material(key, nonce);
  const m = blocks.length;
  const l = BigInt(128 * m);
  let s = gfMul(l, k.h);
  blocks.forEach((c, i) => (s ^= gfMul(c, gfPow(k.h, BigInt(m + 1 - i)))));
  return s ^ k.ej0;
}

export interface Collision {
  /** ciphertext ‖ tag: the input AES-GCM decryption takes (WebCrypto layout). */
  sealed: Uint8Array;
  /** What each key decrypts it to. */
  plaintexts: Uint8Array[];
}

/**
 * Builds one AES-GCM ciphertext (empty AD) that authenticates under every key in `keys` with `nonce`.
 * `content[j]` (whole blocks, may be empty) is placed so that key j decrypts it at offset offsets[j];
 * then come keys.length solved blocks. Total length = Σ content + 16·k bytes.
 */
export function multiKeyCollision(keys: Uint8Array[], nonce: Uint8Array, content: Uint8Array[]): Collision {
  const k = keys.length;
  const mats = keys.map((key) => material(key, nonce));
  const fixed: bigint[] = [];
  content.forEach((c, j) => {
    if (c.length % 16) throw new RangeError('content must be whole 16-byte blocks');
    for (let off = 0; off < c.length; off += 16) {
      const ks = (mats[j] as KeyMaterial).keystream(fixed.length);
      fixed.push(toBig(c.subarray(off, off + 16)) ^ toBig(ks));
    }
  });
  const m = fixed.length + k;
  const l = BigInt(128 * m);
  const target = 0n; // any tag works; LGR fix it and solve for the blocks
  // Equation for key j: Σ_{free i} C_i·H_j^{m+1−i} = T ⊕ E_j(J0) ⊕ L·H_j ⊕ Σ_{fixed i} C_i·H_j^{m+1−i}  (0-based i)
  const a: bigint[][] = [];
  const b: bigint[] = [];
  for (const km of mats) {
    let rhs = target ^ km.ej0 ^ gfMul(l, km.h);
    fixed.forEach((c, i) => (rhs ^= gfMul(c, gfPow(km.h, BigInt(m + 1 - i)))));
    a.push(Array.from({ length: k }, (_, f) => gfPow(km.h, BigInt(m + 1 - (fixed.length + f)))));
    b.push(rhs);
  }
  const solved = gfSolve(a, b);
  const blocks = [...fixed, ...solved];
  const sealed = new Uint8Array(16 * m + 16);
  blocks.forEach((c, i) => sealed.set(fromBig(c), 16 * i));
  sealed.set(fromBig(target), 16 * m);
  const plaintexts = mats.map((km) => {
    const p = new Uint8Array(16 * m);
    blocks.forEach((c, i) => p.set(fromBig(c ^ toBig(km.keystream(i))), 16 * i));
    return p;
  });
  return { sealed, plaintexts };
}
