// What an MlsGroup hands the application (docs/PROTOCOL.md §12, docs/PROTOCOL-devices.md D14): its leaves and people,
// the events a received message makes, and what a send or a Commit produces.
import type { FrankedMessage, OpenedMessage } from '../franking/franking.ts';
import type { IdentityResolver } from './credential.ts';
import type { DeviceListResolver } from './device-members.ts';
import type { MemberRole } from './roles.ts';

/** One leaf of the group: a device of a person (docs/PROTOCOL-devices.md D14). */
export interface GroupMember {
  accountId: string;
  /** The device the leaf's credential names (1 for a version 1 credential, D14.1). */
  deviceId: number;
  /** 1: single-device credential bound to the identity key (§12.2); 2: account and device (D14.1). */
  credentialVersion: 1 | 2;
  leaf: number;
  /** The person's role: roles belong to the account, not the leaf (D14.4). */
  role: MemberRole;
  /** Version 1 credentials: the identity signing key the credential names (checked when the member was admitted). */
  identitySigningKey?: Uint8Array;
}

/** D14.6: a person of the group with its devices (what clients show: "alice · 3 devices"). */
export interface GroupPerson {
  accountId: string;
  role: MemberRole;
  /** Its leaves, ascending by deviceId. */
  devices: Array<{ deviceId: number; leaf: number; credentialVersion: 1 | 2 }>;
}

/** A device of a person, as a Commit adds or removes it. */
export interface DeviceRef {
  accountId: string;
  deviceId: number;
}

export interface GroupOptions {
  /** The identity key this client trusts for an account (key directory / pinned contact); see credential.ts. */
  resolveIdentity: IdentityResolver;
  /**
   * The pinned verified device list of an account (docs/PROTOCOL-devices.md D5.3), refreshed to at least `want` when
   * given. With it every leaf is checked against its account's list (D14.1): version 2 credentials, version 1 as
   * device 1, and version 1 of accounts without a list by `resolveIdentity` (§12.2). Without it: version 1 only.
   */
  resolveDeviceList?: DeviceListResolver;
}

/** A change of the group made by a Commit, and the member who signed it (§12.5). */
export interface MembershipChange {
  kind: 'membership';
  epoch: number;
  by: string;
  added: string[];
  removed: string[];
  /** Accounts whose role changed, with their new role. */
  roles: Array<{ accountId: string; role: MemberRole }>;
  /** Devices added to people who were members before (R2, D14.4); a new person's devices are in `devicesAdded` too. */
  devicesAdded: DeviceRef[];
  /** Devices removed while their person stays (R1, D14.4) or with their person. */
  devicesRemoved: DeviceRef[];
  /** This client was removed (or left): it can neither read nor send from now on. */
  selfRemoved: boolean;
}

export interface GroupMessageReceived {
  kind: 'message';
  epoch: number;
  senderId: string;
  opened: OpenedMessage;
}

export type GroupEvent =
  | GroupMessageReceived
  | MembershipChange
  | { kind: 'leave_request'; epoch: number; accountId: string }
  /** A handshake this client already applied (replayed or duplicated by the relay): nothing changed. */
  | { kind: 'duplicate'; epoch: number };

export interface GroupSent {
  /** MLSMessage(PrivateMessage) bytes: one ciphertext for every member. */
  message: Uint8Array;
  franked: FrankedMessage;
  commitment: Uint8Array;
  epoch: number;
}

export interface PendingCommit {
  /** MLSMessage(PublicMessage) bytes of the Commit: send to the relay, which orders it (§12.7). */
  commit: Uint8Array;
  /** MLSMessage(Welcome) bytes for the members it adds. */
  welcome?: Uint8Array;
  /** Accounts the Welcome is for. */
  welcomeFor: string[];
  epoch: number;
}
