// A statement of reasons as this service issues it (server/services/policies/statements.ts, stored in Notice.statement)
// → a statement for the DSA Transparency Database (docs/DSA-TRANSPARENCY-DB.md §6 is the field-by-field mapping).
// The database is public: the statement carries the opaque puid the decision got when it was made, the policy
// and the restriction — never an account id, handle, message id, conversation id, report id or message content.
import { z } from 'zod';
import type { StatementNotice } from '../data/dsa-submissions.ts';
import { CONTENT_TYPES, EUROPEAN_COUNTRY_CODES, STATEMENT_CATEGORIES, type TdbCategory } from './tdb-values.ts';
import { type FieldErrors, validateStatement } from './tdb-validate.ts';

/**
 * This service's policy categories (server/services/policies/policies.ts DSA_CATEGORIES) were the API's values before the
 * 1 July 2025 schema change; the API's correspondence table (resources/markdown/api-documentation.md "Changelog")
 * maps two of them, two have no successor (docs/DSA-TRANSPARENCY-DB.md §6.1 explains the choice).
 */
export const CATEGORY_SUCCESSORS: Readonly<Record<string, TdbCategory>> = {
  STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
  STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC',
  STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR: 'STATEMENT_CATEGORY_CYBER_VIOLENCE',
  STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC',
};

export function tdbCategory(category: string): TdbCategory | null {
  if ((STATEMENT_CATEGORIES as readonly string[]).includes(category)) return category as TdbCategory;
  return CATEGORY_SUCCESSORS[category] ?? null;
}

/** The parts of a stored statement of reasons the export reads (server/services/policies/statements.ts StatementOfReasons). */
const StoredStatement = z.object({
  puid: z.string(),
  action: z.enum(['warn', 'suspend', 'ban']),
  decision_account: z.enum(['DECISION_ACCOUNT_SUSPENDED', 'DECISION_ACCOUNT_TERMINATED']).nullable(),
  decision_ground: z.literal('DECISION_GROUND_INCOMPATIBLE_CONTENT'),
  incompatible_content_ground: z.string(),
  incompatible_content_explanation: z.string(),
  category: z.string(),
  content_type: z.array(z.string()),
  application_date: z.string(),
  end_date_account_restriction: z.string().nullable(),
  source_type: z.literal('SOURCE_ARTICLE_16'),
  automated_detection: z.enum(['Yes', 'No']),
  automated_decision: z.enum(['AUTOMATED_DECISION_FULLY', 'AUTOMATED_DECISION_NOT_AUTOMATED']),
  policy: z.object({ id: z.string(), name: z.string() }),
  messages: z.array(z.object({ sentAt: z.string().nullable() })),
  decided_by_person: z.boolean(),
});

export interface ExportOptions {
  /** decision_ground_reference_url: the terms of service (optional; must be a URL of at most 500 characters). */
  termsUrl?: string | undefined;
  /** territorial_scope: where the restriction applies (EEA country codes); omitted when empty. */
  territorialScope?: readonly string[] | undefined;
}

export type TdbStatement = Record<string, unknown> & { puid: string };
export type Mapped =
  | { ok: true; noticeId: number; statement: TdbStatement }
  | { ok: false; noticeId: number; puid: string | null; reason: 'no_restriction' | 'unreadable' | 'unknown_category' | 'invalid'; errors?: FieldErrors };

const ymd = (iso: string | Date) => (typeof iso === 'string' ? new Date(iso) : iso).toISOString().slice(0, 10);
const clip = (s: string, n: number) => ([...s].length <= n ? s : `${[...s].slice(0, n - 1).join('')}…`);

/**
 * The public facts of the decision. Not the text sent to the account (Notice.statement.decision_facts): that
 * one lists when each reported message was sent and may name message ids; this one says only what was decided
 * and why (docs/DSA-TRANSPARENCY-DB.md §6 "decision_facts").
 */
