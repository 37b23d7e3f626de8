import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { idempotencyKey, sendIdempotent } from '../../http/idempotency.ts';
import { runIdempotent } from '../../db/idempotency.ts';
import { id, idParams, isoDate, limit, nonEmptyText, text } from '../../lib/validation.ts';
import { programmeSchema, pointsForBasket } from './programme.ts';
import { currentProgramme, getVersion, listVersions, saveProgramme } from './store.ts';
import { adjustPoints, awardPoints, ledgerActor, ledgerPage, loyaltyReport, memberSummary, redeemPoints } from './service.ts';
import { evaluateAllTiers } from './tiers.ts';
import { expirePoints } from './expiry.ts';
import { BACKFILL_JOB } from './backfill.ts';
import { recordAudit } from '../staff/index.ts';

const wholePoints = z.number().int('must be a whole number of points').max(1e9).min(-1e9);
const memberParams = z.strictObject({ customerId: id });

export async function loyaltyRoutes(app: FastifyInstance, { db, config, jobs }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tz = config.timezone;

  r.get('/api/loyalty/programme', { schema: { tags: ['loyalty'], summary: 'The programme version in force now' }, preHandler: needs(db, 'loyalty.read') },
    async () => currentProgramme(db));

  r.get('/api/loyalty/programme/versions', { schema: { tags: ['loyalty'], summary: 'Every programme version, newest first' }, preHandler: needs(db, 'loyalty.read') },
    async () => ({ items: await listVersions(db) }));

  r.get('/api/loyalty/programme/versions/:id', { schema: { tags: ['loyalty'], summary: 'One programme version', params: idParams }, preHandler: needs(db, 'loyalty.read') },
    async (req) => getVersion(db, req.params.id));

  r.post('/api/loyalty/programme/versions', {
    schema: {
      tags: ['loyalty'], summary: 'Edit the programme: saves a new version valid from validFrom (default now)',
      body: z.strictObject({ programme: programmeSchema, validFrom: z.iso.datetime({ offset: true }).optional(), note: text(200).optional() }),
    },
    preHandler: needs(db, 'loyalty.configure'),
  }, async (req, reply) => {
    const saved = await db.tx((tx) => saveProgramme(tx, req.actor!, req.body.programme, { validFrom: req.body.validFrom ? new Date(req.body.validFrom) : undefined, note: req.body.note }));
    return reply.status(201).send(saved);
  });

  r.post('/api/loyalty/quote', {
    schema: {
      tags: ['loyalty'], summary: 'Points a basket would earn now (or at `at`), with the reasons; books nothing',
      body: z.strictObject({
        lines: z.array(z.strictObject({ sku: z.string().min(1).max(64), category: z.string().max(64), amountFen: z.number().int().min(0).max(1e13) })).min(1).max(1000),
        paidFen: z.number().int().min(0).max(1e13).optional(),
        tierCode: z.string().max(32).nullable().default(null),
        at: z.iso.datetime({ offset: true }).optional(),
      }),
    },
    preHandler: needs(db, 'loyalty.read'),
  }, async (req) => {
    const at = req.body.at ? new Date(req.body.at) : new Date();
    const v = await currentProgramme(db, at);
    return { programmeVersion: v.version, ...pointsForBasket(req.body, v.programme, at, tz) };
  });

  r.get('/api/loyalty/members/:customerId', { schema: { tags: ['loyalty'], summary: "A member's loyalty summary", params: memberParams }, preHandler: needs(db, 'loyalty.read') },
    async (req) => memberSummary(db, req.params.customerId, tz));

  r.get('/api/loyalty/members/:customerId/ledger', {
    schema: { tags: ['loyalty'], summary: "A member's points ledger, newest first", params: memberParams, querystring: z.strictObject({ beforeId: id.optional(), limit: limit(50, 500) }) },
    preHandler: needs(db, 'loyalty.read'),
  }, async (req) => ({ items: await ledgerPage(db, req.params.customerId, req.query) }));

  r.post('/api/loyalty/members/:customerId/redemptions', {
    schema: {
      tags: ['loyalty'], summary: 'Pay with points (idempotent with Idempotency-Key); 409 INSUFFICIENT_POINTS',
      params: memberParams,
      body: z.strictObject({ points: z.number().int('must be a whole number of points').min(1, 'must be at least 1').max(1e9), reference: text(64).optional(), note: text(200).optional() }),
    },
    preHandler: needs(db, 'loyalty.redeem'),
  }, async (req, reply) => {
    const key = idempotencyKey(req);
    const res = await runIdempotent(db, `loyalty.redeem:${req.params.customerId}`, key, req.body, async (tx) => ({
      statusCode: 201, body: await redeemPoints(tx, req.actor!, req.params.customerId, req.body),
    }));
    return sendIdempotent(reply, res);
  });

  r.post('/api/loyalty/members/:customerId/adjustments', {
    schema: {
      tags: ['loyalty'], summary: 'Adjust points with a reason (idempotent with Idempotency-Key); large amounts need loyalty.adjust_large',
      params: memberParams,
      body: z.strictObject({
        points: wholePoints.refine((n) => n !== 0, 'must not be zero'),
        reasonCode: z.enum(['GOODWILL', 'CORRECTION', 'MIGRATION', 'COMPLAINT', 'OTHER']),
        reason: nonEmptyText(200),
      }),
    },
    preHandler: needs(db, 'loyalty.adjust'),
  }, async (req, reply) => {
    const key = idempotencyKey(req);
    const res = await runIdempotent(db, `loyalty.adjust:${req.params.customerId}`, key, req.body, async (tx) => ({
      statusCode: 201, body: await adjustPoints(tx, req.actor!, req.params.customerId, req.body, tz),
    }));
    return sendIdempotent(reply, res);
  });

  r.post('/api/loyalty/members/:customerId/awards', {
    schema: {
      tags: ['loyalty'], summary: 'Points for sign-up, a review or a referral at the configured amount; once per (kind, reference)',
      params: memberParams,
      body: z.strictObject({ kind: z.enum(['signup', 'review', 'referral']), reference: nonEmptyText(64) }),
    },
    preHandler: needs(db, 'loyalty.adjust'),
  }, async (req, reply) => {
    const res = await db.tx((tx) => awardPoints(tx, ledgerActor(req.actor!), req.params.customerId, req.body.kind, req.body.reference, tz));
    return reply.status(res.replayed ? 200 : 201).send(res);
  });

  r.get('/api/loyalty/reports', {
    schema: { tags: ['loyalty'], summary: 'Points issued, redeemed, expired per month; liability; tier distribution and movements', querystring: z.strictObject({ from: isoDate, to: isoDate }) },
    preHandler: needs(db, 'loyalty.read'),
  }, async (req) => loyaltyReport(db, { ...req.query, timeZone: tz }));

  r.post('/api/loyalty/jobs/:job', {
    schema: { tags: ['loyalty'], summary: 'Run the tier evaluation or the points expiry now', params: z.strictObject({ job: z.enum(['evaluate-tiers', 'expire-points']) }) },
    preHandler: needs(db, 'loyalty.configure'),
  }, async (req) => (req.params.job === 'evaluate-tiers' ? evaluateAllTiers(db, { force: true, timeZone: tz }) : expirePoints(db)));

  r.post('/api/loyalty/backfill', {
    schema: { tags: ['loyalty'], summary: 'Award points, in the background, for purchases loaded without the booking API; the figures go to the audit log (admin only)' },
    preHandler: needs(db, 'loyalty.backfill'),
  }, async (req, reply) => {
    await recordAudit(db, req.actor!, { action: 'loyalty.backfill.requested', entity: 'loyalty_ledger' });
    const jobId = await jobs.send(BACKFILL_JOB, { requestedBy: req.actor!.name }, { singletonKey: BACKFILL_JOB });
    // Without a job runner (tests, PATRON_JOBS=off) the job has run inline by now; with one, null means one is already queued.
    return reply.status(202).send({ job: BACKFILL_JOB, jobId, queued: jobId != null || !jobs.running });
  });
}
