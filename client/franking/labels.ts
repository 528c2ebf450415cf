// Domain-separation labels (docs/PROTOCOL.md §3). Each is ASCII ending in NUL, so no label is a prefix
// of another and every HMAC/AD input says which protocol step it belongs to.
import { utf8 } from '../crypto/_bytes.ts';

/** Version of the franking wire format described by docs/PROTOCOL.md. */
export const PROTOCOL_VERSION = 1;
/** Header version of MLS group messages (§12.3): the v1 layout followed by the MLS epoch (u64). */
export const GROUP_HEADER_VERSION = 2;
/** Header version of 1:1 messages from a device of a multi-device account (docs/PROTOCOL-devices.md D10.1): v1 plus senderDeviceId. */
export const DEVICE_HEADER_VERSION = 3;
/** Header version of MLS group messages from a device (D10.1): the version 3 layout followed by the MLS epoch (u64). */
export const DEVICE_GROUP_HEADER_VERSION = 4;

export const COMMITMENT_LABEL = utf8('franking-chat/v1/commitment\0');
export const AEAD_AD_LABEL = utf8('franking-chat/v1/aead-ad\0');
export const STAMP_LABEL = utf8('franking-chat/v1/stamp\0');
