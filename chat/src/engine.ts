// The chat client without React: it only wires the parts below and offers the UI one object. Every cryptographic
// step runs in this page; the server sees ciphertext, commitments and stamps, and plaintext only in the items of a
// report the user confirms. UI code reads `getSnapshot()` and calls the methods below; errors are ChatErrors,
// shown through wording.errorText. A message's path: ./engine/sender.ts (seal) → ./engine/outbox.ts (deliver,
// retry) → relay → ./engine/receiver.ts (1:1) or ./groups/group-inbox.ts (groups) → the state slices.
import { ApiClient, deviceMismatchOf, type NewDeviceKeys, type ReportCategory, type ReportDetailJson, type RegistrationInfoJson } from '@franking-chat/sdk';
import { Blocking } from './blocking.ts';
import { Account } from './engine/account.ts';
import { Attachments } from './engine/attachments.ts';
import { Connection } from './engine/connection.ts';
import { ContactBook } from './engine/contact-book.ts';
import { Device } from './engine/device.ts';
import { DeviceLists } from './engine/device-lists.ts';
import { Devices, type OwnDevice } from './engine/devices.ts';
import { type LastSeen, readLastSeen } from './engine/device-activity.ts';
import { DirectFanOut } from './engine/fanout.ts';
import { History, type ImportedHistory } from './engine/history.ts';
import { type ExistingLinkProgress, type LinkDecision, Linking, type NewLinkProgress } from './engine/linking.ts';
import { KeyChecks } from './engine/key-checks.ts';
import { Outbox } from './engine/outbox.ts';
import { Receiver } from './engine/receiver.ts';
import { type ContextCandidate, Reporting, type SubmittedReport } from './engine/reporting.ts';
import { type OutgoingFile, Sender } from './engine/sender.ts';
import { Contacts } from './engine/state/contacts.ts';
import { Conversations } from './engine/state/conversations.ts';
import { Groups } from './engine/state/groups.ts';
import { Reports } from './engine/state/reports.ts';
import { type Snapshot, SnapshotStore } from './engine/state/snapshot.ts';
import { AccountStanding } from './engine/state/standing.ts';
import { GroupInbox, GroupKeys, GroupSender, GroupStates, Membership } from './groups/index.ts';
import type { PowProgress } from './pow.ts';
import type { ContactRecord, GroupRecord, MessageRecord } from './storage.ts';
import { TabSync } from './tab-sync.ts';
import { ChatTransparency } from './transparency.ts';
import { ChatError } from './engine/errors.ts';
import { errorText } from './wording.ts';

// What the UI needs besides the engine (the words it shows are in ./wording.ts).
export { GROUP_NAME_MAX, MAX_ATTACHMENT_BYTES } from './engine/limits.ts';
export type { ContextCandidate, ExistingLinkProgress, ImportedHistory, LinkDecision, NewDeviceKeys, NewLinkProgress, OutgoingFile, OwnDevice, Snapshot, SubmittedReport };

export class ChatEngine {
  private readonly snapshot: SnapshotStore;
  private readonly device = new Device();
  private readonly api: ApiClient;
  /** Other tabs of this chat (chat/README.md "Several tabs"). */
  private readonly tabs: TabSync;
  private readonly contacts: Contacts;
  private readonly conversations: Conversations;
  private readonly groups: Groups;
  private readonly standing: AccountStanding;
  /** Block list and message requests (chat/README.md "Blocking and message requests"). */
  readonly blocking: Blocking;
  private readonly account: Account;
  private readonly connection: Connection;
  private readonly attachments: Attachments;
  private readonly outbox: Outbox;
  private readonly sender: Sender;
  private readonly book: ContactBook;
  private readonly membership: Membership;
  private readonly groupInbox: GroupInbox;
  private readonly reporting: Reporting;
  /** Key transparency: proofs on every key fetch, own-key monitoring, gossip (chat/src/transparency.ts). */
  private readonly kt: ChatTransparency;
  /** Pinned, verified device lists of every account this device talks to (docs/PROTOCOL-devices.md D5). */
  private readonly lists: DeviceLists;
  /** This account's devices: linking, removal, recovery kit, migration (docs/PROTOCOL-devices.md D6, D17). */
  private readonly devicesOf: Devices;
  /** The history archive for a newly linked device (docs/PROTOCOL-devices.md D15). */
  private readonly history: History;
  /** The link channel between a new device and this account's devices (docs/PROTOCOL-linking.md). */
  private readonly linking: Linking;

