import type { Db, Queryable } from '../../db/client.ts';
import type { Config } from '../../config.ts';
import type { JobDefinition } from '../../jobs/runner.ts';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { idempotencyKey, sendIdempotent } from '../../http/idempotency.ts';
import { runIdempotent } from '../../db/idempotency.ts';
import { badRequest } from '../../http/errors.ts';
import { id, idParams, isoDate, nonEmptyText } from '../../lib/validation.ts';
import { recordAudit, type Actor } from '../staff/index.ts';
import { segmentMemberIds } from '../segments/index.ts';
import {
  createTemplate, getTemplate, issueCoupons, listTemplates, memberCoupons, purchaseContext, redeemCoupon, templateInput, updateTemplate, voidCoupon,
} from './coupons.ts';
import { cancelRedemption, createItem, itemInput, listItems, memberRedemptions, redeemItem, updateItem } from './catalogue.ts';
import { birthdayPerks, birthdayPerksInput, holidayInput, listHolidays, perkGrants, runPerks, saveHoliday, setBirthdayPerks } from './perks.ts';
import { linkReferral, memberReferrals, referralCode, referralReport, referralSettings, referralSettingsInput, setReferralSettings, settleReferrals } from './referrals.ts';

const memberParams = z.strictObject({ customerId: id });
/** A segment-wide issue is one request and one transaction; larger audiences wait for campaigns, which send in batches. */
const MAX_SEGMENT_ISSUE = 100_000;
const codeText = z.string().trim().min(4, 'is too short').max(40).regex(/^[A-Za-z0-9\s-]+$/, 'letters and digits only');

