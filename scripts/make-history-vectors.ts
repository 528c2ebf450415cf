// Generates test/vectors/history.json (docs/PROTOCOL-devices.md D20, the history part): a small archive (D15.2–D15.3:
// 2 contacts, 2 conversations, one receive chain, 6 messages including a protocol message and an own sent message, one
// blob), its plaintext, its encryption as a scheme-1 attachment with a fixed key and salt (D15.4), the descriptor, and
// negative cases, each with the error D15.5 must give (or the records step 4 must drop). The account and its verified
// chain are alice's of test/vectors/devices.json (versions 1–4: genesis, link 2, link 3, remove 2). Every draw is
// SHA-256("franking-chat history vectors" ‖ 0x00 ‖ purpose), times are fixed: re-running reproduces the file byte for byte.
// Usage: npm run vectors:history
import { readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as hex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { AttachmentError, encryptAttachmentToBytes } from '../client/attachments/index.ts';
import {
  decryptHistoryArchive, encodeHistoryArchive, encodeHistoryDescriptor, encryptHistoryArchive, type HistoryArchive, type HistoryDescriptor, HistoryError,
  type HistoryRecord, importHistoryRecords, openHistoryArchive, verifyListStep, type VerifiedDeviceList,
} from '../client/devices/index.ts';
import { computeCommitment, encodeHeader, encodeReportItem, type MessageHeader, type ReportItem } from '../client/franking/index.ts';

const det = (purpose: string, n = 32) => sha256(utf8ToBytes(`franking-chat history vectors\0${purpose}`)).slice(0, n);
const T0 = 1_790_000_000_000;
const MINUTE = 60_000;
const devices = JSON.parse(readFileSync(new URL('../test/vectors/devices.json', import.meta.url), 'utf8')) as {
  scenarios: { alice: { accountId: string; lists: { signed: string; listHash: string }[] } };
};
const A = devices.scenarios.alice.accountId;
const ownLists: VerifiedDeviceList[] = [];
for (const l of devices.scenarios.alice.lists.slice(0, 4)) ownLists.push(verifyListStep(ownLists.at(-1) ?? null, hexToBytes(l.signed), A));
const v2 = ownLists[1]!;

// --- messages (PROTOCOL.md §4, §8.1): real commitments; the stamp tags are draws (the MAC is the server's to check) ---
const prevBy = new Map<string, Uint8Array>();
const seqBy = new Map<string, number>();
interface Msg { messageId: string; conversationId: string; senderId: string; recipientId: string; role: 'recipient' | 'sender'; serverTime: number; text: string; group?: boolean; attachments?: MessageHeader['attachments'] }
function reportItem(m: Msg): ReportItem {
  const chain = `${m.conversationId}/${m.senderId}`;
  const seq = (seqBy.get(chain) ?? 0) + 1;
  const header: MessageHeader = {
    version: m.group ? 2 : 1, conversationId: m.conversationId, senderId: m.senderId, clientMessageId: det(`${m.messageId} client id`, 16), sentAt: m.serverTime - 1000, seq,
    prevCommitment: prevBy.get(chain) ?? new Uint8Array(32), contentType: 'text/plain; charset=utf-8', attachments: m.attachments ?? [], ...(m.group ? { epoch: 3 } : {}),
  };
  const headerBytes = encodeHeader(header);
  const fk = det(`${m.messageId} fk`);
  const body = utf8ToBytes(m.text);
  const commitment = computeCommitment(fk, headerBytes, body);
  prevBy.set(chain, commitment);
  seqBy.set(chain, seq);
  return {
    stamp: { messageId: m.messageId, conversationId: m.conversationId, senderId: m.senderId, recipientId: m.recipientId, role: m.role, serverTime: m.serverTime, kid: 'k1', tag: det(`${m.messageId} tag`) },
    commitment, fk, header: headerBytes, body,
  };
}

const blobPlain = utf8ToBytes('a small attachment kept as evidence');
const blob = await encryptAttachmentToBytes(blobPlain, { key: det('blob key'), salt: det('blob salt', 16), log2ChunkSize: 12, engine: 'noble' });
const attachment = { blobId: 'blob-1', mediaType: 'text/plain', scheme: blob.attachment.scheme, key: blob.attachment.key, params: blob.attachment.params, ciphertextDigest: blob.attachment.ciphertextDigest, size: blob.attachment.size };

const msgs: { m: Msg; direction: 'received' | 'sent'; deliveredToDeviceId: number; flags: number }[] = [
  { m: { messageId: 'm1', conversationId: 'conv-ab', senderId: 'bob', recipientId: A, role: 'recipient', serverTime: T0 + 1 * MINUTE, text: 'hello alice' }, direction: 'received', deliveredToDeviceId: 1, flags: 0 },
  { m: { messageId: 'm2', conversationId: 'conv-ab', senderId: A, recipientId: A, role: 'sender', serverTime: T0 + 2 * MINUTE, text: 'hello bob' }, direction: 'sent', deliveredToDeviceId: 1, flags: 0 },
  { m: { messageId: 'm3', conversationId: 'conv-ab', senderId: 'bob', recipientId: A, role: 'recipient', serverTime: T0 + 3 * MINUTE, text: 'a file', attachments: [attachment] }, direction: 'received', deliveredToDeviceId: 1, flags: 0 },
  { m: { messageId: 'm4', conversationId: 'conv-ab', senderId: 'bob', recipientId: A, role: 'recipient', serverTime: T0 + 4 * MINUTE, text: '{"protocol":"read"}' }, direction: 'received', deliveredToDeviceId: 1, flags: 0x01 },
  { m: { messageId: 'm5', conversationId: 'grp-1', senderId: 'carol', recipientId: A, role: 'recipient', serverTime: T0 + 5 * MINUTE, text: 'hi group', group: true }, direction: 'received', deliveredToDeviceId: 1, flags: 0x02 },
  { m: { messageId: 'm6', conversationId: 'grp-1', senderId: A, recipientId: A, role: 'sender', serverTime: T0 + 6 * MINUTE, text: 'hi all', group: true }, direction: 'sent', deliveredToDeviceId: 1, flags: 0 },
];
const items = msgs.map((x) => ({ ...x, item: reportItem(x.m) }));
const messageRecord = (x: (typeof items)[number], item = encodeReportItem(x.item)): HistoryRecord => ({ type: 'message', direction: x.direction, deliveredToDeviceId: x.deliveredToDeviceId, storedAt: x.m.serverTime + 500, flags: x.flags, reportItem: item });
const bobChain = items.filter((x) => x.m.senderId === 'bob');

const records: HistoryRecord[] = [
  { type: 'contact', accountId: 'bob', listVersion: 1, listHash: det('bob listHash'), founderKey: new Uint8Array([...det('bob founder IKsig'), ...det('bob founder IKdh')]), verified: true, verifiedAt: T0 - MINUTE },
  { type: 'contact', accountId: 'carol', listVersion: 3, listHash: det('carol listHash'), founderKey: new Uint8Array([...det('carol founder IKsig'), ...det('carol founder IKdh')]), verified: false, verifiedAt: 0 },
  { type: 'conversation', conversationId: 'conv-ab', kind: 'direct', peerAccountId: 'bob', appData: utf8ToBytes('{"name":"Bob","devices":{"1":"Bob\'s phone"}}') },
  { type: 'conversation', conversationId: 'grp-1', kind: 'group', peerAccountId: null, appData: utf8ToBytes('{"name":"Friends"}') },
  {
    type: 'receiveChain', conversationId: 'conv-ab', senderId: 'bob', senderDeviceId: 1, highestSeq: bobChain.length,
    entries: bobChain.map((x, i) => ({ seq: i + 1, commitment: x.item.commitment, prevCommitment: i === 0 ? new Uint8Array(32) : bobChain[i - 1]!.item.commitment })),
  },
  ...items.map((x) => messageRecord(x)),
  { type: 'blob', blobId: 'blob-1', ciphertext: blob.blob },
];
const header = { accountId: A, sourceDeviceId: 1, targetDeviceId: 2, createdAt: T0 + 10 * MINUTE, listVersion: 2, listHash: v2.listHash };
const archive: HistoryArchive = { ...header, records };
const KEY = det('archive key');
const SALT = det('archive salt', 16);
const LOG2 = 12;
const enc = (a: HistoryArchive) => encryptHistoryArchive(a, { key: KEY, salt: SALT, log2ChunkSize: LOG2, engine: 'noble' });
const plaintext = encodeHistoryArchive(archive);
const { ciphertext, descriptor } = await enc(archive);
const ctx = { accountId: A, deviceId: 2, ownLists };
const opened = await decryptHistoryArchive(descriptor, ciphertext, ctx, { engine: 'noble' });
const result = importHistoryRecords(opened, A);
if (result.messages.length !== 6 || result.dropped.length !== 0) throw new Error('the archive does not import');

// --- raw record surgery, for negatives the encoder refuses --------------------------------------------------------
const HEADER_LENGTH = 25 + 1 + 1 + A.length + 4 + 4 + 8 + 8 + 32;
const u32 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
function rawRecords(p: Uint8Array): { type: number; body: Uint8Array }[] {
  const out: { type: number; body: Uint8Array }[] = [];
  let at = HEADER_LENGTH + 4;
  while (at < p.length) {
    const len = ((p[at + 1]! << 24) >>> 0) + (p[at + 2]! << 16) + (p[at + 3]! << 8) + p[at + 4]!;
    out.push({ type: p[at]!, body: p.slice(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return out;
}
const join = (head: Uint8Array, recs: { type: number; body: Uint8Array }[], count = recs.length, tail = new Uint8Array(0)) =>
  new Uint8Array([...head.slice(0, HEADER_LENGTH), ...u32(count), ...recs.flatMap((r) => [r.type, ...u32(r.body.length), ...r.body]), ...tail]);
const raw = rawRecords(plaintext);
const withByte = (b: Uint8Array, at: number, value: number) => { const c = b.slice(); c[at] = value; return c; };
const contactBob = raw[0]!;

interface Negative { name: string; step: number; descriptor: HistoryDescriptor; ciphertext: Uint8Array; deviceId: number; error: string; code: string }
const negatives: Negative[] = [];
async function negative(name: string, step: number, d: HistoryDescriptor, c: Uint8Array, deviceId = 2) {
  let error = 'none';
  let code = 'none';
  try {
    await decryptHistoryArchive(d, c, { ...ctx, deviceId }, { engine: 'noble' });
  } catch (e) {
    if (!(e instanceof HistoryError) && !(e instanceof AttachmentError)) throw e;
    error = e.name;
    code = e.code;
  }
  if (code === 'none') throw new Error(`negative "${name}" was accepted`);
  negatives.push({ name, step, descriptor: d, ciphertext: c, deviceId, error, code });
}
const encRaw = async (p: Uint8Array) => {
  const r = await encryptAttachmentToBytes(p, { key: KEY, salt: SALT, log2ChunkSize: LOG2, engine: 'noble' });
  return { ciphertext: r.blob, descriptor: { ...descriptor, ciphertextDigest: r.attachment.ciphertextDigest, size: r.attachment.size } };
};
await negative('descriptor for another account', 1, { ...descriptor, accountId: 'mallory' }, ciphertext);
await negative('descriptor for another target device', 1, descriptor, ciphertext, 3);
{
  const x = await enc({ ...archive, sourceDeviceId: 3 });
  await negative('list does not contain the source device (3 is not in version 2)', 3, x.descriptor, x.ciphertext);
}
{
  const x = await enc({ ...archive, listHash: det('not a list hash') });
  await negative('list not in the verified chain', 3, x.descriptor, x.ciphertext);
}
{
  const x = await enc({ ...archive, accountId: 'mallory' });
  await negative('archive of another account under a descriptor naming ours', 3, { ...x.descriptor, accountId: A }, x.ciphertext);
}
{
  const x = await enc({ ...archive, sourceDeviceId: 3 });
  await negative('archive header names another source than the descriptor', 3, { ...x.descriptor, sourceDeviceId: 1 }, x.ciphertext);
}
await negative('truncated ciphertext (last byte removed)', 2, descriptor, ciphertext.slice(0, -1));
await negative('ciphertext with one byte changed', 2, descriptor, withByte(ciphertext, 40, ciphertext[40]! ^ 1));
await negative('another key', 2, { ...descriptor, archiveKey: det('another key') }, ciphertext);
for (const [name, p] of [
  ['wrong magic', withByte(plaintext, 0, 0x46)],
  ['formatVersion 2', withByte(plaintext, 25, 2)],
  ['trailing byte in a record body', join(plaintext, [{ type: contactBob.type, body: new Uint8Array([...contactBob.body, 0]) }, ...raw.slice(1)])],
  ['trailing byte after the last record', join(plaintext, raw, raw.length, new Uint8Array([0]))],
  ['recordCount one more than the records (truncated)', join(plaintext, raw, raw.length + 1)],
  ['records out of order (a message before the contacts)', join(plaintext, [raw[5]!, ...raw.slice(0, 5), ...raw.slice(6)])],
  ['contact verified = 2', join(plaintext, [{ type: 3, body: withByte(contactBob.body, contactBob.body.length - 9, 2) }, ...raw.slice(1)])],
  ['message flags with bit 2 set', join(plaintext, [...raw.slice(0, 5), { type: 2, body: withByte(raw[5]!.body, 13, 0x04) }, ...raw.slice(6)])],
] as const) {
  const x = await encRaw(p);
  await negative(name, 3, x.descriptor, x.ciphertext);
}

// --- step 4 drops and step 5 skips: the archive opens, some message records do not import -------------------------
const badCommitment = items[0]!.item;
const tampered = encodeReportItem({ ...badCommitment, body: utf8ToBytes('hello alicE') });
const notOwn = encodeReportItem({ ...items[0]!.item, stamp: { ...items[0]!.item.stamp, recipientId: 'carol' } });
const drops = [
  { name: 'a record whose commitment does not open', records: [...records.slice(0, 5), messageRecord(items[0]!, tampered), ...records.slice(6)] },
  { name: 'a received record whose stamp names another recipient', records: [...records.slice(0, 5), messageRecord(items[0]!, notOwn), ...records.slice(6)] },
  { name: 'a message record whose item does not decode', records: [...records.slice(0, 5), messageRecord(items[0]!, new Uint8Array([1, 2, 3])), ...records.slice(6)] },
  { name: 'a message held twice (the second is skipped)', records: [...records.slice(0, 11), records[5]!, ...records.slice(11)] },
].map((d) => {
  const a = { ...archive, records: d.records };
  const r = importHistoryRecords(openHistoryArchive(encodeHistoryArchive(a), descriptor, ctx), A);
  return { name: d.name, plaintext: hex(encodeHistoryArchive(a)), imported: r.messages.map((m) => m.item.stamp.messageId), dropped: r.dropped, skipped: r.skipped };
});
// Forward compatibility (D15.2): an unknown record type is skipped.
const unknown = join(plaintext, [...raw.slice(0, 5), { type: 0x7f, body: utf8ToBytes('from a newer writer') }, ...raw.slice(5)]);

const j = (b: Uint8Array) => hex(b);
const recordJson = (r: HistoryRecord) => {
  switch (r.type) {
    case 'conversation': return { ...r, appData: j(r.appData) };
    case 'message': return { ...r, reportItem: j(r.reportItem) };
    case 'contact': return { ...r, listHash: j(r.listHash), founderKey: j(r.founderKey) };
    case 'receiveChain': return { ...r, entries: r.entries.map((e) => ({ seq: e.seq, commitment: j(e.commitment), prevCommitment: j(e.prevCommitment) })) };
    case 'blob': return { ...r, ciphertext: j(r.ciphertext) };
  }
};
const descriptorJson = (d: HistoryDescriptor) => ({ ...d, archiveKey: j(d.archiveKey), params: j(d.params), ciphertextDigest: j(d.ciphertextDigest), bytes: j(encodeHistoryDescriptor(d)) });
const file = {
  note: 'Generated by scripts/make-history-vectors.ts (npm run vectors:history); spec: docs/PROTOCOL-devices.md D15, D20. All bytes hex. Draws are SHA-256("franking-chat history vectors" ‖ 0x00 ‖ purpose) (truncated to 16 bytes for salts and client ids); the account and its verified chain are alice\'s lists 1–4 of devices.json. Stamp tags are draws: the stamp MAC is the server\'s to check at report time (D15.5 step 4), never the importer\'s. Negative cases run D15.5 steps 1–3 on this descriptor and ciphertext with context (alice, deviceId, lists 1–4) and must fail with that error and code; drops open and import.',
  ownChain: { scenario: 'alice', versions: [1, 2, 3, 4], accountId: A },
  key: j(KEY), salt: j(SALT), log2ChunkSize: LOG2,
  archive: { ...header, listHash: j(header.listHash), records: records.map(recordJson) },
  plaintext: j(plaintext), plaintextLength: plaintext.length,
  descriptor: descriptorJson(descriptor),
  ciphertext: j(ciphertext),
  blobAttachment: { key: j(attachment.key), params: j(attachment.params), ciphertextDigest: j(attachment.ciphertextDigest), plaintext: j(blobPlain) },
  imported: result.messages.map((m) => ({ messageId: m.item.stamp.messageId, direction: m.direction, deliveredToDeviceId: m.deliveredToDeviceId, importedFrom: m.importedFrom })),
  unknownRecord: { name: 'an unknown record type 0x7f between the receive chain and the messages is skipped', plaintext: j(unknown) },
  negatives: negatives.map((n) => ({ name: n.name, step: n.step, deviceId: n.deviceId, descriptor: descriptorJson(n.descriptor), ciphertext: j(n.ciphertext), error: n.error, code: n.code })),
  drops,
};
writeFileSync(new URL('../test/vectors/history.json', import.meta.url), `${JSON.stringify(file, null, 2)}\n`);
console.log(`history.json: ${records.length} records, ${plaintext.length}-byte plaintext, ${negatives.length} negatives, ${drops.length} drop cases`);
