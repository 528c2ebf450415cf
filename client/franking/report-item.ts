// A revealed message in a report (docs/PROTOCOL.md §8.1): the stamp the reporter received plus the
// opening (c, fk, header, body). Binary form for vectors and storage; JSON form for the HTTP API.
import { Reader, Writer, abytes, fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import { FrankingError, asFrankingError } from './errors.ts';
import { COMMITMENT_LENGTH, FK_LENGTH } from './franking.ts';
import { isValidId } from './ids.ts';
import { PROTOCOL_VERSION } from './labels.ts';
import { ROLE_CODES, type Role, type Stamp, type StampFields, TAG_LENGTH, checkStampFields } from './stamp.ts';

export interface ReportItem {
  stamp: Stamp;
  commitment: Uint8Array;
  fk: Uint8Array;
  /** The encoded franked header, exactly as committed. */
  header: Uint8Array;
  body: Uint8Array;
}

/** A stamp in the JSON form: the same fields, the tag as base64url. */
export interface StampJson extends StampFields {
  kid: string;
  tag: string;
}

export interface ReportItemJson {
  stamp: StampJson;
  commitment: string;
  fk: string;
  header: string;
  body: string;
}

const roleFromCode = (code: number): Role => {
  for (const [role, c] of Object.entries(ROLE_CODES)) if (c === code) return role as Role;
  throw new FrankingError('malformed', `stamp.role: unknown code ${code}`);
};

/** Structural checks shared by every entry point (§8.1); throws FrankingError('malformed'). */
export function checkReportItem(item: ReportItem): void {
  if (!item || typeof item !== 'object' || !item.stamp || typeof item.stamp !== 'object')
    throw new FrankingError('malformed', 'report item: expected {stamp, commitment, fk, header, body}');
  checkStampFields(item.stamp);
  if (!isValidId(item.stamp.kid)) throw new FrankingError('malformed', 'stamp.kid: expected id');
  const lengths: Array<[unknown, number | undefined, string]> = [
    [item.stamp.tag, TAG_LENGTH, 'stamp.tag'],
    [item.commitment, COMMITMENT_LENGTH, 'commitment'],
    [item.fk, FK_LENGTH, 'fk'],
    [item.header, undefined, 'header'],
    [item.body, undefined, 'body'],
  ];
  for (const [value, length, name] of lengths) {
    if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length))
      throw new FrankingError('malformed', `${name}: expected ${length ?? 'a byte string'}${length ? ' bytes' : ''}`);
  }
  if (item.header.length > 0xffff) throw new FrankingError('malformed', 'header: longer than 65535 bytes');
}

/** The binary form of a report item (§8.1), used by the vectors and for storage. */
export function encodeReportItem(item: ReportItem): Uint8Array {
  checkReportItem(item);
  const s = item.stamp;
  return new Writer(200 + item.header.length + item.body.length)
    .u8(PROTOCOL_VERSION)
    .ascii8(s.messageId)
    .ascii8(s.conversationId)
    .ascii8(s.senderId)
    .ascii8(s.recipientId)
    .u8(ROLE_CODES[s.role])
    .u64(s.serverTime)
    .ascii8(s.kid)
    .fixed(s.tag, TAG_LENGTH, 'stamp.tag')
    .fixed(item.commitment, COMMITMENT_LENGTH, 'commitment')
    .fixed(item.fk, FK_LENGTH, 'fk')
    .vec16(item.header)
    .vec32(item.body)
    .finish();
}

/** Inverse of encodeReportItem; throws FrankingError('malformed') for anything that is not exactly one item. */
export function decodeReportItem(bytes: Uint8Array): ReportItem {
  return asFrankingError(() => decodeReportItemBytes(bytes));
}

function decodeReportItemBytes(bytes: Uint8Array): ReportItem {
  const r = new Reader(abytes(bytes, undefined, 'report item'));
  const version = r.u8('version');
  if (version !== PROTOCOL_VERSION) throw new FrankingError('malformed', `report item version: unsupported ${version}`);
  const id = (name: string) => r.ascii8(name);
  const stamp: Stamp = {
    messageId: id('stamp.messageId'),
    conversationId: id('stamp.conversationId'),
    senderId: id('stamp.senderId'),
    recipientId: id('stamp.recipientId'),
    role: roleFromCode(r.u8('stamp.role')),
    serverTime: r.u64('stamp.serverTime'),
    kid: id('stamp.kid'),
    tag: r.fixed(TAG_LENGTH, 'stamp.tag').slice(),
  };
  const item: ReportItem = {
    stamp,
    commitment: r.fixed(COMMITMENT_LENGTH, 'commitment').slice(),
    fk: r.fixed(FK_LENGTH, 'fk').slice(),
    header: r.vec16('header').slice(),
    body: r.vec32('body').slice(),
  };
  r.end('report item');
  checkReportItem(item);
  return item;
}

/** The JSON form of a report item (base64url byte strings), as the HTTP API's ReportItem schema expects. */
export function reportItemToJson(item: ReportItem): ReportItemJson {
  checkReportItem(item);
  const { tag, ...fields } = item.stamp;
  return {
    stamp: { ...fields, tag: toBase64Url(tag) },
    commitment: toBase64Url(item.commitment),
    fk: toBase64Url(item.fk),
    header: toBase64Url(item.header),
    body: toBase64Url(item.body),
  };
}

/** Parses the JSON form; anything but exactly the documented shape is FrankingError('malformed'). */
export function reportItemFromJson(json: unknown): ReportItem {
  return asFrankingError(() => reportItemFromJsonFields(json));
}

function reportItemFromJsonFields(json: unknown): ReportItem {
  const j = json as ReportItemJson;
  if (!j || typeof j !== 'object' || !j.stamp || typeof j.stamp !== 'object')
    throw new FrankingError('malformed', 'report item: expected {stamp, commitment, fk, header, body}');
  const s = j.stamp;
  const item: ReportItem = {
    stamp: {
      messageId: s.messageId,
      conversationId: s.conversationId,
      senderId: s.senderId,
      recipientId: s.recipientId,
      role: s.role,
      serverTime: s.serverTime,
      kid: s.kid,
      tag: fromBase64Url(s.tag, 'stamp.tag'),
    },
    commitment: fromBase64Url(j.commitment, 'commitment'),
    fk: fromBase64Url(j.fk, 'fk'),
    header: fromBase64Url(j.header, 'header'),
    body: fromBase64Url(j.body, 'body'),
  };
  checkReportItem(item);
  return item;
}
