// The device list (docs/PROTOCOL-devices.md D4): the signed, versioned set of an account's devices. Byte encodings of
// the body (D4.1) and the signed form (D4.2), strict canonical decoding, the signature and counter-signature (D4.3),
// the list hash (D4.4), the recovery key (D2.4) and the labels and constants of D1 and D3.
import { ed25519 } from '@noble/curves/ed25519.js';
import { abytes, concatBytes, equalBytes, Reader, utf8, Writer } from '../crypto/_bytes.ts';
import { EncodingError } from '../crypto/errors.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { ID_PATTERN } from '../franking/ids.ts';
import { malformedList } from './errors.ts';

// D1 constants.
/** Devices in one list (the recovery key does not count); D5.1 step 10. */
export const MAX_DEVICES = 8;
/** The most list versions one directory answer carries (D8.1); longer chains are fetched in pages. */
export const MAX_LIST_CHAIN = 4096;
/** The relay's clock skew (PROTOCOL.md §7.2), used in D11.3. */
export const LIST_GRACE_MS = 300_000;

// D3 labels: ASCII followed by one 0x00 byte (PROTOCOL.md §3), so no label is a prefix of another.
/** D4.3 signature. */
export const DEVICE_LIST_SIGN_LABEL = utf8('franking-chat/v1/device-list\0');
/** D4.3 counter-signature. */
export const DEVICE_LIST_COSIGN_LABEL = utf8('franking-chat/v1/device-list-cosign\0');
/** D4.4 list hash. */
export const DEVICE_LIST_HASH_LABEL = utf8('franking-chat/v1/device-list-hash\0');
/** D2.4 recovery key derivation. */
export const RECOVERY_KEY_LABEL = utf8('franking-chat/v1/recovery-key\0');
/** D11.1 copy associated data. */
export const COPY_AD_LABEL = utf8('franking-chat/v1/copy-ad\0');
/** D8.2 device authentication. */
export const DEVICE_AUTH_LABEL = utf8('franking-chat/v1/device-auth\0');
/** D15.2 history archive magic. */
export const HISTORY_MAGIC = utf8('franking-chat/v1/history\0');

/** D4.1 `format` and D4.2 `format`. */
export const DEVICE_LIST_FORMAT = 0x01;
export const SIGNED_DEVICE_LIST_FORMAT = 0x01;
/** D4.1 `kind`. */
export const LIST_KIND_CODES = { genesis: 0x01, change: 0x02, recovery: 0x03, reset: 0x04 } as const;
export type ListKind = keyof typeof LIST_KIND_CODES;
/** D4.2 `signerKind`. */
export const SIGNER_KIND_CODES = { device: 0x01, recovery: 0x02 } as const;
export type SignerKind = keyof typeof SIGNER_KIND_CODES;

/** Bytes of one DeviceEntry (D4.1): u32 + 3 × 32 + u64. */
export const DEVICE_ENTRY_LENGTH = 108;
/** The largest valid body (D4.1): 64-byte account id, a recovery key and MAX_DEVICES entries. */
export const MAX_DEVICE_LIST_LENGTH = 1 + 65 + 8 + 32 + 1 + 8 + 4 + 33 + 1 + MAX_DEVICES * DEVICE_ENTRY_LENGTH;

/** One device of the list (D4.1 DeviceEntry). */
export interface DeviceEntry {
  /** u32, ≥ 1, unique in the account and never reused. */
  readonly deviceId: number;
  /** IKsig: Ed25519 identity signing key (PROTOCOL-sessions.md §S1). */
  readonly identitySigningKey: Uint8Array;
  /** IKdh: X25519 identity agreement key. */
  readonly identityDhKey: Uint8Array;
  /** CK: the device's MLS leaf signature_key (Ed25519, PROTOCOL.md §12.2). */
  readonly credentialKey: Uint8Array;
  /** The signer's clock when the device was added, ms since the epoch (a claim, unchanged while the device stays). */
  readonly linkedAt: number;
}

