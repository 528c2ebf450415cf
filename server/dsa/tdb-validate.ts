// Validation of one statement of reasons exactly as the DSA Transparency Database's multi-statement endpoint
// applies it (GroupedSubmissionsService::multi_rules; docs/DSA-TRANSPARENCY-DB.md §3 lists every rule, §4 the
// Laravel semantics reproduced here, §5 where this is stricter). The exporter checks every statement with it
// before writing or posting; the test endpoint (test/moderation/dsa-export.test.ts) answers with it.
// Each field's rules run in the API's order; primitive checks (enumerations, lengths, patterns, dates, URLs) are
// zod schemas, presence and conditions (required, required_if, required_without_all, exclude_unless) follow
// Laravel's rules: a rule other than a "required" one is skipped for an absent field, and for a null one when
// the field is nullable; after a failed "required" rule the field's other rules are not run.
import { z } from 'zod';
import {
  ACCOUNT_TYPES, ALL_LANGUAGES, AUTOMATED_DECISIONS, AUTOMATED_DETECTIONS, CONTENT_TYPES, DECISION_ACCOUNTS, DECISION_GROUNDS,
  DECISION_MONETARIES, DECISION_PROVISIONS, DECISION_VISIBILITIES, EUROPEAN_COUNTRY_CODES, INCOMPATIBLE_CONTENT_ILLEGALS, KEYWORDS,
  SOURCE_TYPES, STATEMENT_CATEGORIES,
} from './tdb-values.ts';

/** Laravel's error bag: field → messages (the API's `errors.statement_<i>` object). */
export type FieldErrors = Record<string, string[]>;

type Input = Record<string, unknown>;
type Rule =
  | { kind: 'required' }
  | { kind: 'required_if'; other: string; value: string; message?: string }
  | { kind: 'required_if_fn'; when: (i: Input) => boolean }
  | { kind: 'required_without_all'; others: string[] }
  | { kind: 'array' }
  | { kind: 'object_or_array' }
  | { kind: 'string' }
  | { kind: 'in'; values: readonly string[]; nullString?: boolean }
  | { kind: 'max'; n: number }
  | { kind: 'regex'; re: RegExp; message?: string }
  | { kind: 'date_format'; message?: string }
  | { kind: 'after_or_equal'; date: string }
  | { kind: 'before_or_equal'; date: string }
  | { kind: 'url' };

interface FieldSpec {
  rules: Rule[];
  nullable?: boolean;
  /** exclude_unless / Rule::excludeIf: the field is dropped (not validated, not stored) when this holds. */
  excludeWhen?: (i: Input) => boolean;
}

const IMPLICIT = new Set(['required', 'required_if', 'required_if_fn', 'required_without_all']);

/** Laravel's display name of an attribute: underscores become spaces. */
const attr = (f: string) => f.replace(/_/g, ' ');

// Primitive checks as zod schemas (docs/DSA-TRANSPARENCY-DB.md §4).
const Ymd = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((s) => {
  // PHP date_format:Y-m-d: the value must format back to itself (2024-02-30 is refused).
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
});
const HttpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return /^[a-z][a-z0-9+.-]*:$/i.test(u.protocol) && (u.host !== '' || u.protocol === 'mailto:');
  } catch {
    return false;
  }
});
/** Characters as PHP's mb_strlen counts them (code points), not UTF-16 units. */
const chars = (s: string) => [...s].length;

const inRule = (values: readonly string[], nullString = false): Rule => ({ kind: 'in', values, nullString });
const max = (n: number): Rule => ({ kind: 'max', n });
const DATE_MSG = (name: string) => `The ${name} does not match the format YYYY-MM-DD.`;
const ground = (g: string) => (i: Input) => i.decision_ground !== g;
const arrayHas = (field: string, needle: string) => (i: Input) => Array.isArray(i[field]) && (i[field] as unknown[]).includes(needle);

