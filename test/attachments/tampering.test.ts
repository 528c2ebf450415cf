// Every way to change an attachment blob or pair it with another descriptor is rejected (docs/PROTOCOL.md
// §11.7): bit flips anywhere (property test), truncation at and between chunk boundaries, dropping the last
// chunk even with a descriptor rewritten to match, chunk reordering, duplication and extension, and reuse
// of one uploaded blob under two descriptors. Both engines.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttachmentEngineName,
  AttachmentError,
  type AttachmentErrorCode,
  type AttachmentSecrets,
  attachmentDigest,
  decryptAttachment,
  decryptAttachmentToBytes,
  encryptAttachmentToBytes,
} from '../../client/protocol.ts';

const LOG2 = 12;
const CHUNK = 4096 + 16;
const engines: AttachmentEngineName[] = ['webcrypto', 'noble'];

async function fixture(size = 3 * 4096 + 100) {
  const plaintext = new Uint8Array(randomBytes(size));
  const { blob, attachment } = await encryptAttachmentToBytes(plaintext, { log2ChunkSize: LOG2 });
  return { plaintext, blob, attachment };
}
const cat = (...p: Uint8Array[]) => new Uint8Array(Buffer.concat(p));
const chunk = (blob: Uint8Array, i: number) => blob.subarray(32 + i * CHUNK, Math.min(blob.length, 32 + (i + 1) * CHUNK));
async function code(p: Promise<unknown>): Promise<AttachmentErrorCode | 'accepted'> {
  try {
    await p;
    return 'accepted';
  } catch (e) {
    if (AttachmentError.is(e)) return e.code;
    throw e;
  }
}
/** The strongest forger: rewrites the descriptor's digest (and size) to match the forged bytes. */
const rewritten = async (a: AttachmentSecrets, blob: Uint8Array, size = a.size): Promise<AttachmentSecrets> => ({
  ...a, size, ciphertextDigest: (await attachmentDigest(a.params, blob)).digest,
});

describe.each(engines)('tampering (%s)', (engine) => {
  it('any single bit flip anywhere in the blob is rejected', async () => {
    const { blob, attachment } = await fixture();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: blob.length * 8 - 1 }), fc.boolean(), async (bit, fixDigest) => {
        const b = blob.slice();
        b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
        const d = fixDigest ? await rewritten(attachment, b) : attachment;
        const c = await code(decryptAttachmentToBytes(d, b, { engine }));
        // With the original descriptor the digest alone catches it; with a rewritten digest the commitment or GCM does.
        expect(['key_commitment_mismatch', 'chunk_invalid', 'digest_mismatch']).toContain(c);
        if (fixDigest) expect(c).toBe(bit < 256 ? 'key_commitment_mismatch' : 'chunk_invalid');
      }),
      { numRuns: engine === 'noble' ? 40 : 150 },
    );
  });

  it('truncation: inside a chunk, at a chunk boundary, and the last chunk dropped with a matching descriptor', async () => {
    const { blob, attachment } = await fixture();
    for (const cut of [0, 31, 32, 33, 32 + CHUNK - 1, 32 + CHUNK, 32 + 3 * CHUNK, blob.length - 1])
      expect(await code(decryptAttachmentToBytes(attachment, blob.subarray(0, cut), { engine }))).toBe('truncated');
    // Drop the last (100-byte) chunk and claim a 3-chunk file with a digest that matches: the last-chunk flag refuses it.
    const three = blob.subarray(0, 32 + 3 * CHUNK);
    expect(await code(decryptAttachmentToBytes(await rewritten(attachment, three, 3 * 4096), three, { engine }))).toBe('chunk_invalid');
  });

  it('streaming: a truncated stream fails at the end, after releasing only authenticated chunks', async () => {
    const { plaintext, blob, attachment } = await fixture();
    const released: Uint8Array[] = [];
    const e = await (async () => {
      for await (const p of decryptAttachment(attachment, blob.subarray(0, 32 + 2 * CHUNK + 5), { engine })) released.push(p);
    })().catch((x: unknown) => x);
    expect(AttachmentError.is(e, 'truncated')).toBe(true);
    expect(Buffer.from(cat(...released)).equals(Buffer.from(plaintext.subarray(0, 2 * 4096)))).toBe(true);
  });

  it('reordering, duplication and extension of chunks', async () => {
    const { blob, attachment } = await fixture();
    const head = blob.subarray(0, 32);
    const [c0, c1, c2, c3] = [0, 1, 2, 3].map((i) => chunk(blob, i)) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const forgeries: Array<[string, Uint8Array, number]> = [
      ['swap 0 and 1', cat(head, c1, c0, c2, c3), attachment.size],
      ['swap 1 and 2', cat(head, c0, c2, c1, c3), attachment.size],
      ['duplicate 0 over 1', cat(head, c0, c0, c2, c3), attachment.size],
      ['duplicate 1, drop 2', cat(head, c0, c1, c1, c3), attachment.size],
      ['drop chunk 1', cat(head, c0, c2, c3), attachment.size - 4096],
      ['append a copy of chunk 2 before the last', cat(head, c0, c1, c2, c2, c3), attachment.size + 4096],
      ['last chunk first', cat(head, c3, c1, c2), 2 * 4096 + 100],
    ];
    for (const [name, forged, size] of forgeries) {
      expect(await code(decryptAttachmentToBytes(attachment, forged, { engine })), name).not.toBe('accepted');
      expect(await code(decryptAttachmentToBytes(await rewritten(attachment, forged, size), forged, { engine })), `${name} (digest rewritten)`).toBe('chunk_invalid');
    }
    expect(await code(decryptAttachmentToBytes(attachment, cat(blob, c3), { engine }))).toBe('trailing_data');
  });
});

