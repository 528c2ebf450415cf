// The franked message header (docs/PROTOCOL.md §4): canonical, versioned, deterministic. Decoding accepts
// exactly the bytes encoding produces, so one header has one byte string and the commitment pins it.
import { Reader, Writer, abytes, equalBytes } from '../crypto/_bytes.ts';
import { FrankingError, asFrankingError } from './errors.ts';
import { isValidId } from './ids.ts';
import { DEVICE_GROUP_HEADER_VERSION, DEVICE_HEADER_VERSION, GROUP_HEADER_VERSION, PROTOCOL_VERSION } from './labels.ts';

export const MAX_ATTACHMENTS = 16;
export const ZERO_COMMITMENT: Uint8Array = new Uint8Array(32);
/** Media types: printable ASCII 0x20–0x7E, 1–127 bytes (e.g. `text/plain; charset=utf-8`). */
const MEDIA_TYPE_PATTERN = /^[\x20-\x7e]{1,127}$/;

/** An encrypted attachment as the franked header pins it (scheme 1 and its parameters: docs/PROTOCOL.md §11). */
export interface AttachmentDescriptor {
  /** Server-assigned id of the uploaded ciphertext blob. */
  blobId: string;
  /** Attachment encryption scheme number (§11); 0 is invalid. */
  scheme: number;
  /** 32-byte attachment key. */
  key: Uint8Array;
  /** Scheme-specific parameters (0–255 bytes); scheme 1: u8 log2ChunkSize ‖ 16-byte salt (PROTOCOL.md §11.1). */
  params: Uint8Array;
  /** SHA-256 digest of the complete ciphertext blob (scheme 1: chunk-tree form, §11.4), so a report pins the exact bytes the recipient fetched. */
  ciphertextDigest: Uint8Array;
  /** Plaintext size in bytes. */
  size: number;
  mediaType: string;
}

export interface MessageHeader {
  version: number;
  conversationId: string;
  senderId: string;
  /**
   * Versions 3 and 4 only (docs/PROTOCOL-devices.md D10.1): the sending device, 1..2^32−1. Absent in versions 1 and 2,
   * which count as device 1 (headerDeviceId).
   */
  senderDeviceId?: number;
  /** 16 random bytes chosen by the sender; lets clients de-duplicate retries. */
  clientMessageId: Uint8Array;
  /** Sender's clock, ms since the Unix epoch. A claim only: the server stamp carries the trusted time. */
  sentAt: number;
  /** Per-sender sequence number in this conversation, starting at 1. */
  seq: number;
  /** The commitment of this sender's previous message in this conversation; 32 zero bytes when seq = 1. */
  prevCommitment: Uint8Array;
  contentType: string;
  attachments: AttachmentDescriptor[];
  /**
   * MLS group messages only (versions 2 and 4, §12.3): the MLS epoch the message is encrypted in. Absent in
   * version 1 and 3 headers (1:1 conversations).
   */
  epoch?: number;
}

const isGroupVersion = (v: number): boolean => v === GROUP_HEADER_VERSION || v === DEVICE_GROUP_HEADER_VERSION;
const isDeviceVersion = (v: number): boolean => v === DEVICE_HEADER_VERSION || v === DEVICE_GROUP_HEADER_VERSION;
const isKnownVersion = (v: number): boolean => v === PROTOCOL_VERSION || isGroupVersion(v) || isDeviceVersion(v);

/**
 * The sending device of a header (docs/PROTOCOL-devices.md D10.1): its senderDeviceId for versions 3 and 4; 1 for
 * versions 1 and 2 (a legacy account's only device, or a message from before its migration).
 */
export function headerDeviceId(h: Pick<MessageHeader, 'senderDeviceId'>): number {
  return h.senderDeviceId ?? 1;
}

function checkId(value: unknown, name: string): string {
  if (!isValidId(value)) throw new FrankingError('malformed', `${name}: expected id matching [A-Za-z0-9._:-]{1,64}`);
  return value;
}

