// Exporting the history archive (docs/PROTOCOL-devices.md D15.4): the canonical plaintext (history-codec.ts) encrypted
// as a scheme-1 attachment (PROTOCOL.md §11.1–§11.4), with the descriptor the source device sends over the link channel.
import type { EncryptOptions } from '../attachments/attachment-params.ts';
import { encryptAttachmentToBytes } from '../attachments/attachment-encryptor.ts';
import { encodeHistoryArchive, type HistoryArchive, type HistoryDescriptor } from './history-codec.ts';

/**
 * D15.4: encodes and encrypts an archive as a scheme-1 attachment. The descriptor says `inline`; for the blob store,
 * upload `ciphertext` and send `{ ...descriptor, transport: 'blob', blobId }`. Key and salt are fresh unless given.
 */
export async function encryptHistoryArchive(archive: HistoryArchive, opts: EncryptOptions = {}): Promise<{ ciphertext: Uint8Array; descriptor: HistoryDescriptor }> {
  const plaintext = encodeHistoryArchive(archive);
  const { blob, attachment } = await encryptAttachmentToBytes(plaintext, opts);
  const descriptor: HistoryDescriptor = {
    accountId: archive.accountId, sourceDeviceId: archive.sourceDeviceId, targetDeviceId: archive.targetDeviceId, archiveKey: attachment.key, params: attachment.params,
    ciphertextDigest: attachment.ciphertextDigest, size: attachment.size, transport: 'inline', blobId: null,
  };
  return { ciphertext: blob, descriptor };
}
