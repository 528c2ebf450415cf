// What an account's identity key signs to register and to log in (docs/API.md "Authentication").
// The server verifies these with the Ed25519 identity signing key; no password ever exists.
import { concatBytes, utf8 } from '../crypto/_bytes.ts';
import { type IdentityKeyPair, signWithIdentity } from '../session/identity.ts';

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

/** The registration signature: Ed25519 over {@link registerSignatureInput} with the identity signing key. */
export function signRegistration(identity: IdentityKeyPair, userId: string): Uint8Array {
  return signWithIdentity(identity, registerSignatureInput(identity.dhPublicKey, userId));
}

/** The login signature: Ed25519 over {@link authSignatureInput} with the identity signing key. */
export function signChallenge(identity: IdentityKeyPair, challenge: Uint8Array, userId: string): Uint8Array {
  return signWithIdentity(identity, authSignatureInput(challenge, userId));
}
