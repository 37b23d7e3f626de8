import { z } from 'zod';
import type { Db, Queryable } from '../../db/client.ts';
import { fieldError, notFound } from '../../http/errors.ts';
import { isoDate, nonEmptyText, text } from '../../lib/validation.ts';
import { businessToday } from '../../lib/dates.ts';
import { bookPoints, SYSTEM } from './ledger.ts';
import { expiryFor } from './programme.ts';
import { currentProgramme } from './store.ts';
import { issueCoupons } from './coupons.ts';

/** Members per transaction when a perk goes to everyone: a crash resumes where it stopped (the grants are the marker). */
export const PERK_CHUNK = 50_000;

export const birthdayPerksInput = z.strictObject({
  tiers: z.array(z.strictObject({
    tierCode: nonEmptyText(32),
    points: z.number().int('must be a whole number of points').min(0, 'must not be negative').max(1e7),
    templateId: z.number().int().positive().nullable().default(null),
  })).max(20),
});

export const holidayInput = z.strictObject({
  code: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lower-case letters, digits, - and _'),
  nameZh: nonEmptyText(60),
  nameEn: text(60).default(''),
  day: isoDate,
  tierCodes: z.array(nonEmptyText(32)).max(20).default([]),
  points: z.number().int('must be a whole number of points').min(0, 'must not be negative').max(1e7).default(0),
  templateId: z.number().int().positive().nullable().default(null),
  active: z.boolean().default(true),
});
export type HolidayInput = z.output<typeof holidayInput>;

async function checkTemplateRef(q: Queryable, path: string, templateId: number | null) {
  if (templateId == null) return;
  const r = await q.query(`SELECT 1 FROM coupon_templates WHERE id = $1`, [templateId]);
  if (!r.rows[0]) throw fieldError(path, 'unknown coupon template', '优惠券模板不存在');
}

export async function birthdayPerks(q: Queryable) {
  const r = await q.query(`SELECT tier_code AS "tierCode", points, template_id AS "templateId" FROM loyalty_birthday_perks ORDER BY tier_code`);
  return { timing: 'day', tiers: r.rows };
}

export async function setBirthdayPerks(tx: Queryable, input: z.output<typeof birthdayPerksInput>) {
  for (const [i, t] of input.tiers.entries()) await checkTemplateRef(tx, `tiers.${i}.templateId`, t.templateId);
  await tx.query(`DELETE FROM loyalty_birthday_perks`);
  await tx.query(
    `INSERT INTO loyalty_birthday_perks (tier_code, points, template_id) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])`,
    [input.tiers.map((t) => t.tierCode), input.tiers.map((t) => t.points), input.tiers.map((t) => t.templateId)],
  );
  return birthdayPerks(tx);
}

const HOLIDAY_COLUMNS = `id, code, name_zh AS "nameZh", name_en AS "nameEn", day, tier_codes AS "tierCodes", points, template_id AS "templateId", active, updated_at AS "updatedAt"`;

export async function listHolidays(q: Queryable) {
  return (await q.query(`SELECT ${HOLIDAY_COLUMNS} FROM loyalty_holidays ORDER BY day DESC, id`)).rows;
}

export async function saveHoliday(tx: Queryable, input: HolidayInput, id?: number) {
  if (input.points === 0 && input.templateId == null) throw fieldError('points', 'give points or a coupon template', '请设置积分或优惠券');
  await checkTemplateRef(tx, 'templateId', input.templateId);
  const params = [input.code, input.nameZh, input.nameEn, input.day, input.tierCodes, input.points, input.templateId, input.active];
  const r = id == null
    ? await tx.query(`INSERT INTO loyalty_holidays (code, name_zh, name_en, day, tier_codes, points, template_id, active) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING ${HOLIDAY_COLUMNS}`, params)
    : await tx.query(`UPDATE loyalty_holidays SET code=$1, name_zh=$2, name_en=$3, day=$4, tier_codes=$5, points=$6, template_id=$7, active=$8, updated_at=now() WHERE id=$9 RETURNING ${HOLIDAY_COLUMNS}`, [...params, id]);
  if (!r.rows[0]) throw notFound('Holiday', '节日');
  return r.rows[0];
}

interface Occasion {
  occasion: string;
  year: number;
  points: number | null;
  templateId: number | null;
  /** SQL over customers c (active) joined to their tier code `tier`: the members this occasion is for. */
  where: string;
  params: unknown[];
}

/**
 * Grants one occasion to its members, chunk by chunk of customer ids: each chunk is one transaction that records the
 * grants (ON CONFLICT DO NOTHING: a second run or an overlapping runner grants nobody twice), books the points in one
 * ledger batch and issues the coupons in one statement.
 */
