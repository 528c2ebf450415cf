// Invisible salamanders against the raw AEAD, and why scheme 1 stops them (docs/PROTOCOL.md §11.7).
// We build real AES-GCM ciphertexts that authenticate under 2 and under 4 different keys (the keys are the
// chunk keys scheme 1 derives from 2 or 4 attachment keys, so the collision goes through our own chunk
// layer), show that plain AES-GCM — WebCrypto and noble alike — opens them under every key to different
// plaintexts, and that decryptAttachment accepts each blob under exactly the key it commits to.
import { randomBytes } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import {
  type AttachmentEngineName,
  AttachmentError,
  type AttachmentSecrets,
  attachmentDigest,
  chunkNonce,
  decryptAttachmentToBytes,
  deriveAttachmentKeys,
  encodeAttachmentParams,
  xchacha20poly1305Aead,
} from '../../client/protocol.ts';
import { ONE, fromBig, gcmTag, gfInv, gfMul, multiKeyCollision, toBig } from './_gcm-collision.ts';
import { twoKeyPoly1305Collision } from './_poly1305-collision.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const pad16 = (b: Uint8Array) => {
  const out = new Uint8Array(Math.ceil(b.length / 16) * 16).fill(0x20);
  out.set(b);
  return out;
};
const engines: AttachmentEngineName[] = ['webcrypto', 'noble'];

async function webGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  const ab = (u: Uint8Array) => new Uint8Array(u) as Uint8Array<ArrayBuffer>;
  const k = await crypto.subtle.importKey('raw', ab(key), 'AES-GCM', false, ['decrypt']);
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ab(nonce) }, k, ab(sealed)));
}

/** A scheme-1 blob built around a GCM collision: n attachment keys, one shared params, one colliding chunk. */
async function salamander(contents: string[]) {
  const params = encodeAttachmentParams({ log2ChunkSize: 16, salt: randomBytes(16) });
  const keys = contents.map(() => new Uint8Array(randomBytes(32)));
  const derived = keys.map((k) => deriveAttachmentKeys(k, params));
  const nonce = chunkNonce(0, true); // a single-chunk attachment: chunk 0 is the last
  const collision = multiKeyCollision(derived.map((d) => d.chunkKey), nonce, contents.map((c) => pad16(utf8(c))));
  /** The blob committed to key b, and the best descriptor an attacker can write for it with any key. */
  const blobFor = (b: number) => {
    const blob = new Uint8Array(32 + collision.sealed.length);
    blob.set((derived[b] as { keyCommitment: Uint8Array }).keyCommitment);
    blob.set(collision.sealed, 32);
    return blob;
  };
  const descriptor = async (keyIndex: number, blob: Uint8Array): Promise<AttachmentSecrets> => ({
    scheme: 1, key: keys[keyIndex] as Uint8Array, params, size: collision.sealed.length - 16,
    ciphertextDigest: (await attachmentDigest(params, blob)).digest,
  });
  return { params, keys, derived, nonce, collision, blobFor, descriptor };
}

describe('GF(2^128) and GHASH (the attack toolkit is right)', () => {
  it('inverse and multiplication agree', () => {
    for (let i = 0; i < 5; i++) {
      const a = toBig(randomBytes(16)) | 1n;
      expect(gfMul(a, gfInv(a))).toBe(ONE);
      expect(gfMul(a, ONE)).toBe(a);
    }
  });
  it('our GHASH tag equals real AES-GCM tags', () => {
    for (let m = 1; m <= 4; m++) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const sealed = gcm(key, nonce).encrypt(randomBytes(16 * m));
      const blocks = Array.from({ length: m }, (_, i) => toBig(sealed.subarray(16 * i, 16 * i + 16)));
      expect(Buffer.from(fromBig(gcmTag(key, nonce, blocks))).toString('hex')).toBe(Buffer.from(sealed.subarray(16 * m)).toString('hex'));
    }
  });
});

