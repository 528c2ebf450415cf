// The account on this device: start-up (open storage, load what it holds), registration (keys made here, only the
// public halves registered, behind the server's gate), and forgetting the device.
import {
  type ApiClient, ApiError, PreKeyStore, type RegistrationInfoJson, generateCredentialKey, generateIdentity, serializeIdentity,
} from '@franking-chat/sdk';
import type { Blocking } from '../blocking.ts';
import { type PowProgress, solvePow } from '../pow.ts';
import { type AccountRecord, ChatStorage, type MessageRecord } from '../storage.ts';
import type { TabChange } from '../tab-sync.ts';
import type { ChatTransparency } from '../transparency.ts';
import { STORAGE_UNAVAILABLE, handleProblem } from '../wording.ts';
import type { Attachments } from './attachments.ts';
import type { Connection } from './connection.ts';
import type { DeviceLists } from './device-lists.ts';
import type { Device } from './device.ts';
import { genesisList } from './devices.ts';
import { ChatError } from './errors.ts';
import { PREKEY_BATCH } from './limits.ts';
import { Conversations, placed } from './state/conversations.ts';
import type { Snapshot, SnapshotStore } from './state/snapshot.ts';

export interface AccountDeps {
  device: Device;
  api: ApiClient;
  snapshot: SnapshotStore;
  blocking: Blocking;
  kt: ChatTransparency;
  connection: Connection;
  attachments: Attachments;
  lists: DeviceLists;
  /** docs/PROTOCOL-devices.md D17.1: signs and submits the genesis of an account without a list. */
  migrate(): Promise<void>;
}

/**
 * How a new account gets its device list. D8.2 registers with the genesis list; but the server's single-device
 * directory (`GET /v1/keys/{userId}`, what clients without devices use to start a session) serves only an account-level
 * bundle, which an account registered with a list never has — such clients (and the e2e suites' SDK peers) could not
 * write to it. So the chat registers the identity first, publishes its bundle, and signs the genesis right after, before
 * it sends anything (D17.1, the migration path): the account has the same list, device 1 keeps being reachable by
 * clients without devices. Set to 'genesis' once the server serves device 1 to them.
 */
export const REGISTRATION: 'genesis' | 'identity-then-genesis' = 'identity-then-genesis';

export class Account {
  constructor(private readonly d: AccountDeps) {}

  async init(): Promise<void> {
    const { device, snapshot } = this.d;
    try {
      device.opened(await ChatStorage.open());
    } catch {
      snapshot.set({ phase: 'welcome', banner: STORAGE_UNAVAILABLE });
      return;
    }
    const account = await device.store().account();
    if (!account) return snapshot.set({ phase: 'welcome' });
    device.signedIn(account);
    await this.loadLocal();
    snapshot.set({ phase: 'ready', me: account.userId, kt: await this.d.kt.view() });
    await this.d.connection.goOnline();
  }

  /** The server's registration gate (open, invite, pow): the welcome page asks for an invite code when needed. */
  async registrationGate(): Promise<RegistrationInfoJson['gate']> {
    return (await this.d.api.registrationInfo()).gate;
  }