  constructor(baseUrl = '') {
    const device = this.device;
    const store = device.store;
    this.tabs = new TabSync((change) => (device.isOpen ? this.account.loadLocal(change) : undefined));
    const snapshot = (this.snapshot = new SnapshotStore((change) => this.tabs.changed(change)));
    const api = (this.api = new ApiClient({ baseUrl, refreshToken: () => this.connection.relogin() }));
    const contacts = (this.contacts = new Contacts(snapshot, store));
    const conversations = (this.conversations = new Conversations(snapshot, store));
    const groups = (this.groups = new Groups(snapshot, store));
    const reports = new Reports(snapshot);
    const standing = (this.standing = new AccountStanding(snapshot, () => {
      this.connection.restricted();
      void this.reporting.refreshNotices();
    }));
    const kt = (this.kt = new ChatTransparency(baseUrl, store, (view) => snapshot.set({ kt: view })));
    const keys = new KeyChecks(api, kt);
    const lists = (this.lists = new DeviceLists({ api, device, kt, changed: (accountId, change) => this.book.devicesChanged(accountId, change) }));
    const blocking = (this.blocking = new Blocking({
      api, store, contacts: () => contacts.list(), upsertContact: (c) => contacts.shown(c), removeContact: (peerId) => {
        const conversationId = contacts.get(peerId)?.conversationId;
        contacts.removed(peerId);
        if (conversationId) conversations.forget(conversationId);
      },
      setBlocked: (blocked) => snapshot.set({ blocked }), blocked: () => snapshot.get().blocked,
    }));
    const attachments = (this.attachments = new Attachments(device, api, conversations));

    // Groups (docs/PROTOCOL.md §12) get their collaborators explicitly.
    const collaborators = { api, device, groups, conversations, contacts, standing, keys, attachments, lists };
    const groupKeys = new GroupKeys(collaborators);
    const groupStates = new GroupStates(collaborators, groupKeys);
    const groupSender = new GroupSender(collaborators, groupStates);
    const groupInbox = (this.groupInbox = new GroupInbox(collaborators, groupKeys, groupStates, () => device.hasAccount && !standing.restricted));

    const fanOut = new DirectFanOut({ api, device, lists });
    const outbox = (this.outbox = new Outbox({
      device, api, conversations, standing, deliverGroup: (m) => groupSender.deliver(m), syncGroups: () => groupInbox.syncNow(),
      afterMismatch: (m, e, refusal) => fanOut.afterMismatch(m, deviceMismatchOf(e) ?? [], refusal),
    }));
    const sender = (this.sender = new Sender({
      device, api, keys, contacts, conversations, groups, standing, outbox, fanOut, sealGroup: (...args) => groupSender.seal(...args),
    }));
    this.membership = new Membership(collaborators, groupKeys, groupStates, sender, () => groupInbox.syncNow());
    groupInbox.commitsWith(this.membership);
    const book = (this.book = new ContactBook({ device, api, keys, kt, contacts, conversations, blocking, standing, sender, lists }));
    const receiver = new Receiver({
      device, api, contacts, conversations, groups, blocking, keys, kt, lists,
      fetchAttachments: (id) => void attachments.fetch(id).catch(() => undefined),
      gossipArrived: (peerId) => void book.gossip(peerId).catch(() => undefined),
    });
    this.reporting = new Reporting({ device, api, conversations, reports, standing, restored: () => this.connection.goOnline() });
    this.connection = new Connection({
      baseUrl, device, api, snapshot, standing, blocking, kt, groupKeys, groupInbox,
      receiveBatch: (envs) => receiver.receiveBatch(envs),
      resendUnsent: () => outbox.resendUnsent(),
      resendProtocolMessages: () => outbox.resendProtocolMessages(),
      resumeDownloads: () => attachments.resume(),
      refreshReports: () => this.reporting.refresh(),
      refreshNotices: () => this.reporting.refreshNotices(),
      refreshGroups: () => this.refreshGroups(),
      migrate: () => this.devicesOf.migrate(),
      refreshOwnList: async () => {
        await lists.refresh(device.me());
        const own = device.ownList();
        if (own && device.deviceId !== undefined && !DeviceLists.verified(own).signed.list.devices.some((e) => e.deviceId === device.deviceId))
          snapshot.set({ banner: errorText(new ChatError('device_signed_out')) });
      },
      ownDevices: {
        deviceId: () => device.deviceId,
        pinned: () => device.ownList(),
        source: api,
        checked: async (check) => {
          if (check.pinned.listVersion !== device.ownList()?.listVersion) {
            await device.updateAccount({ ownList: check.pinned });
            // D14.4: a device removed or linked elsewhere leaves or joins the groups now, not at the next periodic sync.
            if (!check.signedOut) void this.membership.syncDevices({ now: true }).catch(() => undefined);
          }
          // D7.4: this device was signed out by another of the account's devices: it stops (its token is revoked).
          if (check.signedOut) {
            snapshot.set({ banner: errorText(new ChatError('device_signed_out')) });
            this.connection.stop();
          }
        },
      },
    });
    this.account = new Account({ device, api, snapshot, blocking, kt, connection: this.connection, attachments, lists, migrate: () => this.devicesOf.migrate() });
    this.devicesOf = new Devices({
      api, device, lists, kt, credential: () => groupKeys.credentialPair(),
      started: async () => {
        await this.account.loadLocal();
        snapshot.set({ phase: 'ready', me: device.me(), banner: null, kt: await kt.view() });
        await this.connection.goOnline();
      },
    });
    this.history = new History({ api, device, lists, contacts, conversations, groups, reload: () => this.account.loadLocal() });
    this.linking = new Linking({
      api, device, devices: this.devicesOf, history: this.history, origin: () => (typeof location === 'undefined' ? '' : location.origin),
      // D14.4 R2: this device adds the new one to every group as soon as it published its key packages.
      linked: (deviceId) => {
        const account = device.me();
        this.membership.followNewDevice(deviceId, () => !device.hasAccount || device.me() !== account);
      },
    });
    // End-to-end tests drive the device API from the page (test/e2e/devices.e2e.test.ts) when this browser profile
    // asks for it; a page script of this origin could reach everything here anyway.
    try {
      if (typeof window !== 'undefined' && window.localStorage.getItem('franking-chat:engine-hook') === '1') (window as unknown as { chatEngine?: ChatEngine }).chatEngine = this;
    } catch {
      // no localStorage: no hook
    }
  }

