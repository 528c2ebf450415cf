// Admin-kept catalog (docs/MODERATION.md "Policies and statements of reasons", "Routing"): policies every
// decision cites, statement-of-reasons templates, routing rules. Everyone on staff reads; admins change.
import type { PolicyRow } from '../services/policies/index.ts';
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { modCatalogOperations as ops } from '../../client/transport/contract/moderation/catalog.ts';
import { type DecisionAction, type DsaCategory, TEMPLATE_PLACEHOLDERS } from '../../client/transport/contract/moderation/vocabulary.ts';

const policyOut = (p: PolicyRow) => ({
  ...p, defaultAction: p.defaultAction as DecisionAction, dsaCategory: p.dsaCategory as DsaCategory,
  createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString(),
});

const ruleOut = <T extends { createdAt: Date; updatedAt: Date }>(r: T) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() });

export function modCatalogRoutes(s: Services): Route[] {
  return [
    route(ops.listPolicies, async () => ({ policies: (await s.policies.list()).map(policyOut) })),
    route(ops.createPolicy, async ({ body, principal, setStatus }) => {
      setStatus(201);
      return policyOut(await s.policies.create(body, principal.userId));
    }),
    route(ops.updatePolicy, async ({ params, body, principal }) => policyOut(await s.policies.update(params.policyId, body, principal.userId))),
    route(ops.listStatementTemplates, async () => ({
      templates: (await s.policies.templates()).map((t) => ({ ...t, updatedAt: t.updatedAt?.toISOString() ?? null })),
      placeholders: [...TEMPLATE_PLACEHOLDERS],
    })),
    route(ops.putStatementTemplate, async ({ params, body, principal }) => {
      const t = await s.policies.putTemplate(params.action, body.body, principal.userId);
      return { action: params.action, body: t.body, isDefault: false, updatedBy: t.updatedBy, updatedAt: t.updatedAt.toISOString() };
    }),
    route(ops.listRoutingRules, async () => ({ rules: (await s.routing.rules()).map(ruleOut) })),
    route(ops.createRoutingRule, async ({ body, principal, setStatus }) => {
      setStatus(201);
      return ruleOut(await s.routing.createRule(body, principal.userId));
    }),
    route(ops.updateRoutingRule, async ({ params, body, principal }) => ruleOut(await s.routing.updateRule(params.ruleId, body, principal.userId))),
  ];
}
