// test/vectors/attachments.json (attachment scheme 1, docs/PROTOCOL.md §11), checked three ways: the
// library with the WebCrypto engine, the library with the pure-JS noble engine (both must produce the
// same bytes), and an independent re-derivation from the spec text with WebCrypto only (HMAC, AES-GCM,
// SHA-256) that shares no code with client/attachments/. Runs unchanged in Node and in Chromium.
import { describe, expect, inject, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  AttachmentDecryptor,
  type AttachmentEngineName,
  AttachmentError,
  type AttachmentErrorCode,
  type AttachmentSecrets,
  attachmentDigest,
  decryptAttachment,
  decryptAttachmentToBytes,
  encryptAttachment,
  encryptAttachmentToBytes,
} from '../../client/protocol.ts';
import { SYNC } from './_providers.ts';
import vectorFile from '../vectors/attachments.json';

type Vector = (typeof vectorFile.vectors)[number] & { blob?: string; blobSha256?: string };
const vectors = vectorFile.vectors as Vector[];
// The two built-in engines plus every synchronous crypto provider of the runtime (node:crypto's AES-GCM in Node).
const engines: [string, AttachmentEngineName][] = [['webcrypto', 'webcrypto'], ['noble', 'noble'], ...SYNC.map((p): [string, AttachmentEngineName] => [`provider ${p.name}`, p])];

const det = (purpose: string, i: number, length: number): Uint8Array => {
  const out = new Uint8Array(length);
  for (let block = 0, off = 0; off < length; block++, off += 32) {
    const d = sha256(utf8ToBytes(`franking-chat attachment vectors\0${purpose}\0${i}\0${block}`));
    out.set(d.subarray(0, Math.min(32, length - off)), off);
  }
  return out;
};
const plaintextOf = (v: Vector) => det(v.plaintext.purpose, v.plaintext.index, v.plaintext.size);
const secretsOf = (v: Vector): AttachmentSecrets => ({
  scheme: 1, key: hexToBytes(v.key), params: hexToBytes(v.params), ciphertextDigest: hexToBytes(v.ciphertextDigest), size: v.plaintext.size,
});
const blobMatches = (v: Vector, blob: Uint8Array) => (v.blob !== undefined ? bytesToHex(blob) === v.blob : bytesToHex(sha256(blob)) === v.blobSha256);

/** Deterministic piece sizes (1 … 5000 bytes) to feed streams in awkward splits. */
function* pieces(bytes: Uint8Array, seed: number): Generator<Uint8Array> {
  let off = 0;
  let x = seed;
  while (off < bytes.length) {
    x = (x * 1103515245 + 12345) >>> 0;
    const n = 1 + (x % 5000);
    yield bytes.subarray(off, off + n);
    off += n;
  }
}

async function expectCode(p: Promise<unknown>, code: AttachmentErrorCode): Promise<void> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(AttachmentError.is(e), `expected AttachmentError(${code}), got ${String(e)}`).toBe(true);
  expect((e as AttachmentError).code).toBe(code);
}

