// The moderator API's fixed vocabularies and limits (docs/MODERATION.md): report states, decisions, queue and
// appeal views, policy and template names, length limits. The contract is their one definition; the server's
// services follow them (test/server/contract.test.ts checks that the services' copies have not drifted).
import { z } from 'zod';
import { REPORT_CATEGORIES } from '../reports.ts';

/** A report's queue state (docs/MODERATION.md "Derived state"). */
export const REPORT_STATUSES = ['received', 'in_review', 'resolved'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
/** What a decision did to the accused. */
export const OUTCOMES = ['dismissed', 'warned', 'suspended', 'banned'] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** What a moderator may decide. */
export const DECISION_ACTIONS = ['dismiss', 'warn', 'suspend', 'ban'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

export const QUEUE_VIEWS = ['open', 'claimed', 'mine', 'resolved', 'all'] as const;
export const APPEAL_VIEWS = ['open', 'pending', 'mine', 'decided', 'all'] as const;
export const MAX_NOTE_LENGTH = 4000;

/** Staff passwords (docs/MODERATION.md "Staff accounts and sessions"). */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/** EU DSA Transparency Database statement categories a policy maps to. */
export const DSA_CATEGORIES = [
  'STATEMENT_CATEGORY_ANIMAL_WELFARE', 'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
  'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH', 'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
  'STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS', 'STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR',
  'STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT', 'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
  'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY', 'STATEMENT_CATEGORY_SCAMS_AND_FRAUD', 'STATEMENT_CATEGORY_SELF_HARM',
  'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE', 'STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS', 'STATEMENT_CATEGORY_VIOLENCE',
] as const;
export type DsaCategory = (typeof DSA_CATEGORIES)[number];
export const POLICY_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{1,47}$/;
/** Statement-of-reasons templates: one per action that reaches the accused, with these placeholders. */
export const TEMPLATE_ACTIONS = ['warn', 'suspend', 'ban'] as const;
export const TEMPLATE_PLACEHOLDERS = ['policy', 'policyDescription', 'action', 'duration', 'messages', 'messageCount', 'decidedBy', 'appealUntil', 'appealHow'] as const;

/** Where the moderation service publishes the key that signs evidence packages (docs/MODERATION.md "Evidence packages"). */
export const EVIDENCE_KEY_PATH = '/.well-known/franking-chat/moderation-key.json';

/** A named queue that routing sends reports to (docs/MODERATION.md "Routing"). */
export const QUEUE_NAME = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes, at most 40');
/** When a routing rule matches a new report; every condition given must hold. */
export const RuleConditions = z
  .strictObject({
    categories: z.array(z.enum(REPORT_CATEGORIES)).min(1).optional(),
    verdict: z.enum(['verified', 'unverified']).optional(),
    /** the accused has at least this many upheld reports */
    accusedUpheldAtLeast: z.number().int().min(0).max(1_000_000).optional(),
    /** the accused has at most this many upheld reports (0 = clean history) */
    accusedUpheldAtMost: z.number().int().min(0).max(1_000_000).optional(),
    /** the reporter's share of upheld reports is below this (only with a track record) */
    reporterRecordBelow: z.number().min(0).max(1).optional(),
    /** the reporter's share of upheld reports is at least this (only with a track record) */
    reporterRecordAtLeast: z.number().min(0).max(1).optional(),
  })
  .meta({ id: 'RoutingConditions' });
export type RuleConditions = z.infer<typeof RuleConditions>;
