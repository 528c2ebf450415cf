// Every route group, in mount order (docs/API.md "Endpoints"). A new group is added here only.
import type { Services } from '../services/index.ts';
import type { Route } from './_route.ts';
import { accountRoutes } from './accounts.ts';
import { authRoutes } from './auth.ts';
import { blobRoutes } from './blobs.ts';
import { blockRoutes } from './blocks.ts';
import { conversationRoutes } from './conversations.ts';
import { deviceRoutes } from './devices.ts';
import { groupRoutes } from './groups.ts';
import { keyPackageRoutes, keyRoutes } from './keys.ts';
import { linkRoutes } from './link.ts';
import { messageRoutes } from './messages.ts';
import { modAccountRoutes } from './mod-accounts.ts';
import { modAdminRoutes } from './mod-admin.ts';
import { modAppealRoutes } from './mod-appeals.ts';
import { modAuditRoutes } from './mod-audit.ts';
import { modMeRoutes } from './mod-me.ts';
import { modCaseRoutes } from './mod-cases.ts';
import { modCatalogRoutes } from './mod-catalog.ts';
import { modEvasionRoutes } from './mod-evasion.ts';
import { modMetricsRoutes } from './mod-metrics.ts';
import { modReportRoutes } from './mod-reports.ts';
import { modSessionRoutes } from './mod-session.ts';
import { noticeRoutes } from './notices.ts';
import { reportRoutes } from './reports.ts';
import { transparencyRoutes } from './transparency.ts';

export type RouteGroup = (s: Services) => Route[];

export const ROUTE_GROUPS: readonly RouteGroup[] = [
  authRoutes, accountRoutes, keyRoutes, conversationRoutes, messageRoutes, reportRoutes, modAccountRoutes,
  modSessionRoutes, modReportRoutes, modAuditRoutes, modAdminRoutes, noticeRoutes, groupRoutes, keyPackageRoutes, blobRoutes,
  modMeRoutes, blockRoutes,
  transparencyRoutes, deviceRoutes,
  modAppealRoutes, modCatalogRoutes, modCaseRoutes, modMetricsRoutes,
  modEvasionRoutes, linkRoutes,
];

export function allRoutes(s: Services): Route[] {
  return ROUTE_GROUPS.flatMap((g) => g(s));
}
