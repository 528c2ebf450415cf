// Groups (docs/PROTOCOL.md §12).
export {
  type GroupEnvelope,
  groupRecipients,
  type GroupSend,
  GroupSender,
  groupSendRequest,
  sealForGroup,
  type SealForGroupOptions,
  type SessionLookup,
} from './group.ts';
