// SHA-256 through node:crypto for the server's Merkle tree (byte-identical to the SDK's @noble default,
// several times faster: the tree hashes every leaf once and ~1 node per leaf).
import { createHash } from 'node:crypto';
import type { Sha256 } from '../../../client/transparency/index.ts';

export const nodeSha256: Sha256 = (data) => new Uint8Array(createHash('sha256').update(data).digest());