/** The list body (D4.1 DeviceList). */
export interface DeviceList {
  readonly accountId: string;
  /** ≥ 1; version 1 is the genesis. */
  readonly listVersion: number;
  /** listHash (D4.4) of version listVersion − 1; 32 zero bytes for version 1. */
  readonly prevListHash: Uint8Array;
  readonly kind: ListKind;
  /** The signer's clock, ms since the epoch: a claim that is shown, never a check. */
  readonly issuedAt: number;
  /** Greater than every deviceId ever used in the account; never decreases. */
  readonly nextDeviceId: number;
  /** Ed25519 public key of the recovery kit (D2.4), or null. */
  readonly recoveryKey: Uint8Array | null;
  /** Strictly ascending deviceId. */
  readonly devices: readonly DeviceEntry[];
}

/** The signed list (D4.2). `list` is encoded canonically, so its bytes are exactly the signed body. */
export interface SignedDeviceList {
  readonly list: DeviceList;
  readonly signerKind: SignerKind;
  /** The signing device; 0 iff signerKind = recovery. */
  readonly signerDeviceId: number;
  readonly signature: Uint8Array;
  /** The added device's counter-signature (D4.3), present exactly when the list adds a device; else null. */
  readonly cosignature: Uint8Array | null;
}

/** prevListHash of version 1 (D4.1). */
export const ZERO_LIST_HASH: Uint8Array = new Uint8Array(32);
const KIND_BY_CODE = new Map<number, ListKind>(Object.entries(LIST_KIND_CODES).map(([k, c]) => [c, k as ListKind]));
const SIGNER_BY_CODE = new Map<number, SignerKind>(Object.entries(SIGNER_KIND_CODES).map(([k, c]) => [c, k as SignerKind]));

/** PROTOCOL.md §14.4 rules 1 and 3 for a public key: decodes canonically (RFC 8032 §5.1.3) and is not of small order. */
export function isValidEd25519PublicKey(key: Uint8Array): boolean {
  if (!(key instanceof Uint8Array) || key.length !== 32) return false;
  try {
    return !ed25519.Point.fromBytes(key, false).isSmallOrder();
  } catch {
    return false;
  }
}

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);
const isU32 = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff_ffff;
const isU64 = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * The canonical rules of D4.1 that a decoder checks on the fields (every length is fixed by the reader). Shared by
 * the encoder, so that it never produces what the decoder refuses: decode(encode(x)) = x. Not checked here, by
 * design: the device limit (a longer list decodes, to be refused by name at D5.1 step 10, `too_many_devices`).
 */
function checkCanonical(list: DeviceList): void {
  if (typeof list.accountId !== 'string' || !ID_PATTERN.test(list.accountId)) throw malformedList(`accountId: expected an id matching ${ID_PATTERN}`);
  if (!isU64(list.listVersion) || list.listVersion < 1) throw malformedList(`listVersion: expected ≥ 1, got ${list.listVersion}`);
  abytes(list.prevListHash, 32, 'prevListHash');
  if (!Object.prototype.hasOwnProperty.call(LIST_KIND_CODES, list.kind)) throw malformedList(`kind: expected genesis, change, recovery or reset, got ${String(list.kind)}`);
  if (list.listVersion === 1) {
    if (!isZero(list.prevListHash)) throw malformedList('prevListHash: version 1 has 32 zero bytes');
    if (list.kind !== 'genesis') throw malformedList(`kind: version 1 is a genesis, got ${list.kind}`);
  } else {
    if (isZero(list.prevListHash)) throw malformedList('prevListHash: all zero in a version > 1');
    if (list.kind === 'genesis') throw malformedList('kind: a genesis in a version > 1');
  }
  if (!isU64(list.issuedAt)) throw malformedList(`issuedAt: expected u64, got ${list.issuedAt}`);
  if (!isU32(list.nextDeviceId)) throw malformedList(`nextDeviceId: expected u32, got ${list.nextDeviceId}`);
  if (list.recoveryKey !== null) {
    abytes(list.recoveryKey, 32, 'recoveryKey');
    if (!isValidEd25519PublicKey(list.recoveryKey)) throw malformedList('recoveryKey: not a canonical Ed25519 point of large order');
  }
  const devices = list.devices;
  if (!Array.isArray(devices) || devices.length === 0) throw malformedList('deviceCount: expected at least one device');
  if (devices.length > 0xff) throw malformedList(`deviceCount: expected u8, got ${devices.length}`);
  const keys: Uint8Array[] = [];
  let previousId = 0;
  for (const [i, e] of devices.entries()) {
    const at = `devices[${i}]`;
    if (!isU32(e.deviceId) || e.deviceId < 1) throw malformedList(`${at}.deviceId: expected ≥ 1, got ${e.deviceId}`);
    if (e.deviceId <= previousId) throw malformedList(`${at}.deviceId: ${e.deviceId} after ${previousId} (strictly ascending)`);
    if (e.deviceId >= list.nextDeviceId) throw malformedList(`${at}.deviceId: ${e.deviceId} is not below nextDeviceId ${list.nextDeviceId}`);
    previousId = e.deviceId;
    abytes(e.identitySigningKey, 32, `${at}.identitySigningKey`);
    abytes(e.identityDhKey, 32, `${at}.identityDhKey`);
    abytes(e.credentialKey, 32, `${at}.credentialKey`);
    if (!isValidEd25519PublicKey(e.identitySigningKey)) throw malformedList(`${at}.identitySigningKey: not a canonical Ed25519 point of large order`);
    if (isZero(e.identityDhKey)) throw malformedList(`${at}.identityDhKey: all zero`);
    if (!isValidEd25519PublicKey(e.credentialKey)) throw malformedList(`${at}.credentialKey: not a canonical Ed25519 point of large order`);
    if (!isU64(e.linkedAt)) throw malformedList(`${at}.linkedAt: expected u64, got ${e.linkedAt}`);
    // D4.1: two entries sharing any key (in any of the three fields) — one key is one device.
    const own = [e.identitySigningKey, e.identityDhKey, e.credentialKey];
    if (own.some((k) => keys.some((other) => equalBytes(k, other)))) throw malformedList(`${at}: shares a key with an earlier entry`);
    keys.push(...own);
  }
}

