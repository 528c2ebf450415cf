// Generates test/vectors/franking-devices.json: deterministic vectors for header versions 3 and 4 and the chains per
// sending device (docs/PROTOCOL-devices.md D10.1–D10.2, D20). test/vectors/franking.json is not touched: its bytes stay
// as they are. Every "random" value is SHA-256("franking-chat device vectors" ‖ purpose ‖ u32(index)), so re-running
// this script reproduces the file byte for byte. Usage: npm run vectors:franking-devices
import { writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  type AttachmentDescriptor,
  type ChainObservation,
  type ContextEntry,
  analyzeContext,
  describeSenderContext,
  DEFAULT_REPORT_WINDOW_MS,
  FrankingError,
  Keyring,
  type MessageHeader,
  ReceiveChains,
  type ReportItem,
  type Role,
  type Stamp,
  computeCommitment,
  decodeHeader,
  encodeHeader,
  encodePayload,
  encodeReportItem,
  encodeStampInput,
  stampTag,
  verifyReportItem,
} from '../client/protocol.ts';

const det = (purpose: string, i: number, length = 32): Uint8Array => {
  const out = new Uint8Array(length);
  for (let block = 0, off = 0; off < length; block++, off += 32) {
    const d = sha256(utf8ToBytes(`franking-chat device vectors\0${purpose}\0${i}\0${block}`));
    out.set(d.subarray(0, Math.min(32, length - off)), off);
  }
  return out;
};
const hex = bytesToHex;

const T0 = Date.UTC(2026, 11, 1); // 2026-12-01T00:00:00Z
const NOW = Date.UTC(2026, 11, 6, 12);
const KID = 'k2026-12';
const STAMP_KEY = det('stamp-key', 1);
const keyring = new Keyring();
keyring.rotate(KID, STAMP_KEY, T0 - 10 * 86400e3);

const attachment = (i: number): AttachmentDescriptor => ({
  blobId: `blob-d${i}`,
  scheme: 1,
  key: det('attachment-key', i),
  params: Uint8Array.from([20, ...det('attachment-salt', i, 16)]),
  ciphertextDigest: det('attachment-digest', i),
  size: 4096 + i,
  mediaType: 'image/jpeg',
});

const headerJson = (h: MessageHeader) => ({
  version: h.version,
  conversationId: h.conversationId,
  senderId: h.senderId,
  ...(h.senderDeviceId !== undefined && { senderDeviceId: h.senderDeviceId }),
  clientMessageId: hex(h.clientMessageId),
  sentAt: h.sentAt,
  seq: h.seq,
  prevCommitment: hex(h.prevCommitment),
  contentType: h.contentType,
  attachments: h.attachments.map((a) => ({ ...a, key: hex(a.key), params: hex(a.params), ciphertextDigest: hex(a.ciphertextDigest) })),
  ...(h.epoch !== undefined && { epoch: h.epoch }),
});

// Positive vectors: the header, its commitment, payload, stamp and report item, each verified (§8.2) before writing.
interface Case {
  name: string;
  version: 3 | 4;
  senderDeviceId: number;
  seq?: number;
  epoch?: number;
  attachments?: AttachmentDescriptor[];
  conversationId?: string;
  body: string;
  role?: Role;
}
const cases: Case[] = [
  { name: 'v3: 1:1, alice device 2, first message', version: 3, senderDeviceId: 2, body: 'hello from my laptop' },
  { name: 'v3: device 1 (a migrated account), seq 5 linked', version: 3, senderDeviceId: 1, seq: 5, body: 'still here' },
  { name: 'v3: largest device id, with an attachment', version: 3, senderDeviceId: 0xffff_ffff, seq: 2, attachments: [attachment(1)], body: 'photo' },
  { name: 'v3: sender report of an own message (device 3)', version: 3, senderDeviceId: 3, seq: 3, body: 'as I said', role: 'sender' },
  { name: 'v4: group, device 3, epoch 7', version: 4, senderDeviceId: 3, epoch: 7, conversationId: 'group-9', body: 'hi all' },
  { name: 'v4: group, device 1, epoch 0', version: 4, senderDeviceId: 1, epoch: 0, conversationId: 'group-9', body: 'first' },
];

