// The SDK's one door to ts-mls (RFC 9420): every other module of client/ takes MLS types and functions from here,
// never from 'ts-mls' itself (eslint.config.js refuses it), so that upgrading ts-mls is a change to this file.
//
// ts-mls 1.x exports its root and every module ("./*.js"); ts-mls 2 (its 2.0.0 release candidates) exports only its
// root. What comes from the root below is there in both, some of it renamed in 2.x (decodeMlsMessage/encodeMlsMessage
// → mlsMessageDecoder/mlsMessageEncoder, decodeGroupState/encodeGroupState → groupStateDecoder/groupStateEncoder,
// used with the generic `decode`/`encode`). The "Deep imports" at the end are what ts-mls 2's root does not offer; for the upgrade each
// needs ts-mls to export it, or an implementation here on the root's encoders and the cipher suite:
// - CryptoError: what the SDK's cipher suite (./_mls-crypto.ts) throws for refused inputs, as ts-mls' own
//   providers do;
// - makeKeyPackageRef, makeProposalRef: RFC 9420 §5.2 RefHash over the encoded KeyPackage / AuthenticatedContent;
// - verifyKeyPackage: the KeyPackage signature, RFC 9420 §10.1 (the key directory checks it before storing);
// - unprotectPrivateMessage: opens a PrivateMessage with a given epoch's secrets — how a member reads a message of
//   a past epoch that it still holds keys for (docs/PROTOCOL.md §12.7);
// - verifyFramedContentSignature: RFC 9420 §6.1, the signature of a PublicMessage under a past epoch's context.
import {
  type AuthenticationService,
  type ClientConfig,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
} from 'ts-mls';

export type {
  AuthenticationService,
  Capabilities,
  CiphersuiteImpl,
  CiphersuiteName,
  ClientConfig,
  ClientState,
  Credential,
  Extension,
  Hash,
  Hpke,
  Kdf,
  KeyPackage,
  LeafNode,
  MLSMessage,
  PrivateKey,
  PrivateKeyPackage,
  PrivateMessage,
  Proposal,
  ProposalWithSender,
  PublicKey,
  PublicMessage,
  Signature,
} from 'ts-mls';
export {
  createApplicationMessage,
  createCommit,
  createGroup,
  createProposal,
  decodeGroupState,
  decodeMlsMessage,
  defaultLifetime,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  processPublicMessage,
} from 'ts-mls';

/** ts-mls' default client configuration (key retention, lifetimes, padding, key package equality) with `authService`. */
export function clientConfig(authService: AuthenticationService): ClientConfig {
  return {
    keyRetentionConfig: defaultKeyRetentionConfig,
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: defaultPaddingConfig,
    authService,
  };
}

// Deep imports: ts-mls 1.x modules that ts-mls 2 no longer exports (see the list at the top).
export { CryptoError } from 'ts-mls/mlsError.js';
export { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
export { makeProposalRef } from 'ts-mls/authenticatedContent.js';
export { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
export { verifyFramedContentSignature } from 'ts-mls/framedContent.js';
