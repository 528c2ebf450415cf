// Every operation of the moderator API (/v1/mod/…, the dashboard's API) by id, with its schemas.
import { modAccountOperations } from './accounts.ts';
import { modAdminOperations } from './admin.ts';
import { modAppealOperations } from './appeals.ts';
import { modAttachmentOperations } from './attachments.ts';
import { modAuditOperations } from './audit.ts';
import { modCaseOperations } from './cases.ts';
import { modCatalogOperations } from './catalog.ts';
import { modEvasionOperations } from './evasion.ts';
import { modMeOperations } from './me.ts';
import { modMetricsOperations } from './metrics.ts';
import { modReportOperations } from './reports.ts';
import { modSessionOperations } from './session.ts';

export const moderationOperations = {
  ...modSessionOperations, ...modMeOperations, ...modReportOperations, ...modAttachmentOperations, ...modAppealOperations, ...modCaseOperations,
  ...modCatalogOperations, ...modAccountOperations, ...modEvasionOperations, ...modAuditOperations, ...modMetricsOperations, ...modAdminOperations,
} as const;
/** The moderator API's operations by id, with their schemas' types. */
export type ModerationOperations = typeof moderationOperations;
