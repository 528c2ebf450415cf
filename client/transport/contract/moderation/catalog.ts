// API contract, moderator API (operations and schemas; handlers in server/routes/mod-catalog.ts).
// Admin-kept catalog (docs/MODERATION.md "Policies and statements of reasons", "Routing"): policies every
// decision cites, statement-of-reasons templates, routing rules. Everyone on staff reads; admins change.
import { z } from 'zod';
import { IsoTime } from '../_common.ts';
import { defineOperation } from '../_operation.ts';
import { DECISION_ACTIONS, DSA_CATEGORIES, POLICY_ID_PATTERN, QUEUE_NAME, RuleConditions, TEMPLATE_ACTIONS, TEMPLATE_PLACEHOLDERS } from './vocabulary.ts';

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

export const modCatalogOperations = {
  listPolicies: defineOperation({
    operationId: 'listPolicies', method: 'get', path: '/v1/mod/policies', tag: 'moderation', auth: 'triage',
    summary: 'The policy catalog (every decision cites one)', response: z.strictObject({ policies: z.array(Policy) }).meta({ id: 'PolicyList' }), errors: read,
  }),
  createPolicy: defineOperation({
    operationId: 'createPolicy', method: 'post', path: '/v1/mod/policies', tag: 'moderation', auth: 'admin',
    summary: 'Add a policy (admin)', body: CreatePolicyRequest, response: Policy, statuses: [201], errors: [...write, 'policy_exists'],
  }),
  updatePolicy: defineOperation({
    operationId: 'updatePolicy', method: 'post', path: '/v1/mod/policies/{policyId}', tag: 'moderation', auth: 'admin',
    summary: 'Edit or archive a policy (admin; archived policies cannot be cited, old decisions keep them)', params: PolicyParams, body: UpdatePolicyRequest, response: Policy, errors: write,
  }),
  listStatementTemplates: defineOperation({
    operationId: 'listStatementTemplates', method: 'get', path: '/v1/mod/templates', tag: 'moderation', auth: 'triage',
    summary: 'Statement-of-reasons templates, one per action', response: z.strictObject({ templates: z.array(Template), placeholders: z.array(z.string()) }).meta({ id: 'TemplateList' }), errors: read,
  }),
  putStatementTemplate: defineOperation({
    operationId: 'putStatementTemplate', method: 'post', path: '/v1/mod/templates/{action}', tag: 'moderation', auth: 'admin',
    summary: 'Replace the statement-of-reasons template of an action (admin)', params: TemplateParams, body: PutTemplateRequest, response: Template, errors: write,
  }),
  listRoutingRules: defineOperation({
    operationId: 'listRoutingRules', method: 'get', path: '/v1/mod/routing-rules', tag: 'moderation', auth: 'triage',
    summary: 'Routing rules in evaluation order (the first enabled match routes a new report)', response: z.strictObject({ rules: z.array(Rule) }).meta({ id: 'RoutingRuleList' }), errors: read,
  }),
  createRoutingRule: defineOperation({
    operationId: 'createRoutingRule', method: 'post', path: '/v1/mod/routing-rules', tag: 'moderation', auth: 'admin',
    summary: 'Add a routing rule (admin)', body: CreateRuleRequest, response: Rule, statuses: [201], errors: write,
  }),
  updateRoutingRule: defineOperation({
    operationId: 'updateRoutingRule', method: 'post', path: '/v1/mod/routing-rules/{ruleId}', tag: 'moderation', auth: 'admin',
    summary: 'Edit, reorder or disable a routing rule (admin)', params: RuleParams, body: UpdateRuleRequest, response: Rule, errors: write,
  }),
} as const;