/** D4.1: the canonical body. Throws DeviceListError `malformed` for anything the decoder would refuse. */
export function encodeDeviceList(list: DeviceList): Uint8Array {
  checkCanonical(list);
  const w = new Writer(MAX_DEVICE_LIST_LENGTH);
  w.u8(DEVICE_LIST_FORMAT).ascii8(list.accountId).u64(list.listVersion).fixed(list.prevListHash, 32, 'prevListHash');
  w.u8(LIST_KIND_CODES[list.kind]).u64(list.issuedAt).u32(list.nextDeviceId);
  if (list.recoveryKey === null) w.u8(0);
  else w.u8(1).fixed(list.recoveryKey, 32, 'recoveryKey');
  w.u8(list.devices.length);
  for (const e of list.devices) {
    w.u32(e.deviceId).fixed(e.identitySigningKey, 32, 'identitySigningKey').fixed(e.identityDhKey, 32, 'identityDhKey');
    w.fixed(e.credentialKey, 32, 'credentialKey').u64(e.linkedAt);
  }
  return w.finish();
}

/** Runs a Reader-based parse; every truncation or trailing byte becomes DeviceListError `malformed`. */
function parse<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof EncodingError) throw malformedList(`${what}: ${e.message}`);
    throw e;
  }
}

/** D4.1: strict decoding; DeviceListError `malformed` for every non-canonical input (a list of more than MAX_DEVICES devices decodes). */
export function decodeDeviceList(bytes: Uint8Array): DeviceList {
  abytes(bytes, undefined, 'bytes');
  const list = parse('DeviceList', (): DeviceList => {
    const r = new Reader(bytes);
    const format = r.u8('format');
    if (format !== DEVICE_LIST_FORMAT) throw malformedList(`format: expected ${DEVICE_LIST_FORMAT}, got ${format}`);
    const accountId = r.ascii8('accountId');
    const listVersion = r.u64('listVersion');
    const prevListHash = r.fixed(32, 'prevListHash').slice();
    const kindCode = r.u8('kind');
    const kind = KIND_BY_CODE.get(kindCode);
    if (kind === undefined) throw malformedList(`kind: expected 1–4, got ${kindCode}`);
    const issuedAt = r.u64('issuedAt');
    const nextDeviceId = r.u32('nextDeviceId');
    const hasRecoveryKey = r.u8('hasRecoveryKey');
    if (hasRecoveryKey > 1) throw malformedList(`hasRecoveryKey: expected 0 or 1, got ${hasRecoveryKey}`);
    const recoveryKey = hasRecoveryKey === 1 ? r.fixed(32, 'recoveryKey').slice() : null;
    const deviceCount = r.u8('deviceCount');
    const devices: DeviceEntry[] = [];
    for (let i = 0; i < deviceCount; i++) {
      devices.push({
        deviceId: r.u32('deviceId'),
        identitySigningKey: r.fixed(32, 'identitySigningKey').slice(),
        identityDhKey: r.fixed(32, 'identityDhKey').slice(),
        credentialKey: r.fixed(32, 'credentialKey').slice(),
        linkedAt: r.u64('linkedAt'),
      });
    }
    r.end('DeviceList');
    return { accountId, listVersion, prevListHash, kind, issuedAt, nextDeviceId, recoveryKey, devices };
  });
  checkCanonical(list);
  return list;
}

