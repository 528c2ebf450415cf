// test/vectors/history.json (docs/PROTOCOL-devices.md D15, D20), in Node and in Chromium under every crypto provider of
// the runtime (./_providers.ts): the plaintext re-derived from the spec text (its own D15.2/D15.3 encoder, no
// client/devices code), the SDK's encoding and strict decoding, the ciphertext re-encrypted with the fixed key and salt
// (PROTOCOL.md §11, every engine), every negative case of D15.5 steps 1–3 with its error and code, the step 4 drops and
// step 5 skips, and a property test that export → import round-trips.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hexToBytes as bytes, bytesToHex as hex, utf8ToBytes } from '@noble/hashes/utils.js';
import { AttachmentError, type AttachmentEngineName, encryptAttachmentToBytes } from '../../client/attachments/index.ts';
import {
  decodeHistoryArchive, decodeHistoryDescriptor, decryptHistoryArchive, encodeHistoryArchive, encodeHistoryDescriptor, encryptHistoryArchive, type HistoryArchive,
  type HistoryDescriptor, HistoryError, type HistoryRecord, importHistoryRecords, openHistoryArchive, verifyListStep, type VerifiedDeviceList,
} from '../../client/devices/index.ts';
import { SYNC } from './_providers.ts';
import v from '../vectors/history.json';
import dv from '../vectors/devices.json';
import { cat, u as be, str8 as id } from './_spec-encoding.ts';

// --- the spec, written out independently (D15.2, D15.3) ------------------------------------------------------------
const vec32 = (b: Uint8Array) => cat(be(b.length, 4), b);
type RecordJson = (typeof v.archive.records)[number];
const TYPE = { conversation: 1, message: 2, contact: 3, receiveChain: 4, blob: 5 } as Record<string, number>;
function specBody(r: RecordJson): Uint8Array {
  const x = r as Record<string, unknown> & RecordJson;
  switch (x.type) {
    case 'conversation':
      return cat(id(x.conversationId as string), be(x.kind === 'direct' ? 1 : 2, 1), x.kind === 'direct' ? id(x.peerAccountId as string) : new Uint8Array(0), vec32(bytes(x.appData as string)));
    case 'message':
      return cat(be(x.direction === 'received' ? 1 : 2, 1), be(x.deliveredToDeviceId as number, 4), be(x.storedAt as number, 8), be(x.flags as number, 1), vec32(bytes(x.reportItem as string)));
    case 'contact':
      return cat(id(x.accountId as string), be(x.listVersion as number, 8), bytes(x.listHash as string), bytes(x.founderKey as string), be(x.verified ? 1 : 0, 1), be(x.verifiedAt as number, 8));
    case 'receiveChain': {
      const entries = x.entries as { seq: number; commitment: string; prevCommitment: string }[];
      return cat(id(x.conversationId as string), id(x.senderId as string), be(x.senderDeviceId as number, 4), be(x.highestSeq as number, 4), be(entries.length, 2),
        ...entries.map((e) => cat(be(e.seq, 4), bytes(e.commitment), bytes(e.prevCommitment))));
    }
    default:
      return cat(id(x.blobId as string), vec32(bytes(x.ciphertext as string)));
  }
}
const a = v.archive;
const specPlaintext = cat(
  utf8ToBytes('franking-chat/v1/history\0'), be(1, 1), id(a.accountId), be(a.sourceDeviceId, 4), be(a.targetDeviceId, 4), be(a.createdAt, 8), be(a.listVersion, 8), bytes(a.listHash),
  be(a.records.length, 4), ...a.records.map((r) => cat(be(TYPE[r.type]!, 1), vec32(specBody(r)))),
);
const specDescriptor = (d: typeof v.descriptor) =>
  cat(be(1, 1), id(d.accountId), be(d.sourceDeviceId, 4), be(d.targetDeviceId, 4), bytes(d.archiveKey), be(bytes(d.params).length, 1), bytes(d.params), bytes(d.ciphertextDigest), be(d.size, 8),
    be(d.transport === 'blob' ? 1 : 2, 1), d.transport === 'blob' ? id(d.blobId as unknown as string) : new Uint8Array(0));

