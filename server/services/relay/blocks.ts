// Blocking: a chat account's block list and the send-time filter the relay route applies. A blocked
// sender's envelopes to the blocker are never stored, so nothing is delivered — by fetch or by push — and the
// sender still gets its normal answer and sender stamp (it is not told; docs/API.md "Blocking, handles, quotas").
import type { BlocksRepo } from '../../data/blocks.ts';
import { InputError } from '../../errors.ts';
import { MAX_BLOCKS } from '../../../client/transport/contract/blocks.ts';
import type { AccountsService } from '../accounts/accounts.ts';

export class BlocksService {
  constructor(
    private readonly repo: BlocksRepo,
    private readonly accounts: AccountsService,
  ) {}

  async block(blockerId: string, blockedId: string): Promise<{ userId: string; blockedAt: Date }> {
    if (blockerId === blockedId) throw new InputError('validation_failed', 'you cannot block yourself');
    const target = await this.accounts.get(blockedId); // 404 for unknown ids
    if ((await this.repo.count(blockerId)) >= MAX_BLOCKS) throw new InputError('validation_failed', `a block list holds at most ${MAX_BLOCKS} accounts`);
    return { userId: target.id, blockedAt: await this.repo.add(blockerId, target.id) };
  }

  async unblock(blockerId: string, blockedId: string): Promise<void> {
    await this.repo.remove(blockerId, blockedId);
  }

  async list(blockerId: string): Promise<Array<{ userId: string; blockedAt: Date }>> {
    return (await this.repo.list(blockerId)).map((r) => ({ userId: r.blockedId, blockedAt: r.createdAt }));
  }

  /** The envelopes of a send minus those for recipients who blocked the sender (one indexed query). */
  async withoutBlockers<E extends { recipientId: string }>(senderId: string, envelopes: E[]): Promise<E[]> {
    return (await this.partition(senderId, envelopes)).deliver;
  }

  /** The envelopes to deliver, and the recipients refused because they blocked the sender (docs/PROTOCOL.md §8.3.1). */
  async partition<E extends { recipientId: string }>(senderId: string, envelopes: E[]): Promise<{ deliver: E[]; refused: string[] }> {
    const blockers = new Set(await this.repo.blockersOf(senderId, envelopes.map((e) => e.recipientId)));
    if (blockers.size === 0) return { deliver: envelopes, refused: [] };
    return { deliver: envelopes.filter((e) => !blockers.has(e.recipientId)), refused: envelopes.filter((e) => blockers.has(e.recipientId)).map((e) => e.recipientId) };
  }
}
