// The history archive's bytes (docs/PROTOCOL-devices.md D15): the versioned plaintext (D15.2) and its records (D15.3)
// with strict decoding, and the descriptor the source device sends over the link channel (D15.4). Encrypting is
// history-export.ts; the import checks of D15.5 are history-import.ts, which reads the plaintext with readHeader and
// readRecords so that the header is checked against the descriptor before any record is read (D15.5 step 3).
import { abytes, equalBytes, Reader, Writer } from '../crypto/_bytes.ts';
import { EncodingError } from '../crypto/errors.ts';
import { ATTACHMENT_PARAMS_LENGTH } from '../attachments/attachment-params.ts';
import { ID_PATTERN } from '../franking/ids.ts';
import { HISTORY_MAGIC } from './device-list.ts';
import { HistoryError } from './errors.ts';

/** D15.2 `formatVersion`. */
export const HISTORY_FORMAT_VERSION = 0x01;
/** D15.4 `HistoryDescriptor.version`. */
export const HISTORY_DESCRIPTOR_VERSION = 0x01;
/** D15.3 record types. */
export const HISTORY_RECORD_TYPES = { conversation: 0x01, message: 0x02, contact: 0x03, receiveChain: 0x04, blob: 0x05 } as const;
export type HistoryRecordType = keyof typeof HISTORY_RECORD_TYPES;
/** D15.4 `transport`. */
export const HISTORY_TRANSPORT_CODES = { blob: 0x01, inline: 0x02 } as const;
export type HistoryTransport = keyof typeof HISTORY_TRANSPORT_CODES;
/** D15.3 record 0x04: at most this many (seq, c, prevCommitment) entries. */
export const MAX_RECEIVE_CHAIN_ENTRIES = 1000;
/** D15.3 record 0x02 `flags`: bit 0 protocol message (PROTOCOL.md §8.4), bit 1 imported before; the others are 0. */
export const HISTORY_MESSAGE_FLAGS = { protocolMessage: 0x01, importedBefore: 0x02 } as const;

/** D15.3 `0x01`: a conversation. `appData` is the app's UTF-8 JSON; the SDK never parses it. */
export interface HistoryConversation {
  readonly type: 'conversation';
  readonly conversationId: string;
  readonly kind: 'direct' | 'group';
  /** The peer of a direct conversation; null for a group. */
  readonly peerAccountId: string | null;
  readonly appData: Uint8Array;
}
/** D15.3 `0x02`: one stored message; `reportItem` is the binary item of PROTOCOL.md §8.1, checked at import (D15.5 step 4). */
export interface HistoryMessage {
  readonly type: 'message';
  readonly direction: 'received' | 'sent';
  /** Received: the device that decrypted its copy; sent: the sending device. */
  readonly deliveredToDeviceId: number;
  readonly storedAt: number;
  /** HISTORY_MESSAGE_FLAGS bits. */
  readonly flags: number;
  readonly reportItem: Uint8Array;
}
/** D15.3 `0x03`: the source device's pin and safety-number state for one contact (a hint, D15.5 step 5). */
export interface HistoryContact {
  readonly type: 'contact';
  readonly accountId: string;
  readonly listVersion: number;
  readonly listHash: Uint8Array;
  /** IKsig ‖ IKdh of the founder device (D1), 64 bytes. */
  readonly founderKey: Uint8Array;
  readonly verified: boolean;
  /** 0 iff not verified. */
  readonly verifiedAt: number;
}
/** One entry of a receive chain (D15.3 `0x04`). */
export interface HistoryChainEntry {
  readonly seq: number;
  readonly commitment: Uint8Array;
  readonly prevCommitment: Uint8Array;
}
/** D15.3 `0x04`: a receive chain of (conversation, sender account, sender device). */
export interface HistoryReceiveChain {
  readonly type: 'receiveChain';
  readonly conversationId: string;
  readonly senderId: string;
  readonly senderDeviceId: number;
  readonly highestSeq: number;
  /** Strictly ascending seq, each 1 ≤ seq ≤ highestSeq; at most MAX_RECEIVE_CHAIN_ENTRIES. */
  readonly entries: readonly HistoryChainEntry[];
}
/** D15.3 `0x05`: an attachment blob a message references (PROTOCOL.md §11.1), kept as evidence. */
export interface HistoryBlob {
  readonly type: 'blob';
  readonly blobId: string;
  readonly ciphertext: Uint8Array;
}
export type HistoryRecord = HistoryConversation | HistoryMessage | HistoryContact | HistoryReceiveChain | HistoryBlob;

