// What an account's identity key signs to register and to log in (docs/API.md "Authentication").
// The server verifies these with the Ed25519 identity signing key; no password ever exists.
import { concatBytes, utf8 } from '../crypto/_bytes.ts';
import { type IdentityKeyPair, signWithIdentity } from '../session/identity.ts';
import { DEVICE_AUTH_LABEL } from '../devices/device-list.ts';

/** Domain-separation label of the registration signature. */
export const REGISTER_LABEL = utf8('franking-chat/v1/register\0');
/** Domain-separation label of the login (challenge) signature. */
export const AUTH_LABEL = utf8('franking-chat/v1/auth\0');

/** REGISTER_LABEL || identityDhKey (32 B) || utf8(userId): binds the DH key and the id to the signing key. */
export function registerSignatureInput(identityDhKey: Uint8Array, userId: string): Uint8Array {
  return concatBytes(REGISTER_LABEL, identityDhKey, utf8(userId));
}

/** AUTH_LABEL || challenge (32 B) || utf8(userId). */
export function authSignatureInput(challenge: Uint8Array, userId: string): Uint8Array {
  return concatBytes(AUTH_LABEL, challenge, utf8(userId));
}

/** DEVICE_AUTH_LABEL || challenge (32 B) || u32 deviceId || utf8(userId): a device's sign-in (docs/PROTOCOL-devices.md D8.2). */
export function deviceAuthSignatureInput(challenge: Uint8Array, deviceId: number, userId: string): Uint8Array {
  if (!Number.isInteger(deviceId) || deviceId < 1 || deviceId > 0xffff_ffff) throw new RangeError('deviceId: expected a u32 ≥ 1');
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, deviceId);
  return concatBytes(DEVICE_AUTH_LABEL, challenge, id, utf8(userId));
}

/** The registration signature: Ed25519 over {@link registerSignatureInput} with the identity signing key. */
export function signRegistration(identity: IdentityKeyPair, userId: string): Uint8Array {
  return signWithIdentity(identity, registerSignatureInput(identity.dhPublicKey, userId));
}

/** The login signature: Ed25519 over {@link authSignatureInput} with the identity signing key. */
export function signChallenge(identity: IdentityKeyPair, challenge: Uint8Array, userId: string): Uint8Array {
  return signWithIdentity(identity, authSignatureInput(challenge, userId));
}

/** A device's sign-in signature (docs/PROTOCOL-devices.md D8.2): Ed25519 over {@link deviceAuthSignatureInput} with the device's IKsig. */
export function signDeviceChallenge(identity: IdentityKeyPair, challenge: Uint8Array, deviceId: number, userId: string): Uint8Array {
  return signWithIdentity(identity, deviceAuthSignatureInput(challenge, deviceId, userId));
}
