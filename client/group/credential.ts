// MLS credentials bound to the account's identity key (docs/PROTOCOL.md §12.2).
//
// Every member signs its MLS messages with an Ed25519 "credential key" of its own (the MLS leaf
// signature_key). The credential (a `basic` credential, RFC 9420 §5.3) carries the account id, the
// account's Ed25519 identity signing key — the key behind safety numbers and the key directory — and the
// identity key's signature over the credential key. A client accepts a member only if that signature
// verifies AND the identity key is the one it knows for that account (directory or pinned contact), so
// the person shown in a group is the one whose safety number you compare.
import { ed25519 } from '@noble/curves/ed25519.js';
import { Reader, Writer, abytes, concatBytes, equalBytes, utf8 } from '../crypto/_bytes.ts';
import { isValidId } from '../franking/ids.ts';
import { type IdentityKeyPair, signWithIdentity, verifyWithIdentity } from '../session/identity.ts';
import { GroupError } from './group-errors.ts';
import type { AuthenticationService, Credential } from './_ts-mls.ts';

/** §12.2: the identity key signs CREDENTIAL_LABEL ‖ u8 len(accountId) ‖ accountId ‖ credentialKey (32). */
export const CREDENTIAL_LABEL = utf8('franking-chat/v1/mls-credential\0');
export const CREDENTIAL_VERSION = 1;

