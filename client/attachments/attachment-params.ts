// Attachment encryption, scheme 1 (docs/PROTOCOL.md §11): key-committing, chunked AES-256-GCM.
//
//   params     = u8 log2ChunkSize ‖ salt(16)                     (descriptor.params, 17 bytes)
//   chunkKey   = HMAC-SHA256(key, ATTACHMENT_KEY_LABEL ‖ params)
//   commitment = HMAC-SHA256(key, ATTACHMENT_COMMIT_LABEL ‖ params)  (first 32 bytes of the blob)
//   C_i        = AES-256-GCM(chunkKey, nonce = 0^7 ‖ u32(i) ‖ u8(last), AD = ∅, P_i) (ciphertext ‖ tag)
//   blob       = commitment ‖ C_0 ‖ … ‖ C_{n−1}
//   digest     = SHA-256(ATTACHMENT_DIGEST_LABEL ‖ u8 log2ChunkSize ‖ commitment ‖ SHA-256(C_0) ‖ … ‖ SHA-256(C_{n−1}) ‖ u64 len(blob))
//
// This file: constants, labels and option types; the params encoding and blob layout (§11.1), the key schedule
// (§11.2) and the chunk nonce (§11.3). The rest of the scheme: attachment-encryptor.ts (encryption, streaming
// with memory bounded by one chunk), attachment-decryptor.ts (decryption in §11.5's order of checks, and the
// keyless digest), _attachment-digest.ts (the §11.4 digest both build), _byte-source.ts (reading a ByteSource),
// _attachment-engine.ts (AES-GCM and SHA-256 through WebCrypto when present, else noble: same bytes).
import type { AttachmentEngineName } from './_attachment-engine.ts';
import { abytes, utf8 } from '../crypto/_bytes.ts';
import type { RandomBytes } from '../crypto/aead.ts';
import { AttachmentError } from './attachment-errors.ts';
import { nobleHmacSha256 } from '../crypto/hmac.ts';

export type { AttachmentEngineName } from './_attachment-engine.ts';

/** descriptor.scheme of this construction. */
export const ATTACHMENT_SCHEME_CHUNKED_AES_GCM = 1;
export const ATTACHMENT_KEY_LENGTH = 32;
export const ATTACHMENT_SALT_LENGTH = 16;
/** u8 log2ChunkSize ‖ salt. */
export const ATTACHMENT_PARAMS_LENGTH = 1 + ATTACHMENT_SALT_LENGTH;
export const KEY_COMMITMENT_LENGTH = 32;
export const CHUNK_TAG_LENGTH = 16;
export const CHUNK_NONCE_LENGTH = 12;
/** Chunk sizes 4 KiB … 16 MiB; 1 MiB by default (WebCrypto costs ~40 µs per call: big chunks amortise it). */
export const MIN_LOG2_CHUNK_SIZE = 12;
export const MAX_LOG2_CHUNK_SIZE = 24;
export const DEFAULT_LOG2_CHUNK_SIZE = 20;
/** The chunk index is a u32 in the nonce. */
export const MAX_CHUNKS = 2 ** 32;

// §11.2 domain-separation labels (ASCII ‖ 0x00, like §3): one per use of the attachment key.
export const ATTACHMENT_KEY_LABEL: Uint8Array = utf8('franking-chat/v1/attachment-key\0');
export const ATTACHMENT_COMMIT_LABEL: Uint8Array = utf8('franking-chat/v1/attachment-commit\0');
export const ATTACHMENT_DIGEST_LABEL: Uint8Array = utf8('franking-chat/v1/attachment-digest\0');

/** What decrypting needs from an AttachmentDescriptor (header.ts); a full descriptor fits. */
export interface AttachmentSecrets {
  scheme: number;
  key: Uint8Array;
  params: Uint8Array;
  ciphertextDigest: Uint8Array;
  /** Plaintext bytes. */
  size: number;
}

/** The descriptor fields encryption produces (add blobId after upload and mediaType to get an AttachmentDescriptor). */
export interface EncryptedAttachment extends AttachmentSecrets {
  /** Bytes of the ciphertext blob (what the server stores): 32 + size + 16 × chunkCount. */
  blobLength: number;
}

