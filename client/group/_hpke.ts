// HPKE (RFC 9180) for the one MLS cipher suite of this SDK (docs/PROTOCOL.md §12.1): base mode only,
// DHKEM(X25519, HKDF-SHA256) (kem 0x0020), HKDF-SHA256 (kdf 0x0001), ChaCha20-Poly1305 (aead 0x0003), with the
// single-shot seal/open and the secret export that RFC 9420 uses (§5.1.3 EncryptWithLabel, §8 external init).
// Every primitive comes from an AsyncCryptoProvider (client/crypto), so HPKE runs native where the provider does.
// HKDF is written on the provider's HMAC-SHA256 because HPKE needs Extract and Expand apart (RFC 5869 §2.2,
// §2.3); it is checked against RFC 9180 Appendix A.2.1 (test/client/group-hpke.test.ts, vectors in
// test/vectors/hpke-rfc9180.json).
import { concatBytes as concat, utf8 } from '../crypto/_bytes.ts';
import type { AsyncCryptoProvider } from '../crypto/provider.ts';

const HASH_LEN = 32;
/** RFC 9180 §7.1 Nsk = Npk = Nenc = Nsecret for DHKEM(X25519, HKDF-SHA256). */
export const X25519_KEY_LENGTH = 32;
/** RFC 9180 §7.3 ChaCha20-Poly1305: Nk, Nn, Nt. */
export const HPKE_KEY_LENGTH = 32;
export const HPKE_NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

/** RFC 9180 §4: "HPKE-v1", the version label of every labeled KDF call. */
const HPKE_V1 = utf8('HPKE-v1');
/** RFC 9180 §4.1: suite_id = "KEM" ‖ I2OSP(kem_id, 2) inside the KEM. */
const KEM_SUITE_ID = new Uint8Array([0x4b, 0x45, 0x4d, 0x00, 0x20]);
/** RFC 9180 §5.1: suite_id = "HPKE" ‖ I2OSP(kem_id, 2) ‖ I2OSP(kdf_id, 2) ‖ I2OSP(aead_id, 2). */
const HPKE_SUITE_ID = new Uint8Array([0x48, 0x50, 0x4b, 0x45, 0x00, 0x20, 0x00, 0x01, 0x00, 0x03]);
/** RFC 9180 §5 mode_base. */
const MODE_BASE = 0x00;
// Labels (RFC 9180 §4.1, §5.1, §5.3, §7.1.3).
const LABEL_DKP_PRK = utf8('dkp_prk');
const LABEL_SK = utf8('sk');
const LABEL_EAE_PRK = utf8('eae_prk');
const LABEL_SHARED_SECRET = utf8('shared_secret');
const LABEL_PSK_ID_HASH = utf8('psk_id_hash');
const LABEL_INFO_HASH = utf8('info_hash');
const LABEL_SECRET = utf8('secret');
const LABEL_KEY = utf8('key');
const LABEL_BASE_NONCE = utf8('base_nonce');
const LABEL_EXP = utf8('exp');
const LABEL_SEC = utf8('sec');
const EMPTY = new Uint8Array(0);
const COUNTER_ONE = Uint8Array.of(1);

/** HPKE failed to open: wrong key, altered enc or ciphertext, or a low-order KEM output. */
export class HpkeError extends Error {
  override readonly name = 'HpkeError';
}

/** HKDF-Extract (RFC 5869 §2.2): PRK = HMAC-Hash(salt, IKM); an empty salt is HashLen zeros, i.e. the same HMAC key. */
export function hkdfExtract(crypto: AsyncCryptoProvider, salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> {
  return crypto.hmacSha256(salt, ikm);
}

/** HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC-Hash(PRK, T(i−1) ‖ info ‖ i), L ≤ 255·HashLen. */
export async function hkdfExpand(crypto: AsyncCryptoProvider, prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(length) || length < 0 || length > 255 * HASH_LEN) throw new RangeError(`length: expected 0..${255 * HASH_LEN}, got ${length}`);
  // One block (every MLS and HPKE expansion of this suite but the exporter's): T(1) = HMAC(PRK, info ‖ 0x01).
  if (length <= HASH_LEN) {
    const t = await crypto.hmacSha256(prk, info, COUNTER_ONE);
    return length === HASH_LEN ? t : t.slice(0, length);
  }
  const out = new Uint8Array(length);
  let t: Uint8Array = EMPTY;
  for (let i = 1, at = 0; at < length; i++, at += HASH_LEN) {
    t = await crypto.hmacSha256(prk, t, info, Uint8Array.of(i));
    out.set(length - at < HASH_LEN ? t.subarray(0, length - at) : t, at);
  }
  return out;
}

