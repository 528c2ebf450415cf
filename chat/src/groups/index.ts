// Groups in the chat on MLS (docs/PROTOCOL.md §12): key packages and credential (group-keys), the stored state
// and its record (group-state), membership Commits (membership), sending (group-sender) and the group inbox
// (group-inbox). Membership shown is only what verified Commits said; the server's roster is never read.
export type { GroupCollaborators } from './collaborators.ts';
export { GROUP_INFO_TYPE, groupInfo, mayNameGroup, systemNote } from './group-info.ts';
export { GroupInbox } from './group-inbox.ts';
export { GroupKeys } from './group-keys.ts';
export { GroupSender } from './group-sender.ts';
export { GroupStates } from './group-state.ts';
export { Membership } from './membership.ts';
