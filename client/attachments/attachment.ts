// Attachment encryption, scheme 1 (docs/PROTOCOL.md §11): key-committing, chunked AES-256-GCM.
//
//   params     = u8 log2ChunkSize ‖ salt(16)                     (descriptor.params, 17 bytes)
//   chunkKey   = HMAC-SHA256(key, ATTACHMENT_KEY_LABEL ‖ params)
//   commitment = HMAC-SHA256(key, ATTACHMENT_COMMIT_LABEL ‖ params)  (first 32 bytes of the blob)
//   C_i        = AES-256-GCM(chunkKey, nonce = 0^7 ‖ u32(i) ‖ u8(last), AD = ∅, P_i) (ciphertext ‖ tag)
//   blob       = commitment ‖ C_0 ‖ … ‖ C_{n−1}
//   digest     = SHA-256(ATTACHMENT_DIGEST_LABEL ‖ u8 log2ChunkSize ‖ commitment ‖ SHA-256(C_0) ‖ … ‖ SHA-256(C_{n−1}) ‖ u64 len(blob))
//
// Streaming both ways with memory bounded by one chunk, whatever the file size. Decryption checks the key
// commitment before it decrypts anything (GCM is not key-committing: test/attachments/ builds ciphertexts
// that open under several keys), authenticates every chunk before releasing it, and checks the size, the
// last-chunk flag and the digest. Runs unchanged in browsers and Node: WebCrypto when present, else noble.
import { sha256 } from '@noble/hashes/sha2.js';
import { type AttachmentEngineName, type ChunkCipher, chunkCipher, defaultEngine } from './_attachment-engine.ts';
import { abytes, concatBytes, equalBytes, utf8 } from '../crypto/_bytes.ts';
import { pooledRandomBytes } from '../crypto/_random.ts';
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

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, Math.floor(n / 2 ** 32));
  v.setUint32(4, n >>> 0);
  return b;
}

/** §11.4 digest: SHA-256 over the label, chunk size, commitment, per-chunk SHA-256 and the blob length. */
class DigestBuilder {
  private readonly outer = sha256.create();
  private length = KEY_COMMITMENT_LENGTH;

  constructor(log2ChunkSize: number, keyCommitment: Uint8Array) {
    this.outer.update(ATTACHMENT_DIGEST_LABEL).update(Uint8Array.of(log2ChunkSize)).update(keyCommitment);
  }
  addChunk(chunkDigest: Uint8Array, chunkLength: number): void {
    this.outer.update(chunkDigest);
    this.length += chunkLength;
  }
  finish(): { digest: Uint8Array; blobLength: number } {
    return { digest: this.outer.update(u64(this.length)).digest(), blobLength: this.length };
  }
}

function checkSecrets(a: AttachmentSecrets): AttachmentParams {
  if (typeof a !== 'object' || a === null) throw new TypeError('attachment: expected an object');
  if (a.scheme !== ATTACHMENT_SCHEME_CHUNKED_AES_GCM)
    throw new AttachmentError('unsupported_scheme', `scheme: expected ${ATTACHMENT_SCHEME_CHUNKED_AES_GCM}, got ${String(a.scheme)}`);
  abytes(a.key, ATTACHMENT_KEY_LENGTH, 'key');
  abytes(a.ciphertextDigest, 32, 'ciphertextDigest');
  const p = decodeAttachmentParams(a.params);
  if (!Number.isSafeInteger(a.size) || a.size < 0) throw new AttachmentError('malformed', `size: expected integer in [0, 2^53-1], got ${String(a.size)}`);
  if (attachmentChunkCount(a.size, p.log2ChunkSize) > MAX_CHUNKS) throw new AttachmentError('malformed', 'size: more than 2^32 chunks');
  return p;
}

// ---------------------------------------------------------------------------------------------------------
// Encryption

/**
 * Push-style encryptor: feed plaintext in any piece sizes with update(), send every returned ciphertext
 * piece in order, then finish() for the last pieces and the descriptor fields. Holds at most one chunk.
 */
