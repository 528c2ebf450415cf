// Moderation notices for this account: read with the bearer token while the account is active, and with a
// signed challenge once it is suspended or banned (it can no longer hold a token).
import type { ApiClient, NoticeJson } from '@franking-chat/sdk';
import type { IdentityKeyPair } from '@franking-chat/sdk';

export type { NoticeJson };

export async function fetchNotices(api: ApiClient, userId: string, identity: IdentityKeyPair, blocked: boolean): Promise<NoticeJson[] | null> {
  if (!blocked && api.token) return api.myNotices();
  return api.signedNotices(userId, identity);
}
