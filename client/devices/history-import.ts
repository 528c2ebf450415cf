// Importing the history archive (docs/PROTOCOL-devices.md D15.5), in the spec's order: the descriptor names this
// account and device (step 1), decryption by PROTOCOL.md §11.5 (step 2), the header against the descriptor and this
// device's own verified chain before any record is read (step 3), then each message record on its own — its item
// decodes, its commitment opens, its header fits its stamp, its stamp names this account (step 4) — skipping what is
// held (step 5) and keeping the delivery device and origin (step 6). Pure functions: storing what passes is the chat's.
import { abytes, equalBytes, Reader } from '../crypto/_bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { ATTACHMENT_SCHEME_CHUNKED_AES_GCM, type EngineOptions } from '../attachments/attachment-params.ts';
import { decryptAttachmentToBytes } from '../attachments/attachment-decryptor.ts';
import { computeCommitment } from '../franking/franking.ts';
import { decodeHeader, type MessageHeader } from '../franking/header.ts';
import { decodeReportItem, type ReportItem } from '../franking/report-item.ts';
import { HistoryError } from './errors.ts';
import {
  checkDescriptor, type HistoryArchive, type HistoryContact, type HistoryConversation, type HistoryBlob, type HistoryDescriptor, type HistoryMessage,
  type HistoryReceiveChain, type HistoryRecord, readHeader, readRecords,
} from './history-codec.ts';
import type { VerifiedDeviceList } from './verify-list.ts';

/** Who is importing (D15.5 steps 1, 3, 4): this account, this device, and this device's own verified chain. */
export interface HistoryImportContext {
  readonly accountId: string;
  readonly deviceId: number;
  /** This device's verified lists of its own account (D5.2); the archive's (listVersion, listHash) must be one of them. */
  readonly ownLists: readonly VerifiedDeviceList[];
}

const wrongArchive = (what: string): never => {
  throw new HistoryError('wrong_archive', what);
};

/** D15.5 step 1: the descriptor names this account and this device. (That it came over this account's link channel is the caller's.) */
export function checkHistoryDescriptor(d: HistoryDescriptor, ctx: Pick<HistoryImportContext, 'accountId' | 'deviceId'>): void {
  if (d.accountId !== ctx.accountId) wrongArchive(`descriptor for account ${d.accountId}, not ${ctx.accountId}`);
  if (d.targetDeviceId !== ctx.deviceId) wrongArchive(`descriptor for device ${d.targetDeviceId}, not ${ctx.deviceId}`);
}

/** D15.5 step 3 over a decrypted plaintext: header against the descriptor and the own chain, then the records. */
export function openHistoryArchive(plaintext: Uint8Array, d: HistoryDescriptor, ctx: HistoryImportContext): HistoryArchive {
  abytes(plaintext, undefined, 'plaintext');
  const r = new Reader(plaintext);
  const { recordCount, ...header } = readHeader(r);
  if (header.accountId !== d.accountId) wrongArchive(`archive of account ${header.accountId}, the descriptor names ${d.accountId}`);
  if (header.sourceDeviceId !== d.sourceDeviceId || header.targetDeviceId !== d.targetDeviceId)
    wrongArchive(`archive from device ${header.sourceDeviceId} to ${header.targetDeviceId}, the descriptor names ${d.sourceDeviceId} to ${d.targetDeviceId}`);
  const list = ctx.ownLists.find((l) => l.signed.list.listVersion === header.listVersion && equalBytes(l.listHash, header.listHash));
  if (list === undefined || list.signed.list.accountId !== ctx.accountId) return wrongArchive(`list version ${header.listVersion} with that hash is not in this device's verified chain`);
  for (const id of [header.sourceDeviceId, header.targetDeviceId])
    if (!list.signed.list.devices.some((e) => e.deviceId === id)) wrongArchive(`device ${id} is not in list version ${header.listVersion}`);
  return { ...header, records: readRecords(r, recordCount) };
}

