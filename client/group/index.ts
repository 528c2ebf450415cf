// Groups on MLS (RFC 9420) with franking in the authenticated data (docs/PROTOCOL.md §12).
export { MlsGroup } from './mls-group.ts';
export {
  type DeviceRef,
  type GroupMember,
  type GroupPerson,
  type GroupOptions,
  type GroupEvent,
  type GroupMessageReceived,
  type GroupSent,
  type MembershipChange,
  type PendingCommit,
} from './group-types.ts';
export {
  CREDENTIAL_LABEL,
  type CredentialKeyPair,
  credentialBindingInput,
  generateCredentialKey,
  type IdentityResolver,
  type MemberCredential,
  decodeMemberCredential,
  encodeMemberCredential,
  DEVICE_CREDENTIAL_VERSION,
  type DeviceCredential,
  type LeafCredential,
  decodeDeviceCredential,
  decodeLeafCredential,
  encodeDeviceCredential,
} from './credential.ts';
export {
  DEVICE_SYNC_AD_VERSION,
  type DeviceListResolver,
  type DeviceListWant,
  type DeviceSyncEntry,
  type LeafRefusal,
  type LeafVerdict,
  decodeDeviceSyncAd,
  encodeDeviceSyncAd,
  verifyDeviceLeaf,
} from './device-members.ts';
export { type GeneratedKeyPackage, type GroupIdentity, decodeKeyPackageMessage, generateGroupKeyPackage, keyPackageRef } from './key-packages.ts';
export {
  type DeviceKeyPackageClaim,
  type DeviceProvenKeyPackage,
  type KeyPackageClaim,
  type ProvenKeyPackage,
  verifyClaimedDevicePackages,
  verifyClaimedKeyPackage,
} from './key-package-proof.ts';
export { type GroupRoles, type MemberRole, ROLES_EXTENSION_TYPE, decodeRoles, encodeRoles } from './roles.ts';
export { EPOCH_TAG_LABEL, GROUP_AD_LABEL, GROUP_AD_LENGTH, decodeGroupAd, encodeGroupAd, epochTag } from './authenticated-data.ts';
export { type GroupWireInfo, type RosterChange, groupIdOf, inspectGroupWire } from './wire.ts';
export { GROUP_CIPHERSUITE, GROUP_CIPHERSUITE_ID } from './_mls-crypto.ts';
export { GROUP_ERROR_CODES, GroupError, type GroupErrorCode } from './group-errors.ts';
