// Conversations: 1:1 (one per pair) and groups (a member list). The server needs membership to decide
// who may send to whom and which recipient stamps to issue.
import { randomBytes } from 'node:crypto';
import type { ConversationRecord, ConversationsRepo } from '../data/conversations.ts';
import { InputError, NotFoundError } from '../errors.ts';

export const MAX_GROUP_MEMBERS = 256;

export const newConversationId = (): string => `c_${randomBytes(12).toString('base64url')}`;

export class ConversationsService {
  constructor(private readonly conversations: ConversationsRepo) {}

  async createDirect(userId: string, peerId: string): Promise<{ conversation: ConversationRecord; created: boolean }> {
    if (peerId === userId) throw new InputError('validation_failed', 'peerId: must differ from your own id');
    if ((await this.conversations.countExistingAccounts([peerId])) !== 1) throw new NotFoundError('account');
    return this.conversations.findOrCreateDirect(newConversationId(), userId, peerId);
  }

  async createGroup(userId: string, memberIds: string[]): Promise<ConversationRecord> {
    const members = [...new Set([userId, ...memberIds])];
    if (members.length < 2) throw new InputError('validation_failed', 'memberIds: a group needs at least one other member');
    if (members.length > MAX_GROUP_MEMBERS) throw new InputError('validation_failed', `memberIds: at most ${MAX_GROUP_MEMBERS} members`);
    if ((await this.conversations.countExistingAccounts(members)) !== members.length) throw new NotFoundError('account');
    return this.conversations.createGroup(newConversationId(), userId, members);
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
