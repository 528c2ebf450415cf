// Admin-kept catalog (docs/MODERATION.md "Policies and statements of reasons", "Routing"): policies every
// decision cites, statement-of-reasons templates, routing rules. Everyone on staff reads; admins change.
import { z } from 'zod';
import type { PolicyRow } from '../data/moderation-catalog.ts';
import { DECISION_ACTIONS } from '../services/moderation/index.ts';
import { DSA_CATEGORIES, POLICY_ID_PATTERN, TEMPLATE_ACTIONS, TEMPLATE_PLACEHOLDERS } from '../services/policies/index.ts';
import { QUEUE_NAME, RuleConditions } from '../services/reports/index.ts';
import type { Services } from '../services/index.ts';
import { IsoTime } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

const Policy = z
  .strictObject({
    id: z.string(), name: z.string(), description: z.string(), defaultAction: z.enum(DECISION_ACTIONS), defaultSuspendHours: z.number().int().nullable(),
    dsaCategory: z.enum(DSA_CATEGORIES), archived: z.boolean(), createdAt: IsoTime, updatedAt: IsoTime,
  })
  .meta({ id: 'Policy' });
const PolicyFields = {
  name: z.string().trim().min(1).max(120),
  description: z.string().trim().min(1).max(2000),
  defaultAction: z.enum(DECISION_ACTIONS),
  defaultSuspendHours: z.number().int().min(1).max(24 * 366).nullable(),
  dsaCategory: z.enum(DSA_CATEGORIES),
};
export const CreatePolicyRequest = z
  .strictObject({ id: z.string().regex(POLICY_ID_PATTERN, 'lowercase letters, digits, _ and -; 2–48'), ...PolicyFields, defaultSuspendHours: PolicyFields.defaultSuspendHours.optional() })
  .meta({ id: 'CreatePolicyRequest' });
export const UpdatePolicyRequest = z
  .strictObject({
    name: PolicyFields.name.optional(), description: PolicyFields.description.optional(), defaultAction: PolicyFields.defaultAction.optional(),
    defaultSuspendHours: PolicyFields.defaultSuspendHours.optional(), dsaCategory: PolicyFields.dsaCategory.optional(), archived: z.boolean().optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), { message: 'nothing to change' })
  .meta({ id: 'UpdatePolicyRequest' });
const PolicyParams = z.strictObject({ policyId: z.string().regex(POLICY_ID_PATTERN, 'a policy id') });

const Template = z
  .strictObject({ action: z.enum(TEMPLATE_ACTIONS), body: z.string(), isDefault: z.boolean(), updatedBy: z.string().nullable(), updatedAt: IsoTime.nullable() })
  .meta({ id: 'StatementTemplate' });
const TemplateParams = z.strictObject({ action: z.enum(TEMPLATE_ACTIONS) });
export const PutTemplateRequest = z
  .strictObject({ body: z.string().trim().min(10).max(4000).meta({ description: `placeholders: ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}` }) })
  .meta({ id: 'PutTemplateRequest' });

const Rule = z
  .strictObject({
    id: z.string(), name: z.string(), position: z.number().int(), enabled: z.boolean(), conditions: RuleConditions, queue: z.string(), priority: z.number().int(),
    createdAt: IsoTime, updatedAt: IsoTime,
  })
  .meta({ id: 'RoutingRule' });
const RuleFields = {
  name: z.string().trim().min(1).max(120), position: z.number().int().min(0).max(100_000), enabled: z.boolean(), conditions: RuleConditions,
  queue: QUEUE_NAME, priority: z.number().int().min(0).max(100),
};
export const CreateRuleRequest = z.strictObject({ ...RuleFields, enabled: RuleFields.enabled.default(true) }).meta({ id: 'CreateRoutingRuleRequest' });
export const UpdateRuleRequest = z
  .strictObject({
    name: RuleFields.name.optional(), position: RuleFields.position.optional(), enabled: RuleFields.enabled.optional(), conditions: RuleFields.conditions.optional(),
    queue: RuleFields.queue.optional(), priority: RuleFields.priority.optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), { message: 'nothing to change' })
  .meta({ id: 'UpdateRoutingRuleRequest' });
const RuleParams = z.strictObject({ ruleId: z.string().regex(/^(rule_[A-Za-z0-9_-]{8}|[a-z0-9-]{2,40})$/, 'a rule id') });

const read = ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned', 'validation_failed'] as const;
const write = [...read, 'csrf_failed', 'not_found'] as const;