describe('one uploaded blob under two descriptors', () => {
  it('another key, another salt, another chunk size, another size: all rejected; only media type/blob id may differ', async () => {
    const { plaintext, blob, attachment } = await fixture(10_000);
    const other = await encryptAttachmentToBytes(plaintext, { log2ChunkSize: LOG2 });
    const otherChunk = await encryptAttachmentToBytes(plaintext, { key: attachment.key, salt: attachment.params.subarray(1), log2ChunkSize: 13 });
    const attempts: Array<[string, AttachmentSecrets, AttachmentErrorCode]> = [
      ['a different key', { ...attachment, key: other.attachment.key }, 'key_commitment_mismatch'],
      ['same key, different salt', { ...attachment, params: other.attachment.params }, 'key_commitment_mismatch'],
      ['same key and salt, different chunk size', { ...attachment, params: otherChunk.attachment.params }, 'key_commitment_mismatch'],
      ['another blob digest', { ...attachment, ciphertextDigest: other.attachment.ciphertextDigest }, 'digest_mismatch'],
    ];
    for (const [name, d, expected] of attempts) {
      expect(await code(decryptAttachmentToBytes(d, blob)), name).toBe(expected);
      expect(await code(decryptAttachmentToBytes(await rewritten(d, blob), blob)), `${name} (digest rewritten)`).toBe(expected === 'digest_mismatch' ? 'accepted' : expected);
    }
    for (const size of [0, 1, 9_999, 10_001, 20_000])
      expect(await code(decryptAttachmentToBytes(await rewritten(attachment, blob, size), blob)), `size ${size}`).not.toBe('accepted');
    // The same (key, params, digest, size) always decrypts to the same bytes: two descriptors that both
    // open one blob can differ only in blobId and mediaType, which the franked header shows to everyone alike.
    const a = await decryptAttachmentToBytes(attachment, blob, { engine: 'webcrypto' });
    const b = await decryptAttachmentToBytes(attachment, blob, { engine: 'noble' });
    expect(Buffer.from(a).equals(Buffer.from(plaintext)) && Buffer.from(b).equals(Buffer.from(plaintext))).toBe(true);
  });

  it('re-encrypting with the descriptor key and params reproduces the blob byte for byte (reporters can rebuild evidence)', async () => {
    const { plaintext, blob, attachment } = await fixture(50_000);
    const again = await encryptAttachmentToBytes(plaintext, { key: attachment.key, salt: attachment.params.subarray(1), log2ChunkSize: LOG2, engine: 'noble' });
    expect(Buffer.from(again.blob).equals(Buffer.from(blob))).toBe(true);
    expect(Buffer.from(again.attachment.ciphertextDigest).equals(Buffer.from(attachment.ciphertextDigest))).toBe(true);
  });
});
