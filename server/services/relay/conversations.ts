// Conversations: 1:1 (one per pair) and groups (a member list). The server needs membership to decide
// who may send to whom and which recipient stamps to issue.
import { randomBytes } from 'node:crypto';
import type { ConversationRecord, ConversationsRepo } from '../../data/conversations.ts';
import { InputError, NotFoundError } from '../../errors.ts';

export const newConversationId = (): string => `c_${randomBytes(12).toString('base64url')}`;

export class ConversationsService {
  constructor(private readonly conversations: ConversationsRepo) {}

  async createDirect(userId: string, peerId: string): Promise<{ conversation: ConversationRecord; created: boolean }> {
    if (peerId === userId) throw new InputError('validation_failed', 'peerId: must differ from your own id');
    if ((await this.conversations.countExistingAccounts([peerId])) !== 1) throw new NotFoundError('account');
    return this.conversations.findOrCreateDirect(newConversationId(), userId, peerId);
  }

  /**
   * An MLS group (docs/PROTOCOL.md §12): the creator alone, at epoch 0 of the relay's routing view. Members
   * join only by Commits the creator or its admins send; the server never adds anyone on its own say-so.
   */
  async createGroup(userId: string): Promise<ConversationRecord> {
    return this.conversations.createGroup(newConversationId(), userId);
  }

  /** Visible to members only; to anyone else it does not exist. */
  async get(userId: string, id: string): Promise<ConversationRecord> {
    const c = await this.conversations.find(id);
    if (!c || !c.memberIds.includes(userId)) throw new NotFoundError('conversation');
    return c;
  }

  async list(userId: string, limit = 100): Promise<ConversationRecord[]> {
    return this.conversations.listForMember(userId, limit);
  }
}
