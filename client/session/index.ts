// Sessions: identity, prekeys, X3DH and the Double Ratchet carrying franked messages (docs/PROTOCOL-sessions.md).
export {
  deserializeIdentity,
  generateIdentity,
  type IdentityKeyPair,
  type PublicIdentity,
  publicIdentity,
  serializeIdentity,
  signWithIdentity,
  verifyWithIdentity,
} from './identity.ts';
export {
  decodeFetchedPreKeyBundle,
  type FetchedPreKeyBundle,
  type OneTimePreKeyJson,
  type OneTimePreKeyRecord,
  type PreKeyBundle,
  PreKeyStore,
  SIGNED_PREKEY_ROTATION_MS,
  type SignedPreKeyJson,
  type SignedPreKeyRecord,
  signedPreKeySignatureInput,
  type VerifiedPreKeyBundle,
  verifySignedPreKey,
} from './prekeys.ts';
export {
  formatSafetyNumber,
  safetyNumber,
  type SafetyNumberParty,
} from './safety-number.ts';
export {
  decodeFrankedEnvelope,
  encodeFrankedEnvelope,
  type FrankedEnvelope,
  type FrankedReceipt,
  type FrankingFailure,
  isPreKeyMessage,
  type ReceiveFrankedOptions,
  type Role as SessionRole,
  Session,
  type SessionOptions,
} from './session.ts';
export type { SessionCipherVersion, X25519KeyPair } from './_session-kdf.ts';
export {
  SESSION_ERROR_CODES,
  SessionError,
  type SessionErrorCode,
} from './session-errors.ts';
export {
  currentRemoteIdentity,
  currentSession,
  initiatedSessionRecord,
  keepsOwnInitiation,
  MAX_PREVIOUS_SESSIONS,
  type ReceiveWithRecordContext,
  receiveWithSessionRecord,
  type SessionRecord,
  type SessionRecordReceipt,
  withCurrentSession,
} from './session-record.ts';