export interface CredentialKeyPair {
  /** Ed25519 private key (32-byte seed, RFC 8032). */
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface MemberCredential {
  accountId: string;
  identitySigningKey: Uint8Array;
  /** Ed25519 by the identity key over bindingInput(accountId, credentialKey). */
  binding: Uint8Array;
}

export function generateCredentialKey(randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): CredentialKeyPair {
  const privateKey = abytes(randomBytes(32), 32, 'randomBytes(32)');
  return { privateKey, publicKey: ed25519.getPublicKey(privateKey) };
}

/** The bytes the identity key signs to vouch for a credential key (§12.2). */
export function credentialBindingInput(accountId: string, credentialKey: Uint8Array): Uint8Array {
  if (!isValidId(accountId)) throw new GroupError('malformed', 'accountId: expected id matching [A-Za-z0-9._:-]{1,64}');
  return concatBytes(CREDENTIAL_LABEL, new Writer(1 + accountId.length).ascii8(accountId).finish(), abytes(credentialKey, 32, 'credentialKey'));
}

/** The MLS basic credential of `accountId`, its credential key signed by the account's identity key. */
export function makeCredential(accountId: string, identity: IdentityKeyPair, credentialKey: Uint8Array): Credential {
  const binding = signWithIdentity(identity, credentialBindingInput(accountId, credentialKey));
  return { credentialType: 'basic', identity: encodeMemberCredential({ accountId, identitySigningKey: identity.signingPublicKey, binding }) };
}

/** §12.2: u8 version (1) ‖ u8 len ‖ accountId ‖ identitySigningKey (32) ‖ binding (64). */
export function encodeMemberCredential(c: MemberCredential): Uint8Array {
  if (!isValidId(c.accountId)) throw new GroupError('malformed', 'accountId: expected id matching [A-Za-z0-9._:-]{1,64}');
  return new Writer(1 + 1 + c.accountId.length + 32 + 64)
    .u8(CREDENTIAL_VERSION)
    .ascii8(c.accountId)
    .fixed(c.identitySigningKey, 32, 'identitySigningKey')
    .fixed(c.binding, 64, 'binding')
    .finish();
}

export function decodeMemberCredential(bytes: Uint8Array): MemberCredential {
  try {
    const r = new Reader(bytes);
    if (r.u8('version') !== CREDENTIAL_VERSION) throw new GroupError('malformed', 'credential: unsupported version');
    const accountId = r.ascii8('accountId');
    if (!isValidId(accountId)) throw new GroupError('malformed', 'credential.accountId: invalid id');
    const identitySigningKey = r.fixed(32, 'identitySigningKey').slice();
    const binding = r.fixed(64, 'binding').slice();
    r.end('credential');
    return { accountId, identitySigningKey, binding };
  } catch (e) {
    if (GroupError.is(e)) throw e;
    throw new GroupError('malformed', `credential: ${(e as Error).message}`);
  }
}

// ---- Version 2: account and device (docs/PROTOCOL-devices.md D14.1) ----

/** D14.1: `u8 version = 0x02 ‖ id accountId ‖ u32 deviceId`. No signature: the verified device list binds the key. */
export const DEVICE_CREDENTIAL_VERSION = 2;

export interface DeviceCredential {
  accountId: string;
  /** u32, ≥ 1 (docs/PROTOCOL-devices.md D1). */
  deviceId: number;
}

/** A leaf credential of either version: version 1 names device 1 of its account (D14.1, D17.5). */
export type LeafCredential = ({ version: 1; deviceId: 1 } & MemberCredential) | ({ version: 2 } & DeviceCredential);

const isDeviceId = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 0xffff_ffff;

export function encodeDeviceCredential(c: DeviceCredential): Uint8Array {
  if (!isValidId(c.accountId)) throw new GroupError('malformed', 'accountId: expected id matching [A-Za-z0-9._:-]{1,64}');
  if (!isDeviceId(c.deviceId)) throw new GroupError('malformed', 'deviceId: expected u32 ≥ 1');
  return new Writer(1 + 1 + c.accountId.length + 4).u8(DEVICE_CREDENTIAL_VERSION).ascii8(c.accountId).u32(c.deviceId).finish();
}

export function decodeDeviceCredential(bytes: Uint8Array): DeviceCredential {
  try {
    const r = new Reader(bytes);
    if (r.u8('version') !== DEVICE_CREDENTIAL_VERSION) throw new GroupError('malformed', 'credential: not version 2');
    const accountId = r.ascii8('accountId');
    if (!isValidId(accountId)) throw new GroupError('malformed', 'credential.accountId: invalid id');
    const deviceId = r.u32('deviceId');
    if (deviceId === 0) throw new GroupError('malformed', 'credential.deviceId: 0 is not a device');
    r.end('credential');
    return { accountId, deviceId };
  } catch (e) {
    if (GroupError.is(e)) throw e;
    throw new GroupError('malformed', `credential: ${(e as Error).message}`);
  }
}

/** The MLS basic credential of device `deviceId` of `accountId` (D14.1). */
export function makeDeviceCredential(accountId: string, deviceId: number): Credential {
  return { credentialType: 'basic', identity: encodeDeviceCredential({ accountId, deviceId }) };
}

/** Decodes a leaf's credential of either version (no check of keys: see verifyDeviceLeaf / the AuthenticationService). */
export function decodeLeafCredential(credential: Credential): LeafCredential {
  if (credential.credentialType !== 'basic') throw new GroupError('bad_credential', 'only basic credentials are used (§12.2)');
  const version = credential.identity[0];
  if (version === DEVICE_CREDENTIAL_VERSION) return { version: 2, ...decodeDeviceCredential(credential.identity) };
  return { version: 1, deviceId: 1, ...decodeMemberCredential(credential.identity) };
}

/** The account a leaf's credential names (no signature check: use on leaves ts-mls already admitted). */
export function credentialAccountId(credential: Credential): string {
  return decodeLeafCredential(credential).accountId;
}

/** Checks the credential's own signature: the identity key it names vouches for `credentialKey`. */
export function verifyCredentialBinding(credential: Credential, credentialKey: Uint8Array): MemberCredential {
  if (credential.credentialType !== 'basic') throw new GroupError('bad_credential', 'only basic credentials are used (§12.2)');
  const c = decodeMemberCredential(credential.identity);
  if (!verifyWithIdentity(c.identitySigningKey, credentialBindingInput(c.accountId, credentialKey), c.binding))
    throw new GroupError('bad_credential', `the credential of ${c.accountId} is not signed by the identity key it names`);
  return c;
}

/**
 * The identity signing key this client trusts for an account (key directory, pinned contact), or
 * undefined when it knows none — then the member is refused.
 */
export type IdentityResolver = (accountId: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/**
 * ts-mls AuthenticationService (RFC 9420 §5.3.1): called for every leaf this client admits (Welcome
 * trees, Adds, Updates). Accepts a credential only if its binding verifies and its identity key equals
 * the one `resolve` returns for the account.
 */
export function identityAuthenticationService(resolve: IdentityResolver): AuthenticationService {
  return {
    async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
      try {
        const c = verifyCredentialBinding(credential, signaturePublicKey);
        const known = await resolve(c.accountId);
        return known !== undefined && equalBytes(known, c.identitySigningKey);
      } catch {
        return false;
      }
    },
  };
}