// RFC 9180 §4: LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm).
function labeledExtract(crypto: AsyncCryptoProvider, suiteId: Uint8Array, salt: Uint8Array, label: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> {
  return crypto.hmacSha256(salt, HPKE_V1, suiteId, label, ikm);
}

// RFC 9180 §4: LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L).
function labeledExpand(crypto: AsyncCryptoProvider, suiteId: Uint8Array, prk: Uint8Array, label: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  return hkdfExpand(crypto, prk, concat(Uint8Array.of(length >>> 8, length & 0xff), HPKE_V1, suiteId, label, info), length);
}

/** An X25519 key pair of the KEM: raw RFC 7748 bytes (the private key as DeriveKeyPair returns it, unclamped). */
export interface HpkeKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** RFC 9180 §7.1.3 DeriveKeyPair for X25519: sk = LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", 32). */
export async function deriveKeyPair(crypto: AsyncCryptoProvider, ikm: Uint8Array): Promise<HpkeKeyPair> {
  const dkpPrk = await labeledExtract(crypto, KEM_SUITE_ID, EMPTY, LABEL_DKP_PRK, ikm);
  const privateKey = await labeledExpand(crypto, KEM_SUITE_ID, dkpPrk, LABEL_SK, EMPTY, X25519_KEY_LENGTH);
  return { privateKey, publicKey: await crypto.x25519PublicKey(privateKey) };
}

/** RFC 9180 §4.1 ExtractAndExpand(dh, kem_context). */
async function extractAndExpand(crypto: AsyncCryptoProvider, dh: Uint8Array, kemContext: Uint8Array): Promise<Uint8Array> {
  const eaePrk = await labeledExtract(crypto, KEM_SUITE_ID, EMPTY, LABEL_EAE_PRK, dh);
  return labeledExpand(crypto, KEM_SUITE_ID, eaePrk, LABEL_SHARED_SECRET, kemContext, HASH_LEN);
}

/** X25519 whose low-order rejection (RFC 9180 §7.1.4: the all-zero output MUST be refused) becomes an HpkeError. */
async function dh(crypto: AsyncCryptoProvider, privateKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
  try {
    return await crypto.x25519(privateKey, publicKey);
  } catch (e) {
    throw new HpkeError(`X25519 refused the KEM input: ${(e as Error).message}`);
  }
}

/** RFC 9180 §4.1 Encap(pkR), with the ephemeral key pair given (GenerateKeyPair or a test vector's DeriveKeyPair). */
async function encap(crypto: AsyncCryptoProvider, pkR: Uint8Array, ephemeral: HpkeKeyPair): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }> {
  checkKey(pkR, 'public key');
  const shared = await dh(crypto, ephemeral.privateKey, pkR);
  const enc = ephemeral.publicKey.slice();
  return { sharedSecret: await extractAndExpand(crypto, shared, concat(enc, pkR)), enc };
}

/** RFC 9180 §4.1 Decap(enc, skR). `pkR` may be given when known (spares a base-point multiplication). */
async function decap(crypto: AsyncCryptoProvider, encapsulated: Uint8Array, skR: Uint8Array, pkR?: Uint8Array): Promise<Uint8Array> {
  if (encapsulated.length !== X25519_KEY_LENGTH) throw new HpkeError(`enc: expected ${X25519_KEY_LENGTH} bytes, got ${encapsulated.length}`);
  const shared = await dh(crypto, skR, encapsulated);
  return extractAndExpand(crypto, shared, concat(encapsulated, pkR ?? (await crypto.x25519PublicKey(skR))));
}

function checkKey(k: Uint8Array, name: string): void {
  if (!(k instanceof Uint8Array) || k.length !== X25519_KEY_LENGTH) throw new HpkeError(`${name}: expected ${X25519_KEY_LENGTH} bytes`);
}

/** psk_id_hash of mode_base (empty psk_id): the same for every context, computed once per provider. */
const pskIdHashes = new WeakMap<AsyncCryptoProvider, Promise<Uint8Array>>();

/** An HPKE context (RFC 9180 §5.2): key, base nonce, exporter secret and the sequence number. */
export class HpkeContext {
  private seq = 0;
  private constructor(
    private readonly crypto: AsyncCryptoProvider,
    private readonly key: Uint8Array,
    private readonly baseNonce: Uint8Array,
    private readonly exporterSecret: Uint8Array,
  ) {}

