// Sender and recipient sides of message franking (docs/PROTOCOL.md §4–§6).
//   sender:    fk ← random(32); c = HMAC-SHA256(fk, COMMITMENT_LABEL ‖ u32(len header) ‖ header ‖ body)
//              session-encrypt payload(header, fk, body) with associated data AEAD_AD_LABEL ‖ c ‖ extraAd
//   recipient: session-decrypt with the same associated data, recompute c in constant time, drop on mismatch.
import { pooledRandomBytes } from '../crypto/_random.ts';
import { Reader, abytes, concatBytes, equalBytes } from '../crypto/_bytes.ts';
import { type Aead, type RandomBytes, isFreshOutputAead } from '../crypto/aead.ts';
import { FrankingError, asFrankingError } from './errors.ts';
import { type AttachmentDescriptor, type MessageHeader, checkHeader, decodeHeader, writeHeader, ZERO_COMMITMENT } from './header.ts';
import { type HmacSha256, defaultHmacSha256, webCryptoHmacSha256 } from '../crypto/hmac.ts';
import type { AsyncCryptoProvider, CryptoProvider } from '../crypto/provider.ts';
import { AEAD_AD_LABEL, COMMITMENT_LABEL, DEVICE_GROUP_HEADER_VERSION, DEVICE_HEADER_VERSION, GROUP_HEADER_VERSION, PROTOCOL_VERSION } from './labels.ts';

export const FK_LENGTH = 32;
export const COMMITMENT_LENGTH = 32;
const EMPTY = new Uint8Array(0);

/**
 * The commitment's HMAC input, as chunks: COMMITMENT_LABEL ‖ u32be(len(header)) in one 32-byte block (small enough
 * for the engine to keep off the malloc'd heap), then the header and the body as they are: no copy of either.
 */
function commitmentInput(headerBytes: Uint8Array, body: Uint8Array): Uint8Array[] {
  const n = headerBytes.length;
  const prefix = new Uint8Array(COMMITMENT_PREFIX_LENGTH);
  prefix.set(COMMITMENT_LABEL, 0);
  const at = COMMITMENT_LABEL.length;
  prefix[at] = n >>> 24;
  prefix[at + 1] = (n >>> 16) & 0xff;
  prefix[at + 2] = (n >>> 8) & 0xff;
  prefix[at + 3] = n & 0xff;
  return [prefix, headerBytes, body];
}
const COMMITMENT_PREFIX_LENGTH = COMMITMENT_LABEL.length + 4;

/** §4.3: c = HMAC-SHA256(fk, COMMITMENT_LABEL ‖ u32be(len(header)) ‖ header ‖ body). */
export function computeCommitment(fk: Uint8Array, headerBytes: Uint8Array, body: Uint8Array, hmac?: HmacSha256): Uint8Array {
  abytes(fk, FK_LENGTH, 'fk');
  const mac = hmac ?? defaultHmacSha256();
  return mac(fk, ...commitmentInput(headerBytes, body));
}

/** The HMAC a call uses: an explicit `hmac` wins, then the call's provider, then the default provider. */
export const pickHmac = (opts: { hmac?: HmacSha256 | undefined; crypto?: CryptoProvider | undefined }): HmacSha256 =>
  opts.hmac ?? opts.crypto?.hmacSha256 ?? defaultHmacSha256();

/**
 * Bodies at least this long take WebCrypto's HMAC in the async API. Below it, WebCrypto's fixed cost per call
 * (≈ 100–150 µs measured here) exceeds what pure-JS HMAC spends on the whole input (docs/BENCHMARKS.md).
 */
export const WEBCRYPTO_COMMITMENT_THRESHOLD = 32 * 1024;

/**
 * computeCommitment through an async provider when one is given (e.g. webCryptoProvider()); without one, WebCrypto
 * for bodies of 32 KiB and more and the default provider below that. The same 32 bytes either way.
 */
export async function computeCommitmentAsync(fk: Uint8Array, headerBytes: Uint8Array, body: Uint8Array, crypto?: AsyncCryptoProvider): Promise<Uint8Array> {
  if (crypto) {
    abytes(fk, FK_LENGTH, 'fk');
    return crypto.hmacSha256(fk, ...commitmentInput(headerBytes, body));
  }
  if (body.length < WEBCRYPTO_COMMITMENT_THRESHOLD || !globalThis.crypto?.subtle) return computeCommitment(fk, headerBytes, body);
  abytes(fk, FK_LENGTH, 'fk');
  return webCryptoHmacSha256(fk, ...commitmentInput(headerBytes, body));
}

