// Every route group, in mount order. New groups (e.g. issue 5's mod-*.ts) are added here only.
import type { Services } from '../services/index.ts';
import type { Route } from './_route.ts';
import { accountRoutes } from './accounts.ts';
import { authRoutes } from './auth.ts';
import { conversationRoutes } from './conversations.ts';
import { keyRoutes } from './keys.ts';
import { messageRoutes } from './messages.ts';
import { modAccountRoutes } from './mod-accounts.ts';
import { reportRoutes } from './reports.ts';

export type RouteGroup = (s: Services) => Route[];

export const ROUTE_GROUPS: readonly RouteGroup[] = [
  authRoutes, accountRoutes, keyRoutes, conversationRoutes, messageRoutes, reportRoutes, modAccountRoutes,
];

export function allRoutes(s: Services): Route[] {
  return ROUTE_GROUPS.flatMap((g) => g(s));
}
