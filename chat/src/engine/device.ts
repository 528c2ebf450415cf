// This device: its storage, account, identity and prekeys (private halves never leave the browser), and the lock
// that serialises every change to session, prekey, chain and group state (the ratchet is strictly sequential).
import { type IdentityKeyPair, type PinnedDeviceList, PreKeyStore, deserializeIdentity } from '@franking-chat/sdk';
import type { AccountRecord, ChatStorage } from '../storage.ts';
import { TabSync } from '../tab-sync.ts';
import { ChatError } from './errors.ts';

export class Device {
  private storage: ChatStorage | null = null;
  private account: AccountRecord | null = null;
  private identityKeys: IdentityKeyPair | null = null;
  private prekeys: PreKeyStore | null = null;
  private lock: Promise<unknown> = Promise.resolve();

  opened(storage: ChatStorage): void {
    this.storage = storage;
  }

  get isOpen(): boolean {
    return this.storage !== null;
  }

  store = (): ChatStorage => {
    if (!this.storage) throw new ChatError('not_ready', { detail: 'storage is not open' });
    return this.storage;
  };

  /** The account is known (stored, or just registered). */
  signedIn(account: AccountRecord, identity = deserializeIdentity(account.identity), preKeys = PreKeyStore.deserialize(account.preKeys)): void {
    this.account = account;
    this.identityKeys = identity;
    this.prekeys = preKeys;
  }

  get hasAccount(): boolean {
    return this.account !== null && this.identityKeys !== null;
  }

  me = (): string => {
    if (!this.account) throw new ChatError('not_ready', { detail: 'no account' });
    return this.account.userId;
  };

  identity = (): IdentityKeyPair => this.identityKeys as IdentityKeyPair;

  /** This device's id in the account's device list (docs/PROTOCOL-devices.md D1); undefined before the migration (D17.1). */
  get deviceId(): number | undefined {
    return this.account?.deviceId;
  }

  /** The account's own pinned, verified device list (D5.3), once it has one. */
  ownList(): PinnedDeviceList | undefined {
    return this.account?.ownList;
  }

  /** The stored account record as it is now. */
  record(): AccountRecord {
    if (!this.account) throw new ChatError('not_ready', { detail: 'no account' });
    return this.account;
  }

  /** Changes and stores the account record (device id, own pinned list, device names). */
  async updateAccount(patch: Partial<AccountRecord>): Promise<void> {
    this.account = { ...this.record(), ...patch };
    await this.store().saveAccount(this.account);
  }

  preKeys(): PreKeyStore {
    return this.prekeys as PreKeyStore;
  }

  /** The write that stores the prekeys as they are now (their private halves before any public one is published). */
  preKeysOp(): { store: 'meta'; key: 'account'; value: AccountRecord } {
    this.account = { ...(this.account as AccountRecord), preKeys: this.preKeys().serialize() };
    return { store: 'meta', key: 'account', value: this.account };
  }

  async savePreKeys(): Promise<void> {
    const op = this.preKeysOp();
    await this.store().saveAccount(op.value);
  }

  /** Forgets prekey changes not stored (a receive that kept nothing). */
  revertPreKeys(): void {
    this.prekeys = PreKeyStore.deserialize((this.account as AccountRecord).preKeys);
  }

  /** Runs `fn` alone: after every earlier change here, and under the cross-tab lock (chat/README.md "Several tabs"). */
  locked = <T>(fn: () => Promise<T>): Promise<T> => {
    const exclusive = () => TabSync.exclusive(fn);
    const run = this.lock.then(exclusive, exclusive);
    this.lock = run.catch(() => undefined);
    return run;
  };

  forget(): void {
    this.account = null;
    this.identityKeys = null;
    this.prekeys = null;
  }
}
