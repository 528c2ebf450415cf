/**
 * The moderator API's contract (package export "./contract/moderation", docs/MODERATION.md): every /v1/mod
 * operation (method, path, auth, named errors) with the zod schemas of its request and response, and the
 * moderation vocabulary (report states, decisions, views, limits). The server mounts its moderator routes from
 * these; the moderation dashboard sends them with the SDK's `invoke`. A chat app does not import this entry, so
 * its bundle does not carry the moderator API.
 *
 * @packageDocumentation
 * @module \@franking-chat/sdk/contract/moderation
 */
export { type ModerationOperations, moderationOperations } from './operations.ts';
export {
  APPEAL_VIEWS, DECISION_ACTIONS, type DecisionAction, DSA_CATEGORIES, type DsaCategory, EVIDENCE_KEY_PATH, MAX_NOTE_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH,
  OUTCOMES, type Outcome, POLICY_ID_PATTERN, QUEUE_NAME, QUEUE_VIEWS, REPORT_STATUSES, type ReportStatus, RuleConditions, TEMPLATE_ACTIONS, TEMPLATE_PLACEHOLDERS,
} from './vocabulary.ts';
export {
  AccountParams, AccountStanding, EventList, EventsQuery, HANDLE_RELEASE_DEFAULT_DAYS, HANDLE_RELEASE_MAX_DAYS, HandleRelease, HandleReleaseRequest, SetStatusRequest,
} from './accounts.ts';
export { CreateModeratorRequest, Moderator, ModeratorParams, UpdateModeratorRequest } from './admin.ts';
export { AppealDecisionRequest, AppealForModerator, AppealsQuery, AppealStatus } from './appeals.ts';
export { AuditQuery, AuditResponse, StatsQuery, StatsResponse } from './audit.ts';
export { ModerationEvent } from './event.ts';
export { CaseDetail, CasesQuery, EvidenceRequest, HoldRequest, PublicKeyDocument } from './cases.ts';
export { CreatePolicyRequest, CreateRuleRequest, PutTemplateRequest, UpdatePolicyRequest, UpdateRuleRequest } from './catalog.ts';
export { BanEvasionRequest, BanEvasionResponse, CreatedInvites, CreateInvitesRequest, EvasionSignals } from './evasion.ts';
export { ChangePasswordRequest, TotpConfirmRequest, TotpDisableRequest, TotpEnrolment } from './me.ts';
export { Metrics, MetricsQuery, TransparencyQuery, TransparencyReportSchema } from './metrics.ts';
export {
  AssignRequest, BulkRequest, BulkResponse, DecisionRequest, DecisionResponse, EscalateRequest, NoteRequest, ProjectionResponse, QueueQuery, QueueResponse,
  ReportDetailForModerator, ReportParams, StateResponse,
} from './reports.ts';
export { LoginRequest, ModeratorLogin, SessionResponse, StaffRole } from './session.ts';
