// Key transparency at the points where the chat uses a key (docs/TRANSPARENCY.md §6): a fetched bundle, a claimed
// group key package, the identity key a received message was sealed with. Refusals are ChatErrors.
import { type ApiClient, ApiError, type FetchedBundleJson, type KeyPackageClaim, fromBase64Url, toBase64Url } from '@franking-chat/sdk';
import type { PublicIdentityJson } from '../storage.ts';
import { type ChatTransparency, KeyTransparencyError } from '../transparency.ts';
import { ChatError } from './errors.ts';

export const identityJson = (s: { signingKey: Uint8Array; dhKey: Uint8Array }): PublicIdentityJson => ({ signingKey: toBase64Url(s.signingKey), dhKey: toBase64Url(s.dhKey) });
export const sameIdentity = (a: PublicIdentityJson, b: PublicIdentityJson): boolean => a.signingKey === b.signingKey && a.dhKey === b.dhKey;

export class KeyChecks {
  constructor(private readonly api: ApiClient, private readonly kt: ChatTransparency) {}

  /**
   * §6.1: a fetched key is used only once proven in the public log (1:1 sessions, and a non-contact's identity key
   * vouching for a group credential).
   */
  async verifyBundle(peerId: string, bundle: FetchedBundleJson): Promise<void> {
    try {
      await this.kt.verifyBundle(peerId, bundle);
    } catch (e) {
      if (e instanceof KeyTransparencyError) throw new ChatError('key_not_proven', { detail: e.message });
      throw new ChatError('key_log_unreachable', { handle: peerId });
    }
  }

  /** §6.4: resolves only when the claimed package's credential key is proven in the public key log for `accountId`. */
  async verifyKeyPackage(accountId: string, claimed: KeyPackageClaim): Promise<void> {
    try {
      await this.kt.verifyKeyPackage(accountId, claimed);
    } catch (e) {
      if (e instanceof KeyTransparencyError) throw new ChatError('key_not_proven', { detail: e.message });
      throw new ChatError('group_key_log_unreachable', { handle: accountId });
    }
  }

  /**
   * Whether `remote` is the identity key the public key log holds for `peerId` (§6.1): known when proven before, else
   * fetched from the directory with its inclusion proof. False: not proven (no proof, a proof for another key, a log
   * that contradicts itself). Throws when the directory or the log cannot be reached.
   */
  async senderKeyProven(peerId: string, remote: PublicIdentityJson): Promise<boolean> {
    const key = toBase64Url(new Uint8Array([...fromBase64Url(remote.signingKey, 'signingKey'), ...fromBase64Url(remote.dhKey, 'dhKey')]));
    if (await this.kt.isProven(peerId, key)) return true;
    let bundle: FetchedBundleJson;
    try {
      bundle = await this.api.fetchBundle(peerId);
    } catch (e) {
      if (ApiError.is(e, 'not_found')) return false;
      throw e;
    }
    try {
      await this.kt.verifySender(peerId, bundle, remote);
      return true;
    } catch (e) {
      if (e instanceof KeyTransparencyError) return false;
      throw e;
    }
  }
}
