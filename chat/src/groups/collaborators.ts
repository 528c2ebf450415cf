// What the group code works with, passed explicitly: the SDK's HTTP client, this device (storage, identity, lock),
// the state slices it reads and writes, the key checks, and the attachment downloader.
import type { ApiClient } from '@franking-chat/sdk';
import type { Attachments } from '../engine/attachments.ts';
import type { DeviceLists } from '../engine/device-lists.ts';
import type { Device } from '../engine/device.ts';
import type { KeyChecks } from '../engine/key-checks.ts';
import type { Contacts } from '../engine/state/contacts.ts';
import type { Conversations } from '../engine/state/conversations.ts';
import type { Groups } from '../engine/state/groups.ts';
import type { AccountStanding } from '../engine/state/standing.ts';

export interface GroupCollaborators {
  api: ApiClient;
  device: Device;
  groups: Groups;
  conversations: Conversations;
  contacts: Contacts;
  standing: AccountStanding;
  keys: KeyChecks;
  attachments: Attachments;
  /** Pinned, verified device lists (docs/PROTOCOL-devices.md D5): group leaves are checked against them (D14.1). */
  lists: DeviceLists;
}