export interface AttachmentParams {
  log2ChunkSize: number;
  salt: Uint8Array;
}

export interface EngineOptions {
  /** 'webcrypto' (default where available), 'noble' or a CryptoProvider (e.g. nodeCryptoProvider); the output bytes are the same. */
  engine?: AttachmentEngineName;
}

export interface EncryptOptions extends EngineOptions {
  /** Attachment key; fresh random by default. Supplying it re-encrypts deterministically (§11.5). */
  key?: Uint8Array;
  /** Default: fresh random. */
  salt?: Uint8Array;
  log2ChunkSize?: number;
  randomBytes?: RandomBytes;
  /** Refuse (AttachmentError 'too_large') more plaintext than this. */
  maxSize?: number;
}

/** Bytes in any shape a browser or Node hands out: one array, (async) iterables of arrays, a ReadableStream. */
export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

// ---------------------------------------------------------------------------------------------------------
// §11.1 parameters and layout

export function encodeAttachmentParams(p: AttachmentParams): Uint8Array {
  checkLog2(p.log2ChunkSize, RangeError);
  abytes(p.salt, ATTACHMENT_SALT_LENGTH, 'salt');
  const out = new Uint8Array(ATTACHMENT_PARAMS_LENGTH);
  out[0] = p.log2ChunkSize;
  out.set(p.salt, 1);
  return out;
}

export function decodeAttachmentParams(params: Uint8Array): AttachmentParams {
  abytes(params, undefined, 'params');
  if (params.length !== ATTACHMENT_PARAMS_LENGTH)
    throw new AttachmentError('malformed', `params: expected ${ATTACHMENT_PARAMS_LENGTH} bytes, got length=${params.length}`);
  const log2ChunkSize = params[0] as number;
  checkLog2(log2ChunkSize, AttachmentError);
  return { log2ChunkSize, salt: params.slice(1) };
}

function checkLog2(n: unknown, kind: typeof RangeError | typeof AttachmentError): void {
  if (typeof n === 'number' && Number.isInteger(n) && n >= MIN_LOG2_CHUNK_SIZE && n <= MAX_LOG2_CHUNK_SIZE) return;
  const msg = `log2ChunkSize: expected integer in [${MIN_LOG2_CHUNK_SIZE}, ${MAX_LOG2_CHUNK_SIZE}], got ${String(n)}`;
  throw kind === RangeError ? new RangeError(msg) : new AttachmentError('malformed', msg);
}

/** n = max(1, ⌈size / chunkSize⌉): an empty file is one empty last chunk. */
export function attachmentChunkCount(size: number, log2ChunkSize: number): number {
  return size === 0 ? 1 : Math.ceil(size / 2 ** log2ChunkSize);
}

export function attachmentBlobLength(size: number, log2ChunkSize: number): number {
  return KEY_COMMITMENT_LENGTH + size + CHUNK_TAG_LENGTH * attachmentChunkCount(size, log2ChunkSize);
}

/** §11.3 STREAM nonce (Hoang–Reyhanitabar–Rogaway–Vizár 2015): 7 zero bytes ‖ u32 index ‖ u8 last flag. */
export function chunkNonce(index: number, last: boolean): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_CHUNKS) throw new RangeError(`chunk index: expected u32, got ${index}`);
  const n = new Uint8Array(CHUNK_NONCE_LENGTH);
  new DataView(n.buffer).setUint32(7, index);
  n[11] = last ? 1 : 0;
  return n;
}

/** §11.2 key schedule: the GCM key and the key commitment, both PRF outputs of the attachment key. */
export function deriveAttachmentKeys(key: Uint8Array, params: Uint8Array, engine?: AttachmentEngineName): { chunkKey: Uint8Array; keyCommitment: Uint8Array } {
  abytes(key, ATTACHMENT_KEY_LENGTH, 'key');
  decodeAttachmentParams(params);
  const hmac = typeof engine === 'object' ? engine.hmacSha256 : nobleHmacSha256;
  return {
    chunkKey: hmac(key, ATTACHMENT_KEY_LABEL, params),
    keyCommitment: hmac(key, ATTACHMENT_COMMIT_LABEL, params),
  };
}
