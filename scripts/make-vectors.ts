// Generates test/vectors/franking.json: deterministic franking vectors (docs/PROTOCOL.md §4–§8).
// Every "random" value is SHA-256("franking-chat vectors" ‖ purpose ‖ u32(index)) so re-running this
// script reproduces the file byte for byte. Usage: npm run vectors
import { writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  type AttachmentDescriptor,
  CLOCK_SKEW_MS,
  DEFAULT_REPORT_WINDOW_MS,
  Keyring,
  type MessageHeader,
  type ReportItem,
  type Role,
  type Stamp,
  computeCommitment,
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
    const d = sha256(utf8ToBytes(`franking-chat vectors\0${purpose}\0${i}\0${block}`));
    out.set(d.subarray(0, Math.min(32, length - off)), off);
  }
  return out;
};
const hex = bytesToHex;

// Stamping keys: one retired, one verify-only, one active (§7.2). Stamping periods [createdAt, rotatedAt):
//   k2026-09 [T0−200 d, T0−80 d) then revoked at T0−5 d; k2026-10 [T0−80 d, T0−10 d) verify-only; k2026-11 from T0−10 d.
// Every positive stamp lies in its key's period (§8.2 step 4), and the window start NOW − 90 d lies in k2026-10's.
const T0 = Date.UTC(2026, 10, 1); // 2026-11-01T00:00:00Z
const NOW = Date.UTC(2026, 10, 22, 12); // verification time for every vector
const KEYS = [
  { kid: 'k2026-09', key: det('stamp-key', 1) },
  { kid: 'k2026-10', key: det('stamp-key', 2) },
  { kid: 'k2026-11', key: det('stamp-key', 3) },
];
const keyring = new Keyring();
const K10_CREATED = T0 - 80 * 86400e3;
const K11_CREATED = T0 - 10 * 86400e3; // = k2026-10's rotatedAt
keyring.rotate('k2026-09', KEYS[0]!.key, T0 - 200 * 86400e3);
keyring.rotate('k2026-10', KEYS[1]!.key, K10_CREATED);
keyring.rotate('k2026-11', KEYS[2]!.key, K11_CREATED);
keyring.retire('k2026-09', T0 - 5 * 86400e3);
const keyOf = (kid: string) => KEYS.find((k) => k.kid === kid)!.key;

type BodySpec = { hex: string } | { repeatHex: string; count: number };
const bodyBytes = (spec: BodySpec): Uint8Array => {
  if ('hex' in spec) return Uint8Array.from(Buffer.from(spec.hex, 'hex'));
  const unit = Buffer.from(spec.repeatHex, 'hex');
  const out = new Uint8Array(unit.length * spec.count);
  for (let i = 0; i < spec.count; i++) out.set(unit, i * unit.length);
  return out;
};
const text = (s: string): BodySpec => ({ hex: hex(utf8ToBytes(s)) });

const attachment = (i: number, mediaType = 'image/png'): AttachmentDescriptor => ({
  blobId: `blob-${i}`,
  scheme: 1,
  key: det('attachment-key', i),
  // Scheme 1 params (PROTOCOL.md §11.1): u8 log2ChunkSize (20 = 1 MiB chunks) ‖ 16-byte salt.
  params: Uint8Array.from([20, ...det('attachment-salt', i, 16)]),
  ciphertextDigest: det('attachment-digest', i),
  size: 1000 + i * 4096,
  mediaType,
});

interface Case {
  name: string;
  body: BodySpec;
  conversationId?: string;
  senderId?: string;
  recipientId?: string;
  role?: Role;
  kid?: string;
  seq?: number;
  contentType?: string;
  attachments?: AttachmentDescriptor[];
  serverTime?: number;
  /** seq > 1 with prevCommitment = 32 zero bytes (well-formed, never links: §4.1). */
  zeroPrev?: boolean;
}