function checkSignedFields(s: SignedDeviceList): void {
  if (!Object.prototype.hasOwnProperty.call(SIGNER_KIND_CODES, s.signerKind)) throw malformedList(`signerKind: expected device or recovery, got ${String(s.signerKind)}`);
  if (!isU32(s.signerDeviceId)) throw malformedList(`signerDeviceId: expected u32, got ${s.signerDeviceId}`);
  // D4.2: signerDeviceId is 0 iff the recovery key signs.
  if ((s.signerKind === 'recovery') !== (s.signerDeviceId === 0))
    throw malformedList(`signerDeviceId: ${s.signerDeviceId} with signerKind ${s.signerKind} (0 iff the recovery key signs)`);
  abytes(s.signature, 64, 'signature');
  if (s.cosignature !== null) abytes(s.cosignature, 64, 'cosignature');
}

/** D4.2: the signed form. The body is re-encoded canonically from `list`. */
export function encodeSignedDeviceList(signed: SignedDeviceList): Uint8Array {
  checkSignedFields(signed);
  const body = encodeDeviceList(signed.list);
  const w = new Writer(1 + 2 + body.length + 1 + 4 + 64 + 1 + 64);
  w.u8(SIGNED_DEVICE_LIST_FORMAT).vec16(body).u8(SIGNER_KIND_CODES[signed.signerKind]).u32(signed.signerDeviceId).fixed(signed.signature, 64, 'signature');
  if (signed.cosignature === null) w.u8(0);
  else w.u8(1).fixed(signed.cosignature, 64, 'cosignature');
  return w.finish();
}

/** A decoded signed list with the exact body bytes that the signatures cover. */
export interface DecodedSignedDeviceList extends SignedDeviceList {
  readonly body: Uint8Array;
}

/**
 * D4.2: strict decoding of the signed form and its body (D4.1); DeviceListError `malformed` otherwise. Only the
 * cosignature flag and length are checked here: whether one is required depends on the previous list (D5.1 step 9).
 */
export function decodeSignedDeviceList(bytes: Uint8Array): DecodedSignedDeviceList {
  abytes(bytes, undefined, 'bytes');
  const signed = parse('SignedDeviceList', () => {
    const r = new Reader(bytes);
    const format = r.u8('format');
    if (format !== SIGNED_DEVICE_LIST_FORMAT) throw malformedList(`format: expected ${SIGNED_DEVICE_LIST_FORMAT}, got ${format}`);
    const body = r.vec16('DeviceList').slice();
    const signerCode = r.u8('signerKind');
    const signerKind = SIGNER_BY_CODE.get(signerCode);
    if (signerKind === undefined) throw malformedList(`signerKind: expected 1 or 2, got ${signerCode}`);
    const signerDeviceId = r.u32('signerDeviceId');
    const signature = r.fixed(64, 'signature').slice();
    const hasCosignature = r.u8('hasCosignature');
    if (hasCosignature > 1) throw malformedList(`hasCosignature: expected 0 or 1, got ${hasCosignature}`);
    const cosignature = hasCosignature === 1 ? r.fixed(64, 'cosignature').slice() : null;
    r.end('SignedDeviceList');
    return { body, signerKind, signerDeviceId, signature, cosignature };
  });
  const list = decodeDeviceList(signed.body);
  const decoded = { ...signed, list };
  checkSignedFields(decoded);
  return decoded;
}

