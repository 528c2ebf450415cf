// Response types of the issue-14 endpoints, derived from the server's zod schemas (type-only imports).
import type { z } from 'zod';
import type { AppealForModerator, appealDetailSpec } from '../../routes/mod-appeals.ts';
import type { CaseDetail, listCasesSpec } from '../../routes/mod-cases.ts';
import type { listPoliciesSpec, listRulesSpec, listTemplatesSpec } from '../../routes/mod-catalog.ts';
import type { Metrics, TransparencyReportSchema } from '../../routes/mod-metrics.ts';

export type Appeal = z.output<typeof AppealForModerator>;
export type AppealDetail = z.output<(typeof appealDetailSpec)['response']>;
export type CaseRow = z.output<(typeof listCasesSpec)['response']>['cases'][number];
export type CaseDetailT = z.output<typeof CaseDetail>;
export type Policy = z.output<(typeof listPoliciesSpec)['response']>['policies'][number];
export type Template = z.output<(typeof listTemplatesSpec)['response']>['templates'][number];
export type Rule = z.output<(typeof listRulesSpec)['response']>['rules'][number];
export type MetricsT = z.output<typeof Metrics>;
export type Transparency = z.output<typeof TransparencyReportSchema>;

export const waited = (iso: string, now = Date.now()) => now - new Date(iso).getTime();
