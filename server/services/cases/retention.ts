// Retention and legal hold (docs/MODERATION.md "Retention and legal hold"). Revealed content (ReportItem body,
// franking key, header; reported attachment files) is deleted MOD_RETENTION_DAYS after its case closes, unless
// an admin set a legal hold. The report rows, their verdicts and the whole event log stay: the log records that
// the content existed (report_filed, item counts) and when it went (content_purged). Safe with many processes:
// each batch is one transaction that locks its cases (PostgreSQL SKIP LOCKED; SQLite: a single writer).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ModerationCasesRepo } from '../../data/moderation-cases.ts';
import type { RegistrationRepo } from '../../data/registration.ts';
import { NETWORK_PERIOD_MS } from '../accounts/registration/network.ts';

export const RETENTION_BATCH = 50;
const MAX_BATCHES_PER_SWEEP = 20;

export class RetentionService {
  constructor(
    private readonly cases: ModerationCasesRepo,
    /** BLOB_DIR: reported attachment evidence lives in its reported/ subdirectory */
    private readonly blobDir: string,
    /** registration network hashes (personal data, docs/MODERATION.md "Registration network signal"), spent challenges and invites */
    private readonly registration?: RegistrationRepo,
  ) {}

  async sweep(now = new Date()): Promise<{ cases: number; reports: number; items: number; networks: number }> {
    // Network hashes are kept at most 30 days from registration (docs/MODERATION.md "Registration network signal").
    const networks = this.registration ? (await this.registration.sweep(new Date(now.getTime() - NETWORK_PERIOD_MS), now)).networks : 0;
    const total = { cases: 0, reports: 0, items: 0, networks };
    for (let i = 0; i < MAX_BATCHES_PER_SWEEP; i++) {
      const batch = await this.cases.purgeBatch(now, RETENTION_BATCH);
      for (const c of batch) {
        total.cases++;
        total.reports += c.reports;
        total.items += c.items;
        // Files after the commit: a crash in between leaves an orphan file, never a row pointing at nothing.
        for (const a of c.attachments) await fs.rm(path.join(this.blobDir, 'reported', `${a.reportId}.${a.position}.${a.index}`), { force: true });
      }
      if (batch.length < RETENTION_BATCH) break;
    }
    return total;
  }
}
