// MLS key packages of this account (docs/PROTOCOL.md §12.6): published to the key directory, handed out
// once each like one-time prekeys, plus one last-resort package the directory keeps handing out when the
// others are gone. The private halves stay on the device, found again by key package reference.
import { toBase64Url } from '../crypto/_bytes.ts';
import type { IdentityKeyPair } from '../session/identity.ts';
import { GROUP_CIPHERSUITE, groupCiphersuite } from './_mls-crypto.ts';
import { type CredentialKeyPair, makeCredential, makeDeviceCredential } from './credential.ts';
import { GroupError } from './group-errors.ts';
import { ROLES_EXTENSION_TYPE } from './roles.ts';
import {
  type Capabilities,
  type KeyPackage,
  type PrivateKeyPackage,
  decodeMlsMessage,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  makeKeyPackageRef,
  verifyKeyPackage,
} from './_ts-mls.ts';

/** Who this client is in groups: the account, its identity key and its MLS credential key. */
export interface GroupIdentity {
  readonly accountId: string;
  readonly identity: IdentityKeyPair;
  readonly credentialKey: CredentialKeyPair;
  /**
   * This device's id in the account's device list (docs/PROTOCOL-devices.md D1): leaves then carry a version 2
   * credential (D14.1) whose key is the list entry's credentialKey, and messages a version 4 header (D14.2).
   * Absent: a single-device account, version 1 credentials (§12.2).
   */
  readonly deviceId?: number;
}

/** The leaf credential of `me`: version 2 (account and device, D14.1) for a device, else version 1 (§12.2). */
export function credentialOf(me: GroupIdentity) {
  return me.deviceId === undefined ? makeCredential(me.accountId, me.identity, me.credentialKey.publicKey) : makeDeviceCredential(me.accountId, me.deviceId);
}

/** Leaf capabilities: this suite, basic credentials, and the roles extension (§12.5) that GroupContextExtensions needs. */
export function groupCapabilities(): Capabilities {
  return { versions: ['mls10'], ciphersuites: [GROUP_CIPHERSUITE], extensions: [ROLES_EXTENSION_TYPE], proposals: [], credentials: ['basic'] };
}

export interface GeneratedKeyPackage {
  /** MLSMessage(mls_key_package) bytes: what the directory stores and hands out. */
  bytes: Uint8Array;
  /** KeyPackageRef (RFC 9420 §5.2) as base64url: the key of `privatePackage` in local storage. */
  ref: string;
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
}

export async function generateGroupKeyPackage(me: GroupIdentity): Promise<GeneratedKeyPackage> {
  const cs = await groupCiphersuite();
  const credential = credentialOf(me);
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credential, groupCapabilities(), defaultLifetime, [],
    { signKey: me.credentialKey.privateKey, publicKey: me.credentialKey.publicKey }, cs,
  );
  const bytes = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: publicPackage });
  return { bytes, ref: toBase64Url(await makeKeyPackageRef(publicPackage, cs.hash)), publicPackage, privatePackage };
}

/** Parses MLSMessage(mls_key_package) bytes (the signature is checked where it is used: the Add in ts-mls, the directory). */
export function decodeKeyPackageMessage(bytes: Uint8Array): KeyPackage {
  let decoded;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (!decoded || decoded[1] !== bytes.length || decoded[0].wireformat !== 'mls_key_package')
    throw new GroupError('malformed', 'expected exactly one MLSMessage carrying a key package');
  if (decoded[0].keyPackage.cipherSuite !== GROUP_CIPHERSUITE) throw new GroupError('malformed', `key package: cipher suite must be ${GROUP_CIPHERSUITE}`);
  return decoded[0].keyPackage;
}

/** Whether the key package's own signature (RFC 9420 §10.1, under its leaf signature key) verifies: what the key directory checks before storing it. */
export async function verifyKeyPackageSignature(kp: KeyPackage): Promise<boolean> {
  return verifyKeyPackage(kp, (await groupCiphersuite()).signature);
}

export async function keyPackageRef(kp: KeyPackage): Promise<string> {
  return toBase64Url(await makeKeyPackageRef(kp, (await groupCiphersuite()).hash));
}