/** D15.2: the archive's plaintext. Records of an unknown type are skipped by the decoder and never written. */
export interface HistoryArchive {
  readonly accountId: string;
  readonly sourceDeviceId: number;
  /** The one device that may import it. */
  readonly targetDeviceId: number;
  readonly createdAt: number;
  /** A list of accountId (in the source's verified chain) containing both devices. */
  readonly listVersion: number;
  readonly listHash: Uint8Array;
  /** In the order of D15.2: contacts, conversations, receive chains, messages, blobs. */
  readonly records: readonly HistoryRecord[];
}

/** D15.4: what the source device sends over the link channel. */
export interface HistoryDescriptor {
  readonly accountId: string;
  readonly sourceDeviceId: number;
  readonly targetDeviceId: number;
  readonly archiveKey: Uint8Array;
  /** Scheme-1 parameters (17 bytes, PROTOCOL.md §11.1). */
  readonly params: Uint8Array;
  readonly ciphertextDigest: Uint8Array;
  /** Plaintext bytes. */
  readonly size: number;
  readonly transport: HistoryTransport;
  /** The blob store's id (transport blob); null for inline. */
  readonly blobId: string | null;
}

const malformed = (what: string): HistoryError => new HistoryError('malformed', what);
const isU32 = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff_ffff;
const isU64 = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const checkId = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || !ID_PATTERN.test(v)) throw malformed(`${name}: expected an id matching ${ID_PATTERN}`);
  return v;
};
const checkU32 = (n: unknown, name: string, min = 0): number => {
  if (!isU32(n) || n < min) throw malformed(`${name}: expected u32 ≥ ${min}, got ${String(n)}`);
  return n;
};
const checkU64 = (n: unknown, name: string): number => {
  if (!isU64(n)) throw malformed(`${name}: expected u64, got ${String(n)}`);
  return n;
};
const checkBytes = (b: unknown, len: number | undefined, name: string): Uint8Array => {
  if (!(b instanceof Uint8Array) || (len !== undefined && b.length !== len)) throw malformed(`${name}: expected ${len ?? 'a byte string of'} bytes`);
  if (b.length > 0xffff_ffff) throw malformed(`${name}: longer than a vec32`);
  return b;
};

/** D15.2: the rank of each known type in the record order (contacts, conversations, receive chains, messages, blobs). */
const RANK: Record<HistoryRecordType, number> = { contact: 0, conversation: 1, receiveChain: 2, message: 3, blob: 4 };
const TYPE_BY_CODE = new Map<number, HistoryRecordType>(Object.entries(HISTORY_RECORD_TYPES).map(([k, c]) => [c, k as HistoryRecordType]));

/** D15.3 field rules shared by the encoder and decoder, so that decode(encode(x)) = x. */
function checkRecord(rec: HistoryRecord, at: string): void {
  switch (rec.type) {
    case 'conversation':
      checkId(rec.conversationId, `${at}.conversationId`);
      if (rec.kind === 'direct') checkId(rec.peerAccountId, `${at}.peerAccountId`);
      else if (rec.kind !== 'group' || rec.peerAccountId !== null) throw malformed(`${at}: kind group has no peerAccountId; kind is direct or group`);
      checkBytes(rec.appData, undefined, `${at}.appData`);
      return;
    case 'message':
      if (rec.direction !== 'received' && rec.direction !== 'sent') throw malformed(`${at}.direction: expected received or sent`);
      checkU32(rec.deliveredToDeviceId, `${at}.deliveredToDeviceId`, 1);
      checkU64(rec.storedAt, `${at}.storedAt`);
      if (!Number.isInteger(rec.flags) || rec.flags < 0 || rec.flags > 0x03) throw malformed(`${at}.flags: only bits 0 and 1 may be set`);
      checkBytes(rec.reportItem, undefined, `${at}.reportItem`);
      return;
    case 'contact':
      checkId(rec.accountId, `${at}.accountId`);
      checkU64(rec.listVersion, `${at}.listVersion`);
      if (rec.listVersion < 1) throw malformed(`${at}.listVersion: expected ≥ 1`);
      checkBytes(rec.listHash, 32, `${at}.listHash`);
      checkBytes(rec.founderKey, 64, `${at}.founderKey`);
      if (typeof rec.verified !== 'boolean') throw malformed(`${at}.verified: expected 0 or 1`);
      checkU64(rec.verifiedAt, `${at}.verifiedAt`);
      if (!rec.verified && rec.verifiedAt !== 0) throw malformed(`${at}.verifiedAt: 0 when not verified`);
      return;
    case 'receiveChain': {
      checkId(rec.conversationId, `${at}.conversationId`);
      checkId(rec.senderId, `${at}.senderId`);
      checkU32(rec.senderDeviceId, `${at}.senderDeviceId`, 1);
      checkU32(rec.highestSeq, `${at}.highestSeq`);
      if (!Array.isArray(rec.entries) || rec.entries.length > MAX_RECEIVE_CHAIN_ENTRIES) throw malformed(`${at}.n: expected at most ${MAX_RECEIVE_CHAIN_ENTRIES} entries`);
      let prev = 0;
      for (const [i, e] of rec.entries.entries()) {
        checkU32(e.seq, `${at}.entries[${i}].seq`, 1);
        if (e.seq <= prev || e.seq > rec.highestSeq) throw malformed(`${at}.entries[${i}].seq: strictly ascending and ≤ highestSeq`);
        prev = e.seq;
        checkBytes(e.commitment, 32, `${at}.entries[${i}].c`);
        checkBytes(e.prevCommitment, 32, `${at}.entries[${i}].prevCommitment`);
      }
      return;
    }
    case 'blob':
      checkId(rec.blobId, `${at}.blobId`);
      checkBytes(rec.ciphertext, undefined, `${at}.ciphertext`);
      return;
    default:
      throw malformed(`${at}.type: unknown record type ${String((rec as { type: unknown }).type)}`);
  }
}