// ---- independent implementation from the spec text (WebCrypto only) ----
const subtle = globalThis.crypto.subtle;
const ab = (u: Uint8Array) => u as Uint8Array<ArrayBuffer>;
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
};
async function specHmac(key: Uint8Array, msg: Uint8Array) {
  const k = await subtle.importKey('raw', ab(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, ab(msg)));
}
const specSha = async (m: Uint8Array) => new Uint8Array(await subtle.digest('SHA-256', ab(m)));
async function specDecrypt(v: Vector, blob: Uint8Array): Promise<Uint8Array> {
  const key = hexToBytes(v.key);
  const params = cat(Uint8Array.of(v.log2ChunkSize), hexToBytes(v.salt));
  expect(bytesToHex(params)).toBe(v.params);
  const chunkKey = await specHmac(key, cat(utf8ToBytes('franking-chat/v1/attachment-key\0'), params));
  const commitment = await specHmac(key, cat(utf8ToBytes('franking-chat/v1/attachment-commit\0'), params));
  expect(bytesToHex(chunkKey)).toBe(v.chunkKey);
  expect(bytesToHex(commitment)).toBe(v.keyCommitment);
  expect(bytesToHex(blob.subarray(0, 32))).toBe(v.keyCommitment);
  const gcmKey = await subtle.importKey('raw', ab(chunkKey), 'AES-GCM', false, ['decrypt']);
  const chunk = 2 ** v.log2ChunkSize;
  const n = Math.max(1, Math.ceil(v.plaintext.size / chunk));
  const hashes: Uint8Array[] = [];
  const out: Uint8Array[] = [];
  let off = 32;
  for (let i = 0; i < n; i++) {
    const len = Math.min(chunk, v.plaintext.size - i * chunk) + 16;
    const c = blob.subarray(off, off + len);
    off += len;
    const nonce = new Uint8Array(12);
    nonce[7] = (i >>> 24) & 0xff;
    nonce[8] = (i >>> 16) & 0xff;
    nonce[9] = (i >>> 8) & 0xff;
    nonce[10] = i & 0xff;
    nonce[11] = i === n - 1 ? 1 : 0;
    out.push(new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce }, gcmKey, ab(c))));
    hashes.push(await specSha(c));
  }
  expect(off).toBe(blob.length);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setUint32(0, Math.floor(blob.length / 2 ** 32));
  new DataView(len.buffer).setUint32(4, blob.length >>> 0);
  const digest = await specSha(cat(utf8ToBytes('franking-chat/v1/attachment-digest\0'), Uint8Array.of(v.log2ChunkSize), commitment, ...hashes, len));
  expect(bytesToHex(digest)).toBe(v.ciphertextDigest);
  return cat(...out);
}

