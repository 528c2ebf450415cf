// Attachment benchmark (docs/BENCHMARKS.md "Attachments"): `npm run bench:attachments`, bounded with BENCH_QUICK=1.
// Writes bench/results/attachments.json: {"encrypt10MiBMs", "decrypt10MiBMs", "peakRssMiB100MiB"}.
//   encrypt10MiBMs    encryptAttachment of a 10 MiB file (default engine = WebCrypto, 1 MiB chunks): key schedule,
//                     key commitment, AES-256-GCM per chunk, per-chunk SHA-256 and the digest; every ciphertext
//                     piece handed to the consumer. Median of rounds.
//   decrypt10MiBMs    decryptAttachment of that blob fed in 1 MiB pieces (as a download would): commitment check,
//                     GCM open per chunk, size/last-flag/trailing checks and the digest. Median of rounds.
//   peakRssMiB100MiB  in a child process: peak resident memory while streaming a 100 MiB file (64 KiB input pieces)
//                     through encryptAttachment, above the child's RSS just before it starts (after warm-up);
//                     median of 3 children (1 with BENCH_QUICK=1).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decryptAttachment, encryptAttachment, encryptAttachmentToBytes } from '../client/attachments/index.ts';
import { median, round } from './_stats.ts';

const quick = process.env.BENCH_QUICK === '1';
const ROUNDS = quick ? 3 : 11;
const MiB = 1024 * 1024;


/** 100 MiB of input in 64 KiB pieces from one reused buffer: the source itself holds almost nothing. */
async function* streamingSource(total: number, piece = 64 * 1024): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(piece);
  for (let off = 0, i = 0; off < total; off += piece, i++) {
    buf.fill(i & 0xff);
    yield buf.subarray(0, Math.min(piece, total - off));
  }
}

/** Linux: reset the peak-RSS counter of this process (proc(5) clear_refs, value 5). */
function resetHiwaterRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
/** Linux: VmHWM (peak RSS since the last reset) in bytes, or null elsewhere. */
function hiwaterRss(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function child(): Promise<void> {
  // Warm-up: load every module and JIT the paths on a small file, then settle.
  for await (const _ of encryptAttachment(streamingSource(4 * MiB))) {
    // discard
  }
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const hwmReset = resetHiwaterRss();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = () => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  };
  const timer = setInterval(sample, 2);
  let bytes = 0;
  const enc = encryptAttachment(streamingSource(100 * MiB));
  for await (const piece of enc) {
    bytes += piece.length; // an uploader would write it to the network here
    sample();
  }
  clearInterval(timer);
  const a = await enc.result;
  if (a.size !== 100 * MiB || a.blobLength !== bytes) throw new Error('child: wrong sizes');
  // The kernel's high-water mark catches peaks between samples. Not getrusage's maxRSS: it survives execve, so a
  // child spawned by a big parent starts with the parent's peak. VmHWM belongs to this address space and was
  // reset at the baseline (clear_refs 5).
  const hwm = hiwaterRss();
  const maxRss = hwm !== null && hwmReset ? Math.max(peak, hwm) : peak;
  process.stdout.write(JSON.stringify({ baselineMiB: baseline / MiB, peakAboveBaselineMiB: (maxRss - baseline) / MiB }) + '\n');
}

async function main(): Promise<void> {
  const file = new Uint8Array(10 * MiB);
  for (let i = 0; i < file.length; i += 4096) file[i] = i & 0xff;
  // warm-up
  const warm = await encryptAttachmentToBytes(file);
  for await (const _ of decryptAttachment(warm.attachment, warm.blob)) {
    // discard
  }
  const encTimes: number[] = [];
  const decTimes: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    const pieces: Uint8Array[] = [];
    const enc = encryptAttachment(file);
    for await (const p of enc) pieces.push(p);
    const attachment = await enc.result;
    encTimes.push(performance.now() - t);

    // Re-slice the blob into 1 MiB download pieces (outside the timing).
    const blob = new Uint8Array(attachment.blobLength);
    let off = 0;
    for (const p of pieces) blob.set(p, (off += p.length) - p.length);
    const download = Array.from({ length: Math.ceil(blob.length / MiB) }, (_, i) => blob.subarray(i * MiB, (i + 1) * MiB));
    t = performance.now();
    let n = 0;
    for await (const p of decryptAttachment(attachment, download)) n += p.length;
    decTimes.push(performance.now() - t);
    if (n !== file.length) throw new Error('decrypt: wrong length');
  }

  // Native allocations of WebCrypto jobs (input copies, outputs) are returned to malloc's arenas at the whim
  // of GC and allocator timing, so one child's peak varies (±10 MiB here under load): report the median child.
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: quick ? 1 : 3 }, () => {
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child'], { encoding: 'utf8', env: { ...process.env } });
    if (run.status !== 0) throw new Error(`memory child failed: ${run.stderr}`);
    return JSON.parse(run.stdout.trim().split('\n').pop() as string) as { baselineMiB: number; peakAboveBaselineMiB: number };
  });
  const mem = { baselineMiB: median(children.map((c) => c.baselineMiB)), peakAboveBaselineMiB: median(children.map((c) => c.peakAboveBaselineMiB)) };

  const result = {
    encrypt10MiBMs: round(median(encTimes)),
    decrypt10MiBMs: round(median(decTimes)),
    peakRssMiB100MiB: round(mem.peakAboveBaselineMiB),
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'attachments.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify({
    ...result, rounds: ROUNDS, encryptMs: encTimes.map(round), decryptMs: decTimes.map(round),
    childPeaksMiB: children.map((c) => round(c.peakAboveBaselineMiB)), childBaselineMiB: round(mem.baselineMiB),
  }));
}

if (process.argv.includes('--child')) await child();
else await main();