  /**
   * Creates the identity, MLS credential key and prekeys here, keeps them in IndexedDB, registers only the public
   * halves: the account's genesis device list (docs/PROTOCOL-devices.md D8.2), signed by this device as device 1.
   * Gate "pow": solves a fresh challenge in a Web Worker first (`onPow` gets progress); gate "invite": sends `opts.invite`.
   */
  async register(handle: string, opts: { invite?: string; onPow?: (p: PowProgress) => void } = {}): Promise<void> {
    const { device, api } = this.d;
    if (handleProblem(handle)) throw new ChatError('handle_invalid', { handle });
    const identity = generateIdentity();
    const credential = generateCredentialKey();
    const preKeys = PreKeyStore.create(identity, { oneTimePreKeys: PREKEY_BATCH });
    const createdAt = Date.now();
    try {
      const info = await api.registrationInfo();
      const pow = info.pow ? await solvePow(info.pow, opts.onPow ?? (() => {})) : undefined;
      const proof = { ...(opts.invite ? { invite: opts.invite.trim() } : {}), ...(pow ? { pow } : {}) };
      if (REGISTRATION === 'genesis') await api.registerDeviceList(handle, genesisList(handle, identity, credential.publicKey, createdAt), proof);
      else await api.registerIdentity(handle, identity, proof);
    } catch (e) {
      if (ApiError.is(e, 'user_exists')) throw new ChatError('handle_taken', { handle });
      // Staff-like handles (server/services/reserved-handles.ts): the server says why in words.
      if (ApiError.is(e, 'handle_reserved')) throw new ChatError('handle_reserved', { detail: e.detail });
      if (ApiError.is(e, 'invite_required')) throw new ChatError('invite_required');
      if (ApiError.is(e, 'invite_invalid')) throw new ChatError('invite_invalid');
      if (ApiError.is(e, 'pow_expired') || ApiError.is(e, 'pow_replayed')) throw new ChatError('pow_expired');
      if (ApiError.is(e, 'rate_limited')) throw new ChatError('registration_rate_limited');
      if (ApiError.is(e, 'network_error')) throw new ChatError('server_unreachable');
      throw new ChatError('registration_failed', ApiError.is(e) ? { detail: e.detail } : {});
    }
    const genesis = REGISTRATION === 'genesis';
    const account: AccountRecord = { userId: handle, identity: serializeIdentity(identity), preKeys: preKeys.serialize(), createdAt, credential, ...(genesis ? { deviceId: 1 } : {}) };
    await device.store().write([{ store: 'meta', key: 'account', value: account }, { store: 'meta', key: 'mls-credential', value: credential }]);
    device.signedIn(account, identity, preKeys);
    if (genesis) {
      await api.loginDevice(handle, 1, identity);
      // The own list, proven in the key log before anything is sent (D5.4); its one device is this one.
      await this.d.lists.refresh(handle);
    } else {
      await api.login(handle, identity);
    }
    // Published before the genesis (identity-then-genesis): the single-device directory keeps serving it as device 1's.
    await api.publishBundle(preKeys.bundle(identity));
    // The genesis before the account is shown as ready: nothing is sent from it without its device list.
    if (!genesis) await this.d.migrate().catch(() => undefined); // else at going online, before anything is sent
    this.d.snapshot.set({ phase: 'ready', me: handle, banner: null });
    await this.d.connection.goOnline();
  }

  /**
   * Reads contacts, messages and groups back from storage: everything (at start, after a history import), or after
   * another tab's change (chat/src/tab-sync.ts) the contacts, the groups and only the messages and conversations it
   * named.
   */
  async loadLocal(change: TabChange = 'all'): Promise<void> {
    const store = this.d.device.store();
    const [contacts, groups, messages] = await Promise.all([
      store.contacts(), store.groups(),
      change === 'all' ? store.messages().then((all) => Conversations.grouped(all)) : this.reread(store, change),
    ]);
    this.d.snapshot.reloaded({ contacts: contacts.sort((a, b) => b.lastActivity - a.lastActivity), groups: groups.sort((a, b) => b.lastActivity - a.lastActivity), messages });
    await this.d.blocking.load();
  }

  /**
   * The shown messages with another tab's change read from storage: each conversation it names whole (one with no
   * message left is dropped), then each message it names by its id (one no longer stored leaves the list).
   */
  private async reread(store: ChatStorage, change: Exclude<TabChange, 'all'>): Promise<Snapshot['messages']> {
    const whole = new Set(change.conversations);
    const single = change.messages.filter((s) => !whole.has(s.conversationId));
    const [lists, records] = await Promise.all([
      Promise.all([...whole].map((id) => store.messagesIn(id))),
      Promise.all(single.map((s) => store.message(s.id))),
    ]);
    const messages: Record<string, readonly MessageRecord[]> = { ...this.d.snapshot.get().messages };
    [...whole].forEach((id, i) => {
      const shown = Conversations.grouped(lists[i] ?? [])[id];
      if (shown) messages[id] = shown;
      else delete messages[id];
    });
    single.forEach((s, i) => {
      messages[s.conversationId] = placed(messages[s.conversationId] ?? [], records[i], s.replaceId, s.id);
    });
    return messages;
  }

  /** Log out and delete every key and message from this browser. */
  async forgetDevice(): Promise<void> {
    this.d.connection.stop();
    await this.d.api.logout().catch(() => undefined);
    await this.d.device.store().wipe();
    this.d.attachments.forget();
    this.d.device.forget();
    this.d.lists.forget();
    this.d.snapshot.reset('welcome');
  }
}