describe(`attachment vectors (${inject('runtime')})`, () => {
  it('the file has the cases the spec discusses', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(8);
    expect(vectors.some((v) => v.plaintext.size === 0)).toBe(true);
    expect(vectors.some((v) => v.plaintext.size > 0 && v.plaintext.size % 2 ** v.log2ChunkSize === 0)).toBe(true);
  });

  describe.each(engines)('engine %s', (_engineName, engine) => {
    it.each(vectors.map((v) => [v.name, v] as const))('encrypts %s to the vector bytes and decrypts it back', async (_name, v) => {
      const plaintext = plaintextOf(v);
      const { blob, attachment } = await encryptAttachmentToBytes(plaintext, { engine, key: hexToBytes(v.key), salt: hexToBytes(v.salt), log2ChunkSize: v.log2ChunkSize });
      expect(blobMatches(v, blob)).toBe(true);
      expect(blob.length).toBe(v.blobLength);
      expect(attachment.blobLength).toBe(v.blobLength);
      expect(bytesToHex(attachment.params)).toBe(v.params);
      expect(bytesToHex(attachment.ciphertextDigest)).toBe(v.ciphertextDigest);
      expect(attachment.size).toBe(v.plaintext.size);
      expect(bytesToHex(await decryptAttachmentToBytes(secretsOf(v), blob, { engine }))).toBe(bytesToHex(plaintext));
      expect(bytesToHex((await attachmentDigest(attachment.params, pieces(blob, 7), { engine })).digest)).toBe(v.ciphertextDigest);
    });

    it('streams in arbitrary piece sizes: same bytes out, same plaintext back', async () => {
      const v = vectors.find((x) => x.plaintext.size === 10_240) as Vector;
      const plaintext = plaintextOf(v);
      const enc = encryptAttachment(pieces(plaintext, 1), { engine, key: hexToBytes(v.key), salt: hexToBytes(v.salt), log2ChunkSize: v.log2ChunkSize });
      const parts: Uint8Array[] = [];
      for await (const p of enc) parts.push(p);
      const blob = cat(...parts);
      expect(blobMatches(v, blob)).toBe(true);
      expect(bytesToHex((await enc.result).ciphertextDigest)).toBe(v.ciphertextDigest);
      const out: Uint8Array[] = [];
      for await (const p of decryptAttachment(secretsOf(v), pieces(blob, 2), { engine })) out.push(p);
      expect(bytesToHex(cat(...out))).toBe(bytesToHex(plaintext));
      // one byte at a time through the push API
      const dec = await AttachmentDecryptor.create(secretsOf(v), { engine });
      const slow: Uint8Array[] = [];
      for (let i = 0; i < blob.length; i++) slow.push(...(await dec.update(blob.subarray(i, i + 1))));
      await dec.finish();
      expect(bytesToHex(cat(...slow))).toBe(bytesToHex(plaintext));
    });

    it('rejects every mutation of a vector blob with its code', async () => {
      const v = vectors.find((x) => x.plaintext.size === 10_240) as Vector;
      const { blob } = await encryptAttachmentToBytes(plaintextOf(v), { engine, key: hexToBytes(v.key), salt: hexToBytes(v.salt), log2ChunkSize: v.log2ChunkSize });
      const s = secretsOf(v);
      const chunkAt = [32, 32 + 4112, 32 + 2 * 4112];
      const flip = (at: number) => {
        const b = blob.slice();
        b[at] = (b[at] as number) ^ 1;
        return b;
      };
      const otherKey = hexToBytes(v.key).map((x, i) => (i === 0 ? x ^ 0x80 : x));
      await expectCode(decryptAttachmentToBytes({ ...s, key: otherKey }, blob, { engine }), 'key_commitment_mismatch');
      await expectCode(decryptAttachmentToBytes(s, flip(5), { engine }), 'key_commitment_mismatch');
      await expectCode(decryptAttachmentToBytes(s, flip(40), { engine }), 'chunk_invalid');
      await expectCode(decryptAttachmentToBytes(s, flip(blob.length - 1), { engine }), 'chunk_invalid');
      const swapped = cat(blob.subarray(0, 32), blob.subarray(chunkAt[1], chunkAt[2]), blob.subarray(chunkAt[0], chunkAt[1]), blob.subarray(chunkAt[2] as number));
      await expectCode(decryptAttachmentToBytes(s, swapped, { engine }), 'chunk_invalid');
      await expectCode(decryptAttachmentToBytes(s, blob.subarray(0, blob.length - 1), { engine }), 'truncated');
      await expectCode(decryptAttachmentToBytes(s, cat(blob, Uint8Array.of(0)), { engine }), 'trailing_data');
      await expectCode(decryptAttachmentToBytes({ ...s, ciphertextDigest: new Uint8Array(32) }, blob, { engine }), 'digest_mismatch');
      await expectCode(decryptAttachmentToBytes({ ...s, scheme: 2 }, blob, { engine }), 'unsupported_scheme');
      await expectCode(decryptAttachmentToBytes({ ...s, params: s.params.subarray(1) }, blob, { engine }), 'malformed');
      await expectCode(decryptAttachmentToBytes({ ...s, size: s.size - 1 }, blob, { engine }), 'chunk_invalid');
    });
  });

  it.each(vectors.filter((v) => v.plaintext.size <= 200_000).map((v) => [v.name, v] as const))(
    'spec re-derivation with WebCrypto alone: %s',
    async (_name, v) => {
      const blob = v.blob !== undefined ? hexToBytes(v.blob) : (await encryptAttachmentToBytes(plaintextOf(v), { engine: 'noble', key: hexToBytes(v.key), salt: hexToBytes(v.salt), log2ChunkSize: v.log2ChunkSize })).blob;
      expect(blobMatches(v, blob)).toBe(true);
      expect(bytesToHex(await specDecrypt(v, blob))).toBe(bytesToHex(plaintextOf(v)));
    },
  );
});

describe('blobs shorter than the key commitment (§11.5 step 2)', () => {
  it.each([0, 1, 31])('a %i-byte blob is truncated in every API, whatever its bytes', async (n) => {
    const v = vectors.find((x) => x.plaintext.size === 10_240) as Vector;
    const s = secretsOf(v);
    const blob = crypto.getRandomValues(new Uint8Array(n));
    await expectCode(decryptAttachmentToBytes(s, blob), 'truncated');
    await expectCode(decryptAttachmentToBytes(s, pieces(blob, 1)), 'truncated');
    await expectCode(attachmentDigest(s.params, pieces(blob, 3)), 'truncated');
    const dec = await AttachmentDecryptor.create(s);
    await dec.update(blob);
    await expectCode(dec.finish(), 'truncated');
  });
});
