// Routing at intake (docs/MODERATION.md "Routing"): every new report joins its account's open case and is put
// in a named queue with a priority by the first enabled rule that matches — on the category, the verification
// result, the accused's history and the reporter's track record. After filing, the burst check (brigading
// defence) may mark the whole case a suspected brigade: one low-priority case, no automatic action.
import { randomBytes } from 'node:crypto';
import type { ModerationCasesRepo } from '../../data/moderation-cases.ts';
import type { ModerationCatalogRepo, RoutingRuleRow } from '../../data/moderation-catalog.ts';
import type { ModerationEventInput } from '../../data/moderation-events.ts';
import { NotFoundError } from '../../errors.ts';
import type { ModerationConfig } from '../../moderation-config.ts';
// Queue names and rule conditions are part of the moderator API's contract (defined once there).
import { QUEUE_NAME, RuleConditions } from '../../../client/transport/contract/moderation/vocabulary.ts';

export { QUEUE_NAME, RuleConditions };

export const DEFAULT_QUEUE = 'general';
export const DEFAULT_PRIORITY = 50;
export const BRIGADE_QUEUE = 'suspected-brigade';
export const BRIGADE_PRIORITY = 5;
/** A track record counts once the reporter has this many decided reports. */
export const MIN_DECIDED_FOR_RECORD = 3;
/** Share of the burst that must come from new or poor-record accounts. */
export const BRIGADE_SUSPECT_SHARE = 0.8;

export interface RoutingSignals {
  category: string;
  verdict: 'verified' | 'unverified';
  accusedUpheld: number;
  /** share upheld, null without MIN_DECIDED_FOR_RECORD decided reports */
  reporterRecord: number | null;
  reporterDecided: number;
}

export function ruleMatches(c: RuleConditions, s: RoutingSignals): boolean {
  if (c.categories && !(c.categories as readonly string[]).includes(s.category)) return false;
  if (c.verdict && c.verdict !== s.verdict) return false;
  if (c.accusedUpheldAtLeast !== undefined && s.accusedUpheld < c.accusedUpheldAtLeast) return false;
  if (c.accusedUpheldAtMost !== undefined && s.accusedUpheld > c.accusedUpheldAtMost) return false;
  if (c.reporterRecordBelow !== undefined && (s.reporterRecord === null || s.reporterRecord >= c.reporterRecordBelow)) return false;
  if (c.reporterRecordAtLeast !== undefined && (s.reporterRecord === null || s.reporterRecord < c.reporterRecordAtLeast)) return false;
  return true;
}

/** Starter rules for a fresh database (admins edit or disable them; there is no delete, so they never come back). */
export const DEFAULT_RULES: ReadonlyArray<Omit<RoutingRuleRow, 'createdAt' | 'updatedAt' | 'conditions'> & { conditions: RuleConditions }> = [
  { id: 'urgent-safety', name: 'Threats and self-harm first', position: 10, enabled: true, conditions: { categories: ['threat', 'self_harm'], verdict: 'verified' }, queue: 'urgent', priority: 90 },
  { id: 'repeat-offender', name: 'Accounts with upheld reports', position: 20, enabled: true, conditions: { accusedUpheldAtLeast: 2, verdict: 'verified' }, queue: 'repeat-offenders', priority: 70 },
  { id: 'trusted-reporter', name: 'Reporters with a good track record', position: 30, enabled: true, conditions: { reporterRecordAtLeast: 0.8 }, queue: DEFAULT_QUEUE, priority: 60 },
  { id: 'unverified-poor-record', name: 'Unverified, from reporters with a poor record', position: 40, enabled: true, conditions: { verdict: 'unverified', reporterRecordBelow: 0.34 }, queue: 'low-confidence', priority: 10 },
];

export interface Routed {
  caseId: string;
  queue: string;
  priority: number;
  ruleId: string | null;
  signals: RoutingSignals;
  brigade: boolean;
}

export class RoutingService {
  private seeded: Promise<void> | null = null;

  constructor(
    private readonly catalog: ModerationCatalogRepo,
    private readonly cases: ModerationCasesRepo,
    private readonly cfg: ModerationConfig,
  ) {}

  private ensureSeeded(): Promise<void> {
    this.seeded ??= (async () => {
      if ((await this.catalog.rules()).length) return;
      for (const r of DEFAULT_RULES) {
        if (await this.catalog.ruleExists(r.id)) continue;
        await this.catalog
          .createRule({ ...r, conditions: JSON.stringify(r.conditions) }, { subjectType: 'routing_rule', subjectId: r.id, type: 'routing_rule_created', actorId: null, payload: { seeded: true } })
          .catch(() => undefined); // another process seeded it first
      }
    })().catch((e: unknown) => {
      this.seeded = null;
      throw e;
    });
    return this.seeded;
  }

  async rules(): Promise<Array<Omit<RoutingRuleRow, 'conditions'> & { conditions: RuleConditions }>> {
    await this.ensureSeeded();
    return (await this.catalog.rules()).map((r) => ({ ...r, conditions: JSON.parse(r.conditions) as RuleConditions }));
  }