// --- JSON to SDK values ------------------------------------------------------------------------------------------
function recordOf(r: RecordJson): HistoryRecord {
  const x = r as Record<string, unknown>;
  const out: Record<string, unknown> = { ...x };
  for (const k of ['appData', 'reportItem', 'listHash', 'founderKey', 'ciphertext']) if (typeof x[k] === 'string') out[k] = bytes(x[k]);
  if (x.type === 'receiveChain')
    out.entries = (x.entries as { seq: number; commitment: string; prevCommitment: string }[]).map((e) => ({ seq: e.seq, commitment: bytes(e.commitment), prevCommitment: bytes(e.prevCommitment) }));
  return out as unknown as HistoryRecord;
}
const archive: HistoryArchive = { ...a, listHash: bytes(a.listHash), records: a.records.map(recordOf) };
type DescriptorJson = Omit<typeof v.descriptor, 'blobId'> & { blobId: string | null };
const descriptorOf = (d: DescriptorJson): HistoryDescriptor => ({
  accountId: d.accountId, sourceDeviceId: d.sourceDeviceId, targetDeviceId: d.targetDeviceId, archiveKey: bytes(d.archiveKey), params: bytes(d.params),
  ciphertextDigest: bytes(d.ciphertextDigest), size: d.size, transport: d.transport as 'blob' | 'inline', blobId: d.blobId,
});
const descriptor = descriptorOf(v.descriptor as DescriptorJson);
const alice = dv.scenarios.alice;
function ownLists(): VerifiedDeviceList[] {
  const out: VerifiedDeviceList[] = [];
  for (const l of alice.lists.slice(0, v.ownChain.versions.length)) out.push(verifyListStep(out.at(-1) ?? null, bytes(l.signed), alice.accountId));
  return out;
}
const ctx = { accountId: alice.accountId, deviceId: 2, ownLists: ownLists() };
const errorOf = async (f: () => Promise<unknown>): Promise<string> => {
  try {
    await f();
    return 'accepted';
  } catch (e) {
    if (e instanceof HistoryError || e instanceof AttachmentError) return `${e.name} ${e.code}`;
    throw e;
  }
};

describe('the spec text, independently', () => {
  it('the plaintext is D15.2 over the records of D15.3', () => {
    expect(hex(specPlaintext)).toBe(v.plaintext);
    expect(specPlaintext.length).toBe(v.plaintextLength);
  });
  it('the descriptor is D15.4', () => {
    expect(hex(specDescriptor(v.descriptor))).toBe(v.descriptor.bytes);
  });
  it('the archive holds every record type, 6 messages (a protocol message and own sent ones) and is in D15.2 order', () => {
    expect(a.records.map((r) => TYPE[r.type])).toEqual([3, 3, 1, 1, 4, 2, 2, 2, 2, 2, 2, 5]);
  });
});

describe('the SDK codec', () => {
  it('encodes and decodes the archive and the descriptor byte for byte', () => {
    expect(hex(encodeHistoryArchive(archive))).toBe(v.plaintext);
    expect(decodeHistoryArchive(bytes(v.plaintext))).toEqual(archive);
    expect(hex(encodeHistoryDescriptor(descriptor))).toBe(v.descriptor.bytes);
    expect(decodeHistoryDescriptor(bytes(v.descriptor.bytes))).toEqual(descriptor);
    const viaBlob = { ...descriptor, transport: 'blob' as const, blobId: 'blob-9' };
    expect(decodeHistoryDescriptor(encodeHistoryDescriptor(viaBlob))).toEqual(viaBlob);
  });
  it('skips a record of an unknown type (D15.2 forward compatibility)', () => {
    expect(decodeHistoryArchive(bytes(v.unknownRecord.plaintext))).toEqual(archive);
  });
  it('refuses every truncation of the plaintext and the descriptor (malformed)', () => {
    const p = bytes(v.plaintext);
    for (let n = 0; n < p.length; n += 7) expect(() => decodeHistoryArchive(p.subarray(0, n))).toThrow(HistoryError);
    const d = bytes(v.descriptor.bytes);
    for (let n = 0; n < d.length; n++) expect(() => decodeHistoryDescriptor(d.subarray(0, n))).toThrow(HistoryError);
  });
  it('the encoder refuses what the decoder refuses', () => {
    const bad = (records: HistoryRecord[]) => () => encodeHistoryArchive({ ...archive, records });
    expect(bad([archive.records[5]!, archive.records[0]!])).toThrow(HistoryError);
    expect(bad([{ ...(archive.records[5] as Extract<HistoryRecord, { type: 'message' }>), flags: 4 }])).toThrow(HistoryError);
    expect(() => encodeHistoryArchive({ ...archive, targetDeviceId: archive.sourceDeviceId })).toThrow(HistoryError);
  });
});

