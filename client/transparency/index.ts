// Key transparency (docs/TRANSPARENCY.md): the RFC 9162 Merkle log of key bindings, signed tree heads, proofs,
// the client that verifies every fetched key, own-key monitoring, gossip, witness cosignatures and the auditor.
export { auditLog, type AuditProblem, type AuditReport, type AuditState, auditStateFromJson } from './auditor.ts';
export {
  type GossipVerdict, type HeadStore, type KeyProof, MemoryHeadStore, type ProvenBinding, TransparencyClient, type TransparencyClientOptions,
} from './client.ts';
export {
  COSIGNATURE_LABEL, type Cosignature, type CosignatureJson, cosign, cosignatureFromJson, cosignatureInput, cosignatureToJson, encodeCosignature,
  requireCosignatures, verifyCosignature, WITNESS_KEY_LABEL, type WitnessKey, witnessKeyId,
} from './cosignature.ts';
export { type HeadEvidence, TRANSPARENCY_ERROR_CODES, TransparencyError, type TransparencyErrorCode } from './errors.ts';
export { decodeGossip, encodeGossip, GOSSIP_VERSION, KT_GOSSIP_CONTENT_TYPE, MAX_GOSSIP_HEADS } from './gossip.ts';
export { HttpLogSource, keyProofFromJson } from './http-source.ts';
export {
  ACTION_CODES, type BindingAction, bindsKey, decodeLeaf, encodeLeaf, identityBindingKey, deviceListBindingKey, DEVICE_LIST_KEY_LENGTH, KIND_DEVICE_LIST, parseDeviceListBindingKey, KIND_IDENTITY, KIND_MLS_CREDENTIAL, KIND_PATTERN, type KeyBinding,
  LEAF_VERSION, leafHashOf, MAX_KEY_BYTES,
} from './leaf.ts';
export {
  consistencyProof, defaultSha256, emptyRoot, Frontier, HASH_LENGTH, hashChildren, hashLeaf, inclusionProof, MAX_PROOF_HASHES, MerkleTree, rootFromLeafHashes,
  type Sha256, type SubtreeSource, verifyConsistency, verifyInclusion,
} from './merkle.ts';
export { type ForeignKeyAlarm, initialMonitorState, monitorOwnKeys, type MonitorResult, type MonitorState, type PublishedKey } from './monitor.ts';
export { type FetchedIdentity, type PresentedIdentity, verifyPresentedIdentity } from './sender-proof.ts';
export type { LogEntry, LogSource } from './source.ts';
export {
  decodeSignedTreeHead, encodeSignedTreeHead, headKey, LOG_KEY_LABEL, logKeyId, SIGNED_TREE_HEAD_LENGTH, type SignedTreeHead, type SignedTreeHeadJson, signTreeHead,
  TREE_HEAD_LABEL, type TreeHead, treeHeadFromJson, treeHeadSignatureInput, treeHeadToJson, verifyTreeHead,
} from './tree-head.ts';
export { witnessIdOf, witnessPublicKey, type WitnessState, type WitnessStep, witnessStep } from './witness.ts';
