/**
 * `npm run bench -- scoring [--customers N] [--lines M] [--fresh]`: the nightly scoring pass end to end —
 * set-based summary of purchases, RFM, value grade, BG/NBD and Gamma-Gamma fits, predictions and the bulk
 * write of customer_scores. Uses the data already in the bench database (bench/generate.ts) when it has
 * enough customers; otherwise seeds its own with set-based SQL (not timed).
 * Target: 1,000,000 customers and 20,000,000 purchases in under 60 s on 2 cores.
 */
import { cpus, loadavg } from 'node:os';
import { benchDb, timed } from './lib.ts';
import { runScoring } from '../src/modules/analytics/index.ts';
import type { Db } from '../src/db/client.ts';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/**
 * BG/NBD-shaped data: each customer has a purchase rate λ (exponential across customers), a dropout
 * probability p and a first purchase up to two years ago; repeats are the first min(K, N) of the
 * Poisson arrivals (K ~ geometric(p) purchases before dropping out), spread uniformly over the alive span.
 * 1 line in 50 is a return.
 */
async function seed(db: Db, customers: number, lines: number) {
  const rateScale = (0.1 * Math.max(1, lines / customers)) / 20;
  await db.query(`INSERT INTO customers (name) SELECT '会员' || g FROM generate_series(1, $1::int) g`, [customers]);
  const batch = 100000;
  const maxId = (await db.query('SELECT max(id) AS m FROM customers')).rows[0].m;
  for (let from = maxId - customers + 1; from <= maxId; from += batch) {
    await db.query(
      `WITH c AS (
         SELECT g AS id, t, least(k, n, 300) AS x, CASE WHEN k < n THEN t * k / n ELSE t END AS span
           FROM (SELECT g, t,
                        floor(ln(1 - random()) / ln(1 - p))::int AS k,
                        floor(lambda * t * (0.5 + random()))::int AS n
                   FROM (SELECT g, 30 + random() * 700 AS t, -ln(1 - random()) * $3::float8 AS lambda, 0.005 + random() * 0.2 AS p
                           FROM generate_series($1::bigint, $2::bigint) g) a) b)
       INSERT INTO purchases (customer_id, kind, channel, source, external_id, purchased_at, total_fen, paid_fen)
       SELECT c.id, CASE WHEN k > 0 AND random() < 0.02 THEN 'return' ELSE 'sale' END, 'store', 'bench', 'b' || c.id || '-' || k,
              now() - (c.t - CASE WHEN k = 0 THEN 0 ELSE random() * c.span END) * interval '1 day', f, f
         FROM c, LATERAL (SELECT k, (1000 + floor(random() * 50000))::bigint AS f FROM generate_series(0, c.x) k) p`,
      [from, Math.min(maxId, from + batch - 1), rateScale],
    );
  }
  await db.exec('ANALYZE purchases; ANALYZE customers');
}

export default async function scoringBench(args: string[]) {
  const customers = arg(args, 'customers', 20000);
  const lines = arg(args, 'lines', customers * 20);
  const db = await benchDb({ fresh: args.includes('--fresh'), poolSize: 4 });
  try {
    const have = (await db.query(`SELECT count(*)::int AS n FROM customers`)).rows[0].n;
    if (have < customers) await timed(`seed ${customers} customers, ~${lines} purchases (not part of the figure)`, () => seed(db, customers, lines));
    const counts = (await db.query(`SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM purchases)::int AS purchases`)).rows[0];
    console.log(`data: ${counts.customers} customers, ${counts.purchases} purchases; load average before ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
    const started = performance.now();
    const report = await runScoring(db, { timezone: 'Asia/Shanghai', trigger: 'manual', requestedBy: 'bench' });
    const total = (performance.now() - started) / 1000;
    console.log(`scoring: ${report.customers} customers scored in ${total.toFixed(2)} s end to end`);
    console.log(`phases (ms): ${JSON.stringify(report.timings)}`);
    console.log(`BG/NBD: converged ${report.bgnbd.converged}, n ${report.bgnbd.n}, LL ${report.bgnbd.logLik?.toFixed(1)}, params ${JSON.stringify(report.bgnbd.params)}`);
    console.log(`Gamma-Gamma: converged ${report.gammaGamma.converged}, n ${report.gammaGamma.n}, params ${JSON.stringify(report.gammaGamma.params)}`);
    const fit = (await db.query(`SELECT diagnostics FROM model_fits WHERE model = 'bgnbd' ORDER BY id DESC LIMIT 1`)).rows[0]?.diagnostics;
    console.log(`BG/NBD fit detail: ${JSON.stringify(fit)}; load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await db.close();
  }
}
