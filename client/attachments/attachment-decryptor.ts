// Attachment decryption, scheme 1 (docs/PROTOCOL.md §11.4–§11.5): AttachmentDecryptor (push-style, checks in
// §11.5's order: descriptor, key commitment, each chunk's tag, trailing data, size, digest) and its streaming
// wrappers decryptAttachment and decryptAttachmentToBytes; attachmentDigest, the §11.4 digest of a stored blob
// without its key (servers check blobs with it). Params, keys and nonces: attachment-params.ts.
import { type ChunkCipher, chunkCipher, defaultEngine } from './_attachment-engine.ts';
import { DigestBuilder } from './_attachment-digest.ts';
import { iterateBytes } from './_byte-source.ts';
import { abytes, concatBytes, equalBytes } from '../crypto/_bytes.ts';
import { AttachmentError } from './attachment-errors.ts';
import {
  ATTACHMENT_KEY_LENGTH, ATTACHMENT_SCHEME_CHUNKED_AES_GCM, type AttachmentParams, type AttachmentSecrets, attachmentBlobLength, attachmentChunkCount,
  type ByteSource, CHUNK_TAG_LENGTH, chunkNonce, decodeAttachmentParams, deriveAttachmentKeys, type EngineOptions, KEY_COMMITMENT_LENGTH, MAX_CHUNKS,
} from './attachment-params.ts';

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
