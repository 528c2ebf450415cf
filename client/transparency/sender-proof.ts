// The receive path of key transparency (docs/TRANSPARENCY.md §6.1): a key reaches a client not only when it fetches a
// bundle but inside a message — an X3DH initial message names the sender's identity key. Before such a message is
// shown, its session kept or answered, that key must be the one the log holds for the sender's account: the
// directory's bundle must name exactly this key, and its inclusion proof must verify like any fetched key's.
import { concatBytes, equalBytes } from '../crypto/_bytes.ts';
import type { ProvenBinding, TransparencyClient } from './client.ts';
import { TransparencyError } from './errors.ts';
import { keyProofFromJson } from './http-source.ts';
import { KIND_IDENTITY, identityBindingKey } from './leaf.ts';

/** An identity key as a session presents it (Session.remoteIdentity). */
export interface PresentedIdentity {
  signingKey: Uint8Array;
  dhKey: Uint8Array;
}

/** What the directory handed out for the account (GET /v1/keys/{userId}): its identity key and the unchecked proof JSON. */
export interface FetchedIdentity {
  identitySigningKey: Uint8Array;
  identityDhKey: Uint8Array;
  /** the bundle's `transparency` member (KeyProofJson), unchecked; absent when the server sent none */
  transparency?: unknown;
}

/**
 * Proves that `presented` is the identity key the log holds for `accountId`. Throws TransparencyError:
 * `binding_mismatch` when the directory names another key (the sender signed with a key the owner never published,
 * or the directory lies), `missing_proof` when no proof came, and every code of TransparencyClient.verifyKey. Only
 * a resolved promise lets the caller show the message or keep the session.
 */
export async function verifyPresentedIdentity(client: TransparencyClient, accountId: string, presented: PresentedIdentity, fetched: FetchedIdentity): Promise<ProvenBinding> {
  const key = identityBindingKey(presented.signingKey, presented.dhKey);
  if (!equalBytes(key, concatBytes(fetched.identitySigningKey, fetched.identityDhKey)))
    throw new TransparencyError('binding_mismatch', `the key presented for ${accountId} is not the key the directory serves for it`);
  if (fetched.transparency === undefined) throw new TransparencyError('missing_proof', `the directory served ${accountId}'s key without an inclusion proof`);
  return client.verifyKey(keyProofFromJson(fetched.transparency), { accountId, kind: KIND_IDENTITY, key });
}
