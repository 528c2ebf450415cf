// The policy catalog and statements of reasons (docs/MODERATION.md "Policies and statements of reasons").
export {
  DEFAULT_POLICIES, DEFAULT_TEMPLATES, DSA_CATEGORIES, POLICY_ID_PATTERN, PoliciesService, TEMPLATE_ACTIONS, TEMPLATE_PLACEHOLDERS,
} from './policies.ts';
export { type StatementOfReasons, buildStatement } from './statements.ts';
export type { PolicyRow } from '../../data/moderation-catalog.ts';
