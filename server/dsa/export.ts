// Export of statements of reasons to the EU DSA Transparency Database (docs/DSA-TRANSPARENCY-DB.md §7): collect the
// statements issued in a period, map and validate them (tdb-statement.ts), write them as batches of at most 100
// (the API's limit per call), and — in submit mode — post the batches not yet submitted, recording each batch and
// every puid the database holds, so that a re-run resumes where the last one stopped and never submits twice.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DsaSubmissionsRepo } from '../data/dsa-submissions.ts';
import { type ExportOptions, type Mapped, type TdbStatement, toTdbStatement } from './tdb-statement.ts';
import { MAX_STATEMENTS_PER_CALL } from './tdb-values.ts';

const PAGE = 500;

export interface Collected {
  statements: Array<{ noticeId: number; statement: TdbStatement }>;
  skipped: Array<Exclude<Mapped, { ok: true }>>;
}

export async function collectStatements(repo: DsaSubmissionsRepo, from: Date, to: Date, opts: ExportOptions = {}): Promise<Collected> {
  const out: Collected = { statements: [], skipped: [] };
  const seen = new Set<string>();
  for (let after = 0; ;) {
    const page = await repo.statements(from, to, after, PAGE);
    for (const n of page) {
      const m = toTdbStatement(n, opts);
      if (!m.ok) out.skipped.push(m);
      // A puid is unique per statement; a repeated one would make the API refuse the whole call.
      else if (!seen.has(m.statement.puid)) {
        seen.add(m.statement.puid);
        out.statements.push({ noticeId: m.noticeId, statement: m.statement });
      }
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]?.id ?? after;
  }
  return out;
}

export function chunk<T>(xs: readonly T[], size = MAX_STATEMENTS_PER_CALL): T[][] {
  if (!Number.isInteger(size) || size < 1 || size > MAX_STATEMENTS_PER_CALL) throw new RangeError(`batch size: expected an integer 1–${MAX_STATEMENTS_PER_CALL}, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Writes batch-0001.json … (each the body of one POST /api/v1/statements) and skipped.json; returns the file names. */
export function writeBatches(dir: string, c: Collected, meta: { from: Date; to: Date }): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  chunk(c.statements).forEach((b, i) => {
    const name = `batch-${String(i + 1).padStart(4, '0')}.json`;
    fs.writeFileSync(path.join(dir, name), `${JSON.stringify({ statements: b.map((s) => s.statement) }, null, 2)}\n`);
    files.push(name);
  });
  const skipped = c.skipped.map((s) => ({ noticeId: s.noticeId, puid: s.puid, reason: s.reason, ...(s.errors ? { errors: s.errors } : {}) }));
  fs.writeFileSync(path.join(dir, 'skipped.json'), `${JSON.stringify({ from: meta.from.toISOString(), to: meta.to.toISOString(), skipped }, null, 2)}\n`);
  files.push('skipped.json');
  return files;
}

export interface SubmitOptions {
  /** The statements endpoint, e.g. https://transparency.dsa.ec.europa.eu/api/v1/statements */
  endpoint: string;
  token: string;
  batchSize?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

export interface SubmitSummary {
  /** statements the database accepted in this run */
  created: number;
  /** statements the database already held (an earlier run that stopped before recording its answer) */
  alreadyPresent: number;
  /** statements skipped because our records say the database holds them */
  previouslySubmitted: number;
  batches: Array<{ id: string; statements: number; outcome: string; httpStatus: number | null }>;
  /** set when a batch failed or was refused: the run stopped there (re-run to resume) */
  stopped: { batchId: string; outcome: 'rejected' | 'failed'; httpStatus: number | null; detail: unknown } | null;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Posts every collected statement not yet recorded as held, in batches of at most 100. Idempotent by puid: the
 * database refuses a puid it holds (422 with errors.existing_puids, the whole call refused); those puids are
 * recorded as already present and the rest of the batch is posted again (docs/DSA-TRANSPARENCY-DB.md §7).
 */
export async function submitStatements(repo: DsaSubmissionsRepo, c: Collected, o: SubmitOptions): Promise<SubmitSummary> {
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? (() => new Date());
  const held = await repo.submitted(c.statements.map((s) => s.statement.puid));
  const todo = c.statements.filter((s) => !held.has(s.statement.puid));
  const summary: SubmitSummary = { created: 0, alreadyPresent: 0, previouslySubmitted: c.statements.length - todo.length, batches: [], stopped: null };
  for (const group of chunk(todo, o.batchSize)) {
    let pending = group;
    while (pending.length) {
      const id = `tdb_${randomBytes(12).toString('base64url')}`;
      await repo.startBatch(id, o.endpoint, pending.length, now());
      const finish = async (outcome: 'created' | 'already_present' | 'rejected' | 'failed', httpStatus: number | null, detail: unknown, heldRows: Parameters<DsaSubmissionsRepo['finishBatch']>[2] = []) => {
        await repo.finishBatch(id, { outcome, httpStatus, detail }, heldRows, now());
        summary.batches.push({ id, statements: pending.length, outcome, httpStatus });
      };
      let status: number;
      let body: unknown = null;
      try {
        const res = await doFetch(o.endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.token}`, accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify({ statements: pending.map((s) => s.statement) }),
        });
        status = res.status;
        const text = await res.text();
        try {
          body = JSON.parse(text);
        } catch {
          body = null;
        }
      } catch (e) {
        await finish('failed', null, { error: e instanceof Error ? e.name : 'error' });
        summary.stopped = { batchId: id, outcome: 'failed', httpStatus: null, detail: null };
        return summary;
      }
      if (status === 201) {
        const uuids = new Map<string, string>();
        const returned = isObj(body) && Array.isArray(body.statements) ? body.statements : [];
        for (const s of returned) if (isObj(s) && typeof s.puid === 'string' && typeof s.uuid === 'string') uuids.set(s.puid, s.uuid);
        await finish('created', status, { statements: pending.length }, pending.map((s) => ({ puid: s.statement.puid, noticeId: s.noticeId, status: 'created' as const, tdbUuid: uuids.get(s.statement.puid) ?? null })));
        summary.created += pending.length;
        break;
      }
      const errors = isObj(body) && isObj(body.errors) ? body.errors : null;
      const existing = errors && Array.isArray(errors.existing_puids) ? new Set(errors.existing_puids.filter((p): p is string => typeof p === 'string')) : null;
      const present = existing ? pending.filter((s) => existing.has(s.statement.puid)) : [];
      if (status === 422 && present.length) {
        await finish('already_present', status, { existing_puids: present.map((s) => s.statement.puid) }, present.map((s) => ({ puid: s.statement.puid, noticeId: s.noticeId, status: 'already_present' as const, tdbUuid: null })));
        summary.alreadyPresent += present.length;
        pending = pending.filter((s) => !existing?.has(s.statement.puid));
        continue;
      }
      // A validation refusal is a bug in the mapping (every statement passed the same rules here): stop, keep the answer.
      const outcome = status === 422 ? 'rejected' : 'failed';
      const detail = errors ?? (isObj(body) && typeof body.message === 'string' ? { message: body.message } : null);
      await finish(outcome, status, detail);
      summary.stopped = { batchId: id, outcome, httpStatus: status, detail };
      return summary;
    }
  }
  return summary;
}