/** D15.5 steps 1–3: checks the descriptor, decrypts by PROTOCOL.md §11.5 (AttachmentError on any failure) and opens the archive. */
export async function decryptHistoryArchive(d: HistoryDescriptor, ciphertext: Uint8Array, ctx: HistoryImportContext, opts: EngineOptions = {}): Promise<HistoryArchive> {
  checkDescriptor(d);
  checkHistoryDescriptor(d, ctx);
  const plaintext = await decryptAttachmentToBytes(
    { scheme: ATTACHMENT_SCHEME_CHUNKED_AES_GCM, key: d.archiveKey, params: d.params, ciphertextDigest: d.ciphertextDigest, size: d.size },
    ciphertext,
    opts,
  );
  return openHistoryArchive(plaintext, d, ctx);
}

/** Why a message record was dropped at D15.5 step 4. */
export type HistoryDropReason = 'malformed_item' | 'commitment' | 'header' | 'not_own';

/** A message that passed D15.5 step 4 and was not held (step 5), kept with its delivery device and origin (step 6). */
export interface ImportedHistoryMessage {
  readonly item: ReportItem;
  readonly header: MessageHeader;
  readonly direction: 'received' | 'sent';
  readonly deliveredToDeviceId: number;
  readonly storedAt: number;
  readonly flags: number;
  /** The archive's sourceDeviceId. */
  readonly importedFrom: number;
}

export interface HistoryImport {
  readonly messages: readonly ImportedHistoryMessage[];
  /** Message records that failed step 4, in archive order ("3 messages could not be checked and were not imported"). */
  readonly dropped: readonly { readonly index: number; readonly reason: HistoryDropReason }[];
  /** messageIds skipped because they are already held (or repeated in the archive). */
  readonly skipped: readonly string[];
  /** Hints only (step 5): re-verify each contact's list before using its pin. */
  readonly contacts: readonly HistoryContact[];
  readonly conversations: readonly HistoryConversation[];
  readonly receiveChains: readonly HistoryReceiveChain[];
  readonly blobs: readonly HistoryBlob[];
}

export interface ImportHistoryOptions {
  /** Whether this device already holds a message (step 5). */
  readonly isHeld?: (messageId: string) => boolean;
  readonly crypto?: CryptoProvider;
}

/** D15.5 step 4 for one message record: the reason it is dropped, or the decoded item and header. */
export function checkHistoryMessage(rec: HistoryMessage, ownAccountId: string, crypto?: CryptoProvider): { item: ReportItem; header: MessageHeader } | HistoryDropReason {
  let item: ReportItem;
  try {
    item = decodeReportItem(rec.reportItem);
  } catch {
    return 'malformed_item';
  }
  const c = computeCommitment(item.fk, item.header, item.body, crypto?.hmacSha256.bind(crypto));
  if (!equalBytes(c, item.commitment)) return 'commitment';
  let header: MessageHeader;
  try {
    header = decodeHeader(item.header);
  } catch {
    return 'header';
  }
  if (header.conversationId !== item.stamp.conversationId || header.senderId !== item.stamp.senderId) return 'header';
  const s = item.stamp;
  const own = rec.direction === 'received' ? s.role === 'recipient' && s.recipientId === ownAccountId : s.role === 'sender' && s.senderId === ownAccountId;
  return own ? { item, header } : 'not_own';
}

/** D15.5 steps 4–6 over an opened archive: pure, nothing is stored. */
export function importHistoryRecords(archive: HistoryArchive, ownAccountId: string, opts: ImportHistoryOptions = {}): HistoryImport {
  const messages: ImportedHistoryMessage[] = [];
  const dropped: { index: number; reason: HistoryDropReason }[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const [index, rec] of archive.records.entries()) {
    if (rec.type !== 'message') continue;
    const checked = checkHistoryMessage(rec, ownAccountId, opts.crypto);
    if (typeof checked === 'string') {
      dropped.push({ index, reason: checked });
      continue;
    }
    const id = checked.item.stamp.messageId;
    if (seen.has(id) || opts.isHeld?.(id) === true) {
      skipped.push(id);
      continue;
    }
    seen.add(id);
    messages.push({ ...checked, direction: rec.direction, deliveredToDeviceId: rec.deliveredToDeviceId, storedAt: rec.storedAt, flags: rec.flags, importedFrom: archive.sourceDeviceId });
  }
  const of = <T extends HistoryRecord['type']>(t: T) => archive.records.filter((r): r is Extract<HistoryRecord, { type: T }> => r.type === t);
  return { messages, dropped, skipped, contacts: of('contact'), conversations: of('conversation'), receiveChains: of('receiveChain'), blobs: of('blob') };
}