/** D4.3: `DEVICE_LIST_SIGN_LABEL ‖ u32(len(DeviceList)) ‖ DeviceList`, the bytes the signer signs. */
export function deviceListSignatureInput(body: Uint8Array): Uint8Array {
  abytes(body, undefined, 'body');
  return new Writer(DEVICE_LIST_SIGN_LABEL.length + 4 + body.length).raw(DEVICE_LIST_SIGN_LABEL).vec32(body).finish();
}

/** D4.3: `DEVICE_LIST_COSIGN_LABEL ‖ u32(len(DeviceList)) ‖ DeviceList`, the bytes an added device counter-signs. */
export function deviceListCosignatureInput(body: Uint8Array): Uint8Array {
  abytes(body, undefined, 'body');
  return new Writer(DEVICE_LIST_COSIGN_LABEL.length + 4 + body.length).raw(DEVICE_LIST_COSIGN_LABEL).vec32(body).finish();
}

/** Who signs a list (D4.3): a device by its IKsig seed, or the recovery kit by the recovery key's seed (D2.4). */
export type DeviceListSigner =
  | { readonly kind: 'device'; readonly deviceId: number; readonly signingPrivateKey: Uint8Array }
  | { readonly kind: 'recovery'; readonly signingPrivateKey: Uint8Array };

export interface SignDeviceListOptions {
  /** The IKsig seed of the device this list adds (D4.3 cosignature); required exactly when the list adds one. */
  readonly cosignerPrivateKey?: Uint8Array;
  readonly crypto?: CryptoProvider;
}

/**
 * D4.3: signs a list and, for a list that adds a device, counter-signs it with the added device's key when
 * `cosignerPrivateKey` is given. Where the added device's key lives on another device, that device calls
 * cosignDeviceList over the same list and the result carries its cosignature.
 */
export function signDeviceList(list: DeviceList, signer: DeviceListSigner, opts: SignDeviceListOptions = {}): SignedDeviceList {
  const crypto = opts.crypto ?? defaultCryptoProvider();
  const body = encodeDeviceList(list);
  abytes(signer.signingPrivateKey, 32, 'signingPrivateKey');
  const signature = crypto.ed25519Sign(signer.signingPrivateKey, deviceListSignatureInput(body));
  const cosignature = opts.cosignerPrivateKey === undefined ? null : cosignDeviceList(list, opts.cosignerPrivateKey, crypto);
  const signerDeviceId = signer.kind === 'device' ? signer.deviceId : 0;
  const signed: SignedDeviceList = { list, signerKind: signer.kind, signerDeviceId, signature, cosignature };
  checkSignedFields(signed);
  return signed;
}

/** D4.3: the added device's counter-signature over the exact body that adds it. */
export function cosignDeviceList(list: DeviceList, addedDevicePrivateKey: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  abytes(addedDevicePrivateKey, 32, 'addedDevicePrivateKey');
  return crypto.ed25519Sign(addedDevicePrivateKey, deviceListCosignatureInput(encodeDeviceList(list)));
}

/** D4.4: `listHash = SHA-256(DEVICE_LIST_HASH_LABEL ‖ SignedDeviceList)`, over the whole signed form. */
export function deviceListHash(signed: SignedDeviceList | Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  const bytes = signed instanceof Uint8Array ? signed : encodeSignedDeviceList(signed);
  return crypto.sha256(DEVICE_LIST_HASH_LABEL, bytes);
}

/** D2.4: the recovery key pair of a kit: Ed25519 seed = HKDF-SHA256(kitSecret, 32 zero bytes, RECOVERY_KEY_LABEL, 32). */
export function recoveryKeyFromKit(kitSecret: Uint8Array, crypto: CryptoProvider = defaultCryptoProvider()): { privateKey: Uint8Array; publicKey: Uint8Array } {
  abytes(kitSecret, 32, 'kitSecret');
  const privateKey = crypto.hkdfSha256(kitSecret, new Uint8Array(32), RECOVERY_KEY_LABEL, 32);
  return { privateKey, publicKey: crypto.ed25519PublicKey(privateKey) };
}

/** The founder key of D1 for a genesis or reset list: IKsig ‖ IKdh of its one device. */
export function founderKeyOf(entry: DeviceEntry): Uint8Array {
  return concatBytes(entry.identitySigningKey, entry.identityDhKey);
}