const engines: [string, AttachmentEngineName][] = [...SYNC.map((p) => [p.name, p] as [string, AttachmentEngineName]), ['webcrypto', 'webcrypto']];
describe.each(engines)('encryption and import with %s', (_name, engine) => {
  it('re-encrypts to the ciphertext with the fixed key and salt (D15.4)', async () => {
    const { ciphertext, descriptor: d } = await encryptHistoryArchive(archive, { key: bytes(v.key), salt: bytes(v.salt), log2ChunkSize: v.log2ChunkSize, engine });
    expect(hex(ciphertext)).toBe(v.ciphertext);
    expect(d).toEqual(descriptor);
    const raw = await encryptAttachmentToBytes(specPlaintext, { key: bytes(v.key), salt: bytes(v.salt), log2ChunkSize: v.log2ChunkSize, engine });
    expect(hex(raw.blob)).toBe(v.ciphertext);
  });
  it('decrypts, opens and imports every message (D15.5 steps 1–6)', async () => {
    const opened = await decryptHistoryArchive(descriptor, bytes(v.ciphertext), ctx, { engine });
    expect(opened).toEqual(archive);
    const crypto = typeof engine === 'object' ? engine : undefined;
    const result = importHistoryRecords(opened, ctx.accountId, crypto ? { crypto } : {});
    expect(result.messages.map((m) => ({ messageId: m.item.stamp.messageId, direction: m.direction, deliveredToDeviceId: m.deliveredToDeviceId, importedFrom: m.importedFrom }))).toEqual(v.imported);
    expect(result.dropped).toEqual([]);
    expect(result.contacts.length + result.conversations.length + result.receiveChains.length + result.blobs.length).toBe(6);
    expect(importHistoryRecords(opened, ctx.accountId, { isHeld: (m) => m === 'm1' }).skipped).toEqual(['m1']);
  });
  it.each(v.negatives.map((n) => [n.name, `${n.error} ${n.code}`, n] as const))('refuses %s: %s', async (_n, expected, n) => {
    const d = descriptorOf(n.descriptor as DescriptorJson);
    expect(await errorOf(() => decryptHistoryArchive(d, bytes(n.ciphertext), { ...ctx, deviceId: n.deviceId }, { engine }))).toBe(expected);
  });
});

describe.each(SYNC.map((p) => [p.name, p] as const))('step 4 drops and step 5 skips with %s', (_name, crypto) => {
  it.each(v.drops.map((d) => [d.name, d] as const))('%s', (_n, d) => {
    const result = importHistoryRecords(openHistoryArchive(bytes(d.plaintext), descriptor, ctx), ctx.accountId, { crypto });
    expect(result.messages.map((m) => m.item.stamp.messageId)).toEqual(d.imported);
    expect(result.dropped).toEqual(d.dropped);
    expect(result.skipped).toEqual(d.skipped);
  });
});

it('every HistoryError code has a negative vector (D20)', async () => {
  const { HISTORY_ERROR_CODES } = await import('../../client/devices/index.ts');
  const covered = new Set(v.negatives.filter((n) => n.error === 'HistoryError').map((n) => n.code));
  expect([...HISTORY_ERROR_CODES].filter((c) => !covered.has(c))).toEqual([]);
});

