// A witness (docs/TRANSPARENCY.md §7.2): keeps the newest head it cosigned per log and cosigns a new head only
// if the log signed it and it is consistent with that one. State is JSON; scripts/kt-witness.ts runs it as a
// process that follows a server and posts its cosignatures back.
import { ed25519 } from '@noble/curves/ed25519.js';
import { toBase64Url } from '../crypto/_bytes.ts';
import { type Cosignature, cosign, witnessKeyId } from './cosignature.ts';
import { TransparencyError } from './errors.ts';
import { verifyConsistency } from './merkle.ts';
import type { LogSource } from './source.ts';
import { type SignedTreeHead, type SignedTreeHeadJson, treeHeadFromJson, treeHeadToJson, verifyTreeHead } from './tree-head.ts';

export interface WitnessState {
  /** per log key id (base64url): the newest head this witness cosigned */
  logs: Record<string, SignedTreeHeadJson>;
}

export interface WitnessStep {
  head: SignedTreeHead;
  cosignature: Cosignature;
  state: WitnessState;
}

/**
 * One round: fetch the log's newest head, verify its signature, verify consistency from the last cosigned head
 * of this log (a fork is refused with TransparencyError and nothing is signed), cosign.
 */
export async function witnessStep(source: LogSource, logPublicKey: Uint8Array, witnessSecret: Uint8Array, state: WitnessState, now = Date.now()): Promise<WitnessStep> {
  const { head } = await source.head();
  verifyTreeHead(head, logPublicKey);
  const id = toBase64Url(head.logKeyId);
  const lastJson = state.logs[id];
  if (lastJson) {
    const last = treeHeadFromJson(lastJson);
    if (head.treeSize < last.treeSize) throw new TransparencyError('consistency_failed', `the log shows ${head.treeSize} entries after ${last.treeSize} were cosigned`);
    const proof = head.treeSize === last.treeSize ? [] : await source.consistency(last.treeSize, head.treeSize);
    if (!verifyConsistency(last.treeSize, head.treeSize, last.rootHash, head.rootHash, proof))
      throw new TransparencyError('consistency_failed', `the log's head of size ${head.treeSize} does not extend the cosigned head of size ${last.treeSize}: refusing to cosign a fork`);
  }
  const cosignature = cosign(head, witnessSecret, Math.max(now, head.timestamp));
  return { head, cosignature, state: { logs: { ...state.logs, [id]: treeHeadToJson(head) } } };
}

export const witnessPublicKey = (secret: Uint8Array): Uint8Array => ed25519.getPublicKey(secret);
export const witnessIdOf = (secret: Uint8Array): string => toBase64Url(witnessKeyId(ed25519.getPublicKey(secret)));
