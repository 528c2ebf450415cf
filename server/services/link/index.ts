// Link channels (docs/PROTOCOL-linking.md L8): the relay between a new device and an existing device of an account.
export { LINK_RELAY_LIMITS, type LinkRelayLimits, type LinkSide, LinkService } from './link.ts';
export { type LinkStore, linkStore } from './link-store.ts';
