// Linking a device (docs/PROTOCOL-linking.md): the link code (L3), the handshake, keys and short code (L4–L5), sealed
// frames (L6), messages (L7), both sides as state machines and a driver over the relay (L8), errors (L9).
export { LINK_ABORT_REASONS, type LinkAbortReason, LINK_ERROR_CODES, LinkError, type LinkErrorCode } from './errors.ts';
export {
  checkLinkCodeOrigin, decodeLinkCode, encodeLinkCode, LINK_CHANNEL_ID_LENGTH, LINK_CODE_PREFIX, LINK_CODE_VERSION, LINK_ORIGIN_PATTERN, LINK_SECRET_LENGTH, type LinkCode,
  linkCodeText, parseLinkCodeText,
} from './link-code.ts';
export {
  checkLinkCommitment, deriveLinkKeys, formatShortCode, handshakeFrame, LINK_AD_LABEL, LINK_COMMIT_LABEL, LINK_DEVICE_LABEL, LINK_DIRECTIONS, LINK_FRAME_TYPES, LINK_KEYS_LABEL,
  LINK_MAX_CHANNEL_BYTES, LINK_MAX_FRAME, LINK_MAX_FRAMES, LINK_MAX_PLAINTEXT, LINK_SAS_LABEL, LINK_TRANSCRIPT_LABEL, LINK_TTL_MS, linkAd, linkCommitment, type LinkDirection,
  type LinkFrameType, type LinkKeys, linkNonce, linkTranscript, openLinkFrame, readHandshakeFrame, sealLinkFrame, shortCodeOf,
} from './handshake.ts';
export {
  checkDeviceMessage, decodeLinkMessage, devicePopInput, encodeLinkMessage, LINK_MAX_CHUNK, LINK_MAX_DEVICE_NAME, LINK_MESSAGE_TYPES, LINK_STREAMS, type LinkAbortMessage,
  type LinkCosignMessage, type LinkDataMessage, type LinkDeviceMessage, type LinkDeviceSecrets, type LinkDoneMessage, type LinkListMessage, type LinkMessage,
  type LinkMessageType, type LinkStream, type LinkWelcomeMessage, makeDeviceMessage,
} from './messages.ts';
export {
  type ExistingDeviceEvent, ExistingDeviceLink, type LinkSideOptions, type LinkStep, type NewDeviceEvent, NewDeviceLink, type OutgoingFrame, type RandomSource,
} from './link-session.ts';
export { joinExistingDeviceLink, LinkDriver, type LinkDriverOptions, type LinkRelay, openNewDeviceLink } from './driver.ts';
