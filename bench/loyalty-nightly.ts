/**
 * `npm run bench -- loyalty-nightly [--members=1000000] [--reuse]`: the nightly tier evaluation and points expiry over
 * a seeded population. Seeds set-based: members, two purchases each in the window (some enough for silver or gold,
 * some gold members who no longer qualify), and 1–2 earn lots each, a third of them past their expiry date.
 */
import { benchDb, timed } from './lib.ts';
import { evaluateAllTiers } from '../src/modules/loyalty/tiers.ts';
import { expirePoints } from '../src/modules/loyalty/expiry.ts';

const URL = process.env.PATRON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/patron_bench_loyalty';

export default async function (args: string[]) {
  const members = Number(args.find((a) => a.startsWith('--members='))?.split('=')[1] ?? 1_000_000);
  const reuse = args.includes('--reuse');
  const db = await benchDb({ url: URL, fresh: !reuse, poolSize: 4 });
  const have = (await db.query('SELECT count(*)::bigint AS n FROM loyalty_accounts')).rows[0].n;
  if (have < members) {
    console.log(`seeding ${members.toLocaleString()} members…`);
    await timed('seed customers', () => db.query(`INSERT INTO customers (name, registered_at) SELECT '会员' || g, now() - interval '3 years' FROM generate_series(1, $1::int) g`, [members]));
    await timed('seed purchases', () => db.query(
      `INSERT INTO purchases (customer_id, kind, channel, source, external_id, purchased_at, total_fen, paid_fen, item_count)
       SELECT c.id, 'sale', 'store', 'bench', c.id || '-' || k, now() - ((c.id * 7 + k * 131) % 360) * interval '1 day',
              amt, amt, 1
         FROM customers c CROSS JOIN generate_series(1, 2) k
         CROSS JOIN LATERAL (SELECT CASE WHEN c.id % 10 = 0 THEN 500000 WHEN c.id % 10 = 1 THEN 120000 ELSE 8000 + (c.id % 97) * 100 END AS amt) a`,
    ));
    await timed('seed accounts', () => db.query(
      `INSERT INTO loyalty_accounts (customer_id, tier_id, tier_since, points_balance)
       SELECT c.id, (SELECT id FROM loyalty_tiers WHERE code = CASE WHEN c.id % 10 = 5 THEN 'gold' ELSE 'regular' END), now() - interval '2 years',
              CASE WHEN c.id % 2 = 0 THEN 300 ELSE 100 END
         FROM customers c`,
    ));
    await timed('seed ledger and lots', async () => {
      await db.query(
        `INSERT INTO loyalty_ledger (customer_id, kind, points, reason_code, ref_type, ref_id, expires_at, created_at)
         SELECT c.id, 'earn', CASE WHEN k = 1 THEN 100 ELSE 200 END, 'PURCHASE', 'seed', c.id || '-' || k,
                CASE WHEN k = 1 AND c.id % 3 = 0 THEN now() - interval '1 day' ELSE now() + interval '1 year' END, now() - interval '1 year'
           FROM customers c CROSS JOIN generate_series(1, 2) k WHERE k = 1 OR c.id % 2 = 0`,
      );
      await db.query(
        `INSERT INTO loyalty_lots (customer_id, ledger_id, points, remaining, earned_at, expires_at)
         SELECT customer_id, id, points, points, created_at, expires_at FROM loyalty_ledger WHERE kind = 'earn' AND ref_type = 'seed'`,
      );
    });
    await timed('vacuum analyze', () => db.exec('VACUUM ANALYZE'));
  } else {
    console.log(`reusing ${have.toLocaleString()} members: back to the seeded state…`);
    await timed('reset', async () => {
      // The ledger refuses deletes (append-only); this bench database's owner lifts that for the reset only.
      await db.exec(`ALTER TABLE loyalty_ledger DISABLE TRIGGER loyalty_ledger_never_deleted; DELETE FROM loyalty_ledger WHERE kind = 'expire'; ALTER TABLE loyalty_ledger ENABLE TRIGGER loyalty_ledger_never_deleted`);
      await db.query(`UPDATE loyalty_lots SET remaining = points, expired_at = NULL, expired_points = NULL WHERE expired_at IS NOT NULL`);
      await db.query(
        `UPDATE loyalty_accounts SET points_balance = CASE WHEN customer_id % 2 = 0 THEN 300 ELSE 100 END, tier_downgrade_at = NULL,
                tier_id = (SELECT id FROM loyalty_tiers WHERE code = CASE WHEN customer_id % 10 = 5 THEN 'gold' ELSE 'regular' END)`,
      );
      await db.query(`DELETE FROM loyalty_tier_changes`);
      await db.exec('VACUUM ANALYZE');
    });
  }

  const started = performance.now();
  const tiers = await timed('tier evaluation', () => evaluateAllTiers(db, { force: true }));
  console.log('  ', tiers);
  const expiry = await timed('points expiry', () => expirePoints(db));
  console.log('  ', expiry);
  const again = await timed('points expiry, second run (nothing left to do)', () => expirePoints(db));
  console.log('  ', again);
  const total = (performance.now() - started) / 1000;
  const settled = await timed('tier evaluation, next night (settled: nothing changes)', () => evaluateAllTiers(db, { force: true }));
  console.log('  ', settled);
  console.log(`nightly total over ${members.toLocaleString()} members: ${total.toFixed(1)} s (target < 60 s)`);
  const check = await db.query(
    `SELECT count(*)::bigint AS bad FROM loyalty_accounts a
      WHERE a.points_balance <> (SELECT coalesce(sum(points), 0) FROM loyalty_ledger l WHERE l.customer_id = a.customer_id)
        AND a.customer_id % 1000 = 7`,
  );
  console.log(`balance = ledger sum on a 0.1% sample: ${check.rows[0].bad === 0 ? 'yes' : `NO (${check.rows[0].bad} differ)`}`);
  await db.close();
}