const cases: Case[] = [
  { name: 'empty body', body: { hex: '' } },
  { name: 'short ascii', body: text('hello') },
  { name: 'abusive text example', body: text('you are worthless and everyone knows it') },
  { name: 'unicode: emoji and ZWJ sequence', body: text('👩‍👩‍👧 family 🎉') },
  { name: 'unicode: right-to-left', body: text('مرحبا بالعالم') },
  { name: 'unicode: combining marks (not normalised)', body: text('e\u0301 vs \u00e9') },
  { name: 'unicode: CJK', body: text('你好，世界') },
  { name: 'binary body with NUL bytes', body: { hex: '00ff00ff0001020304' }, contentType: 'application/octet-stream' },
  { name: 'body 1 KiB', body: { repeatHex: '41', count: 1024 } },
  { name: 'body 64 KiB', body: { repeatHex: '0123456789abcdef', count: 8192 } },
  { name: 'body 1 MiB', body: { repeatHex: 'deadbeef', count: 262144 } },
  { name: 'role sender (own receipt)', body: text('my own message'), role: 'sender' },
  { name: 'role sender, unicode', body: text('ça va? 😊'), role: 'sender' },
  { name: 'verify-only key', body: text('stamped before rotation'), kid: 'k2026-10' },
  { name: 'verify-only key, role sender', body: text('old receipt'), kid: 'k2026-10', role: 'sender' },
  { name: 'seq 2 links to previous', body: text('second message'), seq: 2 },
  { name: 'seq 41', body: text('forty-one'), seq: 41 },
  { name: 'seq at u32 max', body: text('last possible'), seq: 0xffff_ffff },
  { name: 'one attachment', body: text('look at this'), attachments: [attachment(1)] },
  { name: 'attachment without caption', body: { hex: '' }, attachments: [attachment(2, 'video/mp4')] },
  { name: 'three attachments', body: text('album'), attachments: [attachment(3), attachment(4, 'image/jpeg'), attachment(5, 'application/pdf')] },
  { name: 'sixteen attachments (maximum)', body: text('many'), attachments: Array.from({ length: 16 }, (_, i) => attachment(10 + i)) },
  { name: 'attachment with role sender', body: text('sent a picture'), attachments: [attachment(30)], role: 'sender' },
  { name: 'long ids (64 chars)', body: text('ids at max length'), conversationId: 'c'.repeat(64), senderId: 'S'.repeat(64), recipientId: 'r'.repeat(64) },
  { name: 'ids with punctuation', body: text('punctuation'), conversationId: 'conv:group.42-a_b', senderId: 'user.alice-1', recipientId: 'user:bob_2' },
  { name: 'one-character ids', body: text('x'), conversationId: 'c', senderId: 's', recipientId: 'r' },
  { name: 'content type with parameters', body: text('**bold**'), contentType: 'text/markdown; charset=utf-8; variant=CommonMark' },
  { name: 'server time at window start', body: text('old but reportable'), serverTime: NOW - DEFAULT_REPORT_WINDOW_MS, kid: 'k2026-10' },
  { name: 'server time equals now', body: text('just now'), serverTime: NOW },
  { name: 'newline and tab in body', body: text('line 1\nline 2\ttab\r\n') },
  { name: 'body that looks like a header', body: { hex: '01' + '0141' + '0142' }, contentType: 'application/octet-stream' },
  { name: 'group message, third member', body: text('hi all'), conversationId: 'group-7', recipientId: 'carol' },
  // §8.2 step 4 boundaries of the stamping period, with CLOCK_SKEW_MS on both sides.
  { name: 'verify-only key, last millisecond of its period plus clock skew', body: text('stamped by a node that had not reloaded yet'), kid: 'k2026-10', serverTime: K11_CREATED + CLOCK_SKEW_MS - 1 },
  { name: 'active key, clock skew before its creation', body: text('stamped by a node whose clock runs behind'), serverTime: K11_CREATED - CLOCK_SKEW_MS },
  { name: 'seq 2 with an all-zero previous commitment (no link; §4.1)', body: text('after a restart'), seq: 2, zeroPrev: true },
];

