// Attachment encryption, scheme 1 (docs/PROTOCOL.md §11.1–§11.4): AttachmentEncryptor (push-style, holds at
// most one chunk) and its streaming wrappers, encryptAttachment (any ByteSource, any size) and
// encryptAttachmentToBytes (the whole blob in memory). Params, keys and nonces: attachment-params.ts.
import { type ChunkCipher, chunkCipher, defaultEngine } from './_attachment-engine.ts';
import { DigestBuilder } from './_attachment-digest.ts';
import { iterateBytes } from './_byte-source.ts';
import { abytes, concatBytes } from '../crypto/_bytes.ts';
import { pooledRandomBytes } from '../crypto/_random.ts';
import { AttachmentError } from './attachment-errors.ts';
import {
  ATTACHMENT_KEY_LENGTH, ATTACHMENT_SALT_LENGTH, ATTACHMENT_SCHEME_CHUNKED_AES_GCM, type ByteSource, chunkNonce, DEFAULT_LOG2_CHUNK_SIZE,
  deriveAttachmentKeys, encodeAttachmentParams, type EncryptedAttachment, type EncryptOptions, MAX_CHUNKS,
} from './attachment-params.ts';

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