/** GroupedSubmissionsService::multi_rules and ::multi_messages, field by field (docs/DSA-TRANSPARENCY-DB.md §3). */
export const STATEMENT_RULES: Record<string, FieldSpec> = {
  decision_visibility: { nullable: true, rules: [{ kind: 'array' }, inRule(DECISION_VISIBILITIES, true), { kind: 'required_without_all', others: ['decision_monetary', 'decision_provision', 'decision_account'] }] },
  decision_visibility_other: { rules: [max(500), { kind: 'required_if_fn', when: arrayHas('decision_visibility', 'DECISION_VISIBILITY_OTHER') }], excludeWhen: (i) => !arrayHas('decision_visibility', 'DECISION_VISIBILITY_OTHER')(i) },
  decision_monetary: { nullable: true, rules: [inRule(DECISION_MONETARIES, true), { kind: 'required_without_all', others: ['decision_visibility', 'decision_provision', 'decision_account'] }] },
  decision_monetary_other: {
    rules: [{ kind: 'required_if', other: 'decision_monetary', value: 'DECISION_MONETARY_OTHER', message: 'The decision monetary other field is required when decision monetary is other.' }, max(500)],
    excludeWhen: (i) => i.decision_monetary !== 'DECISION_MONETARY_OTHER',
  },
  decision_provision: { nullable: true, rules: [inRule(DECISION_PROVISIONS, true), { kind: 'required_without_all', others: ['decision_visibility', 'decision_monetary', 'decision_account'] }] },
  decision_account: { nullable: true, rules: [inRule(DECISION_ACCOUNTS, true), { kind: 'required_without_all', others: ['decision_visibility', 'decision_monetary', 'decision_provision'] }] },
  account_type: { nullable: true, rules: [inRule(ACCOUNT_TYPES, true)] },
  category_specification: { nullable: true, rules: [{ kind: 'array' }, inRule(KEYWORDS, true)] },
  category_specification_other: { rules: [max(500)] },
  decision_ground: { rules: [{ kind: 'required' }, inRule(DECISION_GROUNDS)] },
  decision_ground_reference_url: { nullable: true, rules: [{ kind: 'url' }, max(500)] },
  illegal_content_legal_ground: {
    rules: [{ kind: 'required_if', other: 'decision_ground', value: 'DECISION_GROUND_ILLEGAL_CONTENT', message: 'The illegal content legal ground field is required when decision ground is illegal content.' }, max(500)],
    excludeWhen: ground('DECISION_GROUND_ILLEGAL_CONTENT'),
  },
  illegal_content_explanation: {
    rules: [{ kind: 'required_if', other: 'decision_ground', value: 'DECISION_GROUND_ILLEGAL_CONTENT', message: 'The illegal content explanation field is required when decision ground is illegal content.' }, max(2000)],
    excludeWhen: ground('DECISION_GROUND_ILLEGAL_CONTENT'),
  },
  incompatible_content_ground: {
    rules: [{ kind: 'required_if', other: 'decision_ground', value: 'DECISION_GROUND_INCOMPATIBLE_CONTENT', message: 'The incompatible content ground field is required when decision ground is incompatible content.' }, max(500)],
    excludeWhen: ground('DECISION_GROUND_INCOMPATIBLE_CONTENT'),
  },
  incompatible_content_explanation: {
    rules: [{ kind: 'required_if', other: 'decision_ground', value: 'DECISION_GROUND_INCOMPATIBLE_CONTENT', message: 'The incompatible content explanation field is required when decision ground is incompatible content.' }, max(2000)],
    excludeWhen: ground('DECISION_GROUND_INCOMPATIBLE_CONTENT'),
  },
  incompatible_content_illegal: { rules: [inRule(INCOMPATIBLE_CONTENT_ILLEGALS)], excludeWhen: ground('DECISION_GROUND_INCOMPATIBLE_CONTENT') },
  content_type: { rules: [{ kind: 'array' }, { kind: 'required' }, inRule(CONTENT_TYPES)] },
  content_type_other: { rules: [max(500), { kind: 'required_if_fn', when: arrayHas('content_type', 'CONTENT_TYPE_OTHER') }], excludeWhen: (i) => !arrayHas('content_type', 'CONTENT_TYPE_OTHER')(i) },
  category: { rules: [{ kind: 'required' }, inRule(STATEMENT_CATEGORIES)] },
  category_addition: { rules: [{ kind: 'array' }, inRule(STATEMENT_CATEGORIES)] },
  territorial_scope: { nullable: true, rules: [{ kind: 'array' }, inRule(EUROPEAN_COUNTRY_CODES)] },
  content_language: { nullable: true, rules: [inRule(ALL_LANGUAGES)] },
  content_date: { rules: [{ kind: 'required' }, { kind: 'date_format', message: DATE_MSG('content date') }, { kind: 'after_or_equal', date: '2000-01-01' }, { kind: 'before_or_equal', date: '2038-01-01' }] },
  application_date: { rules: [{ kind: 'required' }, { kind: 'date_format', message: DATE_MSG('application date') }, { kind: 'after_or_equal', date: '2020-01-01' }, { kind: 'before_or_equal', date: '2038-01-01' }] },
  end_date_account_restriction: { nullable: true, rules: [{ kind: 'date_format', message: DATE_MSG('end date of account restriction') }, { kind: 'before_or_equal', date: '2038-01-01' }] },
  end_date_monetary_restriction: { nullable: true, rules: [{ kind: 'date_format', message: DATE_MSG('end date of monetary restriction') }, { kind: 'before_or_equal', date: '2038-01-01' }] },
  end_date_service_restriction: { nullable: true, rules: [{ kind: 'date_format', message: DATE_MSG('end date of service restriction') }, { kind: 'before_or_equal', date: '2038-01-01' }] },
  end_date_visibility_restriction: { nullable: true, rules: [{ kind: 'date_format', message: DATE_MSG('end date of visibility restriction') }, { kind: 'before_or_equal', date: '2038-01-01' }] },
  decision_facts: { rules: [{ kind: 'required' }, max(5000)] },
  source_type: { rules: [{ kind: 'required' }, inRule(SOURCE_TYPES)] },
  source_identity: { nullable: true, rules: [max(500)] },
  automated_detection: { rules: [{ kind: 'required' }, inRule(AUTOMATED_DETECTIONS)] },
  automated_decision: { rules: [{ kind: 'required' }, inRule(AUTOMATED_DECISIONS)] },
  puid: { rules: [{ kind: 'required' }, max(500), { kind: 'regex', re: /^[a-zA-Z0-9-_]+$/, message: 'The puid format is invalid.' }] },
  content_id: { nullable: true, rules: [{ kind: 'object_or_array' }] },
  content_id_ean: { nullable: true, rules: [{ kind: 'string' }, { kind: 'regex', re: /^[0-9]{13}$/ }] },
};