const vectors = cases.map((c, i) => {
  const role = c.role ?? 'recipient';
  const senderId = c.senderId ?? 'alice';
  const seq = c.seq ?? 1;
  const header: MessageHeader = {
    version: 1,
    conversationId: c.conversationId ?? 'conv-1',
    senderId,
    clientMessageId: det('client-message-id', i, 16),
    sentAt: T0 + i * 1000,
    seq,
    prevCommitment: seq === 1 || c.zeroPrev ? new Uint8Array(32) : det('prev-commitment', i),
    contentType: c.contentType ?? 'text/plain; charset=utf-8',
    attachments: c.attachments ?? [],
  };
  const headerBytes = encodeHeader(header);
  const fk = det('fk', i);
  const body = bodyBytes(c.body);
  const commitment = computeCommitment(fk, headerBytes, body);
  const kid = c.kid ?? 'k2026-11';
  const fields = {
    messageId: `m-${String(i).padStart(4, '0')}`,
    conversationId: header.conversationId,
    senderId,
    recipientId: role === 'sender' ? senderId : (c.recipientId ?? 'bob'),
    role,
    // k2026-10 stamped before k2026-11 took over: its stamps are dated inside its own period.
    serverTime: c.serverTime ?? (kid === 'k2026-10' ? T0 - 20 * 86400e3 : T0) + i * 1000 + 250,
  };
  const stamp: Stamp = { ...fields, kid, tag: stampTag(keyOf(kid), fields, commitment) };
  const item: ReportItem = { stamp, commitment, fk, header: headerBytes, body };
  const reporterId = role === 'sender' ? senderId : fields.recipientId;
  const verdict = verifyReportItem(item, keyring, reporterId, NOW);
  if (!verdict.ok) throw new Error(`vector ${c.name} does not verify: ${verdict.reason}`);
  const itemBytes = encodeReportItem(item);
  const small = body.length <= 4096;
  return {
    name: c.name,
    header: {
      conversationId: header.conversationId,
      senderId,
      clientMessageId: hex(header.clientMessageId),
      sentAt: header.sentAt,
      seq,
      prevCommitment: hex(header.prevCommitment),
      contentType: header.contentType,
      attachments: header.attachments.map((a) => ({ ...a, key: hex(a.key), params: hex(a.params), ciphertextDigest: hex(a.ciphertextDigest) })),
    },
    headerHex: hex(headerBytes),
    fk: hex(fk),
    body: c.body,
    commitment: hex(commitment),
    ...(small && { payloadHex: hex(encodePayload(headerBytes, fk, body)) }),
    stamp: { ...fields, kid },
    stampInputHex: hex(encodeStampInput(fields, commitment)),
    tag: hex(stamp.tag),
    reporterId,
    ...(small ? { reportItemHex: hex(itemBytes) } : { reportItemSha256: hex(sha256(itemBytes)) }),
  };
});

// Negative vectors: a valid base item, changed in one way, with the reason §8.2 must give.
function baseItem(i: number, role: Role = 'recipient', kid = 'k2026-11', serverTime = T0 + 5000) {
  const header: MessageHeader = {
    version: 1, conversationId: 'conv-neg', senderId: 'mallory', clientMessageId: det('neg-cmid', i, 16), sentAt: serverTime - 100,
    seq: 1, prevCommitment: new Uint8Array(32), contentType: 'text/plain; charset=utf-8', attachments: [],
  };
  const headerBytes = encodeHeader(header);
  const fk = det('neg-fk', i);
  const body = utf8ToBytes(`negative vector ${i}`);
  const commitment = computeCommitment(fk, headerBytes, body);
  const fields = { messageId: `neg-${i}`, conversationId: 'conv-neg', senderId: 'mallory', recipientId: role === 'sender' ? 'mallory' : 'victim', role, serverTime };
  return { item: { stamp: { ...fields, kid, tag: stampTag(keyOf(kid), fields, commitment) }, commitment, fk, header: headerBytes, body } as ReportItem, header };
}
const flip = (b: Uint8Array, at: number) => { const c = b.slice(); c[at] = (c[at] as number) ^ 1; return c; };
const restamp = (item: ReportItem): ReportItem => ({ ...item, stamp: { ...item.stamp, tag: stampTag(keyOf(item.stamp.kid), item.stamp, item.commitment) } });

