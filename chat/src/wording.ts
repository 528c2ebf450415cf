// Every sentence the chat's engine shows to people, in one place: the words for each ChatError code, for refused
// sends, and for the notes a conversation shows (dropped messages, membership changes). The engine decides what
// happened; this file says it. (Labels for server codes — report categories, outcomes — are in ./labels.ts.)
import { ApiError } from '@franking-chat/sdk';
import { ChatError, type ChatErrorParams, type GroupAction } from './engine/errors.ts';
import { GROUP_NAME_MAX, HANDLE_PATTERN, MAX_ATTACHMENT_BYTES } from './engine/limits.ts';
import type { MessageRecord } from './storage.ts';

/** What is wrong with a typed handle, in words (null when it has the right form); the sign-up and add-contact fields show it. */
export function handleProblem(handle: string): string | null {
  if (HANDLE_PATTERN.test(handle)) return null;
  if (handle.length === 0) return 'Type a handle: 3–32 letters, digits, dots, dashes or underscores.';
  const bad = [...new Set([...handle].filter((ch) => !/[A-Za-z0-9._-]/.test(ch)))];
  if (bad.length) {
    const shown = bad.slice(0, 5).map((ch) => (ch === ' ' ? 'spaces' : `“${ch}”`)).join(', ');
    return `Handles can use only letters A–Z, digits, dots, dashes and underscores, so ${shown} cannot be used.`;
  }
  if (handle.length < 3) return `That handle is ${handle.length} character${handle.length === 1 ? '' : 's'} long: handles are at least 3.`;
  return `That handle is ${handle.length} characters long: handles are at most 32.`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function tooLargeMessage(size: number): string {
  return `That file is ${formatBytes(size)}, over the limit: files up to ${formatBytes(MAX_ATTACHMENT_BYTES)} can be sent.`;
}

/** What a message shows: its text, or what a group-info message did. */
export function displayText(m: MessageRecord, me: string | null): string {
  if (m.kind !== 'group-info') return m.text;
  const who = m.senderId === me ? 'You' : m.senderId;
  if (m.refused) return `${who} tried to rename the group to “${m.text}”, but only its creator and admins can: the name was not changed.`;
  return `${who} ${m.rename ? 'renamed the group to' : 'named the group'} “${m.text}”`;
}

/** Words for the user when the server refuses a send or cannot be reached; `code` is kept with the failed message. */
export function describeSendError(e: unknown): { text: string; code: string } {
  // A ChatError from the fan-out (docs/PROTOCOL-devices.md D11.2: unproven lists, devices that kept changing) says why itself.
  if (ChatError.is(e)) return { text: errorText(e), code: e.code };
  if (!ApiError.is(e)) return { text: 'Not sent: something went wrong in this page. Try again.', code: 'client_error' };
  switch (e.code) {
    case 'account_banned':
      return { text: 'Not sent: your account has been banned by the moderators, so you can no longer send messages.', code: e.code };
    case 'account_suspended': {
      const until = e.problem?.suspendedUntil;
      return { text: `Not sent: your account is suspended${until ? ` until ${new Date(until).toLocaleString()}` : ''}, so you can't send messages right now.`, code: e.code };
    }
    case 'network_error':
      // Resent by itself when the connection returns (engine/outbox.ts), same clientMessageId: never twice.
      return { text: "Not sent yet: the server can't be reached. It will be sent by itself when the connection returns.", code: e.code };
    case 'rate_limited':
      return { text: "Not sent: you're sending very fast. Wait a moment, then retry.", code: e.code };
    case 'not_a_member':
      return { text: "Not sent: you (or someone it was addressed to) are no longer a member of this conversation. Retry to send it to the current members.", code: e.code };
    default:
      return { text: `Not sent: ${e.detail}`, code: e.code };
  }
}

const ACTIONS: Readonly<Record<GroupAction, string>> = {
  create: 'create the group', add: 'add members', remove: 'remove that member', leave: 'leave the group', admins: 'change admins', send: 'send',
  commit_leave: 'commit the leave',
};

function chatErrorText(code: ChatError['code'], p: ChatErrorParams): string {
  const what = ACTIONS[p.action ?? 'send'];
  switch (code) {
    case 'not_ready': return 'The chat is not ready yet. Reload the page.';
    case 'handle_invalid': return handleProblem(p.handle ?? '') ?? 'Type a handle: 3–32 letters, digits, dots, dashes or underscores.';
    case 'handle_taken': return `The handle “${p.handle ?? ''}” is taken. Try another one.`;
    // Staff-like handles (server/services/reserved-handles.ts): the server says why in words.
    case 'handle_reserved': return p.detail ?? 'That handle is reserved.';
    case 'invite_required': return 'This server is invite-only. Enter the invite code you were given.';
    case 'invite_invalid': return 'That invite code is unknown, expired or already used. Ask for a new one.';
    case 'pow_expired': return 'The anti-spam check took too long. Press “Create account” again.';
    case 'registration_rate_limited': return 'Too many accounts were created from your network recently. Try again later.';
    case 'server_unreachable': return "The server can't be reached. Check your connection.";
    case 'registration_failed': return p.detail ?? 'Registration failed.';
    case 'contact_handle_invalid': return 'Handles are 3–32 letters, digits, dots, dashes or underscores.';
    case 'contact_is_self': return "That's you. Add someone else's handle.";
    case 'contact_not_found': return `No one is registered as “${p.handle ?? ''}”. Check the spelling.`;
    case 'contact_restricted': return 'Your account is restricted, so you cannot add contacts.';
    case 'contact_failed': return p.detail ?? 'Could not add the contact.';
    case 'unknown_contact': return 'unknown contact';
    // The key-transparency checks (./transparency.ts) say in words what was not proven.
    case 'key_not_proven': return p.detail ?? 'That key is not proven in the public key log, so it was not used.';
    case 'key_log_unreachable': return `${p.handle ?? ''}'s key could not be checked against the public key log (the log could not be reached), so it was not used. Try again.`;
    case 'group_key_log_unreachable': return `${p.handle ?? ''}'s group key could not be checked against the public key log (the log could not be reached), so ${p.handle ?? ''} was not added. Try again.`;
    case 'file_too_large': return tooLargeMessage(p.size ?? 0);
    case 'attachment_quota': return 'Not sent: you have used your attachment storage for now. Try again once your recent files were delivered.';
    case 'file_not_sent': return p.detail ?? 'The file was not sent.';
    case 'not_a_group_member': return "Not sent: you're no longer a member of this group.";
    case 'group_forked': return 'Not sent: members of this group were shown different histories. Start a new group.';
    case 'group_empty': return 'Not sent: nobody else is in this group yet. Add members first.';
    case 'group_catching_up': return 'Not sent: this group changed and this device is catching up. Try again in a moment.';
    case 'group_name_missing': return 'Give the group a name.';
    case 'group_name_too_long': return `Group names are at most ${GROUP_NAME_MAX} characters.`;
    case 'group_members_missing': return 'Add at least one other member by handle.';
    case 'members_to_add_missing': return 'Type the handles of the people to add.';
    case 'not_a_handle': return `“${p.handle ?? ''}” is not a handle: use 3–32 letters, digits, dots, dashes or underscores.`;
    case 'no_longer_member': return "You're no longer a member of this group.";
    case 'rename_not_allowed': return "Only the group's creator and admins can rename it.";
    case 'group_unavailable': return 'This group is not available on this device.';
    case 'creator_cannot_leave': return 'The creator cannot leave the group: remove the other members instead.';
    case 'group_changed': return `Could not ${what}: the group changed at the same moment. Try again.`;
    case 'group_restricted': return `Your account is restricted, so you cannot ${what}.`;
    case 'group_not_authorized': return `Only the group's creator and admins can ${what}.`;
    case 'group_bad_credential': return `Could not ${what}: a member's group key is not bound to their identity key.`;
    case 'group_fork': return `Could not ${what}: members of this group were shown different histories.`;
    case 'group_failed': return p.detail !== undefined ? `Could not ${what}: ${p.detail}` : `Could not ${what}.`;
    case 'group_handle_unknown': return `Could not ${what}: one of those handles is not registered (or has no group keys yet). Check the spelling.`;
    case 'group_unreachable': return `Could not ${what}: the server can't be reached.`;
    case 'member_not_registered': return `Could not ${what}: “${p.handle ?? ''}” is not registered, or has not opened the chat since groups changed.`;
    case 'member_key_refused': return `Could not ${what}: ${p.cause ? errorText(p.cause) : (p.detail ?? '')}`;
    case 'devices_unproven': return `${p.handle ?? 'This contact'}'s device list could not be proven in the public key log, so nothing is sent to their devices until it is. Try again later; if it keeps happening, compare safety numbers in person.`;
    case 'devices_unsettled': return `Not sent: ${p.handle ?? 'the contact'}'s devices kept changing while sending. Press Retry.`;
    case 'device_signed_out': return 'This device was removed from your account by another of your devices: it can no longer send or receive.';
    case 'device_unknown': return 'That device is not in your account’s device list.';
    case 'device_list_conflict': return 'Your devices changed at the same moment from another device. Try again.';
    case 'device_last': return 'This is the only device of your account: it cannot be removed (use “Forget this device” instead).';
    case 'link_refused': return p.detail !== undefined ? `The device was not linked: ${p.detail}` : 'The device was not linked.';
    case 'history_refused': return p.detail !== undefined ? `The history could not be imported: ${p.detail}` : 'The history could not be imported.';
    case 'reset_not_released': return 'Support has not released your handle for this reset code yet (or the release expired). Give them the code shown here, then press “Complete reset” again.';
    case 'reset_failed': return p.detail !== undefined ? `The account could not be reset: ${p.detail}` : 'The account could not be reset.';
    case 'recovery_failed': return p.detail !== undefined ? `The account could not be restored: ${p.detail}` : 'The account could not be restored.';
    case 'devices_failed': return p.detail !== undefined ? `Your devices could not be changed: ${p.detail}` : 'Your devices could not be changed.';
    case 'report_unavailable': return 'This message can no longer be reported from this device.';
    case 'report_unreachable': return "The server can't be reached; your report was not sent.";
    case 'report_refused': return `The report was not accepted: ${p.detail ?? ''}`;
    case 'report_failed': return 'The report could not be sent.';
    case 'unexpected': return p.detail ?? 'Something went wrong in this page. Try again.';
  }
}

/** The words for any error the UI catches: a ChatError by its code, anything else by its message. */
export function errorText(e: unknown): string {
  if (ChatError.is(e)) return chatErrorText(e.code, e.params);
  return e instanceof Error ? e.message : String(e);
}

// ---- Banners ----
export const STORAGE_UNAVAILABLE = 'This browser does not let the page store data (IndexedDB), so your keys could not be kept. Private windows sometimes block it.';
export const OFFLINE_RETRYING = "Offline: the server can't be reached. Retrying…";
export const loginFailed = (detail: string): string => `Could not log in: ${detail}`;

// ---- What a 1:1 conversation shows ----
export const UNDISPLAYABLE = '(a message this app cannot display)';
export const NOT_VALID_TEXT = '(a message that is not valid text)';
export const gossipShared = (peerId: string): string => `You shared your view of the key log with ${peerId}.`;
export const unprovenSender = (peerId: string, unproven: string): string =>
  `${peerId}: ${unproven}. Someone may be posing as ${peerId}: compare safety numbers with them in person before you trust new messages.`;
export const droppedMessage = (senderId: string): string =>
  `A message from ${senderId} was dropped: it did not match its franking commitment, so it could never have been reported.`;
export const undecryptableMessage = (senderId: string): string => `A message from ${senderId} could not be decrypted and was discarded.`;

// ---- Attachments ----
export const tooLargeToOpen = (size: number): string => `Too large to open here (${formatBytes(size)}).`;
export const FILE_MISMATCH = 'This file did not match what the sender committed to, so it was discarded.';
export const FILE_GONE = 'This file is no longer on the server.';
export const FILE_FAILED = 'This file could not be downloaded.';

// ---- What a group conversation shows ----
export const groupCreated = (name: string): string => `You created the group “${name}”.`;
export const groupAdded = (by: string, added: string[]): string => `${by} added ${added.join(', ')} to the group.`;
export const groupLeaveCommitted = (by: string): string => `Your leaving was committed by ${by}: you are no longer a member of this group.`;
export const groupRemovedYou = (by: string): string => `${by} removed you: you are no longer a member of this group.`;
export const groupMemberLeft = (member: string, by: string): string => `${member} left the group (committed by ${by}).`;
/** docs/PROTOCOL-devices.md D14.6: a person's devices changed in a group (people are shown, not leaves). */
export const groupDeviceAdded = (whose: string): string => (whose === 'You' ? 'You added a device to the group.' : `${whose} added a device.`);
export const groupDeviceRemoved = (whose: string): string => (whose === 'You' ? 'A device of yours left the group.' : `${whose} removed a device.`);
export const groupRemoved = (by: string, whom: string): string => `${by} removed ${whom} from the group.`;
export const groupRoleChanged = (by: string, whom: string, admin: boolean): string =>
  `${by} ${admin ? 'made' : 'removed'} ${whom} ${admin ? 'an admin' : 'as admin'}.`;
export const GROUP_YOU_LEFT = 'You left the group.';
export const groupLeaving = (member: string): string => `${member} is leaving the group.`;
export const groupJoined = (adder: string | null, members: string[]): string =>
  `You joined the group${adder ? ` (added by ${adder})` : ''}. Members: ${members.join(', ')}.`;
export const groupDefaultName = (members: string[]): string => `Group with ${members.join(', ')}`;
export const NEW_GROUP_NAME = 'New group';
export const groupForked = (epoch: number | string): string =>
  `Warning: members of this group were shown different histories of who is in it (epoch ${epoch}). Messages from the other branch are not shown and sending is stopped. Compare safety numbers and start a new group.`;

// ---- Key transparency (./transparency.ts): alarms as [what happened, what to do], refusals of unproven keys ----
/** The refusal shown in place of a message whose sender's identity key is not proven in the log (docs/TRANSPARENCY.md §6.1). */
export const UNPROVEN_SENDER_TEXT = 'this message was signed by a key that is not in the public key log — not shown';

type Alarm = [text: string, advice: string];
const COMPARE_AND_REPORT = 'compare safety numbers with your contacts in person, and report this to the operator.';

/** docs/PROTOCOL-devices.md D5.1: why a logged list of this account is not one its devices signed, in words (the code otherwise). */
const UNSIGNED_LIST_REASON: Record<string, string> = {
  malformed: 'it is not a well-formed list',
  revoke: 'the log entry withdraws a list instead of adding one',
  wrong_account: 'it names another account',
  version_not_next: 'its version does not follow your last list',
  prev_mismatch: 'it does not continue your last list',
  kind_mismatch: 'its kind does not fit its signer',
  not_a_signer: 'it was signed by a device that is not one of yours',
  bad_signature: 'its signature does not match the device it names',
  entry_changed: 'it changes the keys of one of your devices',
  device_id_reused: 'it gives a new device the number of an old one',
  bad_cosignature: 'the added device did not sign it',
  too_many_devices: 'it lists more devices than an account may have',
};
export const KT_WORDS = {
  logKeyChanged: (): Alarm => [
    'The server now signs its key log with a different key than before.',
    'Keep using your verified contacts, compare safety numbers in person, and ask the operator why the log key changed.',
  ],
  logUnproven: (peerId: string | undefined, sizes: { older: number; newer: number } | undefined): Alarm => [
    `The server would not prove that its key log is consistent${peerId ? ` (found comparing key logs with ${peerId})` : ''}.${sizes ? ` It signed a log of ${sizes.older} keys and one of ${sizes.newer} keys and would not show that the second extends the first; both signed heads are kept as evidence.` : ''}`,
    `It may be showing different people different keys. Do not trust new keys; ${COMPARE_AND_REPORT}`,
  ],
  logContradicts: (detail: string): Alarm => [
    `The server's key log contradicts what it showed this browser before (${detail}).`,
    `Someone may be trying to intercept your conversations. Do not trust new keys; ${COMPARE_AND_REPORT}`,
  ],
  logFailedCheck: (detail: string): Alarm => [
    `The server's key log failed a check (${detail}).`,
    'Do not trust new keys until this is explained; compare safety numbers with your contacts in person.',
  ],
  foreignKey: (kind: string, leafIndex: number, timestamp: number): Alarm => [
    `A key you did not create was published for your account (${kind} key, log entry ${leafIndex}, ${new Date(timestamp).toLocaleString()}).`,
    'Someone with control of the server may be reading messages sent to you. Tell your contacts to compare safety numbers with you in person before trusting new messages, and report this to the operator.',
  ],
  splitView: (peerId: string): Alarm => [
    `The server showed ${peerId} a different key log than it showed you.`,
    `Someone may be intercepting conversations. Compare safety numbers with ${peerId} in person before trusting either key, and report this to the operator.`,
  ],
  /** docs/PROTOCOL-devices.md D7.4: a device list of this account that none of its devices signed, or that the server forks or hides. */
  ownDeviceList: (code: string, listVersion: number | null, reason: string): Alarm => {
    const v = listVersion === null ? '' : ` (version ${listVersion})`;
    switch (code) {
      case 'device_list_unsigned':
        return [
          `The server logged a list of devices for your account that none of your devices signed${v}: ${UNSIGNED_LIST_REASON[reason] ?? reason}. Someone may be trying to add a device to your account.`,
          'Do not trust messages that seem to come from a device you do not know. Check your devices, tell your contacts to compare safety numbers with you in person, and report this to the operator.',
        ];
      case 'device_list_fork':
        return [
          `The server logged two different lists of devices for your account under one version${v}.`,
          `Someone may be showing your contacts devices you never linked. Check your devices; ${COMPARE_AND_REPORT}`,
        ];
      case 'account_reset':
        return [
          `Your account was reset${v}: a new first device replaced all of yours. If you did not do this, someone else holds your account now.`,
          'Tell your contacts at once, in person or another way, not to trust new messages from your account, and report this to the operator.',
        ];
      default:
        return [
          `The server logged a list of devices for your account${v} but will not show it (${reason}).`,
          `It may be hiding a device from you. Check your devices; ${COMPARE_AND_REPORT}`,
        ];
    }
  },
  /** docs/PROTOCOL-devices.md D11.3 step 7: a copy stated a device list view this device never verified. */
  copyView: (code: string, accountId: string, listVersion: number): Alarm => {
    switch (code) {
      case 'forged_list_shown':
        return [
          `A message showed that the server gave your contact a list of your devices (version ${listVersion}) that you never had.`,
          `Someone may be trying to read your messages through a device you never linked: ${COMPARE_AND_REPORT}`,
        ];
      case 'stale_list_shown':
        return [
          `A contact's app still encrypted to a device you removed (your device list version ${listVersion}): the server may be hiding your device change from them.`,
          `Ask them to open the chat again so it refreshes your devices, and ${COMPARE_AND_REPORT}`,
        ];
      default:
        return [
          `${accountId}'s device states a list of ${accountId}'s devices (version ${listVersion}) that is not the one the server proved to you.`,
          `The server may be showing you and ${accountId} different devices. Compare safety numbers with ${accountId} in person and report this to the operator.`,
        ];
    }
  },
  listWithheld: (accountId: string, listVersion: number): Alarm => [
    `A message says ${accountId}'s device list is at version ${listVersion}, but the server will not prove that version, so the message is held.`,
    `The server may be hiding a device change. ${COMPARE_AND_REPORT.charAt(0).toUpperCase()}${COMPARE_AND_REPORT.slice(1)}`,
  ],
  listUnproven: (accountId: string, detail: string): Alarm => [
    `${accountId}'s device list could not be proven in the public key log (${detail}), so messages to ${accountId} are held.`,
    `Try again later. If it keeps happening, compare safety numbers with ${accountId} in person and report this to the operator.`,
  ],
  senderKeyNotProven: (peerId: string, code: string): string => `${peerId}'s key in this message is not proven in the public key log (${code}).`,
  keyWithoutProof: (peerId: string): string => `The server sent ${peerId}'s key without proof that it is in the public key log, so it was not used.`,
  keyNotProven: (peerId: string, code: string): string => `${peerId}'s key could not be proven in the public key log, so it was not used (${code}).`,
  /** Why a member's group key was refused, and what to do (the add-member dialog shows it). */
  keyPackageRefused: (peerId: string, code: string): string => {
    const notAdded = `so ${peerId} was not added`;
    switch (code) {
      case 'missing_proof':
        return `The server sent ${peerId}'s group key without proof that it is in the public key log, ${notAdded}. An honest server always sends that proof: compare safety numbers with ${peerId} in person and tell the operator before trying again.`;
      case 'binding_mismatch':
        return `The server sent a group key for ${peerId} that the public key log does not list as ${peerId}'s, ${notAdded}. Someone may be trying to join the group in ${peerId}'s place: compare safety numbers with ${peerId} in person and tell the operator.`;
      case 'split_view':
      case 'consistency_failed':
        return `The server's key log contradicts what it showed this browser before, ${notAdded}. See the warning at the top: compare safety numbers with ${peerId} in person and tell the operator.`;
      case 'malformed':
        return `The server sent ${peerId}'s group key with a damaged proof, ${notAdded}. Try again in a moment; if it happens again, tell the operator.`;
      default:
        return `${peerId}'s group key could not be proven in the public key log (${code}), ${notAdded}. Compare safety numbers with ${peerId} in person before trying again, and tell the operator.`;
    }
  },
};

/**
 * docs/PROTOCOL-devices.md D7.4: the quiet notice for a change of the own list that another device (or the recovery
 * kit) made — not an alarm: the list verified as the next step of this device's pinned chain. `name` gives a device's
 * local name or null.
 */
export function ownDeviceNotice(
  n: { signer: { kind: 'device'; deviceId: number } | { kind: 'recovery' }; added: readonly number[]; removed: readonly number[]; recoveryKeyChanged: boolean },
  name: (deviceId: number) => string | null,
): string | null {
  const call = (id: number) => name(id) ?? `device ${id}`;
  const by = n.signer.kind === 'recovery' ? 'Your recovery kit was used' : null;
  const parts: string[] = [];
  if (n.added.length > 0) parts.push(`Your account linked a new device: ${n.added.map(call).join(', ')}`);
  if (n.removed.length > 0) parts.push(`Your account removed ${n.removed.map(call).join(', ')}`);
  if (parts.length === 0 && n.recoveryKeyChanged && !by) parts.push('Your account’s recovery kit was replaced by another of your devices');
  if (by) parts.unshift(by);
  if (parts.length === 0) return null;
  const signer = n.signer.kind === 'device' ? ` (by ${call(n.signer.deviceId)})` : '';
  return `${parts.join('. ')}${signer}.`;
}

/** D13.6: the server closed this device's live channel because another device removed it from the account. */
export const DEVICE_REMOVED = 'This device was removed from your account by another of your devices: it has stopped and can no longer send or receive.';
/** docs/PROTOCOL-devices.md D5.4, D7.4: the server's newest list of this account fails verification; the key-log warning says why. */
export const OWN_LIST_UNPROVEN = "Not connected: the server's list of your devices could not be verified (see the key log warning), so this device sends nothing until it can be. Retrying…";
