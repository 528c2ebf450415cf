// The moderation commands (docs/MODERATION.md "The event log and the derived queue state", "Decisions,
// enforcement, notices"): claim, escalate, assign, release, note, decide (with immediate enforcement and the
// notices to the accused and the reporter) and bulk. Every change is an appended event; queue state is the fold
// of those events (state.ts), cached on the Report row in the same transaction.
import { randomBytes } from 'node:crypto';
import type { AccountStatus } from '../../data/accounts.ts';
import type { ModerationEventInput, ModerationEventRow } from '../../data/moderation-events.ts';
import type { ModerationRepo, NoticeInput, ReportStateRow } from '../../data/moderation.ts';
import { AppError, InputError, NotFoundError, PermissionError } from '../../errors.ts';
import type { ModerationConfig } from '../../moderation-config.ts';
import type { PoliciesService } from '../policies/policies.ts';
import { buildStatement } from '../policies/statements.ts';
import { type Actor, isTriage } from './actor.ts';
import { type DecisionAction, type ReportState, ESCALATION_QUEUE, OUTCOME_OF, applyReportEvent } from './state.ts';
import { MAX_NOTE_LENGTH } from '../../../client/transport/contract/moderation/vocabulary.ts';

export { MAX_NOTE_LENGTH };

/** Escalated reports jump to at least this priority. */
export const ESCALATION_PRIORITY = 80;

export interface DecisionInput {
  action: DecisionAction;
  /** suspend only: 1 h – 1 year; absent = indefinitely */
  suspendHours?: number | undefined;
  /** the reason category told to the accused; default: the report's category */
  reasonCategory?: string | undefined;
  /** optional note recorded with the decision (moderators only; never sent to anyone) */
  note?: string | undefined;
  /** the policy the decision cites (required: ModerationPolicy.id) */
  policyId?: string | undefined;
}

export interface CommandDeps {
  policies: PoliciesService;
  cfg: Pick<ModerationConfig, 'appealWindowMs' | 'retentionMs'>;
  /** an enabled staff member with a role that may hold a claim: for assignment */
  staffRole: (actorId: string) => Promise<'triage' | 'moderator' | 'admin' | null>;
}

export class ModerationCommands {
  constructor(
    private readonly repo: ModerationRepo,
    /** called after an enforcement action commits (drop cached bearer sessions of the account) */
    private readonly onStandingChanged: (accountId: string) => void,
    private readonly deps: CommandDeps,
  ) {}