export async function rewardsRoutes(app: FastifyInstance, { db, config }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  /** Writes and audits in one transaction: the change and its audit line commit together. */
  const audited = <T extends { id: number }>(actor: Actor, action: string, entity: string, details: unknown, write: (tx: Queryable) => Promise<T>) =>
    db.tx(async (tx) => {
      const row = await write(tx);
      await recordAudit(tx, actor, { action, entity, entityId: row.id, details: details as Record<string, unknown> });
      return row;
    });
  const tz = config.timezone;

  // Coupon templates and issuing
  r.get('/api/coupons/templates', { schema: { tags: ['coupons'], summary: 'Coupon templates, newest first' }, preHandler: needs(db, 'loyalty.read') },
    async () => ({ items: await listTemplates(db) }));
  r.get('/api/coupons/templates/:id', { schema: { tags: ['coupons'], summary: 'One coupon template', params: idParams }, preHandler: needs(db, 'loyalty.read') },
    async (req) => getTemplate(db, req.params.id));
  r.post('/api/coupons/templates', { schema: { tags: ['coupons'], summary: 'Create a coupon template', body: templateInput }, preHandler: needs(db, 'loyalty.configure') },
    async (req, reply) => reply.status(201).send(await audited(req.actor!, 'coupons.template.create', 'coupon_template', req.body, (tx) => createTemplate(tx, req.body))));
  r.put('/api/coupons/templates/:id', { schema: { tags: ['coupons'], summary: 'Edit a coupon template (coupons already issued keep their window)', params: idParams, body: templateInput }, preHandler: needs(db, 'loyalty.configure') },
    async (req) => audited(req.actor!, 'coupons.template.update', 'coupon_template', req.body, (tx) => updateTemplate(tx, req.params.id, req.body)));
  r.post('/api/coupons/templates/:id/issue', {
    schema: {
      tags: ['coupons'], summary: 'Issue coupons by hand to members (idempotent with Idempotency-Key: the key is the issue reference)',
      params: idParams, body: z.strictObject({ customerIds: z.array(id).min(1).max(10_000), note: nonEmptyText(200).optional() }),
    },
    preHandler: needs(db, 'loyalty.configure'),
  }, async (req, reply) => {
    const key = idempotencyKey(req);
    const res = await runIdempotent(db, `coupons.issue:${req.params.id}`, key, req.body, async (tx) => {
      const known = await tx.query(`SELECT count(*)::int AS n FROM customers WHERE id = ANY($1::bigint[]) AND status = 'active'`, [req.body.customerIds]);
      if (known.rows[0].n !== new Set(req.body.customerIds).size) throw badRequest('VALIDATION_FAILED', 'customerIds: unknown or inactive members', 'customerIds：会员不存在或已停用', [{ path: 'customerIds', en: 'unknown or inactive members', zh: '会员不存在或已停用' }]);
      const out = await issueCoupons(tx, req.params.id, req.body.customerIds, { reason: req.body.note ?? 'manual', ref: { type: 'manual', id: key ?? `${Date.now()}:${Math.random()}` }, issuedBy: req.actor!.name });
      await recordAudit(tx, req.actor!, { action: 'coupons.issue', entity: 'coupon_template', entityId: req.params.id, details: { customers: req.body.customerIds.length, issued: out.issued.length } });
      return { statusCode: 201, body: out };
    });
    return sendIdempotent(reply, res);
  });
  r.post('/api/coupons/templates/:id/issue-to-segment', {
    schema: {
      tags: ['coupons'],
      summary: `Issue a coupon to every active member of a segment as last refreshed (at most ${MAX_SEGMENT_ISSUE.toLocaleString('en')}); answers counts. Idempotency-Key required: it is the issue reference, so a retry issues nobody twice`,
      params: idParams, body: z.strictObject({ segmentId: id, note: nonEmptyText(200).optional() }),
    },
    preHandler: needs(db, 'loyalty.configure'),
  }, async (req, reply) => {
    const key = idempotencyKey(req);
    if (!key) throw badRequest('IDEMPOTENCY_KEY_REQUIRED', 'Send an Idempotency-Key header: a segment-wide issue must be safe to retry.', '请提供 Idempotency-Key 请求头：按分群发券必须可以安全重试。');
    const res = await runIdempotent(db, `coupons.issue-segment:${req.params.id}`, key, req.body, async (tx) => {
      // One more than allowed is enough to know it is too many, without reading a segment of millions.
      const members = await segmentMemberIds(tx, req.body.segmentId, MAX_SEGMENT_ISSUE + 1);
      if (members.length > MAX_SEGMENT_ISSUE) {
        throw badRequest('SEGMENT_TOO_LARGE', `segmentId: more than ${MAX_SEGMENT_ISSUE} members; issue to at most ${MAX_SEGMENT_ISSUE} at once`, `segmentId：分群超过 ${MAX_SEGMENT_ISSUE} 名会员，每次最多发给 ${MAX_SEGMENT_ISSUE} 名`,
          [{ path: 'segmentId', en: `has more than ${MAX_SEGMENT_ISSUE} members`, zh: `超过 ${MAX_SEGMENT_ISSUE} 名会员` }]);
      }
      const out = await issueCoupons(tx, req.params.id, members, { reason: req.body.note ?? 'segment', ref: { type: 'segment', id: `${req.body.segmentId}:${key}` }, issuedBy: req.actor!.name });
      const body = { templateId: out.templateId, segmentId: req.body.segmentId, members: members.length, issued: out.issued.length, replayed: out.replayed.length, overLimit: out.overLimit.length };
      await recordAudit(tx, req.actor!, { action: 'coupons.issue', entity: 'coupon_template', entityId: req.params.id, details: body });
      return { statusCode: 201, body };
    });
    return sendIdempotent(reply, res);
  });

  // Coupons at the till
  r.post('/api/coupons/redeem', {
    schema: {
      tags: ['coupons'], summary: 'Redeem a coupon once (Idempotency-Key); 409 COUPON_EXPIRED, COUPON_USED, COUPON_NOT_YOURS, COUPON_NOT_APPLICABLE, COUPON_VOID',
      body: purchaseContext.extend({ code: codeText, customerId: id }),
    },
    preHandler: needs(db, 'loyalty.redeem'),
  }, async (req, reply) => {
    const key = idempotencyKey(req);
    const res = await runIdempotent(db, 'coupons.redeem', key, req.body, async (tx) => ({ statusCode: 200, body: await redeemCoupon(tx, req.body) }));
    return sendIdempotent(reply, res);
  });
  r.post('/api/coupons/:code/void', {
    schema: { tags: ['coupons'], summary: 'Cancel an unused coupon', params: z.strictObject({ code: codeText }), body: z.strictObject({ reason: nonEmptyText(200) }) },
    preHandler: needs(db, 'loyalty.adjust'),
  }, async (req) => db.tx(async (tx) => {
    const out = await voidCoupon(tx, req.params.code, req.body.reason);
    await recordAudit(tx, req.actor!, { action: 'coupons.void', entity: 'coupon', entityId: out.couponId, customerId: out.customerId, details: { reason: req.body.reason } });
    return out;
  }));
  r.get('/api/loyalty/members/:customerId/coupons', {
    schema: { tags: ['coupons'], summary: "A member's coupons (active, used, expired, void)", params: memberParams, querystring: z.strictObject({ state: z.enum(['active', 'used', 'expired', 'void']).optional() }) },
    preHandler: needs(db, 'loyalty.read'),
  }, async (req) => ({ items: await memberCoupons(db, req.params.customerId, req.query.state) }));

  // Redemption catalogue
  r.get('/api/loyalty/catalogue', {
    schema: { tags: ['loyalty'], summary: 'The redemption catalogue (available=true: what can be redeemed now)', querystring: z.strictObject({ available: z.enum(['true', 'false']).optional() }) },
    preHandler: needs(db, 'loyalty.read'),
  }, async (req) => ({ items: await listItems(db, { available: req.query.available === 'true' }) }));
  r.post('/api/loyalty/catalogue', { schema: { tags: ['loyalty'], summary: 'Add a catalogue item', body: itemInput }, preHandler: needs(db, 'loyalty.configure') },
    async (req, reply) => reply.status(201).send(await audited(req.actor!, 'loyalty.catalogue.create', 'catalogue_item', req.body, (tx) => createItem(tx, req.body))));
  r.put('/api/loyalty/catalogue/:id', { schema: { tags: ['loyalty'], summary: 'Edit a catalogue item (price, stock, dates, active)', params: idParams, body: itemInput }, preHandler: needs(db, 'loyalty.configure') },
    async (req) => audited(req.actor!, 'loyalty.catalogue.update', 'catalogue_item', req.body, (tx) => updateItem(tx, req.params.id, req.body)));
  r.post('/api/loyalty/redemptions', {
    schema: {
      tags: ['loyalty'], summary: 'Redeem a catalogue item for points (Idempotency-Key); 409 INSUFFICIENT_POINTS, OUT_OF_STOCK, REDEMPTION_LIMIT_REACHED, ITEM_NOT_AVAILABLE',
      body: z.strictObject({ customerId: id, itemId: id, quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100).default(1) }),
    },
    preHandler: needs(db, 'loyalty.redeem'),
  }, async (req, reply) => {
    const key = idempotencyKey(req);
    const res = await runIdempotent(db, `loyalty.catalogue-redeem:${req.body.customerId}`, key, req.body, async (tx) => ({ statusCode: 201, body: await redeemItem(tx, req.actor!, req.body, tz) }));
    return sendIdempotent(reply, res);
  });
  r.post('/api/loyalty/members/:customerId/redemptions/:id/cancel', {
    schema: { tags: ['loyalty'], summary: 'Cancel a catalogue redemption: refund points, restore stock, void its coupons', params: z.strictObject({ customerId: id, id }), body: z.strictObject({ reason: nonEmptyText(200) }) },
    preHandler: needs(db, 'loyalty.redeem'),
  }, async (req) => db.tx(async (tx) => {
    const out = await cancelRedemption(tx, req.actor!, req.params.customerId, req.params.id, req.body.reason, tz);
    await recordAudit(tx, req.actor!, { action: 'loyalty.redemption.cancel', entity: 'loyalty_redemption', entityId: req.params.id, customerId: req.params.customerId, details: { reason: req.body.reason } });
    return out;
  }));
  r.get('/api/loyalty/members/:customerId/catalogue-redemptions', { schema: { tags: ['loyalty'], summary: "A member's catalogue redemptions", params: memberParams }, preHandler: needs(db, 'loyalty.read') },
    async (req) => ({ items: await memberRedemptions(db, req.params.customerId) }));

  // Perks
  r.get('/api/loyalty/perks', { schema: { tags: ['loyalty'], summary: 'Birthday perks per tier and holidays' }, preHandler: needs(db, 'loyalty.read') },
    async () => ({ birthday: await birthdayPerks(db), holidays: await listHolidays(db) }));
  r.put('/api/loyalty/perks/birthday', { schema: { tags: ['loyalty'], summary: 'Set the birthday perk per tier', body: birthdayPerksInput }, preHandler: needs(db, 'loyalty.configure') },
    async (req) => db.tx((tx) => setBirthdayPerks(tx, req.body)));
  r.post('/api/loyalty/perks/holidays', { schema: { tags: ['loyalty'], summary: 'Add a holiday perk', body: holidayInput }, preHandler: needs(db, 'loyalty.configure') },
    async (req, reply) => reply.status(201).send(await db.tx((tx) => saveHoliday(tx, req.body))));
  r.put('/api/loyalty/perks/holidays/:id', { schema: { tags: ['loyalty'], summary: 'Edit a holiday perk', params: idParams, body: holidayInput }, preHandler: needs(db, 'loyalty.configure') },
    async (req) => db.tx((tx) => saveHoliday(tx, req.body, req.params.id)));
  r.get('/api/loyalty/perks/grants', { schema: { tags: ['loyalty'], summary: 'Perks granted per occasion', querystring: z.strictObject({ from: isoDate, to: isoDate }) }, preHandler: needs(db, 'loyalty.read') },
    async (req) => ({ items: await perkGrants(db, { ...req.query, timeZone: tz }) }));

  // Referrals
  r.get('/api/loyalty/members/:customerId/referral', { schema: { tags: ['loyalty'], summary: "A member's referral code (made on first request), who referred them and whom they referred", params: memberParams }, preHandler: needs(db, 'loyalty.read') },
    async (req) => {
      await db.tx((tx) => referralCode(tx, req.params.customerId));
      return memberReferrals(db, req.params.customerId);
    });
  r.post('/api/loyalty/referrals', {
    schema: { tags: ['loyalty'], summary: 'Link a new member to the referrer whose code they gave; 400 REFERRAL_CODE_UNKNOWN, SELF_REFERRAL; 409 ALREADY_REFERRED, REFEREE_NOT_NEW', body: z.strictObject({ customerId: id, code: codeText }) },
    preHandler: needs(db, 'customers.write'),
  }, async (req, reply) => {
    const key = idempotencyKey(req);
    const res = await runIdempotent(db, 'loyalty.referral', key, req.body, async (tx) => ({ statusCode: 201, body: await linkReferral(tx, req.body) }));
    return sendIdempotent(reply, res);
  });
  r.get('/api/loyalty/referrals/settings', { schema: { tags: ['loyalty'], summary: 'Referral rewards: the programme referral points and optional coupons' }, preHandler: needs(db, 'loyalty.read') },
    async () => referralSettings(db));
  r.put('/api/loyalty/referrals/settings', { schema: { tags: ['loyalty'], summary: 'Set the referral coupons', body: referralSettingsInput }, preHandler: needs(db, 'loyalty.configure') },
    async (req) => db.tx((tx) => setReferralSettings(tx, req.body)));
  r.get('/api/loyalty/referrals/report', { schema: { tags: ['loyalty'], summary: 'Referral rate per month and share of members who referred someone', querystring: z.strictObject({ from: isoDate, to: isoDate }) }, preHandler: needs(db, 'loyalty.read') },
    async (req) => referralReport(db, { ...req.query, timeZone: tz }));

  r.post('/api/loyalty/rewards-jobs/:job', {
    schema: { tags: ['loyalty'], summary: 'Run the perks or the referral settlement now', params: z.strictObject({ job: z.enum(['perks', 'settle-referrals']) }), body: z.strictObject({ day: isoDate.optional() }).optional() },
    preHandler: needs(db, 'loyalty.configure'),
  }, async (req) => (req.params.job === 'perks' ? runPerks(db, { day: req.body?.day, timeZone: tz }) : settleReferrals(db, { timeZone: tz })));
}

/** Daily, in the business time zone: perks at 00:10 (birthdays on the day), referral settlement at 04:30. */
export function rewardsJobs({ db, config }: { db: Db; config: Config }): JobDefinition[] {
  return [
    { name: 'loyalty.perks', cron: '10 0 * * *', policy: 'stately', handler: () => runPerks(db, { timeZone: config.timezone }) },
    { name: 'loyalty.settle-referrals', cron: '30 4 * * *', policy: 'stately', handler: () => settleReferrals(db, { timeZone: config.timezone }) },
  ];
}
