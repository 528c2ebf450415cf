// Everything the chat keeps lives in this browser's IndexedDB: the identity and prekey private keys,
// session states, sender chains, contacts and the message history with each message's franking opening
// (what a report reveals), groups, and the verified attachments this user sent or received. Nothing here
// is ever uploaded except the items of a report the user confirms (and, for a reported attachment whose
// blob is gone, its ciphertext re-created under the committed key).
import type { CredentialKeyPair, PinnedDeviceList, ReportItemJson, SenderChainState, SessionRecord } from '@franking-chat/sdk';

export const DB_NAME = 'franking-chat';
const DB_VERSION = 2;

export interface AccountRecord {
  userId: string;
  /** serializeIdentity(): private keys. Never leaves this browser. */
  identity: Uint8Array;
  /** PreKeyStore.serialize(): private prekeys. */
  preKeys: Uint8Array;
  createdAt: number;
  /**
   * This device's id in the account's signed device list (docs/PROTOCOL-devices.md D1). Absent: an account stored
   * before devices, migrated at the next start (D17.1: its genesis is signed before it sends anything).
   */
  deviceId?: number;
  /** This device's MLS credential key (D1 `CK`, its list entry's credentialKey). Never leaves this browser. */
  credential?: CredentialKeyPair;
  /** The account's own pinned, verified device list (D5.3). */
  ownList?: PinnedDeviceList;
  /** Names the user gave this account's devices (private: never in the public list, D4.1), by device id. */
  deviceNames?: Record<string, string>;
}

export interface PublicIdentityJson {
  signingKey: string;
  dhKey: string;
}

export interface ContactRecord {
  peerId: string;
  conversationId: string;
  /** The peer's identity keys as first seen (key directory or their first message); safety numbers use it. */
  identity: PublicIdentityJson | null;
  /** The user compared safety numbers and marked them as matching. */
  verified: boolean;
  /** The peer's identity keys changed since first seen (new device or an attack): re-verify. */
  identityChanged: boolean;
  addedAt: number;
  lastActivity: number;
  unread: number;
  /** A message request: they wrote first and you have not accepted (chat/src/blocking.ts). */
  request?: boolean;
}

/** One peer's sessions (docs/PROTOCOL-sessions.md §S16): the SDK's record, stored as is in the `sessions` store. */
export type { SessionRecord };

export type GroupRole = 'creator' | 'admin' | 'member';

export interface GroupRecord {
  conversationId: string;
  /** Chosen by the creator; travels end-to-end encrypted in a franked group-info message, never to the server. */
  name: string;
  createdBy: string;
  /** The members and roles as the verified MLS Commits say (never the server's roster). */
  members: Array<{ accountId: string; role: GroupRole }>;
  /** False once this user left or was removed. */
  active: boolean;
  /** This user asked to leave (its Remove proposal is waiting for a member's Commit). */
  left?: boolean;
  /** MlsGroup.serialize(): this member's group secrets. Never leaves this browser. */
  mls?: Uint8Array;
  /** Epoch at which members were shown different group states (docs/PROTOCOL.md §12.7); sending stops. */
  forkedAt?: number;
  /** Group changes (Commits, proposals) dropped because they failed MLS checks (§12.7): counted, nothing else changes. */
  refused?: number;
  /** Inbox ids of the last dropped group changes, so one redelivered after a lost ack is counted once. */
  refusedIds?: string[];
  addedAt: number;
  lastActivity: number;
  unread: number;
}

/** A decrypted, verified attachment kept in this browser (the server deletes the blob once everyone fetched it). */
export interface FileRecord {
  /** `${messageId}#${index}` */
  id: string;
  messageId: string;
  index: number;
  data: Blob;
}

export interface AttachmentState {
  mediaType: string;
  /** Plaintext bytes. */
  size: number;
  /** ready: verified and stored here; loading: being fetched; failed: could not be fetched or did not verify. */
  status: 'loading' | 'ready' | 'failed';
  error?: string;
}

export type DeliveryState = 'sending' | 'sent' | 'failed';

