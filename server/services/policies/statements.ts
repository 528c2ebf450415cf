// Statement of reasons to the actioned account (EU DSA Art. 17), rendered from the admin-edited template for
// the action. Field names follow the DSA Transparency Database's statement-of-reasons API where one applies
// (decision_account, decision_ground, incompatible_content_ground, category, automated_decision, ...); the
// fields it lacks for a chat service (the policy id, the message ids, how to appeal) use plain names.
import type { PolicyRow } from '../../data/moderation-catalog.ts';
import type { DecisionAction } from '../moderation/state.ts';
import type { TemplateAction } from './policies.ts';

export interface StatementOfReasons {
  /** DSA TDB: restriction of the account (null for a warning: no restriction) */
  decision_account: 'DECISION_ACCOUNT_SUSPENDED' | 'DECISION_ACCOUNT_TERMINATED' | null;
  /** DSA TDB: always incompatible with the terms of service here (the service does not judge legality) */
  decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT';
  /** DSA TDB: the policy (terms-of-service clause) relied on */
  incompatible_content_ground: string;
  incompatible_content_explanation: string;
  /** DSA TDB STATEMENT_CATEGORY_* */
  category: string;
  /** DSA TDB: what was reported (text, image, ...) */
  content_type: string[];
  /** DSA TDB: the restriction starts (ISO date-time) */
  application_date: string;
  /** DSA TDB: the suspension ends (null: a ban, a warning, or a suspension without end) */
  end_date_account_restriction: string | null;
  /** DSA TDB: the facts and circumstances — the rendered template */
  decision_facts: string;
  /** DSA TDB: the decision followed a notice by a user (Art. 16) */
  source_type: 'SOURCE_ARTICLE_16';
  /** DSA TDB: was the content detected by automated means ("Yes"/"No"); reports are made by people */
  automated_detection: 'Yes' | 'No';
  /** DSA TDB */
  automated_decision: 'AUTOMATED_DECISION_FULLY' | 'AUTOMATED_DECISION_NOT_AUTOMATED';
  /** DSA TDB: the platform's unique id of the decision */
  puid: string;
  // Beyond the TDB fields: what a chat user needs to understand and contest the decision.
  policy: { id: string; name: string };
  action: Exclude<DecisionAction, 'dismiss'>;
  /** the reported messages the decision is about (server message ids and send times) */
  messages: Array<{ messageId: string; sentAt: string | null }>;
  decided_by_person: boolean;
  appeal: { until: string; how: string };
}

export const APPEAL_HOW = 'open this notice in the app and press "Appeal"; a different moderator will review it';

const CONTENT_TYPE: Record<string, string> = { text: 'CONTENT_TYPE_TEXT', image: 'CONTENT_TYPE_IMAGE', video: 'CONTENT_TYPE_VIDEO', audio: 'CONTENT_TYPE_AUDIO' };

function describeDuration(action: DecisionAction, until: Date | null): string {
  if (action !== 'suspend') return '';
  return until ? `until ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'until further notice';
}

export function renderTemplate(body: string, values: Record<string, string>): string {
  return body.replace(/\{([a-zA-Z]+)\}/g, (m, k: string) => values[k] ?? m).replace(/\s+/g, ' ').trim();
}

export function buildStatement(input: {
  template: string;
  policy: PolicyRow;
  action: TemplateAction;
  until: Date | null;
  at: Date;
  /** the statement's own opaque id (DSA TDB puid): never the report id, which the actioned account must not learn */
  decisionId: string;
  messages: Array<{ messageId: string; sentAt: number | null; contentType: string | null }>;
  automated: boolean;
  appealWindowMs: number;
}): StatementOfReasons {
  const appealUntil = new Date(input.at.getTime() + input.appealWindowMs);
  const fmt = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const decidedBy = input.automated ? 'This decision was made automatically.' : 'A person on our moderation team made this decision.';
  const messages = input.messages.map((m) => ({ messageId: m.messageId, sentAt: m.sentAt !== null ? new Date(m.sentAt).toISOString() : null }));
  const facts = renderTemplate(input.template, {
    policy: input.policy.name, policyDescription: input.policy.description, action: input.action, duration: describeDuration(input.action, input.until),
    messages: messages.map((m) => (m.sentAt ? `sent ${fmt(new Date(m.sentAt))}` : m.messageId)).join('; '), messageCount: String(messages.length),
    decidedBy, appealUntil: fmt(appealUntil), appealHow: APPEAL_HOW,
  });
  const types = [...new Set(input.messages.map((m) => CONTENT_TYPE[(m.contentType ?? 'text/plain').split('/')[0] ?? 'text'] ?? 'CONTENT_TYPE_OTHER'))];
  return {
    decision_account: input.action === 'ban' ? 'DECISION_ACCOUNT_TERMINATED' : input.action === 'suspend' ? 'DECISION_ACCOUNT_SUSPENDED' : null,
    decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
    incompatible_content_ground: input.policy.name,
    incompatible_content_explanation: input.policy.description,
    category: input.policy.dsaCategory,
    content_type: types.length ? types : ['CONTENT_TYPE_TEXT'],
    application_date: input.at.toISOString(),
    end_date_account_restriction: input.action === 'suspend' && input.until ? input.until.toISOString() : null,
    decision_facts: facts,
    source_type: 'SOURCE_ARTICLE_16',
    automated_detection: 'No',
    automated_decision: input.automated ? 'AUTOMATED_DECISION_FULLY' : 'AUTOMATED_DECISION_NOT_AUTOMATED',
    puid: input.decisionId,
    policy: { id: input.policy.id, name: input.policy.name },
    action: input.action,
    messages,
    decided_by_person: !input.automated,
    appeal: { until: appealUntil.toISOString(), how: APPEAL_HOW },
  };
}