export function publicFacts(s: z.infer<typeof StoredStatement>): string {
  const n = s.messages.length;
  const restriction = s.action === 'ban'
    ? 'The account was terminated.'
    : s.end_date_account_restriction ? `The account was suspended until ${ymd(s.end_date_account_restriction)}.` : 'The account was suspended until further notice.';
  const who = s.decided_by_person ? 'A person on the moderation team reviewed the reported messages and decided.' : 'The decision was made by automated means.';
  return clip(
    `A user reported ${n === 1 ? 'a chat message' : `${n} chat messages`} from this account (end-to-end encrypted chat; the reporter revealed the messages, whose authenticity the service checks cryptographically). ` +
      `They break the terms-of-service policy "${s.policy.name}": ${s.incompatible_content_explanation} ${restriction} ${who} The account holder was sent a statement of reasons and can appeal in the app.`,
    5000,
  );
}

/** One stored statement → one Transparency Database statement, validated by the API's rules (§3). */
export function toTdbStatement(notice: StatementNotice, opts: ExportOptions = {}): Mapped {
  let parsed: z.infer<typeof StoredStatement>;
  try {
    const r = StoredStatement.safeParse(JSON.parse(notice.statement));
    if (!r.success) return { ok: false, noticeId: notice.id, puid: null, reason: 'unreadable' };
    parsed = r.data;
  } catch {
    return { ok: false, noticeId: notice.id, puid: null, reason: 'unreadable' };
  }
  // Art. 17(1) statements concern restrictions; a warning restricts nothing and the API needs one (§6.2).
  if (parsed.action === 'warn' || parsed.decision_account === null) return { ok: false, noticeId: notice.id, puid: parsed.puid, reason: 'no_restriction' };
  const category = tdbCategory(parsed.category);
  if (!category) return { ok: false, noticeId: notice.id, puid: parsed.puid, reason: 'unknown_category' };
  const contentTypes = [...new Set(parsed.content_type.filter((t) => (CONTENT_TYPES as readonly string[]).includes(t)))];
  const sent = parsed.messages.map((m) => m.sentAt).filter((t): t is string => t !== null && !Number.isNaN(Date.parse(t))).sort();
  const scope = (opts.territorialScope ?? []).filter((c) => (EUROPEAN_COUNTRY_CODES as readonly string[]).includes(c));
  const statement: TdbStatement = {
    decision_account: parsed.decision_account,
    ...(parsed.decision_account === 'DECISION_ACCOUNT_SUSPENDED' && parsed.end_date_account_restriction ? { end_date_account_restriction: ymd(parsed.end_date_account_restriction) } : {}),
    account_type: 'ACCOUNT_TYPE_PRIVATE',
    decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
    ...(opts.termsUrl ? { decision_ground_reference_url: opts.termsUrl } : {}),
    incompatible_content_ground: clip(`Terms of service, policy "${parsed.policy.name}"`, 500),
    incompatible_content_explanation: clip(parsed.incompatible_content_explanation, 2000),
    content_type: contentTypes.length ? contentTypes : ['CONTENT_TYPE_TEXT'],
    ...(contentTypes.includes('CONTENT_TYPE_OTHER') ? { content_type_other: 'Chat attachment of another media type' } : {}),
    category,
    ...(scope.length ? { territorial_scope: scope } : {}),
    content_date: ymd(sent[0] ?? parsed.application_date),
    application_date: ymd(parsed.application_date),
    decision_facts: publicFacts(parsed),
    source_type: 'SOURCE_ARTICLE_16',
    automated_detection: parsed.automated_detection,
    automated_decision: parsed.automated_decision,
    puid: parsed.puid,
  };
  const v = validateStatement(statement);
  if (!v.ok) return { ok: false, noticeId: notice.id, puid: parsed.puid, reason: 'invalid', errors: v.errors };
  return { ok: true, noticeId: notice.id, statement };
}