describe('two-key collision (Dodis–Grubbs–Ristenpart–Woodage 2018)', () => {
  const BENIGN = 'A photo of my cat. Nothing to see here, moderator.';
  const ABUSIVE = 'ABUSIVE CONTENT: the file the recipient was meant to see.';

  it('plain AES-GCM opens the same ciphertext under both keys, to different plaintexts (WebCrypto and noble)', async () => {
    const s = await salamander([BENIGN, ABUSIVE]);
    const [k0, k1] = s.derived.map((d) => d.chunkKey) as [Uint8Array, Uint8Array];
    const p0 = await webGcmOpen(k0, s.nonce, s.collision.sealed);
    const p1 = await webGcmOpen(k1, s.nonce, s.collision.sealed);
    expect(Buffer.from(p0).equals(Buffer.from(p1))).toBe(false);
    expect(new TextDecoder().decode(p0)).toContain(BENIGN);
    expect(new TextDecoder().decode(p1)).toContain(ABUSIVE);
    expect(Buffer.from(gcm(k0, s.nonce).decrypt(s.collision.sealed)).equals(Buffer.from(p0))).toBe(true);
    expect(Buffer.from(gcm(k1, s.nonce).decrypt(s.collision.sealed)).equals(Buffer.from(p1))).toBe(true);
  });

  it.each(engines)('scheme 1 (%s) opens each blob only under the key it commits to', async (engine) => {
    const s = await salamander([BENIGN, ABUSIVE]);
    for (const committed of [0, 1]) {
      const blob = s.blobFor(committed);
      const ok = await decryptAttachmentToBytes(await s.descriptor(committed, blob), blob, { engine });
      expect(Buffer.from(ok).equals(Buffer.from(s.collision.plaintexts[committed] as Uint8Array))).toBe(true);
      // The other key, with a descriptor whose digest is exactly right for these bytes: refused before any decryption.
      const other = 1 - committed;
      const e = await decryptAttachmentToBytes(await s.descriptor(other, blob), blob, { engine }).catch((x: unknown) => x);
      expect(AttachmentError.is(e, 'key_commitment_mismatch')).toBe(true);
    }
  });
});

describe('multi-key collision (Len–Grubbs–Ristenpart 2021)', () => {
  const CONTENTS = ['file for key zero', 'file for key one', 'file for key two', 'file for key three'];

  it('one ciphertext authenticates under four keys with plain AES-GCM', async () => {
    const s = await salamander(CONTENTS);
    const outs = await Promise.all(s.derived.map((d) => webGcmOpen(d.chunkKey, s.nonce, s.collision.sealed)));
    expect(new Set(outs.map((o) => Buffer.from(o).toString('hex'))).size).toBe(4);
    outs.forEach((o, j) => expect(new TextDecoder().decode(o)).toContain(CONTENTS[j]));
  });

  it.each(engines)('scheme 1 (%s): for every committed key, every other key is rejected', async (engine) => {
    const s = await salamander(CONTENTS);
    for (let committed = 0; committed < 4; committed++) {
      const blob = s.blobFor(committed);
      for (let key = 0; key < 4; key++) {
        const attempt = decryptAttachmentToBytes(await s.descriptor(key, blob), blob, { engine });
        if (key === committed) expect(new TextDecoder().decode(await attempt)).toContain(CONTENTS[key]);
        else expect(AttachmentError.is(await attempt.catch((x: unknown) => x), 'key_commitment_mismatch')).toBe(true);
      }
    }
  });
});

describe('ChaCha20-Poly1305 is not key-committing either (Len–Grubbs–Ristenpart, Poly1305)', () => {
  it('one XChaCha20-Poly1305 ciphertext opens under two keys — the session AEAD too; hence explicit commitments', () => {
    const keys: [Uint8Array, Uint8Array] = [new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(32))];
    const nonce = new Uint8Array(randomBytes(24));
    const c = twoKeyPoly1305Collision(keys, nonce, [pad16(utf8('benign text for key one')), pad16(utf8('ABUSIVE text for key two'))]);
    const p0 = xchacha20poly1305(keys[0], nonce).decrypt(c.sealed);
    const p1 = xchacha20poly1305(keys[1], nonce).decrypt(c.sealed);
    expect(new TextDecoder().decode(p0)).toContain('benign text for key one');
    expect(new TextDecoder().decode(p1)).toContain('ABUSIVE text for key two');
    // The project's own session-style AEAD wrapper (nonce ‖ ciphertext ‖ tag) opens it under both keys as well.
    const wire = new Uint8Array([...nonce, ...c.sealed]);
    expect(Buffer.from(xchacha20poly1305Aead(keys[0]).open(wire, new Uint8Array(0))).equals(Buffer.from(p0))).toBe(true);
    expect(Buffer.from(xchacha20poly1305Aead(keys[1]).open(wire, new Uint8Array(0))).equals(Buffer.from(p1))).toBe(true);
  });
});
