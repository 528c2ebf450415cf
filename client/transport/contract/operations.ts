// Every chat-user operation with its schemas, by id: what the server mounts beside the moderator API
// (./moderation/operations.ts), and what a test passes to ApiClient's `validateResponses` so each answer is
// checked against its schema.
import { accountOperations } from './accounts.ts';
import { appealOperations } from './appeals.ts';
import { authOperations } from './auth.ts';
import { blobOperations } from './blobs.ts';
import { blockOperations } from './blocks.ts';
import { conversationOperations } from './conversations.ts';
import { deviceOperations } from './devices.ts';
import { groupOperations } from './groups.ts';
import { keyOperations } from './keys.ts';
import { linkOperations } from './link.ts';
import { messageOperations } from './messages.ts';
import { noticeOperations } from './notices.ts';
import { reportOperations } from './reports.ts';
import { transparencyOperations } from './transparency.ts';

export const userOperations = {
  ...authOperations, ...accountOperations, ...keyOperations, ...conversationOperations, ...messageOperations, ...reportOperations,
  ...noticeOperations, ...groupOperations, ...blobOperations, ...blockOperations, ...transparencyOperations, ...appealOperations, ...deviceOperations,
  ...linkOperations,
} as const;
/** The chat-user operations by id, with their schemas' types. */
export type UserOperations = typeof userOperations;
