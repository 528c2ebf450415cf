// Proof-of-work solver off the main thread (docs/MODERATION.md "Registration gate"): ./pow-solver.ts in a Web
// Worker, so the page keeps answering while it runs. Reports how many counters it has tried so the page can show
// progress against the challenge's maxNumber.
import type { Challenge } from 'altcha-lib';
import { type PowSolution, solveWithProgress } from './pow-solver.ts';

export type PowWorkerRequest = { challenge: Challenge };
export type PowWorkerMessage = { type: 'progress'; tried: number } | { type: 'solved'; solution: PowSolution } | { type: 'failed'; error: string };

const post = (m: PowWorkerMessage) => (self as unknown as Worker).postMessage(m);

self.onmessage = async (e: MessageEvent<PowWorkerRequest>) => {
  try {
    const solution = await solveWithProgress(e.data.challenge, (tried) => post({ type: 'progress', tried }));
    post(solution ? { type: 'solved', solution } : { type: 'failed', error: 'no solution found' });
  } catch (err) {
    post({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
  }
};
