// The chat-user operations of the HTTP API by id (docs/API.md "Endpoints"): method, path template, auth, success
// statuses and named errors. Plain data without zod, so the SDK's ApiClient sends them without bundling the
// schemas; each concern's file (accounts.ts, messages.ts, …) adds the schemas to its heads with defineOperation.
import type { OperationHead } from './_operation.ts';

/** A chat account's token was refused, or its account may not act (docs/API.md "Authentication"). */
const USER_AUTH = ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'] as const;

export const endpoints = {
  // auth
  register: { operationId: 'register', method: 'post', path: '/v1/accounts', auth: 'public', statuses: [201], errors: ['validation_failed', 'id_reserved', 'handle_reserved', 'invalid_signature', 'invalid_device_list', 'user_exists', 'rate_limited', 'invite_required', 'invite_invalid', 'pow_required', 'pow_invalid', 'pow_expired', 'pow_replayed'] },
  createChallenge: { operationId: 'createChallenge', method: 'post', path: '/v1/auth/challenge', auth: 'public', errors: ['validation_failed', 'rate_limited'] },
  createToken: { operationId: 'createToken', method: 'post', path: '/v1/auth/token', auth: 'public', errors: ['validation_failed', 'invalid_signature', 'challenge_invalid', 'account_suspended', 'account_banned', 'rate_limited'] },
  logout: { operationId: 'logout', method: 'post', path: '/v1/auth/logout', auth: 'user', errors: [...USER_AUTH] },
  getRegistrationInfo: { operationId: 'getRegistrationInfo', method: 'get', path: '/v1/accounts/registration', auth: 'public', errors: ['rate_limited'] },
  // accounts
  lookupAccount: { operationId: 'lookupAccount', method: 'get', path: '/v1/accounts/lookup/{handle}', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  getMe: { operationId: 'getMe', method: 'get', path: '/v1/accounts/me', auth: 'user', errors: [...USER_AUTH] },
  myNotices: { operationId: 'myNotices', method: 'get', path: '/v1/me/notices', auth: 'user', errors: ['unauthorized', 'invalid_token', 'validation_failed'] },
  signedNotices: { operationId: 'signedNotices', method: 'post', path: '/v1/notices', auth: 'public', errors: ['validation_failed', 'invalid_signature', 'challenge_invalid', 'rate_limited'] },
  listBlocks: { operationId: 'listBlocks', method: 'get', path: '/v1/blocks', auth: 'user', errors: [...USER_AUTH] },
  blockAccount: { operationId: 'blockAccount', method: 'put', path: '/v1/blocks/{userId}', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  unblockAccount: { operationId: 'unblockAccount', method: 'delete', path: '/v1/blocks/{userId}', auth: 'user', errors: ['validation_failed', ...USER_AUTH] },
  fileAppeal: { operationId: 'fileAppeal', method: 'post', path: '/v1/me/appeals', auth: 'user', statuses: [201], errors: ['unauthorized', 'invalid_token', 'validation_failed', 'appeal_not_allowed', 'appeal_window_closed', 'appeal_exists'] },
  fileSignedAppeal: { operationId: 'fileSignedAppeal', method: 'post', path: '/v1/appeals', auth: 'public', statuses: [201], errors: ['invalid_signature', 'challenge_invalid', 'rate_limited', 'validation_failed', 'appeal_not_allowed', 'appeal_window_closed', 'appeal_exists'] },
  // keys
  publishBundle: { operationId: 'publishBundle', method: 'put', path: '/v1/keys', auth: 'user', errors: ['validation_failed', 'unauthorized', 'invalid_token', 'account_suspended', 'account_banned', 'identity_mismatch', 'invalid_signature', 'too_many_prekeys'] },
  fetchBundle: { operationId: 'fetchBundle', method: 'get', path: '/v1/keys/{userId}', auth: 'user', errors: ['validation_failed', 'unauthorized', 'invalid_token', 'account_suspended', 'account_banned', 'not_found'] },
  publishKeyPackages: { operationId: 'publishKeyPackages', method: 'put', path: '/v1/key-packages', auth: 'user', errors: ['validation_failed', 'invalid_key_package', ...USER_AUTH] },
  countKeyPackages: { operationId: 'countKeyPackages', method: 'get', path: '/v1/key-packages', auth: 'user', errors: [...USER_AUTH] },
  claimKeyPackage: { operationId: 'claimKeyPackage', method: 'post', path: '/v1/key-packages/{userId}/claim', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  claimDeviceKeyPackages: { operationId: 'claimDeviceKeyPackages', method: 'post', path: '/v1/key-packages/{userId}/claim-devices', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  // conversations
  createConversation: { operationId: 'createConversation', method: 'post', path: '/v1/conversations', auth: 'user', statuses: [201, 200], errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  listConversations: { operationId: 'listConversations', method: 'get', path: '/v1/conversations', auth: 'user', errors: [...USER_AUTH] },
  getConversation: { operationId: 'getConversation', method: 'get', path: '/v1/conversations/{conversationId}', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  // messages
  sendMessage: { operationId: 'sendMessage', method: 'post', path: '/v1/messages', auth: 'user', statuses: [201], errors: ['validation_failed', 'group_requires_mls', 'payload_too_large', 'not_a_member', 'client_message_id_reused', 'device_mismatch', 'rate_limited', 'undelivered_quota_exceeded', ...USER_AUTH] },
  fetchMessages: { operationId: 'fetchMessages', method: 'get', path: '/v1/messages', auth: 'user', errors: ['validation_failed', ...USER_AUTH] },
  ackMessages: { operationId: 'ackMessages', method: 'post', path: '/v1/messages/ack', auth: 'user', errors: ['validation_failed', ...USER_AUTH] },
  // reports
  submitReport: { operationId: 'submitReport', method: 'post', path: '/v1/reports', auth: 'user', statuses: [201, 200], errors: ['validation_failed', 'payload_too_large', 'not_a_party', 'invalid_reported_item', 'rate_limited', ...USER_AUTH] },
  listReports: { operationId: 'listReports', method: 'get', path: '/v1/reports', auth: 'user', errors: [...USER_AUTH] },
  getReport: { operationId: 'getReport', method: 'get', path: '/v1/reports/{reportId}', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  listReportAttachments: { operationId: 'listReportAttachments', method: 'get', path: '/v1/reports/{reportId}/attachments', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  uploadReportAttachment: { operationId: 'uploadReportAttachment', method: 'put', path: '/v1/reports/{reportId}/attachments/{position}/{index}', auth: 'user', errors: ['validation_failed', 'unsupported_media_type', 'attachment_invalid', 'insufficient_storage', 'not_found', 'rate_limited', ...USER_AUTH] },
  // groups
  groupRoster: { operationId: 'groupRoster', method: 'get', path: '/v1/conversations/{conversationId}/members', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  sendGroupMessage: { operationId: 'sendGroupMessage', method: 'post', path: '/v1/groups/{conversationId}/messages', auth: 'user', statuses: [201], errors: ['validation_failed', 'payload_too_large', 'not_found', 'not_a_member', 'stale_epoch', 'rate_limited', 'undelivered_quota_exceeded', ...USER_AUTH] },
  fetchGroupInbox: { operationId: 'fetchGroupInbox', method: 'get', path: '/v1/groups/inbox', auth: 'user', errors: ['validation_failed', ...USER_AUTH] },
  ackGroupInbox: { operationId: 'ackGroupInbox', method: 'post', path: '/v1/groups/inbox/ack', auth: 'user', errors: ['validation_failed', ...USER_AUTH] },
  // attachments
  uploadBlob: { operationId: 'uploadBlob', method: 'post', path: '/v1/blobs', auth: 'user', statuses: [201], errors: ['validation_failed', 'unsupported_media_type', 'payload_too_large', 'quota_exceeded', 'insufficient_storage', 'not_found', 'rate_limited', ...USER_AUTH] },
  downloadBlob: { operationId: 'downloadBlob', method: 'get', path: '/v1/blobs/{blobId}', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  // devices (docs/PROTOCOL-devices.md D8.1)
  fetchDeviceBundle: { operationId: 'fetchDeviceBundle', method: 'get', path: '/v1/keys/{accountId}/devices/{deviceId}', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  fetchDeviceLists: { operationId: 'fetchDeviceLists', method: 'get', path: '/v1/devices/{accountId}', auth: 'user', errors: ['validation_failed', 'not_found', ...USER_AUTH] },
  putDeviceList: { operationId: 'putDeviceList', method: 'put', path: '/v1/devices', auth: 'user', statuses: [201], errors: ['validation_failed', 'invalid_device_list', 'device_list_conflict', 'reset_not_allowed', 'identity_mismatch', 'not_found', ...USER_AUTH] },
  fetchRecoveryDeviceLists: { operationId: 'fetchRecoveryDeviceLists', method: 'get', path: '/v1/devices/recovery/{accountId}', auth: 'public', errors: ['validation_failed', 'not_found', 'rate_limited'] },
  deviceActivity: { operationId: 'deviceActivity', method: 'get', path: '/v1/me/devices/activity', auth: 'user', errors: ['validation_failed', ...USER_AUTH] },
  recoverDeviceList: { operationId: 'recoverDeviceList', method: 'put', path: '/v1/devices/recovery', auth: 'public', statuses: [201], errors: ['validation_failed', 'unauthorized', 'invalid_device_list', 'device_list_conflict', 'reset_not_allowed', 'not_found', 'rate_limited'] },
  resetDeviceList: { operationId: 'resetDeviceList', method: 'put', path: '/v1/devices/reset', auth: 'public', statuses: [201], errors: ['validation_failed', 'unauthorized', 'invalid_device_list', 'device_list_conflict', 'reset_not_allowed', 'not_found', 'rate_limited'] },
  // transparency
  transparencyLogKey: { operationId: 'transparencyLogKey', method: 'get', path: '/v1/transparency/log-key', auth: 'public', errors: ['validation_failed'] },
  transparencyHead: { operationId: 'transparencyHead', method: 'get', path: '/v1/transparency/head', auth: 'public', errors: ['validation_failed', 'not_found'] },
  transparencyHeads: { operationId: 'transparencyHeads', method: 'get', path: '/v1/transparency/heads', auth: 'public', errors: ['validation_failed'] },
  transparencyConsistency: { operationId: 'transparencyConsistency', method: 'get', path: '/v1/transparency/consistency', auth: 'public', errors: ['validation_failed'] },
  transparencyInclusion: { operationId: 'transparencyInclusion', method: 'get', path: '/v1/transparency/inclusion', auth: 'public', errors: ['validation_failed'] },
  transparencyEntries: { operationId: 'transparencyEntries', method: 'get', path: '/v1/transparency/entries', auth: 'public', errors: ['validation_failed'] },
  transparencyCosign: { operationId: 'transparencyCosign', method: 'post', path: '/v1/transparency/cosignatures', auth: 'public', statuses: [201, 200], errors: ['validation_failed', 'malformed_json', 'unsupported_media_type', 'payload_too_large', 'not_found', 'invalid_signature'] },
  // link channels (docs/PROTOCOL-linking.md L8): the relay between a new device and an existing one
  createLinkChannel: { operationId: 'createLinkChannel', method: 'post', path: '/v1/link-channels', auth: 'public', statuses: [201], errors: ['validation_failed', 'rate_limited'] },
  joinLinkChannel: { operationId: 'joinLinkChannel', method: 'post', path: '/v1/link-channels/{channelId}/join', auth: 'user', statuses: [201], errors: ['validation_failed', 'not_found', 'link_channel_taken', 'rate_limited', ...USER_AUTH] },
  postLinkFrame: { operationId: 'postLinkFrame', method: 'post', path: '/v1/link-channels/{channelId}/frames', auth: 'public', statuses: [201], errors: ['validation_failed', 'payload_too_large', 'not_found', 'link_sequence', 'quota_exceeded'] },
  readLinkFrames: { operationId: 'readLinkFrames', method: 'post', path: '/v1/link-channels/{channelId}/read', auth: 'public', errors: ['validation_failed', 'not_found'] },
  closeLinkChannel: { operationId: 'closeLinkChannel', method: 'post', path: '/v1/link-channels/{channelId}/close', auth: 'public', errors: ['validation_failed', 'not_found'] },
} as const satisfies Record<string, OperationHead>;

/** The id of a chat-user operation. */
export type EndpointId = keyof typeof endpoints;
