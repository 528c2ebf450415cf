// Appeals (EU DSA Art. 20 internal complaint handling; docs/MODERATION.md "Appeals"). The actioned account
// appeals a warning, suspension or ban from the chat within MOD_APPEAL_DAYS, with a statement. Appeals have
// their own queue and are decided by a different moderator than the one who decided the report: upheld
// (nothing changes) or overturned (the outcome becomes dismissed and the enforcement is reversed at once, in
// the same transaction as the events that say so). The reporter learns of a changed outcome, never the
// appellant's statement; the appellant gets an appeal_outcome notice.
import { randomBytes } from 'node:crypto';
import type { AppealRow, ModerationCasesRepo } from '../../data/moderation-cases.ts';
import type { ModerationEventInput } from '../../data/moderation-events.ts';
import type { ModerationRepo, NoticeInput, StateWrite } from '../../data/moderation.ts';
import { AppError, ConflictError, InputError, NotFoundError, PermissionError } from '../../errors.ts';
import type { ModerationConfig } from '../../moderation-config.ts';
import { type Actor, isTriage } from './actor.ts';
import { type Outcome, applyReportEvent } from './state.ts';
import { APPEAL_VIEWS } from '../../../client/transport/contract/moderation/vocabulary.ts';

export { APPEAL_VIEWS };

export const MAX_APPEAL_STATEMENT = 4000;
export type AppealView = (typeof APPEAL_VIEWS)[number];
const APPEALABLE_NOTICES = new Set(['warning', 'suspension', 'ban']);
const ACTION_OF: Record<string, string> = { warned: 'warn', suspended: 'suspend', banned: 'ban' };

export interface AppealResultOut {
  appeal: AppealRow;
  accountStatus: 'active' | 'suspended' | 'banned' | null;
}

export class AppealsService {
  constructor(
    private readonly cases: ModerationCasesRepo,
    private readonly mod: ModerationRepo,
    private readonly cfg: Pick<ModerationConfig, 'appealWindowMs' | 'retentionMs'>,
    private readonly onStandingChanged: (accountId: string) => void,
  ) {}

  /** The appellant files against one of their own warning / suspension / ban notices. */
  async file(appellantId: string, noticeId: number, statement: string, now = new Date()): Promise<AppealRow> {
    const text = statement.trim();
    if (!text || text.length > MAX_APPEAL_STATEMENT) throw new InputError('validation_failed', `statement: 1–${MAX_APPEAL_STATEMENT} characters`, { issues: [{ path: 'body.statement', message: 'length' }] });
    const notice = await this.mod.notice(noticeId);
    // Someone else's notice, a report outcome or an unknown id: all look the same (no oracle on other accounts' notices).
    if (!notice || notice.accountId !== appellantId || !APPEALABLE_NOTICES.has(notice.kind) || !notice.reportId)
      throw new PermissionError('appeal_not_allowed', 'this notice is not a decision about your account that can be appealed');
    const s = await this.mod.state(notice.reportId);
    if (!s || s.status !== 'resolved' || !s.decidedAt || !s.decidedBy || !ACTION_OF[s.outcome ?? ''])
      throw new PermissionError('appeal_not_allowed', 'this decision can no longer be appealed');
    if (now.getTime() > s.decidedAt.getTime() + this.cfg.appealWindowMs)
      throw new ConflictError('appeal_window_closed', `appeals are accepted for ${Math.round(this.cfg.appealWindowMs / 86_400_000)} days after the decision`, {
        extra: { appealUntil: new Date(s.decidedAt.getTime() + this.cfg.appealWindowMs).toISOString() },
      });
    if (await this.cases.appealForReport(notice.reportId)) throw new ConflictError('appeal_exists', 'this decision was already appealed');
    const id = `ap_${randomBytes(9).toString('base64url')}`;
    const events: ModerationEventInput[] = [
      { subjectType: 'appeal', subjectId: id, type: 'appeal_filed', actorId: appellantId, payload: { reportId: notice.reportId, noticeId, statementLength: text.length } },
      { subjectType: 'report', subjectId: notice.reportId, type: 'appeal_filed', actorId: appellantId, payload: { appealId: id } },
    ];
    return this.cases.fileAppeal(
      { id, reportId: notice.reportId, appellantId, statement: text, originalAction: ACTION_OF[s.outcome ?? ''] ?? 'warn', originalDeciderId: s.decidedBy, createdAt: now },
      s.caseId, events,
    );
  }

  async list(view: AppealView, me: Actor, limit: number): Promise<AppealRow[]> {
    const status = { open: ['pending', 'in_review'], pending: ['pending'], mine: ['in_review'], decided: ['upheld', 'overturned'], all: undefined }[view];
    const rows = await this.cases.appeals({ ...(status ? { status } : {}), limit: view === 'mine' ? 1000 : limit });
    return view === 'mine' ? rows.filter((a) => a.assigneeId === me.actorId).slice(0, limit) : rows;
  }

  async get(id: string): Promise<AppealRow> {
    const a = await this.cases.appeal(id);
    if (!a) throw new NotFoundError('appeal');
    return a;
  }