  /** RFC 9180 §5.1 KeySchedule for mode_base (no PSK). */
  static async schedule(crypto: AsyncCryptoProvider, sharedSecret: Uint8Array, info: Uint8Array): Promise<HpkeContext> {
    let pskIdHash = pskIdHashes.get(crypto);
    if (!pskIdHash) pskIdHashes.set(crypto, (pskIdHash = labeledExtract(crypto, HPKE_SUITE_ID, EMPTY, LABEL_PSK_ID_HASH, EMPTY)));
    const infoHash = await labeledExtract(crypto, HPKE_SUITE_ID, EMPTY, LABEL_INFO_HASH, info);
    const context = concat(Uint8Array.of(MODE_BASE), await pskIdHash, infoHash);
    const secret = await labeledExtract(crypto, HPKE_SUITE_ID, sharedSecret, LABEL_SECRET, EMPTY);
    const [key, baseNonce, exporterSecret] = await Promise.all([
      labeledExpand(crypto, HPKE_SUITE_ID, secret, LABEL_KEY, context, HPKE_KEY_LENGTH),
      labeledExpand(crypto, HPKE_SUITE_ID, secret, LABEL_BASE_NONCE, context, HPKE_NONCE_LENGTH),
      labeledExpand(crypto, HPKE_SUITE_ID, secret, LABEL_EXP, context, HASH_LEN),
    ]);
    return new HpkeContext(crypto, key, baseNonce, exporterSecret);
  }

  /** RFC 9180 §5.2 ComputeNonce: base_nonce XOR I2OSP(seq, Nn). */
  private nonce(): Uint8Array {
    const n = this.baseNonce.slice();
    // seq < 2^53 here; RFC 9180 §5.2 caps it at 2^96 − 1, never reached by single-shot use.
    for (let s = this.seq, i = HPKE_NONCE_LENGTH - 1; s > 0 && i >= 0; i--, s = Math.floor(s / 256)) n[i] = (n[i] as number) ^ (s % 256);
    return n;
  }

  async seal(aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const ct = await this.crypto.chacha20poly1305Seal(this.key, this.nonce(), plaintext, aad);
    this.seq++;
    return ct;
  }

  /** RFC 9180 §5.2 Open: the sequence number advances only when the ciphertext authenticates. */
  async open(aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    if (ciphertext.length < TAG_LENGTH) throw new HpkeError('ciphertext shorter than the AEAD tag');
    let pt: Uint8Array;
    try {
      pt = await this.crypto.chacha20poly1305Open(this.key, this.nonce(), ciphertext, aad);
    } catch {
      throw new HpkeError('HPKE ciphertext does not authenticate');
    }
    this.seq++;
    return pt;
  }

  /** RFC 9180 §5.3 Export: LabeledExpand(exporter_secret, "sec", exporter_context, L). */
  export(exporterContext: Uint8Array, length: number): Promise<Uint8Array> {
    return labeledExpand(this.crypto, HPKE_SUITE_ID, this.exporterSecret, LABEL_SEC, exporterContext, length);
  }
}

/** RFC 9180 §5.1.1 SetupBaseS: `ephemeral` defaults to a fresh GenerateKeyPair (random private key). */
export async function setupBaseSender(crypto: AsyncCryptoProvider, pkR: Uint8Array, info: Uint8Array, ephemeral?: HpkeKeyPair): Promise<{ enc: Uint8Array; context: HpkeContext }> {
  const { sharedSecret, enc } = await encap(crypto, pkR, ephemeral ?? (await generateKeyPair(crypto)));
  return { enc, context: await HpkeContext.schedule(crypto, sharedSecret, info) };
}

/** RFC 9180 §5.1.1 SetupBaseR. */
export async function setupBaseRecipient(crypto: AsyncCryptoProvider, encapsulated: Uint8Array, skR: Uint8Array, info: Uint8Array, pkR?: Uint8Array): Promise<HpkeContext> {
  checkKey(skR, 'private key');
  return HpkeContext.schedule(crypto, await decap(crypto, encapsulated, skR, pkR), info);
}

/** RFC 9180 §7.1.2 GenerateKeyPair: a uniformly random X25519 private key (RFC 7748 §6.1 clamps it when used). */
export async function generateKeyPair(crypto: AsyncCryptoProvider): Promise<HpkeKeyPair> {
  const privateKey = crypto.randomBytes(X25519_KEY_LENGTH);
  return { privateKey, publicKey: await crypto.x25519PublicKey(privateKey) };
}
