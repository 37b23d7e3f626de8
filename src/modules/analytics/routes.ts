import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { fieldError, fieldErrors, forbidden, requestLang } from '../../http/errors.ts';
import { id } from '../../lib/validation.ts';
import { CONTENT_TYPES, csvStream } from '../../lib/tabular-export.ts';
import { can, recordAudit } from '../staff/index.ts';
import { homeFigures } from './home.ts';
import { atRiskCustomers, atRiskPages, rfmGrid, scoreTrend, valueDistribution } from './insights.ts';
import { runScoring } from './scoring.ts';
import { customerScores, latestModels } from './explain.ts';
import {
  DEFAULT_SCORING_SETTINGS, SCORING_SETTING_BOUNDS, SCORING_SETTINGS_KEY, getValueGradeRule, readScoringSettings, saveScoringSettings,
  saveValueGradeRule, scoringSettingsProblems,
} from './settings.ts';
import { RFM_SEGMENTS, OTHER_SEGMENT } from './models/rfm.ts';

const atRiskQuery = z.strictObject({ storeId: id.optional(), segmentId: id.optional(), risk: z.enum(['high', 'medium']).optional() });
const AT_RISK_COLUMNS = ['rank', 'id', 'name', 'mobile', 'city', 'churnRisk', 'pAlive', 'recencyDays', 'overdueDays', 'frequency', 'monetaryFen', 'clvFen', 'valueAtRiskFen', 'rfmSegment', 'valueGrade']
  .map((key) => ({ key, header: key, value: (r: Record<string, unknown>) => r[key] }));

const weight = z.number().min(0).max(100);
const valueGradeRuleSchema = z.strictObject({
  weights: z.strictObject({ recency: weight, frequency: weight, monetary: weight, tier: weight, satisfaction: weight }),
  thresholds: z.strictObject({ high: z.number().min(0).max(1), medium: z.number().min(0).max(1) }),
});

// Types and unknown fields here; bounds in scoringSettingsProblems, whose messages state them in both languages.
const bounded = (path: string) => {
  const b = SCORING_SETTING_BOUNDS[path]!;
  return z.number().describe(`${b.integer ? 'integer' : 'number'}, ${b.min}–${b.max}${b.unit.en ? ` ${b.unit.en}` : ''}`);
};
const scoringSettingsSchema = z.strictObject({
  rfmWindowDays: bounded('rfmWindowDays'),
  clvHorizonMonths: bounded('clvHorizonMonths'),
  monthlyDiscount: bounded('monthlyDiscount'),
  maxModelFitCustomers: bounded('maxModelFitCustomers'),
  maxSpendFitCustomers: bounded('maxSpendFitCustomers'),
  churn: z.strictObject({
    overdueFactor: bounded('churn.overdueFactor'),
    highBelowPAlive: bounded('churn.highBelowPAlive'),
    highOverdueBelowPAlive: bounded('churn.highOverdueBelowPAlive'),
    mediumBelowPAlive: bounded('churn.mediumBelowPAlive'),
  }),
});
const APPLIES_FROM_NEXT_RUN = {
  en: 'Saved. Scores change at the next scoring run (tonight’s, or one you start now).',
  zh: '已保存。评分结果将在下次评分时更新（今晚的定时评分，或现在手动运行的评分）。',
};

export async function analyticsRoutes(app: FastifyInstance, { db, config }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/home', { schema: { tags: ['analytics'], summary: 'Counts for the console home page' }, preHandler: needs(db) }, async (req) =>
    homeFigures(db, req.actor!.storeIds, config.timezone),
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

  r.get('/api/analytics/scoring-settings', {
    schema: { tags: ['analytics'], summary: 'Scoring settings in force (RFM window, CLV horizon and discount, fit sample sizes, churn rule), the defaults and the bounds' },
    preHandler: needs(db, 'analytics.read'),
  }, async () => ({ ...(await readScoringSettings(db)), defaults: DEFAULT_SCORING_SETTINGS, bounds: SCORING_SETTING_BOUNDS }));

  r.put('/api/analytics/scoring-settings', {
    schema: {
      tags: ['analytics'],
      summary: 'Change the scoring settings; every field is required, and scores change at the next scoring run',
      body: z.strictObject({ settings: scoringSettingsSchema }),
    },
    preHandler: needs(db, 'segments.manage'),
  }, async (req) => {
    const { settings } = req.body;
    const problems = scoringSettingsProblems(settings).map((p) => ({ ...p, path: `settings.${p.path}` }));
    if (problems.length) throw fieldErrors(problems);
    await db.tx(async (tx) => {
      const before = (await readScoringSettings(tx)).settings;
      await saveScoringSettings(tx, settings);
      await recordAudit(tx, req.actor!, { action: 'analytics.scoring_settings.update', entity: 'settings', entityId: SCORING_SETTINGS_KEY, details: { before, after: settings } });
    });
    return {
      ...(await readScoringSettings(db)), defaults: DEFAULT_SCORING_SETTINGS, bounds: SCORING_SETTING_BOUNDS,
      appliesFrom: 'next_scoring_run', message: APPLIES_FROM_NEXT_RUN[requestLang(req)],
    };
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