/** §5.1: associated data of the session AEAD — binds c so a ciphertext cannot be replayed under another commitment. */
export function frankingAssociatedData(commitment: Uint8Array, extraAd: Uint8Array = EMPTY): Uint8Array {
  abytes(commitment, COMMITMENT_LENGTH, 'commitment');
  return concatBytes(AEAD_AD_LABEL, commitment, extraAd);
}

/** §5.2: payload = u8 version ‖ u16 len(header) ‖ header ‖ fk(32) ‖ body (the rest). */
export function encodePayload(headerBytes: Uint8Array, fk: Uint8Array, body: Uint8Array): Uint8Array {
  abytes(headerBytes, undefined, 'header');
  abytes(fk, FK_LENGTH, 'fk');
  abytes(body, undefined, 'body');
  const n = headerBytes.length;
  if (n > 0xffff) throw new RangeError(`header: expected at most 65535 bytes, got length=${n}`);
  // One exact allocation and three copies (the per-message path: no Writer bookkeeping).
  const out = new Uint8Array(3 + n + FK_LENGTH + body.length);
  out[0] = PROTOCOL_VERSION;
  out[1] = n >>> 8;
  out[2] = n & 0xff;
  out.set(headerBytes, 3);
  out.set(fk, 3 + n);
  out.set(body, 3 + n + FK_LENGTH);
  return out;
}

export function decodePayload(payload: Uint8Array): { headerBytes: Uint8Array; fk: Uint8Array; body: Uint8Array } {
  return asFrankingError(() => decodePayloadBytes(payload));
}

function decodePayloadBytes(payload: Uint8Array): { headerBytes: Uint8Array; fk: Uint8Array; body: Uint8Array } {
  const r = new Reader(abytes(payload, undefined, 'payload'));
  const version = r.u8('payload.version');
  if (version !== PROTOCOL_VERSION) throw new FrankingError('malformed', `payload.version: unsupported ${version}`);
  const headerBytes = r.vec16('payload.header');
  const fk = r.fixed(FK_LENGTH, 'payload.fk');
  return { headerBytes, fk, body: r.rest() };
}

export interface FrankInput {
  conversationId: string;
  senderId: string;
  seq: number;
  /** Commitment of this sender's previous message in the conversation (omit or zeros for seq 1). */
  prevCommitment?: Uint8Array;
  sentAt?: number;
  contentType?: string;
  attachments?: AttachmentDescriptor[];
  clientMessageId?: Uint8Array;
  /** MLS group messages (§12.3): the epoch; makes the header version 2 (4 with senderDeviceId). */
  epoch?: number;
  /**
   * The sending device (docs/PROTOCOL-devices.md D10.1, ≥ 1): makes the header version 3 (4 with epoch). Omit it for a
   * version 1 or 2 header, which recipients count as device 1.
   */
  senderDeviceId?: number;
}

/** The header version a FrankInput produces: 1, or 2 with an epoch, 3 with a device, 4 with both. */
function headerVersion(input: Pick<FrankInput, 'epoch' | 'senderDeviceId'>): number {
  if (input.senderDeviceId === undefined) return input.epoch === undefined ? PROTOCOL_VERSION : GROUP_HEADER_VERSION;
  return input.epoch === undefined ? DEVICE_HEADER_VERSION : DEVICE_GROUP_HEADER_VERSION;
}

export interface FrankedMessage {
  header: MessageHeader;
  headerBytes: Uint8Array;
  fk: Uint8Array;
  commitment: Uint8Array;
  /** The bytes the session encrypts (header, fk, body). */
  payload: Uint8Array;
}

export interface FrankOptions {
  randomBytes?: RandomBytes;
  /** HMAC of the commitment; overrides `crypto`. */
  hmac?: HmacSha256;
  /** Provider of the commitment HMAC (default: defaultCryptoProvider()). */
  crypto?: CryptoProvider;
}