const policyOut = (p: PolicyRow) => ({
  ...p, defaultAction: p.defaultAction as (typeof DECISION_ACTIONS)[number], dsaCategory: p.dsaCategory as (typeof DSA_CATEGORIES)[number],
  createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString(),
});
const ruleOut = <T extends { createdAt: Date; updatedAt: Date }>(r: T) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() });

export const listPoliciesSpec = {
  operationId: 'listPolicies', method: 'get', path: '/v1/mod/policies', tag: 'moderation', auth: 'triage',
  summary: 'The policy catalog (every decision cites one)', response: z.strictObject({ policies: z.array(Policy) }).meta({ id: 'PolicyList' }), errors: read,
} as const;
export const createPolicySpec = {
  operationId: 'createPolicy', method: 'post', path: '/v1/mod/policies', tag: 'moderation', auth: 'admin',
  summary: 'Add a policy (admin)', body: CreatePolicyRequest, response: Policy, statuses: [201], errors: [...write, 'policy_exists'],
} as const;
export const updatePolicySpec = {
  operationId: 'updatePolicy', method: 'post', path: '/v1/mod/policies/{policyId}', tag: 'moderation', auth: 'admin',
  summary: 'Edit or archive a policy (admin; archived policies cannot be cited, old decisions keep them)', params: PolicyParams, body: UpdatePolicyRequest, response: Policy, errors: write,
} as const;
export const listTemplatesSpec = {
  operationId: 'listStatementTemplates', method: 'get', path: '/v1/mod/templates', tag: 'moderation', auth: 'triage',
  summary: 'Statement-of-reasons templates, one per action', response: z.strictObject({ templates: z.array(Template), placeholders: z.array(z.string()) }).meta({ id: 'TemplateList' }), errors: read,
} as const;
export const putTemplateSpec = {
  operationId: 'putStatementTemplate', method: 'post', path: '/v1/mod/templates/{action}', tag: 'moderation', auth: 'admin',
  summary: 'Replace the statement-of-reasons template of an action (admin)', params: TemplateParams, body: PutTemplateRequest, response: Template, errors: write,
} as const;
export const listRulesSpec = {
  operationId: 'listRoutingRules', method: 'get', path: '/v1/mod/routing-rules', tag: 'moderation', auth: 'triage',
  summary: 'Routing rules in evaluation order (the first enabled match routes a new report)', response: z.strictObject({ rules: z.array(Rule) }).meta({ id: 'RoutingRuleList' }), errors: read,
} as const;
export const createRuleSpec = {
  operationId: 'createRoutingRule', method: 'post', path: '/v1/mod/routing-rules', tag: 'moderation', auth: 'admin',
  summary: 'Add a routing rule (admin)', body: CreateRuleRequest, response: Rule, statuses: [201], errors: write,
} as const;
export const updateRuleSpec = {
  operationId: 'updateRoutingRule', method: 'post', path: '/v1/mod/routing-rules/{ruleId}', tag: 'moderation', auth: 'admin',
  summary: 'Edit, reorder or disable a routing rule (admin)', params: RuleParams, body: UpdateRuleRequest, response: Rule, errors: write,
} as const;

export function modCatalogRoutes(s: Services): Route[] {
  return [
    defineRoute(listPoliciesSpec, async () => ({ policies: (await s.policies.list()).map(policyOut) })),
    defineRoute(createPolicySpec, async ({ body, principal, setStatus }) => {
      setStatus(201);
      return policyOut(await s.policies.create(body, principal.userId));
    }),
    defineRoute(updatePolicySpec, async ({ params, body, principal }) => policyOut(await s.policies.update(params.policyId, body, principal.userId))),
    defineRoute(listTemplatesSpec, async () => ({
      templates: (await s.policies.templates()).map((t) => ({ ...t, updatedAt: t.updatedAt?.toISOString() ?? null })),
      placeholders: [...TEMPLATE_PLACEHOLDERS],
    })),
    defineRoute(putTemplateSpec, async ({ params, body, principal }) => {
      const t = await s.policies.putTemplate(params.action, body.body, principal.userId);
      return { action: params.action, body: t.body, isDefault: false, updatedBy: t.updatedBy, updatedAt: t.updatedAt.toISOString() };
    }),
    defineRoute(listRulesSpec, async () => ({ rules: (await s.routing.rules()).map(ruleOut) })),
    defineRoute(createRuleSpec, async ({ body, principal, setStatus }) => {
      setStatus(201);
      return ruleOut(await s.routing.createRule(body, principal.userId));
    }),
    defineRoute(updateRuleSpec, async ({ params, body, principal }) => ruleOut(await s.routing.updateRule(params.ruleId, body, principal.userId))),
  ];
}
