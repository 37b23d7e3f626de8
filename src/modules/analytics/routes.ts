import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { id } from '../../lib/validation.ts';
import { CONTENT_TYPES, csvStream } from '../../lib/tabular-export.ts';
import { can, recordAudit } from '../staff/index.ts';
import { homeFigures } from './home.ts';
import { atRiskCustomers, atRiskPages, rfmGrid, scoreTrend, valueDistribution } from './insights.ts';

const atRiskQuery = z.strictObject({ storeId: id.optional(), segmentId: id.optional(), risk: z.enum(['high', 'medium']).optional() });
const AT_RISK_COLUMNS = ['rank', 'id', 'name', 'mobile', 'city', 'churnRisk', 'pAlive', 'recencyDays', 'overdueDays', 'frequency', 'monetaryFen', 'clvFen', 'valueAtRiskFen', 'rfmSegment', 'valueGrade']
  .map((key) => ({ key, header: key, value: (r: Record<string, unknown>) => r[key] }));

export async function analyticsRoutes(app: FastifyInstance, { db, config }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/home', { schema: { tags: ['analytics'], summary: 'Counts for the console home page' }, preHandler: needs(db) }, async (req) =>
    homeFigures(db, req.actor!.storeIds, config.timezone),
  );

  r.get('/api/analytics/rfm-grid', { schema: { tags: ['analytics'], summary: 'Customers and spend per recency × frequency score, and per RFM segment' }, preHandler: needs(db, 'analytics.read') },
    async () => rfmGrid(db));

  r.get('/api/analytics/value-distribution', { schema: { tags: ['analytics'], summary: 'Value grades, churn risk and the CLV histogram' }, preHandler: needs(db, 'analytics.read') },
    async () => valueDistribution(db));

  r.get('/api/analytics/score-trend', {
    schema: { tags: ['analytics'], summary: 'Daily churn-risk and value-grade counts', querystring: z.strictObject({ days: z.coerce.number().int().min(1).max(1000).default(90) }) },
    preHandler: needs(db, 'analytics.read'),
  }, async (req) => ({ items: await scoreTrend(db, req.query.days) }));

  r.get('/api/analytics/at-risk', {
    schema: {
      tags: ['analytics'], summary: 'Churn early warning: at-risk customers ranked by value at risk',
      querystring: atRiskQuery.extend({ afterRank: z.coerce.number().int().min(0).max(10_000_000).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
    },
    preHandler: needs(db, 'analytics.read'),
  }, async (req) => atRiskCustomers(db, req.query, can(req.actor!, 'customers.pii')));

  r.get('/api/analytics/at-risk/export', {
    schema: { tags: ['analytics'], summary: 'The at-risk list as CSV (UTF-8 with BOM)', querystring: atRiskQuery },
    preHandler: needs(db, 'analytics.read', 'customers.export'),
  }, async (req, reply) => {
    const seePii = can(req.actor!, 'customers.pii');
    await recordAudit(db, req.actor!, { action: 'export', entity: 'at_risk_list', details: { ...req.query, pii: seePii } });
    return reply.type(CONTENT_TYPES.csv).header('content-disposition', 'attachment; filename="at-risk.csv"').send(csvStream(AT_RISK_COLUMNS, atRiskPages(db, req.query, seePii)));
  });
}
