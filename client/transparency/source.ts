// Where a client reads the log from. The HTTP implementation (http-source.ts) talks to the server's public
// /v1/transparency endpoints; tests substitute a lying server by wrapping it.
import type { Cosignature } from './cosignature.ts';
import type { SignedTreeHead } from './tree-head.ts';

export interface LogEntry {
  index: number;
  leaf: Uint8Array;
}

export interface LogSource {
  /** The newest head (with `cosigned`: the newest head that carries at least one cosignature). */
  head(opts?: { cosigned?: boolean }): Promise<{ head: SignedTreeHead; cosignatures: Cosignature[] }>;
  consistency(first: number, second: number): Promise<Uint8Array[]>;
  entries(start: number, limit: number): Promise<LogEntry[]>;
  /** Every head the log signed with a treeSize above `after`, ascending (the auditor's input). */
  heads(after: number, limit: number): Promise<SignedTreeHead[]>;
}