function checkArchiveHeader(a: Omit<HistoryArchive, 'records'>): void {
  checkId(a.accountId, 'accountId');
  checkU32(a.sourceDeviceId, 'sourceDeviceId', 1);
  checkU32(a.targetDeviceId, 'targetDeviceId', 1);
  if (a.sourceDeviceId === a.targetDeviceId) throw malformed('targetDeviceId: equal to sourceDeviceId');
  checkU64(a.createdAt, 'createdAt');
  checkU64(a.listVersion, 'listVersion');
  if (a.listVersion < 1) throw malformed('listVersion: expected ≥ 1');
  checkBytes(a.listHash, 32, 'listHash');
}

function encodeRecordBody(rec: HistoryRecord): Uint8Array {
  const w = new Writer(64);
  switch (rec.type) {
    case 'conversation':
      w.ascii8(rec.conversationId).u8(rec.kind === 'direct' ? 1 : 2);
      if (rec.kind === 'direct') w.ascii8(rec.peerAccountId as string);
      w.vec32(rec.appData);
      break;
    case 'message':
      w.u8(rec.direction === 'received' ? 1 : 2).u32(rec.deliveredToDeviceId).u64(rec.storedAt).u8(rec.flags).vec32(rec.reportItem);
      break;
    case 'contact':
      w.ascii8(rec.accountId).u64(rec.listVersion).fixed(rec.listHash, 32, 'listHash').fixed(rec.founderKey, 64, 'founderKey');
      w.u8(rec.verified ? 1 : 0).u64(rec.verifiedAt);
      break;
    case 'receiveChain':
      w.ascii8(rec.conversationId).ascii8(rec.senderId).u32(rec.senderDeviceId).u32(rec.highestSeq).u16(rec.entries.length);
      for (const e of rec.entries) w.u32(e.seq).fixed(e.commitment, 32, 'c').fixed(e.prevCommitment, 32, 'prevCommitment');
      break;
    case 'blob':
      w.ascii8(rec.blobId).vec32(rec.ciphertext);
      break;
  }
  return w.finish();
}

/** D15.2: the canonical plaintext. Throws HistoryError `malformed` for anything the decoder would refuse (records out of order included). */
export function encodeHistoryArchive(archive: HistoryArchive): Uint8Array {
  checkArchiveHeader(archive);
  const records: readonly HistoryRecord[] = archive.records;
  if (!Array.isArray(records as unknown) || records.length > 0xffff_ffff) throw malformed('records: expected an array');
  const w = new Writer(256);
  w.fixed(HISTORY_MAGIC, HISTORY_MAGIC.length, 'magic').u8(HISTORY_FORMAT_VERSION).ascii8(archive.accountId).u32(archive.sourceDeviceId).u32(archive.targetDeviceId);
  w.u64(archive.createdAt).u64(archive.listVersion).fixed(archive.listHash, 32, 'listHash').u32(records.length);
  let rank = 0;
  for (const [i, rec] of records.entries()) {
    checkRecord(rec, `records[${i}]`);
    if (RANK[rec.type] < rank) throw malformed(`records[${i}]: a ${rec.type} record after a later type (D15.2 order)`);
    rank = RANK[rec.type];
    w.u8(HISTORY_RECORD_TYPES[rec.type]).vec32(encodeRecordBody(rec));
  }
  return w.finish();
}