/** Header and fresh fk of a message about to be franked (§4.1–§4.2); the header is checked, not yet encoded. */
function prepareFrank(input: FrankInput, body: Uint8Array, opts: FrankOptions): { header: MessageHeader; headerLength: number; fk: Uint8Array } {
  abytes(body, undefined, 'body');
  const random = opts.randomBytes ?? pooledRandomBytes;
  // Draw order is part of the deterministic session vectors: clientMessageId (16 bytes), then fk (32 bytes).
  const header: MessageHeader = {
    version: headerVersion(input),
    conversationId: input.conversationId,
    senderId: input.senderId,
    clientMessageId: input.clientMessageId ?? random(16),
    sentAt: input.sentAt ?? Date.now(),
    seq: input.seq,
    prevCommitment: input.prevCommitment ?? ZERO_COMMITMENT,
    contentType: input.contentType ?? 'text/plain; charset=utf-8',
    attachments: input.attachments ?? [],
  };
  if (input.epoch !== undefined) header.epoch = input.epoch;
  if (input.senderDeviceId !== undefined) header.senderDeviceId = input.senderDeviceId;
  const headerLength = checkHeader(header);
  // §4.2: a fresh 32-byte franking key per message; reusing one would link messages in reports.
  const fk = abytes(random(FK_LENGTH), FK_LENGTH, 'fk');
  return { header, headerLength, fk };
}

/**
 * The header and the payload (§5.2) in one allocation: [header | payload], each returned as its own view (no byte
 * is shared: wiping the payload after sending leaves the header a report needs). The header is written once, into
 * the payload, and copied in front of it.
 */
function encodeHeaderAndPayload(header: MessageHeader, headerLength: number, fk: Uint8Array, body: Uint8Array): { headerBytes: Uint8Array; payload: Uint8Array } {
  const n = headerLength;
  if (n > 0xffff) throw new RangeError(`header: expected at most 65535 bytes, got length=${n}`);
  const buf = new Uint8Array(n + 3 + n + FK_LENGTH + body.length);
  const payload = buf.subarray(n);
  payload[0] = PROTOCOL_VERSION;
  payload[1] = n >>> 8;
  payload[2] = n & 0xff;
  writeHeader(header, payload.subarray(3, 3 + n));
  buf.copyWithin(0, n + 3, n + 3 + n);
  payload.set(fk, 3 + n);
  payload.set(body, 3 + n + FK_LENGTH);
  return { headerBytes: buf.subarray(0, n), payload };
}

/** Sender side: fresh fk, canonical header, commitment and the payload to encrypt. */
export function frankMessage(input: FrankInput, body: Uint8Array, opts: FrankOptions = {}): FrankedMessage {
  const { header, headerLength, fk } = prepareFrank(input, body, opts);
  const { headerBytes, payload } = encodeHeaderAndPayload(header, headerLength, fk, body);
  const commitment = computeCommitment(fk, headerBytes, body, pickHmac(opts));
  return { header, headerBytes, fk, commitment, payload };
}

/**
 * frankMessage with the commitment computed by `opts.crypto` (an AsyncCryptoProvider such as webCryptoProvider());
 * without one, WebCrypto's HMAC for bodies of 32 KiB and more. Same bytes as frankMessage.
 */
export async function frankMessageAsync(
  input: FrankInput,
  body: Uint8Array,
  opts: { randomBytes?: RandomBytes; crypto?: AsyncCryptoProvider } = {},
): Promise<FrankedMessage> {
  const { header, headerLength, fk } = prepareFrank(input, body, opts.randomBytes ? { randomBytes: opts.randomBytes } : {});
  const { headerBytes, payload } = encodeHeaderAndPayload(header, headerLength, fk, body);
  const commitment = await computeCommitmentAsync(fk, headerBytes, body, opts.crypto);
  return { header, headerBytes, fk, commitment, payload };
}

export interface OpenedMessage {
  header: MessageHeader;
  headerBytes: Uint8Array;
  fk: Uint8Array;
  body: Uint8Array;
  commitment: Uint8Array;
}

export interface Expectation {
  conversationId?: string;
  senderId?: string;
}

/**
 * Steps 4–5 of §6, once the commitment has opened: parse the header, compare it with the transport. `owned`: the
 * payload is the caller's to give away (a fresh AEAD output nobody else holds), so headerBytes, fk and body are
 * returned as views of it (three disjoint ranges) instead of copies: no second allocation and copy of the body.
 * Otherwise copies, as the payload may be wiped or reused after this returns.
 */
function acceptOpened(headerBytes: Uint8Array, fk: Uint8Array, body: Uint8Array, commitment: Uint8Array, expect: Expectation, owned = false): OpenedMessage {
  const header = decodeHeader(headerBytes);
  if (expect.conversationId !== undefined && header.conversationId !== expect.conversationId)
    throw new FrankingError('header_mismatch', 'header.conversationId differs from the transport');
  if (expect.senderId !== undefined && header.senderId !== expect.senderId)
    throw new FrankingError('header_mismatch', 'header.senderId differs from the transport');
  if (owned) return { header, headerBytes, fk, body, commitment: commitment.slice() };
  return { header, headerBytes: headerBytes.slice(), fk: fk.slice(), body: body.slice(), commitment: commitment.slice() };
}