const vectors = cases.map((c, i) => {
  const seq = c.seq ?? 1;
  const role = c.role ?? 'recipient';
  const header: MessageHeader = {
    version: c.version,
    conversationId: c.conversationId ?? 'conv-d',
    senderId: 'alice',
    senderDeviceId: c.senderDeviceId,
    clientMessageId: det('client-message-id', i, 16),
    sentAt: T0 + i * 1000,
    seq,
    prevCommitment: seq === 1 ? new Uint8Array(32) : det('prev-commitment', i),
    contentType: 'text/plain; charset=utf-8',
    attachments: c.attachments ?? [],
  };
  if (c.epoch !== undefined) header.epoch = c.epoch;
  const headerBytes = encodeHeader(header);
  const fk = det('fk', i);
  const body = utf8ToBytes(c.body);
  const commitment = computeCommitment(fk, headerBytes, body);
  const fields = {
    messageId: `md-${String(i).padStart(4, '0')}`,
    conversationId: header.conversationId,
    senderId: 'alice',
    recipientId: role === 'sender' ? 'alice' : 'bob',
    role,
    serverTime: T0 + i * 1000 + 250,
  };
  const stamp: Stamp = { ...fields, kid: KID, tag: stampTag(STAMP_KEY, fields, commitment) };
  const item: ReportItem = { stamp, commitment, fk, header: headerBytes, body };
  const verdict = verifyReportItem(item, keyring, fields.recipientId, NOW);
  if (!verdict.ok) throw new Error(`vector ${c.name} does not verify: ${verdict.reason}`);
  return {
    name: c.name,
    header: headerJson(header),
    headerHex: hex(headerBytes),
    fk: hex(fk),
    bodyHex: hex(body),
    commitment: hex(commitment),
    payloadHex: hex(encodePayload(headerBytes, fk, body)),
    stamp: { ...fields, kid: KID },
    stampInputHex: hex(encodeStampInput(fields, commitment)),
    tag: hex(stamp.tag),
    reporterId: fields.recipientId,
    reportItemHex: hex(encodeReportItem(item)),
  };
});

// Negative header decodings: every one must be refused as 'malformed' (D10.1; PROTOCOL.md §4.1 canonical decoding).
const v3 = Uint8Array.from(Buffer.from(vectors[0]!.headerHex, 'hex'));
const v4 = Uint8Array.from(Buffer.from(vectors[4]!.headerHex, 'hex'));
const deviceAt = 1 + 1 + 'conv-d'.length + 1 + 'alice'.length; // offset of senderDeviceId in vectors[0]
const withByte = (b: Uint8Array, at: number, value: number) => {
  const out = b.slice();
  out[at] = value;
  return out;
};
const withDevice = (b: Uint8Array, at: number, id: number) => {
  const out = b.slice();
  new DataView(out.buffer).setUint32(at, id);
  return out;
};
const cat = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);
const headerNegatives: { name: string; bytes: Uint8Array }[] = [
  { name: 'v3 with senderDeviceId 0', bytes: withDevice(v3, deviceAt, 0) },
  { name: 'v4 with senderDeviceId 0', bytes: withDevice(v4, 1 + 1 + 'group-9'.length + 1 + 'alice'.length, 0) },
  { name: 'v3 truncated by one byte', bytes: v3.subarray(0, v3.length - 1) },
  { name: 'v3 cut inside senderDeviceId', bytes: v3.subarray(0, deviceAt + 2) },
  { name: 'v3 with a trailing byte', bytes: cat(v3, Uint8Array.of(0)) },
  { name: 'v3 with an epoch appended (v4 body under version 3)', bytes: cat(v3, new Uint8Array(8)) },
  { name: 'v4 without its epoch', bytes: withByte(v3, 0, 4) },
  { name: 'v4 truncated inside its epoch', bytes: v4.subarray(0, v4.length - 3) },
  { name: 'v4 with a trailing byte', bytes: cat(v4, Uint8Array.of(0)) },
  { name: 'v3 bytes relabelled version 1', bytes: withByte(v3, 0, 1) },
  { name: 'v4 bytes relabelled version 2', bytes: withByte(v4, 0, 2) },
  { name: 'version 5', bytes: withByte(v3, 0, 5) },
];
for (const n of headerNegatives) {
  try {
    decodeHeader(n.bytes);
  } catch (e) {
    if (FrankingError.is(e) && e.code === 'malformed') continue;
    throw e;
  }
  throw new Error(`negative header ${n.name} decodes`);
}

// A report whose committed header claims device 0: the commitment opens, then §8.2 step 7 refuses it.
const reportNegatives = (() => {
  const headerBytes = withDevice(v3, deviceAt, 0);
  const fk = det('neg-fk', 1);
  const body = utf8ToBytes('device zero');
  const commitment = computeCommitment(fk, headerBytes, body);
  const fields = { messageId: 'md-neg-1', conversationId: 'conv-d', senderId: 'alice', recipientId: 'bob', role: 'recipient' as const, serverTime: T0 + 90_000 };
  const item: ReportItem = { stamp: { ...fields, kid: KID, tag: stampTag(STAMP_KEY, fields, commitment) }, commitment, fk, header: headerBytes, body };
  const verdict = verifyReportItem(item, keyring, 'bob', NOW);
  if (verdict.ok || verdict.reason !== 'malformed') throw new Error('device 0 report item must be malformed');
  return [{ name: 'committed v3 header with senderDeviceId 0', reporterId: 'bob', reportItemHex: hex(encodeReportItem(item)), expected: 'malformed' }];
})();