export class AttachmentEncryptor {
  private readonly chunkSize: number;
  private readonly buffer: Uint8Array;
  private filled = 0;
  private index = 0;
  private size = 0;
  private started = false;
  private done = false;
  private readonly digest: DigestBuilder;

  private constructor(
    private readonly cipher: ChunkCipher,
    private readonly key: Uint8Array,
    private readonly params: Uint8Array,
    private readonly keyCommitment: Uint8Array,
    log2ChunkSize: number,
    private readonly maxSize: number,
  ) {
    this.chunkSize = 2 ** log2ChunkSize;
    this.buffer = new Uint8Array(this.chunkSize);
    this.digest = new DigestBuilder(log2ChunkSize, keyCommitment);
  }

  /** Draw order (vectors): key (32), then salt (16). */
  static async create(opts: EncryptOptions = {}): Promise<AttachmentEncryptor> {
    const random = opts.randomBytes ?? pooledRandomBytes;
    const key = abytes(opts.key ?? random(ATTACHMENT_KEY_LENGTH), ATTACHMENT_KEY_LENGTH, 'key').slice();
    const salt = abytes(opts.salt ?? random(ATTACHMENT_SALT_LENGTH), ATTACHMENT_SALT_LENGTH, 'salt');
    const log2 = opts.log2ChunkSize ?? DEFAULT_LOG2_CHUNK_SIZE;
    const params = encodeAttachmentParams({ log2ChunkSize: log2, salt });
    const maxSize = opts.maxSize ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(maxSize) || maxSize < 0) throw new RangeError(`maxSize: expected non-negative safe integer, got ${maxSize}`);
    const { chunkKey, keyCommitment } = deriveAttachmentKeys(key, params, opts.engine);
    const cipher = await chunkCipher(opts.engine ?? defaultEngine(), chunkKey);
    chunkKey.fill(0);
    return new AttachmentEncryptor(cipher, key, params, keyCommitment, log2, maxSize);
  }

  private async seal(plaintext: Uint8Array, last: boolean): Promise<Uint8Array> {
    if (this.index >= MAX_CHUNKS) throw new AttachmentError('too_large', 'more than 2^32 chunks');
    const sealed = await this.cipher.seal(chunkNonce(this.index, last), plaintext);
    this.digest.addChunk(await this.cipher.sha256(sealed), sealed.length);
    this.index++;
    return sealed;
  }

  /** Encrypts what fills whole chunks; a full chunk is sealed only once more data shows it is not the last. */
  async update(data: Uint8Array): Promise<Uint8Array[]> {
    abytes(data, undefined, 'data');
    if (this.done) throw new TypeError('update after finish');
    if (this.size + data.length > this.maxSize) throw new AttachmentError('too_large', `plaintext exceeds ${this.maxSize} bytes`);
    this.size += data.length;
    const out: Uint8Array[] = [];
    if (!this.started) {
      this.started = true;
      out.push(this.keyCommitment.slice());
    }
    const cs = this.chunkSize;
    let off = 0;
    while (off < data.length) {
      if (this.filled === cs) {
        out.push(await this.seal(this.buffer, false));
        this.filled = 0;
      }
      // Fast path: whole chunks straight from the input (no copy) while more input follows them.
      if (this.filled === 0 && data.length - off > cs) {
        out.push(await this.seal(data.subarray(off, off + cs), false));
        off += cs;
        continue;
      }
      const n = Math.min(cs - this.filled, data.length - off);
      this.buffer.set(data.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
    }
    return out;
  }

  /** Seals the last chunk (flag 1; empty only for an empty file) and returns the descriptor fields. */
  async finish(): Promise<{ chunks: Uint8Array[]; attachment: EncryptedAttachment }> {
    if (this.done) throw new TypeError('finish called twice');
    this.done = true;
    const chunks: Uint8Array[] = [];
    if (!this.started) {
      this.started = true;
      chunks.push(this.keyCommitment.slice());
    }
    chunks.push(await this.seal(this.buffer.subarray(0, this.filled), true));
    this.buffer.fill(0);
    const { digest, blobLength } = this.digest.finish();
    return {
      chunks,
      attachment: { scheme: ATTACHMENT_SCHEME_CHUNKED_AES_GCM, key: this.key, params: this.params, ciphertextDigest: digest, size: this.size, blobLength },
    };
  }
}

