// Reports: submit (reported item + up to 50 context items, each verified), list own, read own.
import type { z } from 'zod';
import type { ReportSummaryRow } from '../services/reports/index.ts';
import type { ReportView } from '../services/reports/index.ts';
import type { Services } from '../services/index.ts';
import { callerDevice, type Route, route } from './_route.ts';
import { type Verdict, reportOperations as ops } from '../../client/transport/contract/reports.ts';
const summary = (r: ReportSummaryRow) => ({
  id: r.id, messageId: r.messageId, conversationId: r.conversationId, accusedId: r.accusedId, category: r.category,
  status: r.status, outcome: r.outcome, verdict: r.verdict as 'verified' | 'unverified', createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
});
const detail = (r: ReportView) => ({
  ...summary(r),
  items: r.items.map((i) => ({
    ...i, serverTime: Number(i.serverTime), verdict: i.verdict as z.infer<typeof Verdict>, deliveredToDeviceId: i.deliveredToDeviceId === null ? null : Number(i.deliveredToDeviceId),
  })),
  reportedFromDeviceId: r.reportedFromDeviceId === undefined || r.reportedFromDeviceId === null ? null : Number(r.reportedFromDeviceId),
  context: r.context as unknown as { senders: Record<string, unknown>[]; complete: boolean },
});

export function reportRoutes(s: Services): Route[] {
  return [
    route(ops.submitReport, async ({ principal, body, setStatus }) => {
      // docs/PROTOCOL-devices.md D12.2: the reporting device is the token's.
      const { report, duplicate } = await s.reports.submit(principal.userId, { ...body, reportedFromDeviceId: callerDevice(principal) });
      if (duplicate) setStatus(200);
      return { ...detail(report), duplicate };
    }, { bodyLimitBytes: 16 * 1024 * 1024 }),
    route(ops.listReports, async ({ principal }) => ({ reports: (await s.reports.list(principal.userId)).map(summary) })),
    route(ops.getReport, async ({ principal, params }) => detail(await s.reports.get(principal.userId, params.reportId))),
  ];
}
