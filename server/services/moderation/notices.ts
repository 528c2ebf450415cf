// Notices to chat accounts (warnings, suspensions, bans, report outcomes). An active account polls with its
// bearer token; a suspended or banned account cannot hold a token, so it proves itself the same way it logs
// in (Ed25519 over AUTH_LABEL || challenge || userId, single-use challenge) and reads its notices without one.
import type { AccountsRepo } from '../../data/accounts.ts';
import type { NoticeRow } from '../../data/moderation.ts';
import { AuthenticationError } from '../../errors.ts';
import { verifyEd25519 } from '../_ed25519.ts';
import { toBase64Url } from '../../../client/protocol.ts';
import { authSignatureInput } from '../../../client/transport/auth.ts';
import type { ModerationService } from './service.ts';

export class NoticesService {
  constructor(
    private readonly accounts: AccountsRepo,
    private readonly moderation: ModerationService,
  ) {}

  async forAccount(accountId: string, afterId: number, limit: number): Promise<NoticeRow[]> {
    return this.moderation.notices(accountId, afterId, limit);
  }

  /** Proves the identity key with a signed single-use challenge (verify first, then consume: a forgery cannot burn it). */
  async proveIdentity(input: { userId: string; challenge: Uint8Array; signature: Uint8Array }, now = new Date()): Promise<void> {
    const account = await this.accounts.find(input.userId);
    if (!account || !verifyEd25519(account.identitySigningKey, authSignatureInput(input.challenge, input.userId), input.signature))
      throw new AuthenticationError('invalid_signature', 'signature does not verify for this user and challenge');
    if (!(await this.accounts.consumeChallenge(toBase64Url(input.challenge), input.userId, now)))
      throw new AuthenticationError('challenge_invalid', 'challenge unknown, expired or already used');
  }

  /** Signed-challenge read: verify first, then consume the challenge (a forgery cannot burn it). Standing is not checked. */
  async withSignature(input: { userId: string; challenge: Uint8Array; signature: Uint8Array; afterId: number; limit: number }, now = new Date()): Promise<NoticeRow[]> {
    const account = await this.accounts.find(input.userId);
    if (!account || !verifyEd25519(account.identitySigningKey, authSignatureInput(input.challenge, input.userId), input.signature))
      throw new AuthenticationError('invalid_signature', 'signature does not verify for this user and challenge');
    if (!(await this.accounts.consumeChallenge(toBase64Url(input.challenge), input.userId, now)))
      throw new AuthenticationError('challenge_invalid', 'challenge unknown, expired or already used');
    return this.moderation.notices(input.userId, input.afterId, input.limit);
  }
}