/** Ciphertext pieces in order; `result` settles with the descriptor fields once iteration has finished. */
export interface EncryptingAttachment extends AsyncIterable<Uint8Array> {
  readonly result: Promise<EncryptedAttachment>;
}

/** Streaming encryption of any byte source: `for await (const piece of enc) upload(piece); const a = await enc.result`. */
export function encryptAttachment(source: ByteSource, opts: EncryptOptions = {}): EncryptingAttachment {
  let settle!: { resolve: (a: EncryptedAttachment) => void; reject: (e: unknown) => void };
  const result = new Promise<EncryptedAttachment>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => {}); // the iterator reports the same error; an unread `result` is not an unhandled rejection
  let settled = false;
  async function* run(): AsyncGenerator<Uint8Array> {
    try {
      const enc = await AttachmentEncryptor.create(opts);
      for await (const piece of iterateBytes(source)) yield* await enc.update(piece);
      const { chunks, attachment } = await enc.finish();
      yield* chunks;
      settled = true;
      settle.resolve(attachment);
    } catch (e) {
      settled = true;
      settle.reject(e);
      throw e;
    } finally {
      if (!settled) settle.reject(new TypeError('encryption stopped before the end of the input'));
    }
  }
  const gen = run();
  return { [Symbol.asyncIterator]: () => gen, result };
}

/** Whole-file convenience: the blob in memory (use encryptAttachment for large files). */
export async function encryptAttachmentToBytes(plaintext: ByteSource, opts: EncryptOptions = {}): Promise<{ blob: Uint8Array; attachment: EncryptedAttachment }> {
  const enc = encryptAttachment(plaintext, opts);
  const parts: Uint8Array[] = [];
  for await (const p of enc) parts.push(p);
  return { blob: concatBytes(...parts), attachment: await enc.result };
}

// ---------------------------------------------------------------------------------------------------------
// Decryption

/**
 * Push-style decryptor. Order of checks (§11.5): descriptor → key commitment (before any decryption) →
 * each chunk's GCM tag under its index and last flag (before releasing it) → nothing after the last chunk
 * → size → digest. Plaintext pieces from update() are authentic chunks of *some* blob made under this
 * key; only finish() confirms it is the blob the sender franked: show nothing before finish() returns.
 */
export class AttachmentDecryptor {
  private readonly chunkSize: number;
  private readonly chunks: number;
  private readonly pending: Uint8Array;
  private filled = 0;
  private index = -1; // -1: reading the key commitment
  private readonly digest: DigestBuilder;
  private failed = false;

  private constructor(
    private readonly cipher: ChunkCipher,
    private readonly attachment: AttachmentSecrets,
    private readonly keyCommitment: Uint8Array,
    log2ChunkSize: number,
  ) {
    this.chunkSize = 2 ** log2ChunkSize;
    this.chunks = attachmentChunkCount(attachment.size, log2ChunkSize);
    this.pending = new Uint8Array(Math.min(this.chunkSize, attachment.size) + CHUNK_TAG_LENGTH + KEY_COMMITMENT_LENGTH);
    this.digest = new DigestBuilder(log2ChunkSize, keyCommitment);
  }

  static async create(attachment: AttachmentSecrets, opts: EngineOptions = {}): Promise<AttachmentDecryptor> {
    const p = checkSecrets(attachment);
    const { chunkKey, keyCommitment } = deriveAttachmentKeys(attachment.key, attachment.params, opts.engine);
    const cipher = await chunkCipher(opts.engine ?? defaultEngine(), chunkKey);
    chunkKey.fill(0);
    return new AttachmentDecryptor(cipher, attachment, keyCommitment, p.log2ChunkSize);
  }

