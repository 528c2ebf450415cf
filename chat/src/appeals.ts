// Appeals against a moderation decision about this account (EU DSA Art. 20): with the bearer token while the
// account is active (a warning), with a signed challenge once it is suspended or banned.
import type { ApiClient } from '@franking-chat/sdk';
import type { IdentityKeyPair } from '@franking-chat/sdk';

export async function fileAppeal(api: ApiClient, userId: string, identity: IdentityKeyPair, blocked: boolean, noticeId: number, statement: string) {
  if (!blocked && api.token) return api.appeal(noticeId, statement);
  return api.signedAppeal(userId, identity, noticeId, statement);
}