function checkMediaType(value: unknown, name: string): string {
  if (typeof value !== 'string' || !MEDIA_TYPE_PATTERN.test(value))
    throw new FrankingError('malformed', `${name}: expected printable ASCII media type of 1-127 bytes`);
  return value;
}

function checkUint(value: unknown, max: number, name: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw new FrankingError('malformed', `${name}: expected integer in [${min}, ${max}]`);
  return value;
}

function checkPrev(seq: number, prev: Uint8Array): void {
  // §4: the chain starts at seq 1 with the all-zero commitment; any other value there would be a second
  // encoding of "first message".
  if (seq === 1 && !equalBytes(prev, ZERO_COMMITMENT)) throw new FrankingError('malformed', 'prevCommitment: must be zero when seq = 1');
}

/** Encoded length of a well-formed header (ids and media types are ASCII: one byte per character). */
function encodedLength(h: MessageHeader): number {
  let n = 1 + (1 + h.conversationId.length) + (1 + h.senderId.length) + 16 + 8 + 4 + 32 + (1 + h.contentType.length) + 1;
  for (const a of h.attachments) n += 1 + a.blobId.length + 1 + 32 + 1 + a.params.length + 32 + 8 + 1 + a.mediaType.length;
  if (isDeviceVersion(h.version)) n += 4;
  return isGroupVersion(h.version) ? n + 8 : n;
}

/**
 * Checks every field of a header against §4.1 (FrankingError 'malformed', TypeError/RangeError for wrong byte
 * arrays) and returns its exact encoded length. Nothing is written: callers size one buffer for the header and more.
 */
export function checkHeader(h: MessageHeader): number {
  if (typeof h.version !== 'number' || !isKnownVersion(h.version)) throw new FrankingError('malformed', 'version: expected 1, 2, 3 or 4');
  // §12.3: a version 2 or 4 header carries the MLS epoch; a version 1 or 3 header has none (one encoding per header).
  if (isGroupVersion(h.version)) checkUint(h.epoch, Number.MAX_SAFE_INTEGER, 'epoch');
  else if (h.epoch !== undefined) throw new FrankingError('malformed', 'epoch: only version 2 and 4 (group) headers carry an epoch');
  // D10.1: versions 3 and 4 name the sending device (≥ 1); versions 1 and 2 have no field for it.
  if (isDeviceVersion(h.version)) checkUint(h.senderDeviceId, 0xffff_ffff, 'senderDeviceId', 1);
  else if (h.senderDeviceId !== undefined) throw new FrankingError('malformed', 'senderDeviceId: only version 3 and 4 headers carry a device');
  const seq = checkUint(h.seq, 0xffff_ffff, 'seq', 1);
  abytes(h.prevCommitment, 32, 'prevCommitment');
  checkPrev(seq, h.prevCommitment);
  if (!Array.isArray(h.attachments) || h.attachments.length > MAX_ATTACHMENTS)
    throw new FrankingError('malformed', `attachments: expected at most ${MAX_ATTACHMENTS}`);
  checkId(h.conversationId, 'conversationId');
  checkId(h.senderId, 'senderId');
  abytes(h.clientMessageId, 16, 'clientMessageId');
  checkUint(h.sentAt, Number.MAX_SAFE_INTEGER, 'sentAt');
  checkMediaType(h.contentType, 'contentType');
  for (let i = 0; i < h.attachments.length; i++) {
    const a = h.attachments[i] as AttachmentDescriptor;
    const name = `attachments[${i}]`;
    checkId(a.blobId, `${name}.blobId`);
    checkUint(a.scheme, 0xff, `${name}.scheme`, 1);
    abytes(a.key, 32, `${name}.key`);
    abytes(a.params, undefined, `${name}.params`);
    if (a.params.length > 0xff) throw new FrankingError('malformed', `${name}.params: expected at most 255 bytes`);
    abytes(a.ciphertextDigest, 32, `${name}.ciphertextDigest`);
    checkUint(a.size, Number.MAX_SAFE_INTEGER, `${name}.size`);
    checkMediaType(a.mediaType, `${name}.mediaType`);
  }
  return encodedLength(h);
}

