// Receiving in groups: the group inbox (Welcomes, Commits, proposals, application messages), long-polled while
// online and processed under the device lock; what MLS verified is stored and shown (docs/PROTOCOL.md §12).
import { ApiError, type GroupEvent, GroupError, type GroupInboxItemJson, MlsGroup, decodeKeyPackageMessage, fromBase64Url, toBase64Url } from '@franking-chat/sdk';
import type { GroupRecord, MessageRecord } from '../storage.ts';
import { fromUtf8 } from '../utf8.ts';
import {
  NOT_VALID_TEXT, UNDISPLAYABLE, droppedMessage, groupDefaultName, groupForked, groupJoined, groupLeaving, undecryptableMessage,
} from '../wording.ts';
import type { GroupCollaborators } from './collaborators.ts';
import { GROUP_INFO_TYPE, commitmentOf, groupInfo, mayNameGroup, systemNote } from './group-info.ts';
import type { GroupKeys, StoredKeyPackage } from './group-keys.ts';
import type { GroupStates } from './group-state.ts';
import type { Membership } from './membership.ts';

/** Long-poll of the group inbox, seconds. */
const INBOX_WAIT = 20;

export class GroupInbox {
  private polling = false;
  private membership: Membership | null = null;

  constructor(
    private readonly c: Pick<GroupCollaborators, 'api' | 'device' | 'groups' | 'conversations' | 'attachments'>,
    private readonly keys: GroupKeys,
    private readonly states: GroupStates,
    /** Whether the account may be online (signed in, not restricted). */
    private readonly online: () => boolean,
  ) {}

  /** Leave requests are committed through the membership code (set once both exist). */
  commitsWith(membership: Membership): void {
    this.membership = membership;
  }