  /** Read state, apply the rules, compare-and-set; one retry when another writer got there first. */
  private async transition(reportId: string, build: (s: ReportStateRow, now: Date) => Omit<Parameters<ModerationRepo['writeState']>[0], 'reportId' | 'expectedEventCount' | 'at'>): Promise<ReportState> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.repo.state(reportId);
      if (!s) throw new NotFoundError('report');
      const at = new Date();
      const w = build(s, at);
      try {
        await this.repo.writeState({ reportId, expectedEventCount: s.eventCount, at, ...w });
        return w.next;
      } catch (e) {
        if (!AppError.is(e, 'stale_state') || attempt >= 2) throw e;
      }
    }
  }

  private static step(state: ReportState, events: ModerationEventInput[], e: ModerationEventInput, now: Date): ReportState {
    events.push(e);
    return applyReportEvent(state, { type: e.type, actorId: e.actorId, payload: e.payload, createdAt: now });
  }

  async claim(reportId: string, me: Actor): Promise<ReportState> {
    return this.transition(reportId, (s, now) => {
      const events: ModerationEventInput[] = [];
      const next = ModerationCommands.step(s, events, { subjectType: 'report', subjectId: reportId, type: 'claimed', actorId: me.actorId, payload: {} }, now);
      return { next, events, ...(s.firstActionAt ? {} : { reportFields: { firstActionAt: now } }) };
    });
  }

  /** Triage's way up: give the report to the escalation queue (priority raised), releasing any claim. */
  async escalate(reportId: string, me: Actor, reason?: string): Promise<ReportState> {
    return this.transition(reportId, (s, now) => {
      const events: ModerationEventInput[] = [];
      const priority = Math.max(s.priority, ESCALATION_PRIORITY);
      const next = ModerationCommands.step(s, events, {
        subjectType: 'report', subjectId: reportId, type: 'escalated', actorId: me.actorId,
        payload: { fromQueue: s.queue, queue: ESCALATION_QUEUE, priority, ...(reason ? { reason } : {}) },
      }, now);
      return { next, events, reportFields: { queue: ESCALATION_QUEUE, priority, ...(s.firstActionAt ? {} : { firstActionAt: now }) } };
    });
  }

  /** Hand the report to another staff member (the holder, an admin for anyone's claim, or anyone if unclaimed). */
  async assign(reportId: string, me: Actor, toActorId: string): Promise<ReportState> {
    const role = await this.deps.staffRole(toActorId);
    if (!role) throw new InputError('validation_failed', `${toActorId} is not an enabled staff member`, { issues: [{ path: 'body.to', message: 'unknown or disabled staff member' }] });
    return this.transition(reportId, (s, now) => {
      const forced = me.isAdmin && s.assigneeId !== null && s.assigneeId !== me.actorId;
      const events: ModerationEventInput[] = [];
      const next = ModerationCommands.step(s, events, {
        subjectType: 'report', subjectId: reportId, type: 'assigned', actorId: me.actorId,
        payload: { to: toActorId, from: s.assigneeId, ...(forced ? { forced: true } : {}) },
      }, now);
      return { next, events, ...(s.firstActionAt ? {} : { reportFields: { firstActionAt: now } }) };
    });
  }

  async release(reportId: string, me: Actor): Promise<ReportState> {
    return this.transition(reportId, (s, now) => {
      const forced = me.isAdmin && s.assigneeId !== null && s.assigneeId !== me.actorId;
      const events: ModerationEventInput[] = [];
      const next = ModerationCommands.step(s, events, {
        subjectType: 'report', subjectId: reportId, type: 'released', actorId: me.actorId, payload: forced ? { forced: true, from: s.assigneeId } : {},
      }, now);
      return { next, events };
    });
  }

  async note(reportId: string, me: Actor, text: string): Promise<ModerationEventRow> {
    if (!(await this.repo.state(reportId))) throw new NotFoundError('report');
    return this.repo.appendEvent({ subjectType: 'report', subjectId: reportId, type: 'note', actorId: me.actorId, payload: { text } });
  }

  /**
   * Decide and enforce in one transaction: (claimed, if unclaimed) → decision → action (warn/suspend/ban:
   * the accused's standing and an account_status_changed event) → notices → outcome_sent.
   */
  async decide(reportId: string, me: Actor, d: DecisionInput): Promise<ReportState & { accountStatus: AccountStatus | null; suspendedUntil: Date | null }> {
    let applied: { status: AccountStatus | null; until: Date | null } = { status: null, until: null };
    // Roles: triage may only dismiss (checked before anything is read, so the rule is the same for every report).
    if (isTriage(me) && d.action !== 'dismiss') throw new PermissionError('forbidden', `the triage role may dismiss or escalate, not ${d.action}; escalate the report instead`);
    const policy = await this.deps.policies.citable(d.policyId);
    const first = await this.repo.state(reportId);
    if (!first) throw new NotFoundError('report');
    const reported = d.action === 'dismiss' ? [] : (await this.repo.items(reportId)).filter((i) => i.isReported);
    const template = d.action === 'dismiss' ? '' : await this.deps.policies.template(d.action);
    // A ban is never downgraded by a later suspension (from another report about the same account).
    const alreadyBanned = (await this.repo.accountStanding(first.accusedId))?.status === 'banned';
    const next = await this.transition(reportId, (s, now) => {
      const events: ModerationEventInput[] = [];
      const ev = (type: string, payload: Record<string, unknown>): ModerationEventInput => ({ subjectType: 'report', subjectId: reportId, type, actorId: me.actorId, payload });
      let state: ReportState = s;
      if (s.assigneeId === null && s.status !== 'resolved') state = ModerationCommands.step(state, events, ev('claimed', { implicit: true }), now);
      const reasonCategory = d.reasonCategory ?? s.category;
      const until = d.action === 'suspend' && d.suspendHours ? new Date(now.getTime() + d.suspendHours * 3_600_000) : null;
      state = ModerationCommands.step(state, events, ev('decision', {
        action: d.action, reasonCategory, policyId: policy.id, automated: false,
        ...(d.action === 'suspend' ? { suspendHours: d.suspendHours ?? null, until: until?.toISOString() ?? null } : {}),
        ...(d.note ? { note: d.note } : {}),
      }), now);
      const notices: NoticeInput[] = [];
      let accountStatus: Parameters<ModerationRepo['writeState']>[0]['accountStatus'];
      applied = { status: null, until: null };
      if (d.action !== 'dismiss') {
        const keepBan = d.action === 'suspend' && alreadyBanned;
        const status: AccountStatus | null = d.action === 'ban' ? 'banned' : d.action === 'suspend' && !keepBan ? 'suspended' : null;
        if (status) {
          accountStatus = {
            accountId: s.accusedId, status, suspendedUntil: until,
            event: {
              subjectType: 'account', subjectId: s.accusedId, type: 'account_status_changed', actorId: me.actorId,
              payload: { to: status, suspendedUntil: until?.toISOString() ?? null, reason: reasonCategory, reportId },
            },
          };
          applied = { status, until };
        }
        events.push(ev('action', {
          action: d.action, accountId: s.accusedId, accountStatus: status, suspendedUntil: status ? (until?.toISOString() ?? null) : null,
          ...(keepBan ? { unchanged: 'account already banned' } : {}),
        }));
        if (!keepBan) {
          // DSA Art. 17: the statement of reasons, from the admin-edited template of this action.
          const statement = buildStatement({
            template, policy, action: d.action, until, at: now, decisionId: `sor_${randomBytes(12).toString('base64url')}`, automated: false, appealWindowMs: this.deps.cfg.appealWindowMs,
            messages: reported.map((i) => {
              let h: { sentAt?: number; contentType?: string } | null = null;
              try {
                h = i.headerJson ? (JSON.parse(i.headerJson) as { sentAt?: number; contentType?: string }) : null;
              } catch {
                h = null;
              }
              return { messageId: i.messageId, sentAt: h?.sentAt ?? Number(i.serverTime), contentType: h?.contentType ?? null };
            }),
          });
          notices.push({
            accountId: s.accusedId, kind: d.action === 'warn' ? 'warning' : d.action === 'suspend' ? 'suspension' : 'ban',
            reasonCategory, reportId, outcome: null, until, statement: JSON.stringify(statement),
          });
          events.push(ev('statement_sent', { to: s.accusedId, policyId: policy.id, action: d.action }));
        }
      }
      // The reporter learns the outcome, never who decided or any note.
      notices.push({ accountId: s.reporterId, kind: 'report_outcome', reasonCategory: s.category, reportId, outcome: OUTCOME_OF[d.action], until: null });
      events.push(ev('outcome_sent', { to: s.reporterId, outcome: OUTCOME_OF[d.action] }));
      return {
        next: state, events, notices, ...(accountStatus ? { accountStatus } : {}),
        reportFields: { policyId: policy.id, decisionAction: d.action, handlingMs: BigInt(Math.max(0, now.getTime() - s.createdAt.getTime())), automated: false, ...(s.firstActionAt ? {} : { firstActionAt: now }) },
        ...(s.caseId ? { resolveInCase: { caseId: s.caseId, retentionMs: this.deps.cfg.retentionMs } } : {}),
      };
    });
    if (applied.status) this.onStandingChanged((await this.repo.state(reportId))?.accusedId ?? '');
    return { ...next, accountStatus: applied.status, suspendedUntil: applied.until };
  }

  /**
   * The same operation on many reports (Coop-style bulk triage, e.g. dismissing a brigade of reports against
   * one account). Each report is its own transaction with its own rule check; the result says, per report,
   * whether it was applied or which rule refused it. Sequential: bounded load, stable order.
   */
  async bulk(reportIds: readonly string[], me: Actor, op: { op: 'claim' } | { op: 'release' } | ({ op: 'decide' } & DecisionInput)) {
    const results: Array<{ reportId: string; ok: boolean; code: string | null; status: ReportState['status'] | null; outcome: ReportState['outcome'] }> = [];
    for (const reportId of new Set(reportIds)) {
      try {
        let st: ReportState;
        if (op.op === 'claim') st = await this.claim(reportId, me);
        else if (op.op === 'release') st = await this.release(reportId, me);
        else st = await this.decide(reportId, me, op);
        results.push({ reportId, ok: true, code: null, status: st.status, outcome: st.outcome });
      } catch (e) {
        if (!AppError.is(e)) throw e;
        results.push({ reportId, ok: false, code: e.code, status: null, outcome: null });
      }
    }
    return results;
  }
}
