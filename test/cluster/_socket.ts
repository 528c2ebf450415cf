// A raw push-channel client for the cluster tests: authenticates, records envelopes (and when), acks them,
// records the close code, the error frame and the other frames (kt-head, devices).
import { WebSocket } from 'ws';
import type { EnvelopeJson } from '../server/_harness.ts';

export interface PushProbe {
  envelopes: Array<EnvelopeJson & { at: number }>;
  closed: Promise<{ code: number; reason: string; at: number }>;
  errorCode: string | null;
  /** Every frame other than ready, envelopes and error, with its arrival time. */
  frames: Array<{ type: string; at: number } & Record<string, unknown>>;
  close(): void;
  /** Resolves once `n` envelopes arrived (rejects after `ms`). */
  waitFor(n: number, ms: number): Promise<void>;
}

export async function openPush(base: string, token: string, opts: { ack?: boolean } = {}): Promise<PushProbe> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/stream`);
  const probe: PushProbe = {
    envelopes: [],
    errorCode: null,
    frames: [],
    closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() }))),
    close: () => ws.close(),
    waitFor: async (n, ms) => {
      const deadline = Date.now() + ms;
      while (probe.envelopes.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} envelopes within ${ms} ms, got ${probe.envelopes.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; envelopes?: EnvelopeJson[]; code?: string };
      if (f.type === 'ready') resolve();
      else if (f.type === 'error') probe.errorCode = f.code ?? null;
      else if (f.type === 'envelopes' && f.envelopes) {
        const at = Date.now();
        for (const e of f.envelopes) probe.envelopes.push({ ...e, at });
        if (opts.ack ?? true) ws.send(JSON.stringify({ type: 'ack', ids: f.envelopes.map((e) => e.id) }));
      } else probe.frames.push({ ...(f as Record<string, unknown>), type: f.type, at: Date.now() });
    });
    ws.once('close', () => reject(new Error('closed before ready')));
  });
  return probe;
}
