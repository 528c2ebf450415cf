// Solves the server's registration challenge (gate "pow") in a Web Worker (./pow-worker.ts) and reports progress.
import type { PowPayloadJson, RegistrationInfoJson } from '@franking-chat/sdk';
import type { PowWorkerMessage } from './pow-worker.ts';

export interface PowProgress {
  /** counters tried so far */
  tried: number;
  /** the secret counter is at most this: tried / maxNumber is an upper bound on the work left */
  maxNumber: number;
  /** ms since the solver started */
  elapsedMs: number;
}

export function solvePow(pow: NonNullable<RegistrationInfoJson['pow']>, onProgress: (p: PowProgress) => void, signal?: AbortSignal): Promise<PowPayloadJson> {
  const started = performance.now();
  const worker = new Worker(new URL('./pow-worker.ts', import.meta.url), { type: 'module', name: 'registration-pow' });
  return new Promise<PowPayloadJson>((resolve, reject) => {
    const stop = () => {
      worker.terminate();
      reject(new Error('Registration was cancelled.'));
    };
    signal?.addEventListener('abort', stop, { once: true });
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`The anti-spam check could not run in this browser (${e.message || 'worker error'}).`));
    };
    worker.onmessage = (e: MessageEvent<PowWorkerMessage>) => {
      const m = e.data;
      if (m.type === 'progress') return onProgress({ tried: m.tried, maxNumber: pow.maxNumber, elapsedMs: performance.now() - started });
      signal?.removeEventListener('abort', stop);
      worker.terminate();
      if (m.type === 'solved') {
        onProgress({ tried: m.solution.counter, maxNumber: pow.maxNumber, elapsedMs: performance.now() - started });
        resolve({ challenge: pow.challenge, solution: m.solution });
      } else reject(new Error(`The anti-spam check failed: ${m.error}`));
    };
    worker.postMessage({ challenge: pow.challenge });
  });
}