  // ---- React binding (useSyncExternalStore) ----
  subscribe = (fn: () => void): (() => void) => this.snapshot.subscribe(fn);
  getSnapshot = (): Snapshot => this.snapshot.get();

  // ---- Account ----
  async init(): Promise<void> {
    await this.account.init();
    // docs/PROTOCOL-devices.md D6.5/D6.6: a restore or reset interrupted on this browser is finished or discarded first.
    if (this.snapshot.get().phase !== 'welcome' || !this.device.isOpen) return;
    const outcome = await this.devicesOf.resumePending().catch(() => 'waiting' as const);
    if (outcome === 'discarded') this.snapshot.set({ banner: errorText(new ChatError('recovery_failed', { detail: 'the restore that was interrupted did not reach the server, so nothing changed: restore again with your kit' })) });
  }
  registrationGate(): Promise<RegistrationInfoJson['gate']> { return this.account.registrationGate(); }
  register(handle: string, opts: { invite?: string; onPow?: (p: PowProgress) => void } = {}): Promise<void> { return this.account.register(handle, opts); }
  forgetDevice(): Promise<void> { return this.account.forgetDevice(); }

  // ---- This account's devices (docs/PROTOCOL-devices.md D6; the linking UI and its link channel are the UI's) ----
  /** This account's devices from the verified list, with names kept on this browser and the server's "linked at". */
  devices(): Promise<OwnDevice[]> { return this.devicesOf.devices(); }
  /** When each own device was last active, by the server's coarse record (D8.3), or null when it could not say. */
  lastSeen(): Promise<LastSeen | null> { return readLastSeen(this.api); }
  /** Names a device on this browser only: the server keeps no device names (the list is public, D4.1). */
  renameDevice(deviceId: number, name: string): Promise<void> { return this.devicesOf.renameDevice(deviceId, name); }
  /** Removes a device by a signed list (D6.2); a concurrent change is re-decided on top of the winner (D6.4). */
  async removeDevice(deviceId: number): Promise<void> {
    await this.devicesOf.removeDevice(deviceId);
    // D14.4 R1: the removed device leaves every group at once (its leaves are removed by this device's Commits).
    await this.membership.syncDevices({ now: true }).catch(() => undefined);
  }
  /**
   * On the existing device (D6.1 steps 1–4): adds the device whose public keys came over the link channel; `cosign`
   * sends it the list body and resolves with its cosignature. Resolves once the list is logged.
   */
  approveLink(newDevice: NewDeviceKeys, cosign: (body: Uint8Array) => Promise<Uint8Array>, name?: string): Promise<{ deviceId: number; listVersion: number }> {
    return this.devicesOf.approveLink(newDevice, cosign, name);
  }
  /** On the new device: its fresh keys (public halves, to send over the link channel). */
  beginLink(): NewDeviceKeys { return this.devicesOf.beginLink(); }
  /** On the new device: checks and counter-signs the list body the existing device sent (D6.1 step 3). */
  cosignLink(body: Uint8Array, accountId: string): Uint8Array { return this.devicesOf.cosignLink(body, accountId); }
  /** On the new device, once the existing one says the list is logged: verify, store, sign in, go online. */
  completeLink(accountId: string, opts: { name?: string; names?: Record<string, string> } = {}): Promise<{ deviceId: number }> { return this.devicesOf.completeLink(accountId, opts); }
  /** The encrypted history archive for a newly linked device (D15.4): descriptor and ciphertext for the link channel. */
  exportHistory(targetDeviceId: number): Promise<{ descriptor: Uint8Array; ciphertext: Uint8Array }> { return this.history.exportHistory(targetDeviceId); }
  /** Imports an archive from another device of this account (D15.5). */
  importHistory(descriptor: Uint8Array, ciphertext: Uint8Array): Promise<ImportedHistory> { return this.history.importHistory(descriptor, ciphertext); }
  /** A new recovery kit (D2.4): the text to keep offline; it replaces any earlier kit. */
  createRecoveryKit(): Promise<string> { return this.devicesOf.createRecoveryKit(); }
  /** On a browser without an account: takes the account back with its recovery kit (D6.5). */
  restoreFromKit(handle: string, kit: string): Promise<{ deviceId: number }> { return this.devicesOf.restoreFromKit(handle, kit); }
  /** On a browser without an account, with neither device nor kit (D6.6): fresh keys kept here, and the reset code to tell support. */
  beginReset(handle: string): Promise<{ accountId: string; code: string }> { return this.devicesOf.beginReset(handle); }
  /** The reset waiting on this browser for support's release, if any. */
  pendingReset(): Promise<{ accountId: string; code: string } | null> { return this.devicesOf.pendingReset(); }
  cancelReset(): Promise<void> { return this.devicesOf.cancelReset(); }
  /** Once support released the handle: submits the reset list and signs in as the account's new identity (D6.6). */
  completeReset(): Promise<{ deviceId: number }> { return this.devicesOf.completeReset(); }
  /** On a browser without an account: shows a link code, then follows the link to the end (docs/PROTOCOL-linking.md L1). */
  linkAsNewDevice(name: string, onProgress: (p: NewLinkProgress) => void, signal?: AbortSignal): Promise<{ deviceId: number }> { return this.linking.linkAsNewDevice(name, onProgress, signal); }
  /** On this device: links the device whose code was pasted or scanned, after the user compared the short codes and said yes. */
  linkFromThisDevice(code: string, onProgress: (p: ExistingLinkProgress) => void, decide: (shortCode: string, name: string) => Promise<LinkDecision>, signal?: AbortSignal): Promise<{ deviceId: number }> {
    return this.linking.linkFromThisDevice(code, onProgress, decide, signal);
  }
  /** This device's id in the account's device list (undefined before the migration, D17.1). */
  deviceId(): number | undefined { return this.device.deviceId; }