/** Laravel's "filled": not null, not a blank string, not an empty array (the `required*` rules). */
function filled(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v.trim() !== '';
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function fails(rule: Rule, field: string, v: unknown, input: Input): string | null {
  const name = attr(field);
  switch (rule.kind) {
    case 'required':
      return filled(v) ? null : `The ${name} field is required.`;
    case 'required_if':
      return input[rule.other] === rule.value && !filled(v) ? (rule.message ?? `The ${name} field is required when ${attr(rule.other)} is ${rule.value}.`) : null;
    case 'required_if_fn':
      return rule.when(input) && !filled(v) ? `The ${name} field is required.` : null;
    case 'required_without_all':
      return rule.others.every((o) => !filled(input[o])) && !filled(v) ? `The ${name} field is required when none of ${rule.others.map(attr).join(' / ')} are present.` : null;
    case 'array':
      return Array.isArray(v) ? null : `The ${name} field must be an array.`;
    case 'object_or_array':
      // A PHP array is a JSON list or object; content_id is an object ({"EAN-13": "…"}).
      return typeof v === 'object' && v !== null ? null : `The ${name} field must be an array.`;
    case 'string':
      return typeof v === 'string' ? null : `The ${name} field must be a string.`;
    case 'in': {
      const allowed = rule.nullString ? ['null', ...rule.values] : rule.values;
      const ok = z.enum(allowed as [string, ...string[]]);
      const values = Array.isArray(v) ? v : [v];
      return values.every((x) => ok.safeParse(typeof x === 'number' ? String(x) : x).success) ? null : `The selected ${name} is invalid.`;
    }
    case 'max':
      if (typeof v === 'string') return chars(v) <= rule.n ? null : `The ${name} field must not be greater than ${rule.n} characters.`;
      if (Array.isArray(v)) return v.length <= rule.n ? null : `The ${name} field must not have more than ${rule.n} items.`;
      if (typeof v === 'number') return v <= rule.n ? null : `The ${name} field must not be greater than ${rule.n}.`;
      // Laravel measures null as an empty string; other JSON types are refused here (§5: stricter).
      return v === null ? null : `The ${name} field must be a string.`;
    case 'regex':
      return typeof v === 'string' && z.string().regex(rule.re).safeParse(v).success ? null : (rule.message ?? `The ${name} field format is invalid.`);
    case 'date_format':
      return Ymd.safeParse(v).success ? null : (rule.message ?? `The ${name} field must match the format Y-m-d.`);
    case 'after_or_equal':
      // Compared only for well-formed dates: a malformed one already failed date_format (§5).
      return !Ymd.safeParse(v).success || (v as string) >= rule.date ? null : `The ${name} field must be a date after or equal to ${rule.date}.`;
    case 'before_or_equal':
      return !Ymd.safeParse(v).success || (v as string) <= rule.date ? null : `The ${name} field must be a date before or equal to ${rule.date}.`;
    case 'url':
      return HttpUrl.safeParse(v).success ? null : `The ${name} field must be a valid URL.`;
  }
}

export type ValidationResult = { ok: true; value: Input } | { ok: false; errors: FieldErrors };

/**
 * Validates one statement as the API does. On success `value` is what the API keeps: the known fields that
 * were present and not excluded (Laravel's `validated()`); unknown fields are dropped, as the API drops them.
 */
export function validateStatement(input: unknown): ValidationResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, errors: { statement: ['The statement must be an object.'] } };
  const i = input as Input;
  const errors: FieldErrors = {};
  const value: Input = {};
  for (const [field, spec] of Object.entries(STATEMENT_RULES)) {
    if (spec.excludeWhen?.(i)) continue;
    const present = Object.hasOwn(i, field);
    const v = i[field];
    const messages: string[] = [];
    for (const rule of spec.rules) {
      const implicit = IMPLICIT.has(rule.kind);
      // Non-implicit rules only run on a present value (a blank string counts as absent) that is not an allowed null.
      if (!implicit && (!present || (typeof v === 'string' && v.trim() === '') || (v === null && spec.nullable))) continue;
      const m = fails(rule, field, v, i);
      if (m) {
        messages.push(m);
        if (implicit) break;
      }
    }
    if (messages.length) errors[field] = messages;
    else if (present) value[field] = v;
  }
  // content_id.EAN-13: string, 13 digits (only when content_id is an object holding it).
  const cid = i.content_id;
  if (cid && typeof cid === 'object' && !Array.isArray(cid) && Object.hasOwn(cid, 'EAN-13')) {
    const ean = (cid as Record<string, unknown>)['EAN-13'];
    if (typeof ean !== 'string' || !/^[0-9]{13}$/.test(ean)) errors['content_id.EAN-13'] = [typeof ean !== 'string' ? 'The content id.EAN-13 field must be a string.' : 'The content id.EAN-13 field format is invalid.'];
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value };
}