  async createRule(r: { name: string; position: number; enabled: boolean; conditions: RuleConditions; queue: string; priority: number }, actorId: string) {
    await this.ensureSeeded();
    const id = `rule_${randomBytes(6).toString('base64url')}`;
    const row = await this.catalog.createRule({ id, ...r, conditions: JSON.stringify(r.conditions) }, { subjectType: 'routing_rule', subjectId: id, type: 'routing_rule_created', actorId, payload: { ...r } });
    return { ...row, conditions: r.conditions };
  }

  async updateRule(id: string, change: Partial<{ name: string; position: number; enabled: boolean; conditions: RuleConditions; queue: string; priority: number }>, actorId: string) {
    await this.ensureSeeded();
    if (!(await this.catalog.ruleExists(id))) throw new NotFoundError('routing rule');
    const { conditions, ...rest } = change;
    const row = await this.catalog.updateRule(id, { ...rest, ...(conditions ? { conditions: JSON.stringify(conditions) } : {}) }, {
      subjectType: 'routing_rule', subjectId: id, type: 'routing_rule_updated', actorId, payload: { ...change },
    });
    return { ...row, conditions: JSON.parse(row.conditions) as RuleConditions };
  }

  /** Intake: the case, the signals, the queue. The caller writes the report with these in one transaction. */
  async route(input: { reporterId: string; accusedId: string; category: string; verdict: 'verified' | 'unverified' }, now: Date): Promise<Routed> {
    await this.ensureSeeded();
    const [records, accusedUpheld, rules] = await Promise.all([
      this.cases.reporterRecords([input.reporterId]),
      this.cases.upheldAgainst(input.accusedId),
      this.catalog.rules(),
    ]);
    const rec = records.get(input.reporterId) ?? { decided: 0, upheld: 0 };
    const signals: RoutingSignals = {
      category: input.category, verdict: input.verdict, accusedUpheld,
      reporterRecord: rec.decided >= MIN_DECIDED_FOR_RECORD ? rec.upheld / rec.decided : null, reporterDecided: rec.decided,
    };
    const rule = rules.find((r) => r.enabled && ruleMatches(JSON.parse(r.conditions) as RuleConditions, signals)) ?? null;
    let queue = rule?.queue ?? DEFAULT_QUEUE;
    let priority = rule?.priority ?? DEFAULT_PRIORITY;
    const { row: c } = await this.cases.ensureOpenCase(input.accusedId, `c_${randomBytes(9).toString('base64url')}`, queue, priority, now);
    if (c.brigade) {
      queue = c.queue;
      priority = c.priority;
    }
    return { caseId: c.id, queue, priority, ruleId: rule?.id ?? null, signals, brigade: c.brigade };
  }

  /** The `routed` event written with the report. */
  routedEvent(reportId: string, r: Routed): ModerationEventInput {
    return {
      subjectType: 'report', subjectId: reportId, type: 'routed', actorId: null,
      payload: { caseId: r.caseId, queue: r.queue, priority: r.priority, ruleId: r.ruleId, signals: { ...r.signals }, ...(r.brigade ? { reason: 'brigade_suspected' } : {}) },
    };
  }

  /**
   * Brigading defence, after a report is filed: a burst of reports (MOD_BRIGADE_THRESHOLD within
   * MOD_BRIGADE_WINDOW_MINUTES) mostly from new or poor-record accounts against an account with a clean history
   * marks the case a suspected brigade. Nothing is done to the accused: no action is ever automatic here.
   */
  async checkBurst(r: Routed, accusedId: string, now: Date): Promise<boolean> {
    if (r.brigade) return false;
    const b = this.cfg.brigade;
    const reporters = [...new Set(await this.cases.recentReporters(accusedId, new Date(now.getTime() - b.windowMs)))];
    if (reporters.length < b.threshold) return false;
    const [accounts, records] = await Promise.all([this.cases.accountCreated([...reporters, accusedId]), this.cases.reporterRecords(reporters)]);
    const accused = accounts.get(accusedId);
    if (r.signals.accusedUpheld > 0 || (accused && accused.status !== 'active')) return false;
    let fresh = 0;
    let poor = 0;
    for (const id of reporters) {
      const a = accounts.get(id);
      const rec = records.get(id);
      if (a && now.getTime() - a.createdAt.getTime() < b.newAccountMs) fresh++;
      else if (rec && rec.decided >= MIN_DECIDED_FOR_RECORD && rec.upheld / rec.decided < b.poorRecord) poor++;
    }
    const suspects = fresh + poor;
    if (suspects < b.threshold || suspects / reporters.length < BRIGADE_SUSPECT_SHARE) return false;
    const moved = await this.cases.flagBrigade(r.caseId, BRIGADE_QUEUE, BRIGADE_PRIORITY, {
      reportersInWindow: reporters.length, newAccounts: fresh, poorRecord: poor, windowMinutes: b.windowMs / 60_000, accusedUpheld: r.signals.accusedUpheld,
    }, now);
    return moved > 0;
  }
}
