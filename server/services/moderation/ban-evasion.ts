// Ban evasion (docs/MODERATION.md "Registration network signal", "Ban evasion"). For moderators: the accounts
// that registered from the same network (keyed hash, kept 30 days) as an account and were suspended or banned in
// the last 30 days, each with the decision that actioned it. And the "ban evasion" action: a ban that cites that
// original decision, recorded in the append-only log, with a statement of reasons (DSA Art. 17) that names it.
import { randomBytes } from 'node:crypto';
import type { AccountStanding } from '../../data/accounts.ts';
import type { ModerationEventInput } from '../../data/moderation-events.ts';
import type { RegistrationRepo } from '../../data/registration.ts';
import { InputError, NotFoundError } from '../../errors.ts';
import type { PoliciesService } from '../policies/policies.ts';
import { NETWORK_PERIOD_MS } from '../accounts/registration/network.ts';
import { type StatementOfReasons, buildStatement } from '../policies/statements.ts';

/** A signal is shown for actions at most this old, and hashes are kept this long: 30 days. */
export const EVASION_WINDOW_MS = NETWORK_PERIOD_MS;
export const BAN_EVASION_REASON = 'ban_evasion';
export const BAN_EVASION_APPEAL_HOW = 'write to the operator of this service (the contact in its terms of service); a different moderator will review the decision';

export interface OriginalDecision {
  /** the moderation event id of the original suspension or ban (account_status_changed) */
  eventId: number;
  accountId: string;
  action: 'suspended' | 'banned';
  at: Date;
  /** the report the decision was made on, if it was made on one */
  reportId: string | null;
  /** the statement of reasons the original account was sent (its DSA puid), if any */
  statementId: string | null;
}

export type BanEvasionStatement = StatementOfReasons & { ban_evasion: { original_decision: string; original_account: string; original_action: string; original_date: string } };

const reference = (d: OriginalDecision) => d.statementId ?? `event ${d.eventId}`;

export class BanEvasionService {
  constructor(
    private readonly repo: RegistrationRepo,
    private readonly deps: {
      standing: (accountId: string) => Promise<AccountStanding | null>;
      policies: PoliciesService;
      appealWindowMs: number;
      /** after the ban commits: every process drops the account's sessions and push sockets */
      onStandingChanged: (accountId: string) => void;
    },
  ) {}

  /** Recently actioned accounts that share a registration network with `accountId` (newest action per account). */
  async signals(accountId: string, now = new Date()): Promise<OriginalDecision[]> {
    const since = new Date(now.getTime() - EVASION_WINDOW_MS);
    const others = await this.repo.sharingNetwork(accountId, since);
    const actions = await this.repo.actionsSince(others, since);
    const out: OriginalDecision[] = [];
    const seen = new Set<string>();
    for (const e of actions) {
      if (seen.has(e.subjectId)) continue;
      seen.add(e.subjectId);
      out.push(await this.describe(e.id, e.subjectId, e.payload, e.createdAt));
    }
    return out;
  }

  private async describe(eventId: number, accountId: string, payload: Record<string, unknown>, at: Date): Promise<OriginalDecision> {
    const reportId = typeof payload.reportId === 'string' ? payload.reportId : null;
    return {
      eventId, accountId, action: payload.to === 'banned' ? 'banned' : 'suspended', at, reportId,
      statementId: reportId ? await this.repo.statementId(accountId, reportId) : null,
    };
  }

  /** Bans `accountId` for ban evasion, citing the original decision (event id of its suspension or ban). */
  async ban(accountId: string, actorId: string, input: { originalDecisionId: number; policyId: string; note?: string | undefined }, now = new Date()) {
    const before = await this.deps.standing(accountId);
    if (!before) throw new NotFoundError('account');
    const e = await this.repo.event(input.originalDecisionId);
    const refuse = (why: string) => new InputError('validation_failed', `originalDecisionId: ${why}`, { issues: [{ path: 'body.originalDecisionId', message: why }] });
    if (!e || e.subjectType !== 'account' || e.type !== 'account_status_changed' || (e.payload.to !== 'suspended' && e.payload.to !== 'banned'))
      throw refuse('not the event id of a suspension or ban');
    if (e.subjectId === accountId) throw refuse('the original decision must be about another account');
    const policy = await this.deps.policies.citable(input.policyId);
    const original = await this.describe(e.id, e.subjectId, e.payload, e.createdAt);
    const statementId = `sor_${randomBytes(12).toString('base64url')}`;
    const originalDate = original.at.toISOString().slice(0, 10);
    // The evasion facts go into the template before rendering; the placeholders left are the standard ones.
    const template = `Your account is banned for ban evasion: we concluded it was opened to continue using the service after the account ${original.accountId} was ${original.action} on ${originalDate} (decision ${reference(original)}). Our policy "{policy}": {policyDescription} {decidedBy} To contest this decision until {appealUntil}, ${BAN_EVASION_APPEAL_HOW}.`;
    const base = buildStatement({
      template, policy, action: 'ban', until: null, at: now, decisionId: statementId, messages: [], automated: false,
      appealWindowMs: this.deps.appealWindowMs,
    });
    const statement: BanEvasionStatement = {
      ...base, content_type: ['CONTENT_TYPE_OTHER'], appeal: { ...base.appeal, how: BAN_EVASION_APPEAL_HOW },
      ban_evasion: { original_decision: reference(original), original_account: original.accountId, original_action: original.action, original_date: original.at.toISOString() },
    };
    const cites = {
      originalDecisionId: original.eventId, originalAccountId: original.accountId, originalAction: original.action,
      originalAt: original.at.toISOString(), originalReportId: original.reportId, originalStatementId: original.statementId,
    };
    const ev = (type: string, payload: Record<string, unknown>): ModerationEventInput => ({ subjectType: 'account', subjectId: accountId, type, actorId, payload });
    await this.repo.banForEvasion(accountId, [
      ev('decision', { action: 'ban', reason: BAN_EVASION_REASON, policyId: policy.id, statementId, ...cites, ...(input.note ? { note: input.note } : {}) }),
      ev('account_status_changed', { from: before.status, to: 'banned', suspendedUntil: null, reason: BAN_EVASION_REASON, banEvasionOf: original.eventId }),
      ev('statement_sent', { to: accountId, policyId: policy.id, action: 'ban', statementId }),
    ], { accountId, kind: 'ban', reasonCategory: BAN_EVASION_REASON, reportId: null, outcome: null, until: null, statement: JSON.stringify(statement) });
    this.deps.onStandingChanged(accountId);
    return { accountId, status: 'banned' as const, statementId, original, statement };
  }
}