  /** Long-polls the group inbox while online. */
  start(): void {
    if (this.polling) return;
    this.polling = true;
    void (async () => {
      let backoff = 1000;
      while (this.polling && this.online()) {
        try {
          await this.syncNow(INBOX_WAIT);
          backoff = 1000;
        } catch (e) {
          // A restricted account stops polling; the engine learns the standing where the user acts (sending).
          if (ApiError.is(e) && e.isAccountBlocked) break;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 30_000);
        }
      }
      this.polling = false;
    })();
  }

  stop(): void {
    this.polling = false;
  }

  /** Fetches, processes (under the device lock) and acknowledges what waits in the group inbox. */
  async syncNow(wait = 0): Promise<void> {
    const items = await this.c.api.groupInbox({ limit: 100, wait });
    if (!items.length) return;
    const done: string[] = [];
    for (const item of items) {
      try {
        await this.c.device.locked(() => this.process(item));
        done.push(item.id);
      } catch {
        // left unacknowledged: tried again on the next fetch
      }
    }
    if (done.length) await this.c.api.ackGroupInbox(done);
  }

  private async process(item: GroupInboxItemJson): Promise<void> {
    const bytes = fromBase64Url(item.message, 'message');
    const conv = item.conversationId;
    if (item.kind === 'welcome') return this.join(conv, bytes, item.senderId);
    const g = await this.states.load(conv);
    if (!g) return; // not (or no longer) ours
    const store = this.c.device.store();
    // Already processed (two inbox fetches overlapped, or the ack was lost): its MLS keys are used up, so opening it
    // again would fail — that is not a failure to report (it was shown the first time).
    if (item.kind === 'application' && (await store.message(item.id))) return;
    // The same message stored twice by the relay (its sender resent it after the first answer was lost, docs/PROTOCOL.md
    // §12.11): the copy has the commitment of a message already shown, and its MLS keys are used up — skip it quietly.
    if (item.kind === 'application' && this.c.conversations.knownCommitment(conv, commitmentOf(bytes))) return;
    let ev: GroupEvent;
    try {
      ev = await g.receive(bytes);
    } catch (e) {
      return this.dropped(conv, g, item, e);
    }
    const rec = this.c.groups.get(conv) as GroupRecord;
    if (ev.kind === 'duplicate') return;
    // After leaving, only the Commit that removes us matters; nothing else is shown.
    if (rec.left && ev.kind !== 'membership') return;
    if (ev.kind === 'leave_request') {
      let set = this.states.leaving.get(conv);
      if (!set) this.states.leaving.set(conv, (set = new Set()));
      set.add(ev.accountId);
      await this.states.save(this.states.recordOf(conv, g), [systemNote(conv, groupLeaving(ev.accountId))]);
      // The creator (else an admin) commits leaves; other members wait for it.
      const mine = g.members().find((m) => m.accountId === this.c.device.me())?.role;
      if (mine === 'creator' || (mine === 'admin' && !g.members().some((m) => m.role === 'creator'))) {
        const pending = await g.commitLeaves();
        await this.membership?.commit(conv, g, pending, 'commit_leave').catch(() => undefined);
      }
      return;
    }
    if (ev.kind === 'membership') {
      const notes = this.states.describe(conv, ev);
      const next = this.states.recordOf(conv, g, ev.selfRemoved ? { active: false } : {});
      await this.states.save(next, notes);
      return;
    }
    // An application message: MLS verified the sender's signature; its commitment opened (§12.4).
    if (ev.senderId !== item.senderId || !item.stamp) return this.dropped(conv, g, item, new Error('relay and MLS disagree on the sender'));
    if (await store.message(item.id)) return;
    const opened = ev.opened;
    const info = opened.header.contentType === GROUP_INFO_TYPE ? groupInfo(opened.body) : null;
    // §12.11: a name from a plain member is refused (the name stays); the message is kept, shown as refused and
    // reportable like any franked message (an abusive group name is abuse too).
    const refused = info !== null && !mayNameGroup(g.members().find((m) => m.accountId === ev.senderId)?.role);
    let text: string;
    try {
      text = info ? info.name : opened.header.contentType.startsWith('text/plain') ? fromUtf8(opened.body) : UNDISPLAYABLE;
    } catch {
      text = NOT_VALID_TEXT;
    }
    const attachments = opened.header.attachments;
    // A message of this account from another of its devices (docs/PROTOCOL-devices.md D14.2: the relay delivers it to
    // every leaf but the sending one) is shown as one's own, marked, and is not unread.
    const own = ev.senderId === this.c.device.me();
    const message: MessageRecord = {
      id: item.id, conversationId: conv, peerId: ev.senderId, direction: own ? 'out' : 'in', senderId: ev.senderId, text,
      sentAt: opened.header.sentAt, serverTime: item.stamp.serverTime, seq: opened.header.seq, group: true,
      ...(info ? { kind: 'group-info' as const } : {}),
      ...(info?.rename ? { rename: true } : {}),
      ...(refused ? { refused: true } : {}),
      ...(own ? { state: 'sent' as const, fromOtherDevice: opened.header.senderDeviceId ?? 1 } : {}),
      ...(attachments.length ? { attachments: attachments.map((a) => ({ mediaType: a.mediaType, size: a.size, status: 'loading' as const })) } : {}),
      item: { stamp: item.stamp, commitment: toBase64Url(opened.commitment), fk: toBase64Url(opened.fk), header: toBase64Url(opened.headerBytes), body: toBase64Url(opened.body) },
    };
    const next = this.states.recordOf(conv, g, { unread: rec.unread + (own ? 0 : 1), ...(info && !refused ? { name: info.name } : {}) });
    await this.states.save(next, [], [this.c.conversations.op(message)]);
    this.c.conversations.shown(message);
    if (message.attachments) void this.c.attachments.fetch(message.id).catch(() => undefined);
  }

  private async join(conv: string, welcome: Uint8Array, from: string): Promise<void> {
    if (this.c.groups.get(conv)?.mls && (await this.states.load(conv))?.active) return;
    const store = this.c.device.store();
    const mine = new Map<string, StoredKeyPackage>();
    for (const key of await store.metaKeys('kp:')) mine.set(key.slice(3), (await store.meta<StoredKeyPackage>(key)) as StoredKeyPackage);
    let used: string | undefined;
    let g: MlsGroup;
    try {
      g = await MlsGroup.join(welcome, await this.keys.me(), (ref) => {
        const k = mine.get(ref);
        if (!k) return undefined;
        used = ref;
        return { publicPackage: decodeKeyPackageMessage(k.bytes), privatePackage: k.privatePackage };
      }, this.keys.opts);
    } catch {
      return; // not for us, or a member not bound to its identity key: nothing is shown
    }
    const me = this.c.device.me();
    const members = g.members().map((m) => m.accountId).filter((id) => id !== me);
    const rec = this.states.recordOf(conv, g, { name: this.c.groups.get(conv)?.name ?? groupDefaultName(members), addedAt: Date.now(), active: true, unread: 0, left: false });
    // §12.6: a one-time key package is used once — its private half goes; the last-resort one stays.
    const forget = used && !mine.get(used)?.lastResort ? [{ store: 'meta' as const, delete: `kp:${used}` }] : [];
    // Who sent the Welcome is the relay's word; it is shown only when that member may add people (§12.5).
    const adder = g.members().find((m) => m.accountId === from && m.role !== 'member') ? from : null;
    await this.states.save(rec, [systemNote(conv, groupJoined(adder, members))], forget);
    void this.keys.maintainKeyPackages().catch(() => undefined);
  }

  private async dropped(conv: string, g: MlsGroup, item: GroupInboxItemJson, e: unknown): Promise<void> {
    const rec = this.c.groups.get(conv) as GroupRecord;
    if (GroupError.is(e, 'fork')) {
      if (rec.forkedAt !== undefined) return;
      await this.states.save(this.states.recordOf(conv, g, { forkedAt: g.fork ?? item.epoch }), [systemNote(conv, groupForked(g.fork ?? item.epoch))]);
      return;
    }
    if (GroupError.is(e, 'stale_epoch') || GroupError.is(e, 'future_epoch')) return; // old news, or a change not yet seen: nothing to show
    // §12.7: a group change that fails MLS checks (no member's signature, replay) is dropped and counted; state and status stay.
    if (item.kind !== 'application') {
      const counted = rec.refusedIds ?? [];
      if (counted.includes(item.id)) return; // the same item again (its ack was lost): counted once
      return this.states.save({ ...rec, refused: (rec.refused ?? 0) + 1, refusedIds: [...counted, item.id].slice(-50) });
    }
    await this.states.save(this.states.recordOf(conv, g), [
      systemNote(conv, GroupError.is(e, 'commitment_mismatch') ? droppedMessage(item.senderId) : undecryptableMessage(item.senderId)),
    ]);
  }
}