/** Runs a Reader-based parse; every truncation or trailing byte becomes HistoryError `malformed`. */
function parse<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof EncodingError) throw malformed(`${what}: ${e.message}`);
    throw e;
  }
}

function decodeRecordBody(type: HistoryRecordType, body: Uint8Array, at: string): HistoryRecord {
  return parse(at, (): HistoryRecord => {
    const r = new Reader(body);
    let rec: HistoryRecord;
    switch (type) {
      case 'conversation': {
        const conversationId = r.ascii8('conversationId');
        const kind = r.u8('kind');
        if (kind !== 1 && kind !== 2) throw malformed(`${at}.kind: expected 1 or 2, got ${kind}`);
        const peerAccountId = kind === 1 ? r.ascii8('peerAccountId') : null;
        rec = { type, conversationId, kind: kind === 1 ? 'direct' : 'group', peerAccountId, appData: r.vec32('appData').slice() };
        break;
      }
      case 'message': {
        const direction = r.u8('direction');
        if (direction !== 1 && direction !== 2) throw malformed(`${at}.direction: expected 1 or 2, got ${direction}`);
        rec = {
          type, direction: direction === 1 ? 'received' : 'sent', deliveredToDeviceId: r.u32('deliveredToDeviceId'), storedAt: r.u64('storedAt'), flags: r.u8('flags'),
          reportItem: r.vec32('reportItem').slice(),
        };
        break;
      }
      case 'contact': {
        const accountId = r.ascii8('accountId');
        const listVersion = r.u64('listVersion');
        const listHash = r.fixed(32, 'listHash').slice();
        const founderKey = r.fixed(64, 'founderKey').slice();
        const verified = r.u8('verified');
        if (verified > 1) throw malformed(`${at}.verified: expected 0 or 1, got ${verified}`);
        rec = { type, accountId, listVersion, listHash, founderKey, verified: verified === 1, verifiedAt: r.u64('verifiedAt') };
        break;
      }
      case 'receiveChain': {
        const conversationId = r.ascii8('conversationId');
        const senderId = r.ascii8('senderId');
        const senderDeviceId = r.u32('senderDeviceId');
        const highestSeq = r.u32('highestSeq');
        const n = r.u16('n');
        if (n > MAX_RECEIVE_CHAIN_ENTRIES) throw malformed(`${at}.n: expected at most ${MAX_RECEIVE_CHAIN_ENTRIES}, got ${n}`);
        const entries: HistoryChainEntry[] = [];
        for (let i = 0; i < n; i++) entries.push({ seq: r.u32('seq'), commitment: r.fixed(32, 'c').slice(), prevCommitment: r.fixed(32, 'prevCommitment').slice() });
        rec = { type, conversationId, senderId, senderDeviceId, highestSeq, entries };
        break;
      }
      case 'blob':
        rec = { type, blobId: r.ascii8('blobId'), ciphertext: r.vec32('ciphertext').slice() };
        break;
    }
    r.end(at);
    checkRecord(rec, at);
    return rec;
  });
}

/** Reads D15.2 up to and including recordCount; `malformed` on a wrong magic or a truncation, `unsupported_version` on another formatVersion. For history-import.ts (not in the public surface). */
export function readHeader(r: Reader): Omit<HistoryArchive, 'records'> & { recordCount: number } {
  return parse('HistoryArchive', () => {
    const magic = r.fixed(HISTORY_MAGIC.length, 'magic');
    if (!equalBytes(magic, HISTORY_MAGIC)) throw malformed('magic: not a history archive');
    const formatVersion = r.u8('formatVersion');
    if (formatVersion !== HISTORY_FORMAT_VERSION) throw new HistoryError('unsupported_version', `formatVersion: expected ${HISTORY_FORMAT_VERSION}, got ${formatVersion}`);
    const header = {
      accountId: r.ascii8('accountId'), sourceDeviceId: r.u32('sourceDeviceId'), targetDeviceId: r.u32('targetDeviceId'), createdAt: r.u64('createdAt'),
      listVersion: r.u64('listVersion'), listHash: r.fixed(32, 'listHash').slice(), recordCount: r.u32('recordCount'),
    };
    checkArchiveHeader(header);
    return header;
  });
}

