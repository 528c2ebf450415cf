// Blocking and message requests (chat/README.md "Blocking and message requests"), beside the engine.
//   Requests: a first message from someone you never wrote to opens no chat; it waits under "Requests" (the
//             contact carries `request: true`) until you accept it, delete it, or report and block.
//   Blocking: the server's block list (PUT/DELETE /v1/blocks/{id}) stops delivery of their messages to you; the
//             engine also drops any envelope from a blocked sender that still arrives (sent before the block).
//             They are not told.
import type { ApiClient } from '@franking-chat/sdk';
import type { ChatStorage, ContactRecord } from './storage.ts';

const BLOCKED_KEY = 'blocked';

export interface BlockingDeps {
  api: ApiClient;
  store: () => ChatStorage;
  contacts: () => readonly ContactRecord[];
  upsertContact: (c: ContactRecord) => void;
  removeContact: (peerId: string) => void;
  setBlocked: (blocked: string[]) => void;
  blocked: () => readonly string[];
}

export class Blocking {
  constructor(private readonly d: BlockingDeps) {}

  /** The block list kept on this device (works offline), then the server's (the truth) once reachable. */
  async load(): Promise<void> {
    const local = (await this.d.store().getMeta<string[]>(BLOCKED_KEY)) ?? [];
    this.d.setBlocked(local);
  }

  async sync(): Promise<void> {
    const remote = (await this.d.api.listBlocks()).map((b) => b.userId);
    await this.save(remote);
  }

  isBlocked(peerId: string): boolean {
    return this.d.blocked().includes(peerId);
  }

  async block(peerId: string): Promise<void> {
    await this.d.api.blockAccount(peerId);
    await this.save([...new Set([...this.d.blocked(), peerId])]);
  }

  async unblock(peerId: string): Promise<void> {
    await this.d.api.unblockAccount(peerId);
    await this.save(this.d.blocked().filter((p) => p !== peerId));
  }

  /** Accept a message request: it becomes an ordinary chat. */
  async accept(peerId: string): Promise<void> {
    const c = this.d.contacts().find((x) => x.peerId === peerId);
    if (!c?.request) return;
    const next: ContactRecord = { ...c, request: false };
    await this.d.store().write([{ store: 'contacts', value: next }]);
    this.d.upsertContact(next);
  }

  /** Delete a request: the contact and its messages leave this device (the sender is not told). */
  async deleteRequest(peerId: string): Promise<void> {
    const c = this.d.contacts().find((x) => x.peerId === peerId);
    if (!c) return;
    await this.d.store().deleteConversation(peerId, c.conversationId);
    this.d.removeContact(peerId);
  }

  private async save(blocked: string[]): Promise<void> {
    await this.d.store().write([{ store: 'meta', key: BLOCKED_KEY, value: blocked }]);
    this.d.setBlocked(blocked);
  }
}