  /** Length of the unit being read: the commitment, then each chunk (ciphertext ‖ tag). */
  private expected(): number {
    if (this.index < 0) return KEY_COMMITMENT_LENGTH;
    const remaining = this.attachment.size - this.index * this.chunkSize;
    return Math.min(this.chunkSize, remaining) + CHUNK_TAG_LENGTH;
  }

  private fail(e: AttachmentError): never {
    this.failed = true;
    throw e;
  }

  private async consume(unit: Uint8Array): Promise<Uint8Array | null> {
    if (this.index < 0) {
      // §11.5 step 1: the blob must be committed to exactly this (key, params) — checked before decrypting anything.
      if (!equalBytes(unit, this.keyCommitment)) this.fail(new AttachmentError('key_commitment_mismatch', 'the blob is not committed to this key'));
      this.index = 0;
      return null;
    }
    const last = this.index === this.chunks - 1;
    // SP 800-38D §7.2: the tag is verified before any plaintext is returned. Hashing runs beside it
    // (WebCrypto works off the main thread), so verification costs about one pass, not two.
    const [opened, hashed] = await Promise.allSettled([this.cipher.open(chunkNonce(this.index, last), unit), this.cipher.sha256(unit)]);
    if (opened.status === 'rejected') this.fail(new AttachmentError('chunk_invalid', `chunk ${this.index}${last ? ' (last)' : ''} failed authentication`));
    if (hashed.status === 'rejected') throw hashed.reason;
    const plaintext = opened.value;
    this.digest.addChunk(hashed.value, unit.length);
    this.index++;
    return plaintext;
  }

  /** Feeds ciphertext; returns the plaintext of every chunk completed and authenticated by it. */
  async update(data: Uint8Array): Promise<Uint8Array[]> {
    abytes(data, undefined, 'data');
    if (this.failed) throw new TypeError('decryptor already failed');
    const out: Uint8Array[] = [];
    let off = 0;
    while (off < data.length) {
      if (this.index >= this.chunks) this.fail(new AttachmentError('trailing_data', 'the blob continues after its last chunk'));
      const need = this.expected();
      let unit: Uint8Array;
      if (this.filled === 0 && data.length - off >= need) {
        unit = data.subarray(off, off + need); // fast path: no copy
        off += need;
      } else {
        const n = Math.min(need - this.filled, data.length - off);
        this.pending.set(data.subarray(off, off + n), this.filled);
        this.filled += n;
        off += n;
        if (this.filled < need) break;
        unit = this.pending.subarray(0, need);
        this.filled = 0;
      }
      const pt = await this.consume(unit);
      if (pt) out.push(pt);
    }
    return out;
  }

  /** Confirms the blob was complete and is exactly the one the descriptor's digest names. */
  async finish(): Promise<void> {
    if (this.failed) throw new TypeError('decryptor already failed');
    if (this.index < this.chunks || this.filled !== 0)
      this.fail(new AttachmentError('truncated', `the blob ended in ${this.index < 0 ? 'its key commitment' : `chunk ${this.index} of ${this.chunks}`}`));
    const { digest } = this.digest.finish();
    if (!equalBytes(digest, this.attachment.ciphertextDigest)) this.fail(new AttachmentError('digest_mismatch', 'the blob is not the one the descriptor names'));
    this.failed = true; // single use
  }
}

/**
 * Streaming decryption: yields authenticated plaintext chunks and throws AttachmentError on the first
 * failure, at the latest after the last chunk (digest). Treat everything yielded as provisional until
 * the loop has ended without an error (write it to a buffer or file, render afterwards).
 */
export async function* decryptAttachment(attachment: AttachmentSecrets, source: ByteSource, opts: EngineOptions = {}): AsyncGenerator<Uint8Array> {
  const dec = await AttachmentDecryptor.create(attachment, opts);
  for await (const piece of iterateBytes(source)) yield* await dec.update(piece);
  await dec.finish();
}