const negatives: Array<{ name: string; item?: ReportItem; bytes?: Uint8Array; reporterId: string; expected: string }> = [];
const neg = (name: string, expected: string, item: ReportItem, reporterId = 'victim') => negatives.push({ name, item, reporterId, expected });
{
  const { item } = baseItem(1);
  const other = baseItem(2).item;
  neg('tag bit flipped', 'stamp_invalid', { ...item, stamp: { ...item.stamp, tag: flip(item.stamp.tag, 0) } });
  neg('messageId changed', 'stamp_invalid', { ...item, stamp: { ...item.stamp, messageId: 'neg-999' } });
  neg('serverTime changed by 1 ms', 'stamp_invalid', { ...item, stamp: { ...item.stamp, serverTime: item.stamp.serverTime + 1 } });
  neg('conversationId in stamp changed', 'stamp_invalid', { ...item, stamp: { ...item.stamp, conversationId: 'conv-other' } });
  neg('senderId in stamp changed (blame someone else)', 'stamp_invalid', { ...item, stamp: { ...item.stamp, senderId: 'innocent' } });
  neg('commitment of another message', 'stamp_invalid', { ...item, commitment: other.commitment });
  neg('tag of another message', 'stamp_invalid', { ...item, stamp: { ...item.stamp, tag: other.stamp.tag } });
  neg('kid of another live key', 'stamp_invalid', { ...item, stamp: { ...item.stamp, kid: 'k2026-10' } });
  neg('unknown kid', 'unknown_key', { ...item, stamp: { ...item.stamp, kid: 'k1999-01' } });
  neg('body altered', 'commitment_mismatch', { ...item, body: utf8ToBytes('negative vector 1!') });
  neg('body of another message', 'commitment_mismatch', { ...item, body: other.body });
  neg('fk of another message', 'commitment_mismatch', { ...item, fk: other.fk });
  neg('fk bit flipped', 'commitment_mismatch', { ...item, fk: flip(item.fk, 31) });
  neg('header of another message', 'commitment_mismatch', { ...item, header: other.header });
  neg('header sentAt altered', 'commitment_mismatch', { ...item, header: flip(item.header, item.header.length - 30) });
  neg('reporter is not the recipient', 'not_a_party', item, 'bystander');
  neg('sender-role stamp reported by the recipient', 'not_a_party', baseItem(3, 'sender').item, 'victim');
  neg('recipient stamp reported by the sender', 'not_a_party', item, 'mallory');
  neg('retired key', 'retired_key', baseItem(4, 'recipient', 'k2026-09', T0 - 100 * 86400e3).item);
  // A leaked verify-only key minting a stamp after its rotation: a valid MAC, but not a stamp the server issued.
  neg('verify-only key used after its stamping period (leaked key)', 'stamp_invalid', baseItem(9, 'recipient', 'k2026-10', K11_CREATED + CLOCK_SKEW_MS).item);
  neg('stamp dated before its key was created', 'stamp_invalid', baseItem(10, 'recipient', 'k2026-11', K11_CREATED - CLOCK_SKEW_MS - 1).item);
  neg('verify-only key, stamp dated years later', 'stamp_invalid', baseItem(11, 'recipient', 'k2026-10', NOW).item);
  neg('expired: older than the report window', 'outside_window', restamp({ ...baseItem(5).item, stamp: { ...baseItem(5).item.stamp, kid: 'k2026-10', serverTime: NOW - DEFAULT_REPORT_WINDOW_MS - 1 } }));
  neg('dated in the future beyond clock skew', 'outside_window', restamp({ ...item, stamp: { ...item.stamp, serverTime: NOW + 10 * 60e3 } }));
  // A sender that committed to one conversation in the header while the server relayed (and stamped) another.
  {
    const h = { ...baseItem(6).header, conversationId: 'conv-elsewhere' };
    const headerBytes = encodeHeader(h);
    const fk = det('neg-fk', 6);
    const body = utf8ToBytes('header says another conversation');
    const c = computeCommitment(fk, headerBytes, body);
    neg('header conversation differs from stamp', 'header_mismatch', restamp({ stamp: { ...item.stamp, messageId: 'neg-6' }, commitment: c, fk, header: headerBytes, body }));
    const h2 = { ...baseItem(7).header, senderId: 'innocent' };
    const hb2 = encodeHeader(h2);
    const c2 = computeCommitment(fk, hb2, body);
    neg('header sender differs from stamp', 'header_mismatch', restamp({ stamp: { ...item.stamp, messageId: 'neg-7' }, commitment: c2, fk, header: hb2, body }));
    // A committed header that does not parse (a malicious sender's client): opens c, then fails step 7.
    const junk = utf8ToBytes('not a header');
    const c3 = computeCommitment(fk, junk, body);
    neg('committed header is not a header', 'malformed', restamp({ stamp: { ...item.stamp, messageId: 'neg-8' }, commitment: c3, fk, header: junk, body }));
  }
  const bytes = encodeReportItem(item);
  const rawNeg = (name: string, b: Uint8Array) => negatives.push({ name, bytes: b, reporterId: 'victim', expected: 'malformed' });
  rawNeg('truncated item', bytes.subarray(0, bytes.length - 1));
  rawNeg('trailing byte', Uint8Array.from([...bytes, 0]));
  rawNeg('unknown item version', Uint8Array.from([2, ...bytes.subarray(1)]));
  { const b = bytes.slice(); b[2] = 0x20; rawNeg('space inside messageId', b); }
  const roleAt = 1 + (1 + 5) + (1 + 8) + (1 + 7) + (1 + 6); // version, messageId, conversationId, senderId, recipientId
  { const b = bytes.slice(); b[roleAt] = 0x03; rawNeg('unknown role code', b); }
  rawNeg('empty input', new Uint8Array(0));
}

