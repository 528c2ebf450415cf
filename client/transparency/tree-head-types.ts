// The signed tree head as data (docs/TRANSPARENCY.md §5): the shapes every part of the key-transparency code passes
// around, in a module of their own that imports nothing, so that errors.ts can name them (HeadEvidence) while
// tree-head.ts, which encodes, signs and checks them, throws those errors. tree-head.ts re-exports them.
export interface TreeHead {
  logKeyId: Uint8Array;
  treeSize: number;
  rootHash: Uint8Array;
  /** ms since the Unix epoch, when the log signed this head */
  timestamp: number;
}
export interface SignedTreeHead extends TreeHead {
  signature: Uint8Array;
}

/** JSON form on the HTTP API (client/transport/contract/transparency.ts): bytes as base64url. */
export interface SignedTreeHeadJson {
  logKeyId: string;
  treeSize: number;
  rootHash: string;
  timestamp: number;
  signature: string;
}