/** Digest of a blob under the given params, without the key (servers check stored blobs with it). */
export async function attachmentDigest(params: Uint8Array, blob: ByteSource, opts: EngineOptions = {}): Promise<{ digest: Uint8Array; blobLength: number }> {
  const { log2ChunkSize } = decodeAttachmentParams(params);
  const cipher = await chunkCipher(opts.engine ?? defaultEngine(), new Uint8Array(32));
  const unit = 2 ** log2ChunkSize + CHUNK_TAG_LENGTH;
  const commitment = new Uint8Array(KEY_COMMITMENT_LENGTH);
  let haveCommitment = 0;
  let builder: DigestBuilder | null = null;
  const pending = new Uint8Array(unit);
  let filled = 0;
  for await (const piece of iterateBytes(blob)) {
    let off = 0;
    if (haveCommitment < KEY_COMMITMENT_LENGTH) {
      const n = Math.min(KEY_COMMITMENT_LENGTH - haveCommitment, piece.length);
      commitment.set(piece.subarray(0, n), haveCommitment);
      haveCommitment += n;
      off = n;
      if (haveCommitment === KEY_COMMITMENT_LENGTH) builder = new DigestBuilder(log2ChunkSize, commitment);
    }
    while (off < piece.length && builder) {
      const n = Math.min(unit - filled, piece.length - off);
      pending.set(piece.subarray(off, off + n), filled);
      filled += n;
      off += n;
      if (filled === unit) {
        builder.addChunk(await cipher.sha256(pending), unit);
        filled = 0;
      }
    }
  }
  if (!builder) throw new AttachmentError('truncated', 'the blob is shorter than its key commitment');
  // The last chunk is the remainder (at least a tag); a blob ending on a chunk boundary has its last chunk full.
  if (filled > 0) {
    if (filled < CHUNK_TAG_LENGTH) throw new AttachmentError('truncated', 'the last chunk is shorter than a tag');
    builder.addChunk(await cipher.sha256(pending.subarray(0, filled)), filled);
  }
  return builder.finish();
}

/**
 * Whole-blob decryption with every check done before any plaintext is returned. Given the blob as one
 * array it checks the key commitment and the digest first, then decrypts (verify before use).
 */
export async function decryptAttachmentToBytes(attachment: AttachmentSecrets, blob: ByteSource, opts: EngineOptions = {}): Promise<Uint8Array> {
  const p = checkSecrets(attachment);
  if (blob instanceof Uint8Array) {
    if (blob.length < attachmentBlobLength(attachment.size, p.log2ChunkSize)) {
      const { keyCommitment } = deriveAttachmentKeys(attachment.key, attachment.params);
      if (blob.length >= KEY_COMMITMENT_LENGTH && !equalBytes(blob.subarray(0, KEY_COMMITMENT_LENGTH), keyCommitment))
        throw new AttachmentError('key_commitment_mismatch', 'the blob is not committed to this key');
      throw new AttachmentError('truncated', `the blob has ${blob.length} bytes, the descriptor implies ${attachmentBlobLength(attachment.size, p.log2ChunkSize)}`);
    }
  }
  const parts: Uint8Array[] = [];
  for await (const piece of decryptAttachment(attachment, blob, opts)) parts.push(piece);
  return concatBytes(...parts);
}


function isReadableStream(s: unknown): s is ReadableStream<Uint8Array> {
  return typeof s === 'object' && s !== null && typeof (s as ReadableStream).getReader === 'function';
}

/** Normalises a ByteSource; every piece must be a Uint8Array (TypeError otherwise). */
export async function* iterateBytes(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  if (isReadableStream(source)) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield abytes(value, undefined, 'stream chunk');
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (typeof source !== 'object' || source === null || !(Symbol.asyncIterator in source || Symbol.iterator in source))
    throw new TypeError('source: expected Uint8Array, iterable, async iterable or ReadableStream');
  for await (const piece of source as AsyncIterable<Uint8Array>) yield abytes(piece, undefined, 'source chunk');
}