/** Reads recordCount records and requires the end of the bytes; unknown types are skipped (D15.2). For history-import.ts (not in the public surface). */
export function readRecords(r: Reader, recordCount: number): HistoryRecord[] {
  return parse('HistoryArchive', () => {
    const records: HistoryRecord[] = [];
    let rank = 0;
    for (let i = 0; i < recordCount; i++) {
      const code = r.u8(`records[${i}].type`);
      const body = r.vec32(`records[${i}].body`);
      const type = TYPE_BY_CODE.get(code);
      if (type === undefined) continue;
      if (RANK[type] < rank) throw malformed(`records[${i}]: a ${type} record after a later type (D15.2 order)`);
      rank = RANK[type];
      records.push(decodeRecordBody(type, body, `records[${i}]`));
    }
    r.end('HistoryArchive');
    return records;
  });
}

/** D15.2–D15.3: strict decoding of a plaintext, without D15.5's checks against a descriptor (see openHistoryArchive). */
export function decodeHistoryArchive(bytes: Uint8Array): HistoryArchive {
  abytes(bytes, undefined, 'bytes');
  const r = new Reader(bytes);
  const { recordCount, ...header } = readHeader(r);
  return { ...header, records: readRecords(r, recordCount) };
}

/** D15.4: the descriptor's bytes. Throws HistoryError `malformed` for what the decoder would refuse. */
export function encodeHistoryDescriptor(d: HistoryDescriptor): Uint8Array {
  checkDescriptor(d);
  const w = new Writer(256);
  w.u8(HISTORY_DESCRIPTOR_VERSION).ascii8(d.accountId).u32(d.sourceDeviceId).u32(d.targetDeviceId).fixed(d.archiveKey, 32, 'archiveKey');
  w.vec8(d.params).fixed(d.ciphertextDigest, 32, 'ciphertextDigest').u64(d.size).u8(HISTORY_TRANSPORT_CODES[d.transport]);
  if (d.transport === 'blob') w.ascii8(d.blobId as string);
  return w.finish();
}

/** D15.4 value rules of a descriptor; for history-import.ts too (not in the public surface). */
export function checkDescriptor(d: HistoryDescriptor): void {
  checkId(d.accountId, 'accountId');
  checkU32(d.sourceDeviceId, 'sourceDeviceId', 1);
  checkU32(d.targetDeviceId, 'targetDeviceId', 1);
  if (d.sourceDeviceId === d.targetDeviceId) throw malformed('targetDeviceId: equal to sourceDeviceId');
  checkBytes(d.archiveKey, 32, 'archiveKey');
  checkBytes(d.params, ATTACHMENT_PARAMS_LENGTH, 'params');
  checkBytes(d.ciphertextDigest, 32, 'ciphertextDigest');
  checkU64(d.size, 'size');
  if (d.transport === 'blob') checkId(d.blobId, 'blobId');
  else if (d.transport !== 'inline' || d.blobId !== null) throw malformed('transport: blob with a blobId, or inline without one');
}

/** D15.4: strict decoding; `unsupported_version` for another version, `malformed` for anything else that is not canonical. */
export function decodeHistoryDescriptor(bytes: Uint8Array): HistoryDescriptor {
  abytes(bytes, undefined, 'bytes');
  return parse('HistoryDescriptor', () => {
    const r = new Reader(bytes);
    const version = r.u8('version');
    if (version !== HISTORY_DESCRIPTOR_VERSION) throw new HistoryError('unsupported_version', `version: expected ${HISTORY_DESCRIPTOR_VERSION}, got ${version}`);
    const accountId = r.ascii8('accountId');
    const sourceDeviceId = r.u32('sourceDeviceId');
    const targetDeviceId = r.u32('targetDeviceId');
    const archiveKey = r.fixed(32, 'archiveKey').slice();
    const params = r.vec8('params').slice();
    const ciphertextDigest = r.fixed(32, 'ciphertextDigest').slice();
    const size = r.u64('size');
    const t = r.u8('transport');
    if (t !== 1 && t !== 2) throw malformed(`transport: expected 1 or 2, got ${t}`);
    const d: HistoryDescriptor = {
      accountId, sourceDeviceId, targetDeviceId, archiveKey, params, ciphertextDigest, size, transport: t === 1 ? 'blob' : 'inline', blobId: t === 1 ? r.ascii8('blobId') : null,
    };
    r.end('HistoryDescriptor');
    checkDescriptor(d);
    return d;
  });
}