// --- property: export → import round-trips -------------------------------------------------------------------------
const idArb = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
const u32 = (min = 0) => fc.integer({ min, max: 2 ** 32 - 1 });
const u64 = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const b = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const vecArb = fc.uint8Array({ maxLength: 64 });
const recordArb: fc.Arbitrary<HistoryRecord> = fc.oneof(
  fc.record({ type: fc.constant('contact' as const), accountId: idArb, listVersion: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), listHash: b(32), founderKey: b(64), verified: fc.boolean(), verifiedAt: u64 })
    .map((r) => (r.verified ? r : { ...r, verifiedAt: 0 })),
  fc.record({ type: fc.constant('conversation' as const), conversationId: idArb, peer: fc.option(idArb, { nil: null }), appData: vecArb })
    .map(({ peer, ...r }) => ({ ...r, kind: peer === null ? ('group' as const) : ('direct' as const), peerAccountId: peer })),
  fc.record({ type: fc.constant('receiveChain' as const), conversationId: idArb, senderId: idArb, senderDeviceId: u32(1), seqs: fc.uniqueArray(u32(1), { maxLength: 5 }), c: b(32) })
    .map(({ seqs, c, ...r }) => {
      const sorted = [...seqs].sort((x, y) => x - y);
      return { ...r, highestSeq: sorted.at(-1) ?? 0, entries: sorted.map((seq) => ({ seq, commitment: c, prevCommitment: c })) };
    }),
  fc.record({ type: fc.constant('message' as const), direction: fc.constantFrom('received' as const, 'sent' as const), deliveredToDeviceId: u32(1), storedAt: u64, flags: fc.integer({ min: 0, max: 3 }), reportItem: vecArb }),
  fc.record({ type: fc.constant('blob' as const), blobId: idArb, ciphertext: vecArb }),
);
const RANK = { contact: 0, conversation: 1, receiveChain: 2, message: 3, blob: 4 } as const;
const archiveArb: fc.Arbitrary<HistoryArchive> = fc
  .record({ accountId: idArb, source: u32(1), target: u32(1), createdAt: u64, listVersion: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), listHash: b(32), records: fc.array(recordArb, { maxLength: 8 }) })
  .filter((r) => r.source !== r.target)
  .map((r) => ({
    accountId: r.accountId, sourceDeviceId: r.source, targetDeviceId: r.target, createdAt: r.createdAt, listVersion: r.listVersion, listHash: r.listHash,
    records: [...r.records].sort((x, y) => RANK[x.type] - RANK[y.type]),
  }));

it('property: export → encrypt → decrypt → decode round-trips every archive, and every plaintext truncation is refused', async () => {
  await fc.assert(
    fc.asyncProperty(archiveArb, fc.nat(), async (arc, cut) => {
      const plaintext = encodeHistoryArchive(arc);
      expect(decodeHistoryArchive(plaintext)).toEqual(arc);
      expect(() => decodeHistoryArchive(plaintext.subarray(0, cut % plaintext.length))).toThrow(HistoryError);
      const { ciphertext, descriptor: d } = await encryptHistoryArchive(arc, { engine: 'noble', log2ChunkSize: 12 });
      expect(decodeHistoryDescriptor(encodeHistoryDescriptor(d))).toEqual(d);
      const lists = ctx.ownLists.map((l) => ({ ...l, signed: { ...l.signed, list: { ...l.signed.list, accountId: arc.accountId, listVersion: arc.listVersion, devices: [{ ...l.signed.list.devices[0]!, deviceId: arc.sourceDeviceId }, { ...l.signed.list.devices[0]!, deviceId: arc.targetDeviceId }] } }, listHash: arc.listHash }));
      const opened = await decryptHistoryArchive(d, ciphertext, { accountId: arc.accountId, deviceId: arc.targetDeviceId, ownLists: lists.slice(0, 1) }, { engine: 'noble' });
      expect(opened).toEqual(arc);
    }),
    { numRuns: 60 },
  );
});