const mismatch = () => new FrankingError('commitment_mismatch', 'the message does not open its commitment');

/**
 * Recipient side, after the session AEAD released `payload`: open the commitment first (constant time),
 * only then parse and use the header. A mismatch means the message could not be reported, so it must
 * be dropped (§6: sender binding).
 */
export function openFrankedPayload(payload: Uint8Array, commitment: Uint8Array, expect: Expectation = {}, hmac?: HmacSha256 | CryptoProvider): OpenedMessage {
  return openPayload(payload, commitment, expect, hmac, false);
}

/**
 * openFrankedPayload of a payload the caller gives away (SDK-internal: the session layer and openFranked with the
 * SDK's own AEAD, whose open returns a fresh buffer): the OpenedMessage's headerBytes, fk and body are views of
 * `payload`, which the caller must then neither wipe nor reuse. A payload that fails is left to the caller.
 */
export function openOwnedFrankedPayload(payload: Uint8Array, commitment: Uint8Array, expect: Expectation = {}, hmac?: HmacSha256 | CryptoProvider): OpenedMessage {
  return openPayload(payload, commitment, expect, hmac, true);
}

function openPayload(payload: Uint8Array, commitment: Uint8Array, expect: Expectation, hmac: HmacSha256 | CryptoProvider | undefined, owned: boolean): OpenedMessage {
  if (hmac !== undefined && typeof hmac !== 'function') hmac = hmac.hmacSha256;
  abytes(commitment, COMMITMENT_LENGTH, 'commitment');
  const { headerBytes, fk, body } = decodePayload(payload);
  if (!equalBytes(computeCommitment(fk, headerBytes, body, hmac), commitment)) throw mismatch();
  return acceptOpened(headerBytes, fk, body, commitment, expect, owned);
}

/** openFrankedPayload with the commitment recomputed by `crypto` (or WebCrypto's HMAC for bodies of 32 KiB and more). */
export async function openFrankedPayloadAsync(payload: Uint8Array, commitment: Uint8Array, expect: Expectation = {}, crypto?: AsyncCryptoProvider): Promise<OpenedMessage> {
  abytes(commitment, COMMITMENT_LENGTH, 'commitment');
  const { headerBytes, fk, body } = decodePayload(payload);
  if (!equalBytes(await computeCommitmentAsync(fk, headerBytes, body, crypto), commitment)) throw mismatch();
  return acceptOpened(headerBytes, fk, body, commitment, expect);
}

/** Encrypts a franked message under any AEAD; send the result together with `franked.commitment`. */
export function sealFranked(aead: Aead, franked: FrankedMessage, extraAd?: Uint8Array): Uint8Array {
  return aead.seal(franked.payload, frankingAssociatedData(franked.commitment, extraAd));
}

/** Decrypts (AEAD first: RFC 8439 §2.8) and then opens the commitment. */
export function openFranked(
  aead: Aead,
  ciphertext: Uint8Array,
  commitment: Uint8Array,
  opts: { extraAd?: Uint8Array; expect?: Expectation; hmac?: HmacSha256; crypto?: CryptoProvider } = {},
): OpenedMessage {
  const payload = asFrankingError(() => aead.open(ciphertext, frankingAssociatedData(commitment, opts.extraAd)));
  // The SDK's own AEADs return a fresh buffer nobody else holds: the opened message takes views of it.
  return openPayload(payload, commitment, opts.expect ?? {}, pickHmac(opts), isFreshOutputAead(aead));
}

/** openFranked with the commitment recomputed by `opts.crypto` (or WebCrypto's HMAC for bodies of 32 KiB and more). */
export async function openFrankedAsync(
  aead: Aead,
  ciphertext: Uint8Array,
  commitment: Uint8Array,
  opts: { extraAd?: Uint8Array; expect?: Expectation; crypto?: AsyncCryptoProvider } = {},
): Promise<OpenedMessage> {
  const payload = asFrankingError(() => aead.open(ciphertext, frankingAssociatedData(commitment, opts.extraAd)));
  return openFrankedPayloadAsync(payload, commitment, opts.expect, opts.crypto);
}
