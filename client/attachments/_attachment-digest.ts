// The blob digest of attachment scheme 1 (docs/PROTOCOL.md §11.4), built one chunk at a time: shared by
// the encryptor, the decryptor and the keyless attachmentDigest. SDK-internal.
import { sha256 } from '@noble/hashes/sha2.js';
import { ATTACHMENT_DIGEST_LABEL, KEY_COMMITMENT_LENGTH } from './attachment-params.ts';

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, Math.floor(n / 2 ** 32));
  v.setUint32(4, n >>> 0);
  return b;
}

/** §11.4 digest: SHA-256 over the label, chunk size, commitment, per-chunk SHA-256 and the blob length. */
export class DigestBuilder {
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
