// The moderation service the routes call (docs/MODERATION.md): one object over the queue (queue.ts), the report
// detail (detail.ts), the commands (commands.ts), the audit log (audit.ts), the statistics (statistics.ts) and the
// notices an account reads.
import type { ModerationEventRow } from '../../data/moderation-events.ts';
import type { ModerationRepo, NoticeRow } from '../../data/moderation.ts';
import type { AccountStatus } from '../../data/accounts.ts';
import type { Actor } from './actor.ts';
import { type AuditQuery, auditLog, verifyProjection } from './audit.ts';
import { type CommandDeps, type DecisionInput, ModerationCommands } from './commands.ts';
import { reportDetail } from './detail.ts';
import { type QueueQuery, listQueue } from './queue.ts';
import type { ReportState } from './state.ts';
import { reportStatistics } from './statistics.ts';

export class ModerationService {
  private readonly commands: ModerationCommands;

  constructor(
    private readonly repo: ModerationRepo,
    /** called after an enforcement action commits (drop cached bearer sessions of the account) */
    onStandingChanged: (accountId: string) => void,
    private readonly deps: CommandDeps,
  ) {
    this.commands = new ModerationCommands(repo, onStandingChanged, deps);
  }

  get config() {
    return this.deps.cfg;
  }

  queue(q: QueueQuery, me: Actor) {
    return listQueue(this.repo, q, me);
  }

  detail(reportId: string) {
    return reportDetail(this.repo, this.deps.policies, reportId);
  }

  claim(reportId: string, me: Actor): Promise<ReportState> {
    return this.commands.claim(reportId, me);
  }

  /** Triage's way up: give the report to the escalation queue (priority raised), releasing any claim. */
  escalate(reportId: string, me: Actor, reason?: string): Promise<ReportState> {
    return this.commands.escalate(reportId, me, reason);
  }

  /** Hand the report to another staff member (the holder, an admin for anyone's claim, or anyone if unclaimed). */
  assign(reportId: string, me: Actor, toActorId: string): Promise<ReportState> {
    return this.commands.assign(reportId, me, toActorId);
  }

  release(reportId: string, me: Actor): Promise<ReportState> {
    return this.commands.release(reportId, me);
  }

  note(reportId: string, me: Actor, text: string): Promise<ModerationEventRow> {
    return this.commands.note(reportId, me, text);
  }

  /** Decide and enforce in one transaction (commands.ts). */
  decide(reportId: string, me: Actor, d: DecisionInput): Promise<ReportState & { accountStatus: AccountStatus | null; suspendedUntil: Date | null }> {
    return this.commands.decide(reportId, me, d);
  }

  /** The same operation on many reports, each its own transaction with its own rule check (commands.ts). */
  bulk(...args: Parameters<ModerationCommands['bulk']>) {
    return this.commands.bulk(...args);
  }

  /** Recomputes the state from the log and compares it with the cached columns (audit / tests / ops). */
  verifyProjection(reportId: string) {
    return verifyProjection(this.repo, reportId);
  }

  audit(f: AuditQuery) {
    return auditLog(this.repo, f);
  }

  stats(days: number, now = new Date()) {
    return reportStatistics(this.repo, days, now);
  }

  async notices(accountId: string, afterId: number, limit: number): Promise<NoticeRow[]> {
    return this.repo.notices(accountId, afterId, limit);
  }
}