  // ---- Contacts and key transparency ----
  contact(peerId: string): ContactRecord | undefined { return this.contacts.get(peerId); }
  addContact(handle: string): Promise<ContactRecord> { return this.book.add(handle); }
  markRead(peerId: string): Promise<void> { return this.contacts.markRead(peerId); }
  setVerified(peerId: string, verified: boolean): Promise<void> { return this.book.setVerified(peerId, verified); }
  safetyNumber(peerId: string): string | null { return this.book.safetyNumber(peerId); }
  /** Compares key-log views with a contact now (docs/TRANSPARENCY.md §8): sends our newest signed tree head. */
  compareKeyLogs(peerId: string): Promise<void> { return this.book.gossip(peerId, true); }
  /** Dismisses a key-transparency warning after the user has read it. */
  dismissKtAlarm(id: string): Promise<void> { return this.kt.dismiss(id); }

  // ---- Sending ----
  async send(peerId: string, text: string, file?: OutgoingFile): Promise<void> {
    await this.sender.send(peerId, text, file);
    void this.book.gossip(peerId).catch(() => undefined);
  }
  sendGroup(conversationId: string, text: string, file?: OutgoingFile): Promise<void> { return this.sender.sendGroup(conversationId, text, file); }
  /** Retry: exactly the stored bytes again (engine/outbox.ts). */
  deliver(m: MessageRecord): Promise<void> { return this.outbox.deliver(m); }
  resendUnsent(): Promise<void> { return this.outbox.resendUnsent(); }
  attachmentUrl(messageId: string, index: number): Promise<string | null> { return this.attachments.url(messageId, index); }