// Receive-chain scenarios (D10.2): messages in arrival order with what ReceiveChains must observe for each, and
// (D10.3) analyzeContext over all of them as one report's verified items, stamped at T0 + i s in arrival order.
interface Msg {
  version: 1 | 3;
  device?: number;
  seq: number;
  /** Index (in this scenario) of the message whose commitment this one links to; none for seq 1. */
  prev?: number;
  /** Distinct body tag: same (device, seq) with another tag is a second version of that message. */
  tag?: string;
}
const scenario = (name: string, msgs: Msg[]) => {
  const chains = new ReceiveChains();
  const commitments: Uint8Array[] = [];
  const entries: ContextEntry[] = [];
  const messages = msgs.map((m, i) => {
    const header: MessageHeader = {
      version: m.version,
      conversationId: 'conv-chain',
      senderId: 'alice',
      clientMessageId: det(`${name}/cmid`, i, 16),
      sentAt: T0 + i * 1000,
      seq: m.seq,
      prevCommitment: m.prev === undefined ? new Uint8Array(32) : commitments[m.prev]!,
      contentType: 'text/plain; charset=utf-8',
      attachments: [],
    };
    if (m.version === 3) header.senderDeviceId = m.device!;
    const headerBytes = encodeHeader(header);
    const commitment = computeCommitment(det(`${name}/fk`, i), headerBytes, utf8ToBytes(`${m.seq}${m.tag ?? ''}`));
    commitments.push(commitment);
    const observed: ChainObservation = chains.observe(decodeHeader(headerBytes), commitment);
    const serverTime = T0 + i * 1000 + 250;
    entries.push({ stamp: { messageId: `${name}/${i}`, conversationId: 'conv-chain', senderId: 'alice', serverTime }, header: decodeHeader(headerBytes), commitment });
    return { headerHex: hex(headerBytes), commitment: hex(commitment), serverTime, expected: observed };
  });
  const context = analyzeContext(entries);
  return { name, messages, context: { ...context, summaries: context.senders.map(describeSenderContext) } };
};
const chainScenarios = [
  // Devices 1 and 2 of alice send at once: seqs 1, 1, 2, 2, 3, 3 — two chains, all in order.
  scenario('two devices interleave', [
    { version: 3, device: 1, seq: 1 },
    { version: 3, device: 2, seq: 1 },
    { version: 3, device: 2, seq: 2, prev: 1 },
    { version: 3, device: 1, seq: 2, prev: 0 },
    { version: 3, device: 1, seq: 3, prev: 3 },
    { version: 3, device: 2, seq: 3, prev: 2 },
  ]),
  scenario('equivocation within one device', [
    { version: 3, device: 2, seq: 1 },
    { version: 3, device: 3, seq: 1 },
    { version: 3, device: 2, seq: 1, tag: ' (second version)' },
  ]),
  scenario('gap in one device chain, the other complete', [
    { version: 3, device: 1, seq: 1 },
    { version: 3, device: 2, seq: 1 },
    { version: 3, device: 2, seq: 2, prev: 1 },
    { version: 3, device: 1, seq: 3 },
  ]),
  // D17: a migrated device's v1 messages are device 1's; its v3 messages as device 1 continue the same chain.
  scenario('v1 then v3 device 1 of a migrated account', [
    { version: 1, seq: 1 },
    { version: 1, seq: 2, prev: 0 },
    { version: 3, device: 1, seq: 3, prev: 1 },
    { version: 3, device: 2, seq: 1 },
  ]),
];

const out = {
  description:
    'Header versions 3 and 4 (docs/PROTOCOL-devices.md D10.1), receive chains per sending device (D10.2) and context completeness per device chain (D10.3). Generated by scripts/make-franking-device-vectors.ts from SHA-256-derived draws; the layouts are docs/PROTOCOL.md §4–§8 with senderDeviceId (u32, >= 1) after senderId. keyring and keys as in franking.json.',
  now: NOW,
  windowMs: DEFAULT_REPORT_WINDOW_MS,
  keys: [{ kid: KID, key: hex(STAMP_KEY) }],
  keyring: keyring.toJSON(),
  vectors,
  negativeHeaders: headerNegatives.map((n) => ({ name: n.name, headerHex: hex(n.bytes), expected: 'malformed' })),
  negative: reportNegatives,
  chains: chainScenarios,
};
writeFileSync(new URL('../test/vectors/franking-devices.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(
  `wrote ${vectors.length} vectors, ${headerNegatives.length + reportNegatives.length} negative vectors and ${chainScenarios.length} chain scenarios to test/vectors/franking-devices.json`,
);
