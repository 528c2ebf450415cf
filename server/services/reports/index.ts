// Report intake and routing into queues (docs/PROTOCOL.md §8, docs/MODERATION.md "Routing").
export { ReportsService, type ReportView } from './intake.ts';
export { QUEUE_NAME, RoutingService, RuleConditions } from './routing.ts';
export type { ReportSummaryRow } from '../../data/reports.ts';