  // ---- Groups ----
  group(conversationId: string): GroupRecord | undefined { return this.groups.get(conversationId); }
  createGroup(name: string, membersRaw: string): Promise<GroupRecord> { return this.membership.createGroup(name, membersRaw); }
  renameGroup(conversationId: string, name: string): Promise<void> { return this.membership.renameGroup(conversationId, name); }
  addMembers(conversationId: string, membersRaw: string): Promise<void> { return this.membership.addMembers(conversationId, membersRaw); }
  /** Removes a member by Commit (creator/admins), or leaves the group when `accountId` is this user. */
  removeMember(conversationId: string, accountId: string): Promise<void> { return this.membership.remove(conversationId, accountId); }
  setAdmin(conversationId: string, accountId: string, admin: boolean): Promise<void> { return this.membership.setAdmin(conversationId, accountId, admin); }
  groupKeyMatchesContact(conversationId: string, accountId: string): Promise<boolean | null> { return this.membership.keyMatchesContact(conversationId, accountId); }
  markGroupRead(conversationId: string): Promise<void> { return this.groups.markRead(conversationId); }
  /** Processes what waits in the group inbox (membership changes, messages). */
  async refreshGroup(_conversationId?: string): Promise<void> {
    if (!this.api.token || this.standing.restricted) return;
    await this.groupInbox.syncNow().catch(() => undefined);
    // docs/PROTOCOL-devices.md D14.4: removed devices leave the groups, this account's new devices join them.
    await this.membership.syncDevices().catch(() => undefined);
  }
  refreshGroups(): Promise<void> { return this.refreshGroup(); }

  // ---- Reports, notices, appeals ----
  contextCandidates(messageId: string): ContextCandidate[] { return this.reporting.contextCandidates(messageId); }
  submitReport(input: { messageId: string; category: ReportCategory; comment: string; contextIds: string[] }): Promise<SubmittedReport> { return this.reporting.submit(input); }
  refreshReports(): Promise<void> { return this.reporting.refresh(); }
  reportDetail(reportId: string): Promise<ReportDetailJson> { return this.reporting.detail(reportId); }
  appeal(noticeId: number, statement: string): Promise<{ id: string; status: string }> { return this.reporting.appeal(noticeId, statement); }
  checkAppealOutcome(): Promise<void> { return this.reporting.checkAppealOutcome(); }
  refreshNotices(): Promise<void> { return this.reporting.refreshNotices(); }
}
