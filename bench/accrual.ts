/**
 * `npm run bench -- accrual [--customers=100000] [--bulk-requests=20] [--bulk-concurrency=2] [--duration=10] [--connections=200] [--high=1500]`:
 * purchases through the sales API with earn evaluation (a skincare ×2 rule, a sku rule, a member-day promotion and
 * tier multipliers): bulk requests of 1,000 purchases (lines/s), then single purchases at 200 and at 1,500 connections.
 * `--hook [--batches=20] [--members=20000]` drives the loyalty purchase hook alone (purchases written set-based, then
 * `notifyPurchasesRecorded` for batches of 1,000), measuring what loyalty adds per line.
 */
import { cpus } from 'node:os';
import { SYSTEM_ACTOR, createApiKey } from '../src/modules/staff/index.ts';
import { saveProgramme, currentProgramme } from '../src/modules/loyalty/store.ts';
import { benchDb, bulkInChild, loadInChild, rng, serverCpu, serverPauses, seedTillChain, startBenchServer, tillPurchases, timed, warmUpChain } from './lib.ts';
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

async function apiBench(db: Db, arg: (name: string, def: number) => number) {
  const customers = arg('customers', 100_000);
  const products = 5_000;
  const chain = { stores: 300, products, customers };
  await timed(`seed 300 stores, ${products} products, ${customers} customers`, () => seedTillChain(db, chain));
  const { programme } = await currentProgramme(db);
  await db.tx((tx) => saveProgramme(tx, SYSTEM_ACTOR, {
    ...programme,
    earn: { ...programme.earn, rules: [{ id: 'skincare', category: '护肤', multiplierPct: 200, note: '' }, { id: 'p7', sku: 'P000007', multiplierPct: 500, note: '' }] },
    promotions: [{ code: 'memberday', nameZh: '会员日', nameEn: 'Member day', from: '2020-01-01', to: '2099-12-31', weekdays: [], tierCodes: [], segmentId: null, multiplierPct: 150, bonusPoints: 0, category: '彩妆' }],
  }));
  const { key } = await createApiKey(db, SYSTEM_ACTOR, { name: 'bench POS', scopes: ['sales.write'], storeIds: [] });
  const { app, url } = await startBenchServer(db);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const purchase = tillPurchases(7, chain);
  await timed('warm-up: 5,000 purchases booked, then VACUUM ANALYZE', () => warmUpChain(db, url, headers, purchase));

  const bulkRequests = arg('bulk-requests', 20);
  const bodies = Array.from({ length: bulkRequests }, () => {
    const items = Array.from({ length: 1000 }, () => purchase('accrual-bulk'));
    return { lines: items.reduce((s, p) => s + p.lines.length, 0), body: JSON.stringify({ purchases: items }) };
  });
  const totalLines = bodies.reduce((s, b) => s + b.lines, 0);
  const concurrency = arg('bulk-concurrency', 2);
  const { result: bulk, nodeSeconds, pgSeconds, server } = await bulkInChild(db, { url, headers, bodies: bodies.map((b) => b.body), perRequest: 1000, concurrency });
  const secs = bulk.seconds;
  console.log(`bulk: ${bulkRequests} × 1,000 purchases, ${totalLines} lines evaluated and booked in ${secs.toFixed(2)} s = ${Math.round(totalLines / secs).toLocaleString()} lines/s, ${bulk.pointsEarned.toLocaleString()} points earned, ${bulk.failed} failed requests, ${concurrency} in flight (${cpus().length} cores; target > 20,000 lines/s)`);
  console.log(serverCpu('bulk purchase', bulkRequests * 1000, nodeSeconds, pgSeconds));
  console.log(serverPauses(server));

  const pool = Array.from({ length: 5000 }, () => purchase('accrual-single'));
  for (const [label, connections, target] of [['200 connections', arg('connections', 200), 'target > 1,500 req/s, p99 < 100 ms'], ['1,500 connections', arg('high', 1500), 'target p99 < 1 s, no errors']] as const) {
    await loadInChild(db, {
      label: `single purchases with earn, ${label} (${target})`, url, connections, duration: arg('duration', 10),
      headers: { authorization: headers.authorization }, post: { path: '/api/purchases', bodies: pool, uniqueExternalId: label },
    });
  }
  const check = await db.query(`SELECT count(*)::int AS bad FROM loyalty_accounts a WHERE a.points_balance <> (SELECT coalesce(sum(points), 0) FROM loyalty_ledger l WHERE l.customer_id = a.customer_id)`);
  const n = await db.query(`SELECT count(*)::int AS n FROM loyalty_ledger WHERE kind = 'earn'`);
  console.log(`earn entries: ${n.rows[0].n}; balance = ledger sum for every member: ${check.rows[0].bad === 0 ? 'yes' : `NO (${check.rows[0].bad})`}`);
  await app.close();
}

export default async function (args: string[]) {
  const arg = (name: string, def: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
  const db = await benchDb({ url: URL, fresh: true, poolSize: 40 });
  try {
    if (args.includes('--hook')) await hookBench(db, arg('batches', 20), arg('members', 20_000));
    else await apiBench(db, arg);
  } finally {
    await db.close();
  }
}
