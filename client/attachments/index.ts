// Attachments: key-committing chunked encryption (docs/PROTOCOL.md §11). Pure crypto; transfer is in transport/.
export {
  ATTACHMENT_COMMIT_LABEL,
  ATTACHMENT_DIGEST_LABEL,
  ATTACHMENT_KEY_LABEL,
  ATTACHMENT_KEY_LENGTH,
  ATTACHMENT_PARAMS_LENGTH,
  ATTACHMENT_SALT_LENGTH,
  ATTACHMENT_SCHEME_CHUNKED_AES_GCM,
  attachmentBlobLength,
  attachmentChunkCount,
  type AttachmentEngineName,
  type AttachmentParams,
  type AttachmentSecrets,
  type ByteSource,
  CHUNK_NONCE_LENGTH,
  CHUNK_TAG_LENGTH,
  chunkNonce,
  decodeAttachmentParams,
  DEFAULT_LOG2_CHUNK_SIZE,
  deriveAttachmentKeys,
  encodeAttachmentParams,
  type EncryptedAttachment,
  type EncryptOptions,
  type EngineOptions,
  KEY_COMMITMENT_LENGTH,
  MAX_LOG2_CHUNK_SIZE,
  MIN_LOG2_CHUNK_SIZE,
} from './attachment-params.ts';
export {
  AttachmentEncryptor,
  encryptAttachment,
  encryptAttachmentToBytes,
  type EncryptingAttachment,
} from './attachment-encryptor.ts';
export {
  AttachmentDecryptor,
  attachmentDigest,
  decryptAttachment,
  decryptAttachmentToBytes,
} from './attachment-decryptor.ts';
export {
  ATTACHMENT_ERROR_CODES,
  AttachmentError,
  type AttachmentErrorCode,
} from './attachment-errors.ts';
