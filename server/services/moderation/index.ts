// The moderation workflow (docs/MODERATION.md): queue, detail views, commands, audit log and statistics over
// the append-only event log; appeals, notices to accounts, ban evasion and the metrics/transparency report.
export { ModerationService } from './service.ts';
export { type Actor } from './actor.ts';
export { QUEUE_VIEWS } from './queue.ts';
export { MAX_NOTE_LENGTH } from './commands.ts';
export {
  DECISION_ACTIONS, INITIAL_STATE, type ReportState, type StateEvent, applyReportEvent, foldReportEvents,
} from './state.ts';
export { APPEAL_VIEWS, AppealsService } from './appeals.ts';
export { NoticesService } from './notices.ts';
export { BanEvasionService } from './ban-evasion.ts';
export { MetricsService } from './metrics.ts';
export type { AppealRow } from '../../data/moderation-cases.ts';
export type { NoticeRow } from '../../data/moderation.ts';