export interface MessageRecord {
  /** The server's message id once known; a local id before that. */
  id: string;
  conversationId: string;
  peerId: string;
  direction: 'in' | 'out' | 'system';
  senderId: string;
  text: string;
  /** Sender clock (header.sentAt) for messages, local clock for system notes. */
  sentAt: number;
  /** The server's stamp time; null until the server accepted the message. */
  serverTime: number | null;
  seq: number | null;
  state?: DeliveryState;
  /** Why sending failed, in words for the user. */
  error?: string;
  errorCode?: string;
  /** Outgoing before acceptance: what to resend unchanged (same commitment, same seq). */
  pending?: {
    commitment: string; clientMessageId: string; fk: string; header: string; body: string;
    /** 1:1 messages from before groups: the one ciphertext for peerId. */
    ciphertext?: string;
    /** One ciphertext per recipient (the peer in a 1:1). */
    envelopes?: Array<{ recipientId: string; ciphertext: string }>;
    /** Group messages: the one MLS PrivateMessage for every member (docs/PROTOCOL.md §12.4). */
    mls?: string;
    /**
     * 1:1 to an account with a device list: the stated lists and one copy per target device (docs/PROTOCOL-devices.md
     * D13.2, `fanOutRequestBody`), sent again exactly; re-sealed only after a `device_mismatch` (D11.2 step 4).
     */
    copies?: {
      lists: Array<{ accountId: string; listVersion: number; listHash: string }>;
      copies: Array<{ accountId: string; deviceId: number; ciphertext: string }>;
    };
  };
  /** The sending device (header version 3/4, docs/PROTOCOL-devices.md D10.1). */
  senderDeviceId?: number;
  /** An own message sent from another device of this account (an own copy, D11.3): that device's id. */
  fromOtherDevice?: number;
  /** The device that decrypted this message's copy (D11.3 step 6); a report states it (D12.2). */
  deliveredToDeviceId?: number;
  /** Brought over from another device of this account in a history archive (D15.5 step 6): that device's id. */
  importedFrom?: number;
  /** Set for messages of a group conversation. */
  group?: boolean;
  /** 'group-info': the franked message that carries the group's name. */
  kind?: 'group-info' | 'kt-gossip';
  /** A group-info message that renames the group (shown "… renamed the group to …"). */
  rename?: boolean;
  /** A group-info message from a member who may not name the group (docs/PROTOCOL.md §12.11): not applied. */
  refused?: boolean;
  /** Sent again by itself once the connection returned (it had failed as unreachable). */
  resent?: boolean;
  /** Attachments pinned by the franked header, in header order. */
  attachments?: AttachmentState[];
  /** The franking opening + stamp: exactly what a report reveals for this message. */
  item?: ReportItemJson;
  /** Id of the report this message was filed in (by this user), if any. */
  reportId?: string;
}

type StoreName = 'meta' | 'contacts' | 'sessions' | 'chains' | 'messages' | 'groups' | 'files';

function promisify<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

export class ChatStorage {
  private constructor(private readonly db: IDBDatabase) {}

  static open(name = DB_NAME): Promise<ChatStorage> {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(name, DB_VERSION);
      req.onupgradeneeded = (ev) => {
        const db = req.result;
        if (ev.oldVersion < 1) {
          db.createObjectStore('meta');
          db.createObjectStore('contacts', { keyPath: 'peerId' });
          db.createObjectStore('sessions', { keyPath: 'peerId' });
          db.createObjectStore('chains', { keyPath: 'conversationId' });
          const messages = db.createObjectStore('messages', { keyPath: 'id' });
          messages.createIndex('conversationId', 'conversationId');
        }
        if (ev.oldVersion < 2) {
          db.createObjectStore('groups', { keyPath: 'conversationId' });
          db.createObjectStore('files', { keyPath: 'id' });
        }
      };
      req.onsuccess = () => resolve(new ChatStorage(req.result));
      req.onerror = () => reject(req.error ?? new Error('could not open IndexedDB'));
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
  }