async function grantOccasion(db: Db, o: Occasion, timeZone: string): Promise<{ granted: number; points: number; coupons: number }> {
  const bounds = (await db.query(`SELECT coalesce(min(id), 0) AS lo, coalesce(max(id), 0) AS hi FROM customers`)).rows[0];
  const { programme, version } = await currentProgramme(db);
  const entryTier = programme.tiers[0]?.code ?? null;
  const expiresAt = expiryFor(programme, new Date(), timeZone);
  const out = { granted: 0, points: 0, coupons: 0 };
  const n = o.params.length;
  for (let lo = bounds.lo - 1; lo < bounds.hi; lo += PERK_CHUNK) {
    await db.tx(async (tx) => {
      const r = await tx.query(
        `INSERT INTO loyalty_perk_grants (customer_id, occasion, year, points, template_id)
         SELECT c.id, $${n + 1}, $${n + 2}, coalesce(x.points, 0), x.template_id
           FROM customers c
           LEFT JOIN loyalty_accounts a ON a.customer_id = c.id
           LEFT JOIN loyalty_tiers lt ON lt.id = a.tier_id
           CROSS JOIN LATERAL (SELECT coalesce(lt.code, $${n + 3}) AS tier) t
           CROSS JOIN LATERAL (${o.where}) x
          WHERE c.id > $${n + 4} AND c.id <= $${n + 5} AND c.status = 'active'
         ON CONFLICT DO NOTHING
         RETURNING customer_id, points, template_id`,
        [...o.params, o.occasion, o.year, entryTier, lo, lo + PERK_CHUNK],
      );
      if (r.rows.length === 0) return;
      out.granted += r.rows.length;
      const ref = { type: 'perk', id: `${o.occasion}:${o.year}` };
      const credited = r.rows.filter((x) => x.points > 0);
      if (credited.length) {
        await bookPoints(tx, credited.map((x) => ({
          customerId: x.customer_id, kind: 'award' as const, points: x.points, reasonCode: 'PERK', reason: o.occasion, ref, programmeVersion: version, expiresAt,
          details: { occasion: o.occasion, year: o.year },
        })), { actor: SYSTEM, entryTierCode: entryTier });
        out.points += credited.reduce((a, x) => a + x.points, 0);
      }
      const byTemplate = new Map<number, number[]>();
      for (const x of r.rows) {
        if (x.template_id == null) continue;
        const ids = byTemplate.get(x.template_id);
        if (ids) ids.push(x.customer_id);
        else byTemplate.set(x.template_id, [x.customer_id]);
      }
      for (const [templateId, ids] of byTemplate) {
        const live = await tx.query(`SELECT 1 FROM coupon_templates WHERE id = $1 AND active AND (valid_to IS NULL OR valid_to > now())`, [templateId]);
        if (!live.rows[0]) continue;
        const issued = await issueCoupons(tx, templateId, ids, { reason: 'perk', ref, partial: true });
        out.coupons += issued.issued.length;
      }
    });
  }
  return out;
}

const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * The daily perks run for a business day: birthdays on the day itself (29 February birthdays on 28 February in other
 * years), at the birthday perk of the member's tier; and every active holiday falling on the day, for its tiers.
 */
export async function runPerks(db: Db, opts: { day?: string; timeZone: string }) {
  const day = opts.day ?? businessToday(opts.timeZone);
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const feb28Catch = m === 2 && d === 28 && !leap(y);
  const results: Record<string, { granted: number; points: number; coupons: number }> = {};
  const hasBirthdayPerks = (await db.query(`SELECT 1 FROM loyalty_birthday_perks WHERE points > 0 OR template_id IS NOT NULL LIMIT 1`)).rows[0];
  if (hasBirthdayPerks) {
    results.birthday = await grantOccasion(db, {
      occasion: 'birthday', year: y, points: null, templateId: null,
      where: `SELECT bp.points, bp.template_id FROM loyalty_birthday_perks bp
               WHERE bp.tier_code = t.tier AND (bp.points > 0 OR bp.template_id IS NOT NULL) AND c.birthday IS NOT NULL
                 AND extract(month FROM c.birthday) = $1 AND (extract(day FROM c.birthday) = $2 OR ($3 AND extract(day FROM c.birthday) = 29))`,
      params: [m, d, feb28Catch],
    }, opts.timeZone);
  }
  const holidays = (await db.query(`SELECT id, code, tier_codes, points, template_id FROM loyalty_holidays WHERE active AND day = $1::date ORDER BY id`, [day])).rows;
  for (const h of holidays) {
    results[`holiday:${h.code}`] = await grantOccasion(db, {
      occasion: `holiday:${h.code}`, year: y, points: h.points, templateId: h.template_id,
      where: `SELECT $1::bigint AS points, $2::bigint AS template_id WHERE cardinality($3::text[]) = 0 OR t.tier = ANY($3::text[])`,
      params: [h.points, h.template_id, h.tier_codes],
    }, opts.timeZone);
  }
  return { day, results };
}

export async function perkGrants(q: Queryable, opts: { from: string; to: string; timeZone: string }) {
  const r = await q.query(
    `SELECT occasion, year, count(*)::int AS members, coalesce(sum(points), 0)::bigint AS points, count(template_id)::int AS coupons
       FROM loyalty_perk_grants WHERE granted_at >= ($1::date)::timestamp AT TIME ZONE $3 AND granted_at < (($2::date + 1)::timestamp AT TIME ZONE $3)
      GROUP BY occasion, year ORDER BY year DESC, occasion`,
    [opts.from, opts.to, opts.timeZone],
  );
  return r.rows;
}
