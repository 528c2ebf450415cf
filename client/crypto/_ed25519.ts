// Strict RFC 8032 §5.1.7 checks that native Ed25519 verifiers (OpenSSL, BoringSSL) do not all make, so that a
// native provider answers exactly as nobleCryptoProvider (zip215: false) does. Cheap byte comparisons only.
const hex = (s: string) => Uint8Array.from(s.match(/../g) as string[], (h) => parseInt(h, 16));

const P_LE = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'); // 2^255 − 19
const L_LE = hex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010'); // group order
/** Little-endian a < b for 32-byte numbers (top bit of `a` masked when `mask`). */
function lessThan(a: Uint8Array, b: Uint8Array, mask: boolean): boolean {
  for (let i = 31; i >= 0; i--) {
    const x = i === 31 && mask ? (a[i] as number) & 0x7f : (a[i] as number);
    const y = b[i] as number;
    if (x !== y) return x < y;
  }
  return false;
}
const Y_ONE = hex('0100000000000000000000000000000000000000000000000000000000000000');
const Y_MINUS_ONE = hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
function sameY(a: Uint8Array, y: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (((i === 31 ? (a[i] as number) & 0x7f : a[i]) as number) !== y[i]) return false;
  return true;
}
/** RFC 8032 §5.1.3 decoding rules that OpenSSL does not all apply: y < p, and no "negative zero" x. */
function canonicalPoint(p: Uint8Array): boolean {
  if (!lessThan(p, P_LE, true)) return false;
  return !(((p[31] as number) & 0x80) !== 0 && (sameY(p, Y_ONE) || sameY(p, Y_MINUS_ONE)));
}
/** The 8 points of small order, canonically encoded; strict verification refuses them as public keys. */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
].map(hex);
export const ED25519_SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = SMALL_ORDER;
export const isSmallOrderEncoding = (a: Uint8Array) => SMALL_ORDER.some((s) => s.every((b, i) => b === a[i]));


/** False if the public key or R is non-canonical, S ≥ L, or the public key has small order. */
export function ed25519StrictPrecheck(pub: Uint8Array, signature: Uint8Array): boolean {
  return canonicalPoint(pub) && canonicalPoint(signature.subarray(0, 32)) && lessThan(signature.subarray(32), L_LE, false) && !isSmallOrderEncoding(pub);
}
