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
  type PreKeyBundle,
  PreKeyStore,
  SIGNED_PREKEY_ROTATION_MS,
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
  Session,
} from './session.ts';
export {
  SessionError,
  type SessionErrorCode,
} from './session-errors.ts';
