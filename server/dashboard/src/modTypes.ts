// Response types of the appeal, case, catalog and metrics operations (docs/MODERATION.md), from the moderator
// API's contract (type-only imports).
import type { OperationOutput } from '@franking-chat/sdk/contract';
import type { ModerationOperations } from '@franking-chat/sdk/contract/moderation';

type Out<K extends keyof ModerationOperations> = OperationOutput<ModerationOperations[K]>;
export type Appeal = Out<'claimAppeal'>;
export type AppealDetail = Out<'moderationAppeal'>;
export type CaseRow = Out<'moderationCases'>['cases'][number];
export type CaseDetailT = Out<'moderationCase'>;
export type Policy = Out<'listPolicies'>['policies'][number];
export type Template = Out<'listStatementTemplates'>['templates'][number];
export type Rule = Out<'listRoutingRules'>['rules'][number];
export type MetricsT = Out<'moderationMetrics'>;
export type Transparency = NonNullable<Out<'transparencyReport'>>;

export const waited = (iso: string, now = Date.now()) => now - new Date(iso).getTime();