  async claim(id: string, me: Actor): Promise<AppealRow> {
    if (isTriage(me)) throw new PermissionError('forbidden', 'appeals are decided by moderators');
    const a = await this.get(id);
    if (a.originalDeciderId === me.actorId) throw new PermissionError('same_moderator', 'you decided this report; another moderator must review the appeal');
    if (a.status === 'upheld' || a.status === 'overturned') throw new ConflictError('appeal_decided', 'this appeal is already decided');
    if (!(await this.cases.claimAppeal(id, me.actorId, { subjectType: 'appeal', subjectId: id, type: 'claimed', actorId: me.actorId, payload: {} })))
      throw new ConflictError('already_claimed', 'this appeal is claimed by another moderator');
    return this.get(id);
  }

  /** Upheld or overturned, by someone other than the original decider; an overturn reverses the enforcement at once. */
  async decide(id: string, me: Actor, result: 'upheld' | 'overturned', note?: string): Promise<AppealResultOut> {
    if (isTriage(me)) throw new PermissionError('forbidden', 'appeals are decided by moderators');
    const a = await this.get(id);
    if (a.originalDeciderId === me.actorId) throw new PermissionError('same_moderator', 'you decided this report; another moderator must decide the appeal');
    if (a.status === 'upheld' || a.status === 'overturned') throw new ConflictError('appeal_decided', 'this appeal is already decided');
    if (a.assigneeId && a.assigneeId !== me.actorId && !me.isAdmin) throw new ConflictError('already_claimed', `this appeal is claimed by ${a.assigneeId}`);
    let restored: 'active' | null = null;
    for (let attempt = 0; ; attempt++) {
      const s = await this.mod.state(a.reportId);
      if (!s) throw new NotFoundError('report');
      const at = new Date();
      const events: ModerationEventInput[] = [];
      const ev = (type: string, payload: Record<string, unknown>): ModerationEventInput => ({ subjectType: 'report', subjectId: a.reportId, type, actorId: me.actorId, payload });
      const decided = ev('appeal_decided', { appealId: id, result, ...(note ? { note } : {}) });
      events.push(decided);
      const next = applyReportEvent(s, { type: decided.type, actorId: decided.actorId, payload: decided.payload, createdAt: at });
      const notices: NoticeInput[] = [];
      let accountStatus: StateWrite['accountStatus'];
      restored = null;
      const previousOutcome = s.outcome as Outcome;
      if (result === 'overturned') {
        // Reverse the enforcement only if this report's decision is what the account's standing still rests on
        // (a later ban from another report stays).
        const [standing, accountEvents] = await Promise.all([this.mod.accountStanding(s.accusedId), this.mod.recentEvents('account', s.accusedId, 50)]);
        const lastChange = accountEvents.find((e) => e.type === 'account_status_changed');
        const rests = standing && standing.status !== 'active' && lastChange?.payload.reportId === a.reportId;
        if (rests && standing) {
          accountStatus = {
            accountId: s.accusedId, status: 'active', suspendedUntil: null,
            event: { subjectType: 'account', subjectId: s.accusedId, type: 'account_status_changed', actorId: me.actorId, payload: { from: standing.status, to: 'active', reason: 'appeal_overturned', reportId: a.reportId, appealId: id } },
          };
          restored = 'active';
        }
        events.push(ev('action_reversed', {
          appealId: id, accountId: s.accusedId, action: a.originalAction,
          ...(restored ? { accountStatus: { from: standing?.status, to: 'active' } } : { accountStatus: null, unchanged: a.originalAction === 'warn' ? 'a warning restricts nothing' : 'the account standing rests on a later decision' }),
        }));
        // The reporter learns that the outcome changed — never the appellant's statement or who decided.
        notices.push({ accountId: s.reporterId, kind: 'report_outcome', reasonCategory: s.category, reportId: a.reportId, outcome: 'dismissed', until: null, appealResult: 'overturned' });
        events.push(ev('outcome_sent', { to: s.reporterId, outcome: 'dismissed', previousOutcome, changedByAppeal: true }));
      }
      notices.push({
        accountId: a.appellantId, kind: 'appeal_outcome', reasonCategory: s.category, reportId: a.reportId,
        outcome: result === 'overturned' ? 'dismissed' : previousOutcome, until: null, appealResult: result,
        statement: JSON.stringify({ appealId: id, result, decided_by_person: true, decision_facts: result === 'overturned' ? 'Your appeal was accepted: the decision is reversed.' : 'Your appeal was reviewed by another moderator, who confirmed the decision.' }),
      });
      events.push({ subjectType: 'appeal', subjectId: id, type: 'appeal_decided', actorId: me.actorId, payload: { result, reportId: a.reportId } });
      try {
        await this.mod.writeState({
          reportId: a.reportId, expectedEventCount: s.eventCount, at, next, events, notices, ...(accountStatus ? { accountStatus } : {}),
          appeal: { id, status: result, decidedBy: me.actorId },
          ...(s.caseId ? { resolveInCase: { caseId: s.caseId, retentionMs: this.cfg.retentionMs } } : {}),
        });
        break;
      } catch (e) {
        if (!AppError.is(e, 'stale_state') || attempt >= 2) throw e;
      }
    }
    if (restored) this.onStandingChanged(a.appellantId);
    return { appeal: await this.get(id), accountStatus: restored };
  }
}
