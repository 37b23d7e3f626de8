import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { fieldError, forbidden } from '../../http/errors.ts';
import { can, recordAudit } from '../staff/index.ts';
import { homeFigures } from './home.ts';
import { runScoring } from './scoring.ts';
import { customerScores, latestModels } from './explain.ts';
import { getValueGradeRule, saveValueGradeRule } from './settings.ts';
import { RFM_SEGMENTS, OTHER_SEGMENT } from './models/rfm.ts';

const weight = z.number().min(0).max(100);
const valueGradeRuleSchema = z.strictObject({
  weights: z.strictObject({ recency: weight, frequency: weight, monetary: weight, tier: weight, satisfaction: weight }),
  thresholds: z.strictObject({ high: z.number().min(0).max(1), medium: z.number().min(0).max(1) }),
});


export async function analyticsRoutes(app: FastifyInstance, { db, config }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/home', { schema: { tags: ['analytics'], summary: 'Counts for the console home page' }, preHandler: needs(db) }, async (req) =>
    homeFigures(db, req.actor!.storeIds),
  );

  r.post('/api/analytics/scoring/run', {
    schema: {
      tags: ['analytics'],
      summary: 'Recompute RFM, value grades, BG/NBD/Gamma-Gamma fits and every customer’s scores now',
      body: z.strictObject({ asOf: z.iso.date().optional() }).optional(),
    },
    preHandler: needs(db, 'segments.manage'),
  }, async (req) => {
    const actor = req.actor!;
    const report = await runScoring(db, { timezone: config.timezone, asOf: req.body?.asOf, trigger: 'manual', requestedBy: actor.name });
    await recordAudit(db, actor, { action: 'analytics.scoring.run', entity: 'scoring_run', entityId: report.runId, details: { customers: report.customers } });
    return report;
  });

  r.get('/api/analytics/models', {
    schema: { tags: ['analytics'], summary: 'Latest model fits (parameters, log-likelihood, converged, n) and recent scoring runs' },
    preHandler: needs(db, 'analytics.read'),
  }, async () => latestModels(db));

  r.get('/api/analytics/rfm-segments', {
    schema: { tags: ['analytics'], summary: 'The RFM segment table: score ranges and names in Chinese and English (first match wins)' },
    preHandler: needs(db),
  }, async () => ({ segments: [...RFM_SEGMENTS, { ...OTHER_SEGMENT, r: null, f: null, m: null }] }));

  r.get('/api/analytics/value-grade-rule', {
    schema: { tags: ['analytics'], summary: 'The value-grade rule: weights of each input and the high/medium thresholds' },
    preHandler: needs(db),
  }, async (req) => {
    const actor = req.actor!;
    if (!can(actor, 'analytics.read') && !can(actor, 'segments.read')) throw forbidden();
    return { rule: await getValueGradeRule(db) };
  });

  r.put('/api/analytics/value-grade-rule', {
    schema: { tags: ['analytics'], summary: 'Change the value-grade rule (applies from the next scoring run)', body: z.strictObject({ rule: valueGradeRuleSchema }) },
    preHandler: needs(db, 'segments.manage'),
  }, async (req) => {
    const { rule } = req.body;
    const w = rule.weights;
    if (w.recency + w.frequency + w.monetary + w.tier + w.satisfaction <= 0) {
      throw fieldError('rule.weights', 'at least one weight must be positive', '至少一个权重必须大于零');
    }
    if (rule.thresholds.medium > rule.thresholds.high) {
      throw fieldError('rule.thresholds.medium', 'must not be above the high threshold', '不能高于高价值阈值');
    }
    const before = await getValueGradeRule(db);
    await db.tx(async (tx) => {
      await saveValueGradeRule(tx, rule);
      await recordAudit(tx, req.actor!, { action: 'analytics.value_grade_rule.update', entity: 'settings', entityId: 'analytics.value_grade_rule', details: { before, after: rule } });
    });
    return { rule };
  });

  r.get('/api/customers/:id/scores', {
    schema: {
      tags: ['analytics'],
      summary: 'A customer’s RFM, value grade, P(alive), expected purchases, CLV and churn risk, with how they were computed',
      params: z.strictObject({ id: z.coerce.number().int().positive() }),
    },
    preHandler: needs(db),
  }, async (req) => {
    const actor = req.actor!;
    if (!can(actor, 'analytics.read') && !can(actor, 'customers.read')) throw forbidden();
    return customerScores(db, req.params.id, config.timezone);
  });
}