/**
 * Writes a header that checkHeader accepted into `out`, which must be exactly checkHeader(h) bytes (a subarray of
 * a larger buffer: the sender's path writes the header and the payload with one allocation).
 */
export function writeHeader(h: MessageHeader, out: Uint8Array): void {
  const w = Writer.over(out)
    .u8(h.version)
    .ascii8(h.conversationId)
    .ascii8(h.senderId);
  if (isDeviceVersion(h.version)) w.u32(h.senderDeviceId as number);
  w.raw(h.clientMessageId)
    .u64(h.sentAt)
    .u32(h.seq)
    .raw(h.prevCommitment)
    .ascii8(h.contentType)
    .u8(h.attachments.length);
  for (const a of h.attachments)
    w.ascii8(a.blobId).u8(a.scheme).raw(a.key).vec8(a.params).raw(a.ciphertextDigest).u64(a.size).ascii8(a.mediaType);
  if (isGroupVersion(h.version)) w.u64(h.epoch as number);
  w.finish();
}

/** The canonical encoding of a franked header (§4.1): the exact bytes the commitment covers. */
export function encodeHeader(h: MessageHeader): Uint8Array {
  const out = new Uint8Array(checkHeader(h));
  writeHeader(h, out);
  return out;
}

/** Parses a header; rejects (FrankingError 'malformed') anything encodeHeader would not have produced. */
export function decodeHeader(bytes: Uint8Array): MessageHeader {
  return asFrankingError(() => decodeHeaderBytes(bytes));
}

function decodeHeaderBytes(bytes: Uint8Array): MessageHeader {
  abytes(bytes, undefined, 'header');
  const r = new Reader(bytes);
  const version = r.u8('version');
  if (!isKnownVersion(version)) throw new FrankingError('malformed', `version: unsupported ${version}`);
  const conversationId = checkId(r.ascii8('conversationId'), 'conversationId');
  const senderId = checkId(r.ascii8('senderId'), 'senderId');
  let senderDeviceId: number | undefined;
  if (isDeviceVersion(version)) {
    senderDeviceId = r.u32('senderDeviceId');
    if (senderDeviceId === 0) throw new FrankingError('malformed', 'senderDeviceId: must be at least 1');
  }
  const clientMessageId = r.fixed(16, 'clientMessageId').slice();
  const sentAt = r.u64('sentAt');
  const seq = r.u32('seq');
  if (seq === 0) throw new FrankingError('malformed', 'seq: must be at least 1');
  const prevCommitment = r.fixed(32, 'prevCommitment').slice();
  checkPrev(seq, prevCommitment);
  const contentType = checkMediaType(r.ascii8('contentType'), 'contentType');
  const count = r.u8('attachmentCount');
  if (count > MAX_ATTACHMENTS) throw new FrankingError('malformed', `attachmentCount: expected at most ${MAX_ATTACHMENTS}`);
  const attachments: AttachmentDescriptor[] = [];
  for (let i = 0; i < count; i++) {
    const name = `attachments[${i}]`;
    const blobId = checkId(r.ascii8(`${name}.blobId`), `${name}.blobId`);
    const scheme = r.u8(`${name}.scheme`);
    if (scheme === 0) throw new FrankingError('malformed', `${name}.scheme: 0 is invalid`);
    attachments.push({
      blobId,
      scheme,
      key: r.fixed(32, `${name}.key`).slice(),
      params: r.vec8(`${name}.params`).slice(),
      ciphertextDigest: r.fixed(32, `${name}.ciphertextDigest`).slice(),
      size: r.u64(`${name}.size`),
      mediaType: checkMediaType(r.ascii8(`${name}.mediaType`), `${name}.mediaType`),
    });
  }
  const header: MessageHeader = { version, conversationId, senderId, clientMessageId, sentAt, seq, prevCommitment, contentType, attachments };
  if (senderDeviceId !== undefined) header.senderDeviceId = senderDeviceId;
  if (isGroupVersion(version)) header.epoch = r.u64('epoch');
  r.end('header');
  return header;
}
