// The moderator API's vocabulary is defined once, in the contract (client/transport/contract/moderation/vocabulary.ts).
// Until the services import it from there, they keep copies; this test fails as soon as a copy drifts.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as contract from '../../client/transport/contract/moderation/vocabulary.ts';
import { APPEAL_VIEWS } from '../../server/services/appeals.ts';
import { EVIDENCE_KEY_PATH } from '../../server/services/evidence-format.ts';
import { DECISION_ACTIONS } from '../../server/services/moderation-state.ts';
import { MAX_NOTE_LENGTH, QUEUE_VIEWS } from '../../server/services/moderation.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../server/services/passwords.ts';
import { DSA_CATEGORIES, POLICY_ID_PATTERN, TEMPLATE_ACTIONS, TEMPLATE_PLACEHOLDERS } from '../../server/services/policies.ts';
import { QUEUE_NAME, RuleConditions } from '../../server/services/routing.ts';

describe("the services' copies of the moderation vocabulary match the contract", () => {
  it.each([
    ['DECISION_ACTIONS', DECISION_ACTIONS, contract.DECISION_ACTIONS],
    ['QUEUE_VIEWS', QUEUE_VIEWS, contract.QUEUE_VIEWS],
    ['APPEAL_VIEWS', APPEAL_VIEWS, contract.APPEAL_VIEWS],
    ['MAX_NOTE_LENGTH', MAX_NOTE_LENGTH, contract.MAX_NOTE_LENGTH],
    ['MIN_PASSWORD_LENGTH', MIN_PASSWORD_LENGTH, contract.MIN_PASSWORD_LENGTH],
    ['MAX_PASSWORD_LENGTH', MAX_PASSWORD_LENGTH, contract.MAX_PASSWORD_LENGTH],
    ['DSA_CATEGORIES', DSA_CATEGORIES, contract.DSA_CATEGORIES],
    ['POLICY_ID_PATTERN', POLICY_ID_PATTERN.source, contract.POLICY_ID_PATTERN.source],
    ['TEMPLATE_ACTIONS', TEMPLATE_ACTIONS, contract.TEMPLATE_ACTIONS],
    ['TEMPLATE_PLACEHOLDERS', TEMPLATE_PLACEHOLDERS, contract.TEMPLATE_PLACEHOLDERS],
    ['EVIDENCE_KEY_PATH', EVIDENCE_KEY_PATH, contract.EVIDENCE_KEY_PATH],
    ['QUEUE_NAME', z.toJSONSchema(QUEUE_NAME), z.toJSONSchema(contract.QUEUE_NAME)],
    ['RuleConditions', z.toJSONSchema(RuleConditions), z.toJSONSchema(contract.RuleConditions)],
  ] as const)('%s', (_name, service, inContract) => {
    expect(service).toEqual(inContract);
  });
  it('report states and outcomes are the ones the state machine folds to', () => {
    // server/services/moderation-state.ts types them (ReportStatus, Outcome); its OUTCOME_OF maps each action to one.
    expect(contract.REPORT_STATUSES).toEqual(['received', 'in_review', 'resolved']);
    expect(contract.OUTCOMES).toEqual(['dismissed', 'warned', 'suspended', 'banned']);
  });
});
