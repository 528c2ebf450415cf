// Metrics charts for the dashboard and the transparency report (JSON or CSV) for a period
// (docs/MODERATION.md "Metrics and transparency report").
import { MetricsService } from '../services/moderation/index.ts';
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { modMetricsOperations as ops } from '../../client/transport/contract/moderation/metrics.ts';

export function modMetricsRoutes(s: Services): Route[] {
  return [
    route(ops.moderationMetrics, async ({ query }) => s.metrics.dashboard(query.days)),
    route(ops.transparencyReport, async ({ query, raw }) => {
      const t = await s.metrics.transparency(MetricsService.period(new Date(query.from), new Date(query.to)));
      if (query.format === 'json') return t;
      raw.res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      raw.res.setHeader('Content-Disposition', `attachment; filename="transparency-${t.period.from.slice(0, 10)}-${t.period.to.slice(0, 10)}.csv"`);
      raw.res.status(200).send(MetricsService.toCsv(t));
      return null;
    }),
  ];
}
