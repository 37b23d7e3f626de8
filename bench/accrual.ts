/**
 * `npm run bench -- accrual [--hook] [--batches=20] [--members=20000]`: earn evaluation and booking.
 * `--hook` drives the loyalty purchase hook directly (purchases written set-based, then `notifyPurchasesRecorded`
 * for batches of 1,000 in one transaction each), measuring lines evaluated and booked per second by loyalty alone.
 * Without `--hook` it goes through the sales API once that is on main (`POST /api/purchases`).
 */
import { benchDb, rng, timed } from './lib.ts';
import type { Db } from '../src/db/client.ts';
import '../src/modules/registry.ts';
import { notifyPurchasesRecorded, type RecordedPurchase } from '../src/modules/sales/index.ts';

const URL = process.env.PATRON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/patron_bench_loyalty_accrual';
const CATEGORIES = ['护肤', '彩妆', '香水', '个护', '母婴'];

async function seedMembers(db: Db, n: number): Promise<number[]> {
  const r = await db.query(`INSERT INTO customers (name) SELECT '会员' || g FROM generate_series(1, $1::int) g RETURNING id`, [n]);
  return r.rows.map((x) => x.id);
}

async function hookBench(db: Db, batches: number, members: number) {
  const ids = await timed(`seed ${members} members`, () => seedMembers(db, members));
  const random = rng(42);
  let lines = 0;
  let purchases = 0;
  let hookMs = 0;
  for (let b = 0; b < batches; b++) {
    const batch: RecordedPurchase[] = [];
    await db.tx(async (tx) => {
      const specs = Array.from({ length: 1000 }, () => {
        const n = 1 + Math.floor(random() * 5);
        const ls = Array.from({ length: n }, (_, i) => {
          const amount = 1_000 + Math.floor(random() * 50_000);
          return { lineNo: i + 1, productId: null, sku: `SKU-${Math.floor(random() * 500)}`, category: CATEGORIES[Math.floor(random() * CATEGORIES.length)]!, quantity: 1, unitPriceFen: amount, amountFen: amount };
        });
        return { customerId: ids[Math.floor(random() * ids.length)]!, lines: ls, total: ls.reduce((s, l) => s + l.amountFen, 0) };
      });
      const r = await tx.query(
        `INSERT INTO purchases (customer_id, kind, channel, source, external_id, purchased_at, total_fen, paid_fen, item_count)
         SELECT c, 'sale', 'store', 'bench', gen_random_uuid()::text, now(), t, t, n FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS u(c, t, n)
         RETURNING id, customer_id`,
        [specs.map((s) => s.customerId), specs.map((s) => s.total), specs.map((s) => s.lines.length)],
      );
      r.rows.forEach((row, i) => {
        const s = specs[i]!;
        batch.push({ customerId: row.customer_id, purchaseId: row.id, kind: 'sale', originalPurchaseId: null, storeId: null, channel: 'store', purchasedAt: new Date(), totalFen: s.total, paidFen: s.total, lines: s.lines });
        lines += s.lines.length;
      });
      const started = performance.now();
      const timings: [number, string][] = [];
      const traced = process.env.TRACE && b === batches - 1
        ? { ...tx, query: async (text: string, params?: unknown[]) => { const t0 = performance.now(); const r = await tx.query(text, params); timings.push([performance.now() - t0, text.replace(/\s+/g, ' ').slice(0, 90)]); return r; } }
        : tx;
      const out = await notifyPurchasesRecorded(traced as typeof tx, batch);
      for (const [ms, sql] of timings) console.log(`  ${ms.toFixed(1).padStart(7)} ms  ${sql}`);
      hookMs += performance.now() - started;
      if (out.size !== batch.length) throw new Error('the hook did not answer for every purchase');
    });
    purchases += batch.length;
  }
  console.log(`hook, batches of 1,000: ${purchases} purchases, ${lines} lines in ${(hookMs / 1000).toFixed(2)} s of hook time → ${Math.round(lines / (hookMs / 1000)).toLocaleString()} lines/s, ${(hookMs / batches).toFixed(0)} ms per batch (target > 20,000 lines/s)`);
  const check = await db.query(`SELECT count(*)::int AS bad FROM loyalty_accounts a WHERE a.points_balance <> (SELECT coalesce(sum(points), 0) FROM loyalty_ledger l WHERE l.customer_id = a.customer_id)`);
  console.log(`balance = ledger sum for every member: ${check.rows[0].bad === 0 ? 'yes' : `NO (${check.rows[0].bad})`}`);
}

export default async function (args: string[]) {
  const arg = (name: string, def: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
  const db = await benchDb({ url: URL, fresh: true, poolSize: 20 });
  try {
    if (args.includes('--hook')) await hookBench(db, arg('batches', 20), arg('members', 20_000));
    else console.log('The HTTP accrual bench needs the sales API (POST /api/purchases); run with --hook until sales is on main.');
  } finally {
    await db.close();
  }
}
