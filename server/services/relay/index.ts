// Message relay: conversations, 1:1 sends and their receipts, MLS groups, delivery wake-ups, blocks, the
// undelivered-bytes quota and the record of deliveries not made (docs/PROTOCOL.md §7–§8, §12.8; docs/API.md).
export { RelayService } from './relay.ts';
export type { Delivered, SendInput, SendResult } from './types.ts';
export { DeliveryHub } from './delivery-hub.ts';
export { SendCommitter } from './send-receipts.ts';
export { EnvelopeQuota } from './envelope-quota.ts';
export { UndeliveredService } from './undelivered.ts';
export { ConversationsService } from './conversations.ts';
export { BlocksService } from './blocks.ts';
export { GroupsService, type GroupInboxItem, type Roster } from './groups.ts';
export type { ConversationRecord } from '../../data/conversations.ts';