  close(): void {
    this.db.close();
  }

  private async get<T>(store: StoreName, key: IDBValidKey): Promise<T | undefined> {
    return (await promisify(this.db.transaction(store).objectStore(store).get(key))) as T | undefined;
  }

  private async all<T>(store: StoreName): Promise<T[]> {
    return (await promisify(this.db.transaction(store).objectStore(store).getAll())) as T[];
  }

  /** Several writes in one transaction: all or nothing (session + chain + message of one send). */
  write(ops: Array<{ store: StoreName; value: unknown; key?: IDBValidKey } | { store: StoreName; delete: IDBValidKey }>): Promise<void> {
    const stores = [...new Set(ops.map((o) => o.store))];
    const tx = this.db.transaction(stores, 'readwrite');
    for (const op of ops) {
      const s = tx.objectStore(op.store);
      if ('delete' in op) s.delete(op.delete);
      else if (op.key !== undefined) s.put(op.value, op.key);
      else s.put(op.value);
    }
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
    });
  }

  meta<T>(key: string): Promise<T | undefined> {
    return this.get('meta', key);
  }
  /** Keys of the meta store starting with `prefix` (e.g. this device's MLS key packages, "kp:"). */
  async metaKeys(prefix: string): Promise<string[]> {
    const keys = (await promisify(this.db.transaction('meta').objectStore('meta').getAllKeys())) as IDBValidKey[];
    return keys.filter((k): k is string => typeof k === 'string' && k.startsWith(prefix));
  }
  account(): Promise<AccountRecord | undefined> {
    return this.get('meta', 'account');
  }
  saveAccount(a: AccountRecord): Promise<void> {
    return this.write([{ store: 'meta', key: 'account', value: a }]);
  }
  /** Writes a small keyed value of the meta store (key transparency state: chat/src/transparency.ts). */
  saveMeta(key: string, value: unknown): Promise<void> {
    return this.write([{ store: 'meta', key, value }]);
  }
  contacts(): Promise<ContactRecord[]> {
    return this.all('contacts');
  }
  session(peerId: string): Promise<SessionRecord | undefined> {
    return this.get('sessions', peerId);
  }
  chain(conversationId: string): Promise<SenderChainState | undefined> {
    return this.get('chains', conversationId);
  }
  group(conversationId: string): Promise<GroupRecord | undefined> {
    return this.get('groups', conversationId);
  }
  groups(): Promise<GroupRecord[]> {
    return this.all('groups');
  }
  file(messageId: string, index: number): Promise<FileRecord | undefined> {
    return this.get('files', `${messageId}#${index}`);
  }
  message(id: string): Promise<MessageRecord | undefined> {
    return this.get('messages', id);
  }
  messages(): Promise<MessageRecord[]> {
    return this.all('messages');
  }
  /** The stored messages of one conversation (index `conversationId`), in no particular order. */
  async messagesIn(conversationId: string): Promise<MessageRecord[]> {
    return (await promisify(this.db.transaction('messages').objectStore('messages').index('conversationId').getAll(conversationId))) as MessageRecord[];
  }
  getMeta<T>(key: string): Promise<T | undefined> {
    return this.get('meta', key);
  }

  /** Deletes a 1:1 contact and every message of its conversation (a declined message request). */
  async deleteConversation(peerId: string, conversationId: string): Promise<void> {
    const ids = (await promisify(this.db.transaction('messages').objectStore('messages').index('conversationId').getAllKeys(conversationId))) as IDBValidKey[];
    await this.write([{ store: 'contacts', delete: peerId }, ...ids.map((id) => ({ store: 'messages' as const, delete: id }))]);
  }

  /** Forget this device: every key and message is deleted from this browser. */
  wipe(): Promise<void> {
    const names = ['meta', 'contacts', 'sessions', 'chains', 'messages', 'groups', 'files'] as const;
    const tx = this.db.transaction([...names], 'readwrite');
    for (const n of names) tx.objectStore(n).clear();
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB wipe failed'));
    });
  }
}
