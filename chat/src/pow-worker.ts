// Proof-of-work solver off the main thread (docs/MODERATION.md "Registration gate"): altcha's solveChallenge with
// WebCrypto SHA-256, in a Web Worker so the page keeps answering while it runs. Reports how many counters it has
// tried (about every 100 ms) so the page can show progress against the challenge's maxNumber.
import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/web/sha';

export type PowWorkerRequest = { challenge: Challenge };
export type PowWorkerMessage =
  | { type: 'progress'; tried: number }
  | { type: 'solved'; solution: { counter: number; derivedKey: string; time?: number } }
  | { type: 'failed'; error: string };

const post = (m: PowWorkerMessage) => (self as unknown as Worker).postMessage(m);

self.onmessage = async (e: MessageEvent<PowWorkerRequest>) => {
  let tried = 0;
  let last = performance.now();
  try {
    const solution = await solveChallenge({
      challenge: e.data.challenge,
      timeout: 0, // no time limit here: the page decides when to give up (it terminates the worker)
      deriveKey: (parameters, salt, password) => {
        tried++;
        // the first report after 256 counters, then about every 100 ms
        if ((tried & 255) === 0 && (tried === 256 || performance.now() - last > 100)) {
          last = performance.now();
          post({ type: 'progress', tried });
        }
        return deriveKey(parameters, salt, password);
      },
    });
    post(solution ? { type: 'solved', solution } : { type: 'failed', error: 'no solution found' });
  } catch (err) {
    post({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
  }
};
