// The key directory: identity keys, prekeys and MLS key packages (docs/PROTOCOL.md §5, §12.6).
export { KeyDirectoryService } from './directory.ts';
export { KeyPackagesService } from './key-packages.ts';
