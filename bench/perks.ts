/**
 * `npm run bench -- perks [--members=1000000]`: the daily perks job over a seeded population — one birthday day
 * (~1/365 of members, points + coupon) and a holiday to every member (points + coupon) — then the same run again,
 * which must grant nobody twice. Seeds set-based in its own database.
 */
import assert from 'node:assert/strict';
import { benchDb, timed } from './lib.ts';
import { runPerks } from '../src/modules/loyalty/perks.ts';

const URL = process.env.PATRON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/patron_bench_rewards';
const DAY = '2031-11-11';

export default async function (args: string[]) {
  const members = Number(args.find((a) => a.startsWith('--members='))?.split('=')[1] ?? 1_000_000);
  const reuse = args.includes('--reuse');
  const db = await benchDb({ url: URL, fresh: !reuse, poolSize: 4 });
  const have = (await db.query('SELECT count(*)::int AS n FROM customers')).rows[0].n;
  if (reuse && have === members) {
    await timed('reset to the seeded state', async () => {
      for (const table of ['coupon_codes', 'coupons', 'loyalty_perk_grants', 'loyalty_ledger', 'loyalty_lots', 'loyalty_birthday_perks', 'loyalty_holidays', 'coupon_templates']) await db.exec(`TRUNCATE ${table} CASCADE`);
      await db.query('UPDATE loyalty_accounts SET points_balance = 0');
      await db.exec('VACUUM ANALYZE');
    });
  } else await timed(`seed ${members.toLocaleString()} customers and accounts`, async () => {
    await db.query(
      `INSERT INTO customers (name, birthday) SELECT '会员' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE date '1980-01-01' + (g % 365) END FROM generate_series(1, $1::int) g`,
      [members],
    );
    await db.query(
      `INSERT INTO loyalty_accounts (customer_id, tier_id, tier_since)
       SELECT c.id, (SELECT id FROM loyalty_tiers WHERE code = CASE WHEN c.id % 7 = 0 THEN 'gold' ELSE 'regular' END), now() FROM customers c`,
    );
    await db.exec('VACUUM ANALYZE');
  });
  const tpl = (await db.query(
    `INSERT INTO coupon_templates (name_zh, name_en, kind, amount_off_fen, min_spend_fen, valid_days) VALUES ('满200减30', '¥30 off', 'amount', 3000, 20000, 30) RETURNING id`,
  )).rows[0].id;
  await db.query(`INSERT INTO loyalty_birthday_perks (tier_code, points, template_id) VALUES ('regular', 50, $1), ('gold', 200, $1)`, [tpl]);
  await db.query(`INSERT INTO loyalty_holidays (code, name_zh, name_en, day, points, template_id) VALUES ('double11', '双十一', 'Singles Day', $1, 11, $2)`, [DAY, tpl]);
  const birthdays = (await db.query(
    `SELECT count(*)::int AS n FROM customers WHERE birthday IS NOT NULL AND extract(month FROM birthday) = 11 AND extract(day FROM birthday) = 11`,
  )).rows[0].n;

  const first = await timed(`perks run on ${DAY} (birthdays + holiday to all)`, () => runPerks(db, { day: DAY, timeZone: 'Asia/Shanghai' }));
  console.log(JSON.stringify(first.results));
  assert.equal(first.results.birthday!.granted, birthdays);
  assert.equal(first.results['holiday:double11']!.granted, members);
  const again = await timed('second run (must grant nobody)', () => runPerks(db, { day: DAY, timeZone: 'Asia/Shanghai' }));
  assert.equal(again.results.birthday!.granted, 0);
  assert.equal(again.results['holiday:double11']!.granted, 0);
  const check = (await db.query(
    `SELECT (SELECT count(*) FROM loyalty_perk_grants)::int AS grants, (SELECT count(*) FROM coupons)::int AS coupons,
            (SELECT count(*) FROM loyalty_accounts a WHERE a.points_balance <> (SELECT coalesce(sum(points), 0) FROM loyalty_ledger l WHERE l.customer_id = a.customer_id))::int AS off`,
  )).rows[0];
  console.log(`grants ${check.grants}, coupons ${check.coupons}, accounts whose balance differs from the ledger: ${check.off}`);
  assert.equal(check.grants, members + birthdays);
  assert.equal(check.coupons, members + birthdays);
  assert.equal(check.off, 0);
  await db.close();
}
