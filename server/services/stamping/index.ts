// Server stamps and the stamping keyring file (docs/PROTOCOL.md §7).
export { StampingService, nodeHmacSha256 } from './stamps.ts';
export { type KeyringSource, loadKeyring, retireKey, rotateKeyFile } from './keyring.ts';
