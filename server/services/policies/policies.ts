// Policy catalog and statement-of-reasons templates (docs/MODERATION.md "Policies and statements of reasons").
// Admins keep both; every decision must cite an active policy. A fresh database gets a starter catalog (one
// policy per report category) and one template per action, seeded idempotently on first use.
import type { ModerationCatalogRepo, PolicyRow, TemplateRow } from '../../data/moderation-catalog.ts';
import { InputError, NotFoundError } from '../../errors.ts';
import type { DecisionAction } from '../moderation/state.ts';
// DSA categories, policy ids and template vocabulary: defined once in the moderator API's contract.
import { DSA_CATEGORIES, type DsaCategory, POLICY_ID_PATTERN, TEMPLATE_ACTIONS, TEMPLATE_PLACEHOLDERS } from '../../../client/transport/contract/moderation/vocabulary.ts';

export { DSA_CATEGORIES, type DsaCategory, POLICY_ID_PATTERN, TEMPLATE_ACTIONS, TEMPLATE_PLACEHOLDERS };
export type TemplateAction = (typeof TEMPLATE_ACTIONS)[number];


type PolicySeed = Omit<PolicyRow, 'createdAt' | 'updatedAt' | 'archived'>;
/** Starter catalog: ids equal the report categories, so the dashboard can preselect the obvious policy. */
export const DEFAULT_POLICIES: readonly PolicySeed[] = [
  { id: 'harassment', name: 'Harassment', description: 'Targeted abuse, insults or intimidation of another person.', defaultAction: 'warn', defaultSuspendHours: null, dsaCategory: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH' },
  { id: 'hate', name: 'Hateful conduct', description: 'Attacks on people for a protected characteristic.', defaultAction: 'suspend', defaultSuspendHours: 168, dsaCategory: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH' },
  { id: 'threat', name: 'Violent threats', description: 'Threatening violence against a person or group.', defaultAction: 'ban', defaultSuspendHours: null, dsaCategory: 'STATEMENT_CATEGORY_VIOLENCE' },
  { id: 'sexual', name: 'Unwanted sexual content', description: 'Sexual content sent without consent, or any involving minors.', defaultAction: 'suspend', defaultSuspendHours: 720, dsaCategory: 'STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT' },
  { id: 'spam', name: 'Spam', description: 'Unsolicited bulk or repetitive messages.', defaultAction: 'suspend', defaultSuspendHours: 24, dsaCategory: 'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE' },
  { id: 'scam', name: 'Scams and fraud', description: 'Deceiving people for money, credentials or data.', defaultAction: 'ban', defaultSuspendHours: null, dsaCategory: 'STATEMENT_CATEGORY_SCAMS_AND_FRAUD' },
  { id: 'self_harm', name: 'Encouraging self-harm', description: 'Encouraging or instructing suicide or self-harm.', defaultAction: 'suspend', defaultSuspendHours: 168, dsaCategory: 'STATEMENT_CATEGORY_SELF_HARM' },
  { id: 'ban_evasion', name: 'Ban evasion', description: 'Opening or using another account to get around a suspension or ban.', defaultAction: 'ban', defaultSuspendHours: null, dsaCategory: 'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE' },
  { id: 'other', name: 'Other terms of service', description: 'Other conduct the terms of service forbid.', defaultAction: 'warn', defaultSuspendHours: null, dsaCategory: 'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE' },
];


export const DEFAULT_TEMPLATES: Readonly<Record<TemplateAction, string>> = {
  warn: 'We warned your account. {messageCount} reported message(s) you sent ({messages}) break our policy "{policy}": {policyDescription} {decidedBy} You can appeal until {appealUntil}: {appealHow}',
  suspend: 'Your account is suspended {duration}. {messageCount} reported message(s) you sent ({messages}) break our policy "{policy}": {policyDescription} {decidedBy} You can appeal until {appealUntil}: {appealHow}',
  ban: 'Your account is banned. {messageCount} reported message(s) you sent ({messages}) break our policy "{policy}": {policyDescription} {decidedBy} You can appeal until {appealUntil}: {appealHow}',
};

export function checkTemplate(body: string): void {
  for (const m of body.matchAll(/\{([^{}]*)\}/g))
    if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(m[1] ?? ''))
      throw new InputError('validation_failed', `template: unknown placeholder {${m[1] ?? ''}}; allowed: ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`, { issues: [{ path: 'body.body', message: `unknown placeholder {${m[1] ?? ''}}` }] });
}

export class PoliciesService {
  private seeded: Promise<void> | null = null;

  constructor(private readonly repo: ModerationCatalogRepo) {}

  /** Seeds the starter catalog once per process when the table is empty (idempotent across processes). */
  private ensureSeeded(): Promise<void> {
    this.seeded ??= (async () => {
      if ((await this.repo.policyCount()) === 0) await this.repo.seedPolicies([...DEFAULT_POLICIES]);
    })().catch((e: unknown) => {
      this.seeded = null;
      throw e;
    });
    return this.seeded;
  }

  async list(): Promise<PolicyRow[]> {
    await this.ensureSeeded();
    return this.repo.policies();
  }

  /** The policy a decision cites: must exist and not be archived. */
  async citable(id: string | undefined): Promise<PolicyRow> {
    if (!id) throw new InputError('policy_required', 'every decision must cite a policy (policyId); see GET /v1/mod/policies', { issues: [{ path: 'body.policyId', message: 'required' }] });
    await this.ensureSeeded();
    const p = await this.repo.policy(id);
    if (!p || p.archived) throw new InputError('unknown_policy', `policy ${id} does not exist or is archived`, { issues: [{ path: 'body.policyId', message: 'unknown or archived policy' }] });
    return p;
  }

  async get(id: string): Promise<PolicyRow> {
    await this.ensureSeeded();
    const p = await this.repo.policy(id);
    if (!p) throw new NotFoundError('policy');
    return p;
  }

  async create(p: { id: string; name: string; description: string; defaultAction: DecisionAction; defaultSuspendHours?: number | null | undefined; dsaCategory: DsaCategory }, actorId: string): Promise<PolicyRow> {
    await this.ensureSeeded();
    const row = { id: p.id, name: p.name, description: p.description, defaultAction: p.defaultAction, defaultSuspendHours: p.defaultAction === 'suspend' ? (p.defaultSuspendHours ?? null) : null, dsaCategory: p.dsaCategory };
    return this.repo.createPolicy(row, { subjectType: 'policy', subjectId: p.id, type: 'policy_created', actorId, payload: { ...row } });
  }

  async update(id: string, change: Partial<{ name: string; description: string; defaultAction: DecisionAction; defaultSuspendHours: number | null; dsaCategory: DsaCategory; archived: boolean }>, actorId: string): Promise<PolicyRow> {
    const before = await this.get(id);
    const payload: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(change)) if (v !== undefined) payload[k] = { from: (before as unknown as Record<string, unknown>)[k], to: v };
    return this.repo.updatePolicy(id, change, { subjectType: 'policy', subjectId: id, type: 'policy_updated', actorId, payload });
  }

  /** Every action's template: the admin-edited one, or the default. */
  async templates(): Promise<Array<{ action: TemplateAction; body: string; isDefault: boolean; updatedBy: string | null; updatedAt: Date | null }>> {
    const rows = new Map((await this.repo.templates()).map((t) => [t.action, t]));
    return TEMPLATE_ACTIONS.map((action) => {
      const t = rows.get(action);
      return { action, body: t?.body ?? DEFAULT_TEMPLATES[action], isDefault: !t, updatedBy: t?.updatedBy ?? null, updatedAt: t?.updatedAt ?? null };
    });
  }

  async template(action: TemplateAction): Promise<string> {
    return (await this.repo.template(action))?.body ?? DEFAULT_TEMPLATES[action];
  }

  async putTemplate(action: TemplateAction, body: string, actorId: string): Promise<TemplateRow> {
    checkTemplate(body);
    return this.repo.putTemplate(action, body, actorId, { subjectType: 'template', subjectId: action, type: 'template_updated', actorId, payload: { length: body.length } });
  }
}