const out = {
  description:
    'Franking protocol v1 vectors (docs/PROTOCOL.md). Generated by scripts/make-vectors.ts; every key, fk and id is derived ' +
    'deterministically from SHA-256 of a fixed string. Bodies are hex, or {repeatHex, count}: repeatHex repeated count times. ' +
    'Bytes are lowercase hex. Large items give the SHA-256 of the encoded report item instead of its hex. ' +
    'Verify every vector at "now" with "windowMs" against "keys". A stamp verifies only if its serverTime lies in its ' +
    "kid's stamping period widened by the clock skew, [createdAt − 300000, rotatedAt + 300000) from \"keyring\" (§8.2 step 4). " +
    '"keys" lists the retired key\'s bytes only so that its negative vector\'s MAC can be checked; "keyring" (what a server ' +
    'stores) has null there, as §7.2 requires.',
  labels: { commitment: 'franking-chat/v1/commitment\\0', aeadAd: 'franking-chat/v1/aead-ad\\0', stamp: 'franking-chat/v1/stamp\\0' },
  now: NOW,
  windowMs: DEFAULT_REPORT_WINDOW_MS,
  keys: KEYS.map((k) => ({ kid: k.kid, key: hex(k.key), state: keyring.state(k.kid) })),
  keyring: keyring.toJSON(),
  vectors,
  negative: negatives.map((n) => ({
    name: n.name,
    reporterId: n.reporterId,
    reportItemHex: hex(n.bytes ?? encodeReportItem(n.item!)),
    expected: n.expected,
  })),
};
// "keys" publishes every key's bytes, the retired one's too, only so that an independent implementation can check
// that the retired-key negative carries a genuine MAC (its verdict comes from the key's state, not from a bad tag).
// "keyring" is what a server stores: there the retired key's bytes are null, as §7.2 requires.
writeFileSync(new URL('../test/vectors/franking.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${vectors.length} vectors and ${negatives.length} negative vectors to test/vectors/franking.json`);
