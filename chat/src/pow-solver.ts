// The registration proof-of-work solver (docs/MODERATION.md "Registration gate"): altcha's solveChallenge with
// WebCrypto SHA-256, counting the counters tried. The chat runs it in a Web Worker (./pow-worker.ts); bench:pow
// runs the same function on a page thread too, where Chromium's CPU throttling applies.
import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/web/sha';

export type PowSolution = { counter: number; derivedKey: string; time?: number };

export async function solveWithProgress(challenge: Challenge, onProgress: (tried: number) => void): Promise<PowSolution | null> {
  let tried = 0;
  let last = performance.now();
  return solveChallenge({
    challenge,
    timeout: 0, // no time limit here: the page decides when to give up (it terminates the worker)
    deriveKey: (parameters, salt, password) => {
      tried++;
      // the first report after 256 counters, then about every 100 ms
      if ((tried & 255) === 0 && (tried === 256 || performance.now() - last > 100)) {
        last = performance.now();
        onProgress(tried);
      }
      return deriveKey(parameters, salt, password);
    },
  });
}
