// Sending to a group (docs/PROTOCOL.md §12.3–§12.4): franked once and MLS-encrypted once for the whole group; the
// message record keeps the MLS ciphertext so a failed upload is retried with the same bytes (same seq: no gap).
import { type AttachmentDescriptor, GroupError, fromBase64Url, toBase64Url } from '@franking-chat/sdk';
import { ChatError } from '../engine/errors.ts';
import { TEXT_TYPE } from '../engine/limits.ts';
import type { MessageRecord } from '../storage.ts';
import { utf8 } from '../utf8.ts';
import type { GroupCollaborators } from './collaborators.ts';
import { GROUP_INFO_TYPE, groupInfo } from './group-info.ts';
import type { GroupStates } from './group-state.ts';

type Stamp = NonNullable<MessageRecord['item']>['stamp'];

export class GroupSender {
  constructor(private readonly c: Pick<GroupCollaborators, 'api' | 'device' | 'conversations'>, private readonly states: GroupStates) {}

  async seal(conversationId: string, body: string, attachments: AttachmentDescriptor[], kind?: 'group-info'): Promise<MessageRecord> {
    return this.c.device.locked(async () => {
      const g = await this.states.mustLoad(conversationId);
      if (!g.active) throw new ChatError('not_a_group_member');
      if (g.members().length < 2) throw new ChatError('group_empty');
      let sent;
      try {
        sent = await g.send(utf8(body), { contentType: kind ? GROUP_INFO_TYPE : TEXT_TYPE, attachments });
      } catch (e) {
        if (GroupError.is(e, 'future_epoch')) throw new ChatError('group_catching_up');
        throw this.states.error(e, 'send');
      }
      const f = sent.franked;
      const clientMessageId = toBase64Url(f.header.clientMessageId);
      const info = kind ? groupInfo(utf8(body)) : null;
      const m: MessageRecord = {
        id: `local:${clientMessageId}`, conversationId, peerId: '', direction: 'out', senderId: this.c.device.me(),
        text: info ? info.name : body,
        sentAt: f.header.sentAt, serverTime: null, seq: f.header.seq, state: 'sending', group: true,
        ...(kind ? { kind } : {}),
        ...(info?.rename ? { rename: true } : {}),
        pending: { commitment: toBase64Url(f.commitment), mls: toBase64Url(sent.message), clientMessageId, fk: toBase64Url(f.fk), header: toBase64Url(f.headerBytes), body: toBase64Url(utf8(body)) },
      };
      await this.states.save(this.states.recordOf(conversationId, g), [], [this.c.conversations.op(m)]);
      this.c.conversations.shown(m);
      return m;
    });
  }

  /** Hands the stored MLS message to the relay; returns the sender stamp and time. */
  async deliver(m: MessageRecord): Promise<{ stamp: Stamp; serverTime: number }> {
    const p = m.pending as NonNullable<MessageRecord['pending']>;
    const r = await this.c.api.sendGroupMessage(m.conversationId, fromBase64Url(p.mls as string, 'mls'));
    if (!r.stamp) throw new ChatError('unexpected', { detail: 'the relay returned no stamp' });
    return { stamp: r.stamp, serverTime: r.serverTime };
  }
}
