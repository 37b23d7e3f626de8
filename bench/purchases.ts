/**
 * Purchase ingestion against PostgreSQL: (a) the bulk API, 1,000 purchases of ~3 lines per request, in purchase
 * lines per second; (b) single purchases from 50 connections for 10 s, in requests per second and p99. Both load
 * clients run in their own process, as tills and POS integrations do; the server's CPU is measured apart from theirs.
 * `npm run bench -- purchases [--customers 1000000] [--stores 1500] [--products 5000] [--bulk-requests 30] [--bulk-concurrency 2] [--duration 10] [--connections 50]`
 * Seeds its own chain set-based in SQL (bench/generate.ts had not landed on main when this was written).
 */
import { cpus } from 'node:os';
import { SYSTEM_ACTOR, createApiKey } from '../src/modules/staff/index.ts';
import { benchDb, bulkInChild, loadInChild, serverCpu, serverPauses, seedTillChain, startBenchServer, tillPurchases, timed, warmUpChain } from './lib.ts';

// Its own database, recreated every run, so the shared generated chain in patron_bench is never dropped.
const URL = process.env.PATRON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/patron_bench_purchases';

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}

export default async function (args: string[]) {
  const customers = arg(args, 'customers', 100_000);
  const stores = arg(args, 'stores', 1_500);
  const products = arg(args, 'products', 5_000);
  const bulkRequests = arg(args, 'bulk-requests', 30);
  const bulkConcurrency = arg(args, 'bulk-concurrency', 2);
  const duration = arg(args, 'duration', 10);
  const connections = arg(args, 'connections', 50);
  console.log(`database ${URL}: ${customers} customers, ${stores} stores, ${products} products`);
  const db = await benchDb({ url: URL, fresh: true, poolSize: 40 });

  const chain = { stores, products, customers };
  await timed('seed stores, products, customers (set-based SQL)', () => seedTillChain(db, chain));
  const { key } = await createApiKey(db, SYSTEM_ACTOR, { name: 'bench POS', scopes: ['sales.write'], storeIds: [] });
  const { app, url } = await startBenchServer(db);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };

  const purchase = tillPurchases(42, chain, { byMobile: true, purchasedAt: (rand) => new Date(Date.now() - Math.floor(rand() * 300 * 86_400_000)) });
  await timed('warm-up: 5,000 purchases booked, then VACUUM ANALYZE', () => warmUpChain(db, url, headers, purchase));

  // (a) bulk
  const bodies = Array.from({ length: bulkRequests }, () => {
    const items = Array.from({ length: 1000 }, () => purchase('bench-bulk'));
    return { lines: items.reduce((s, p) => s + p.lines.length, 0), body: JSON.stringify({ purchases: items }) };
  });
  const totalLines = bodies.reduce((s, b) => s + b.lines, 0);
  const { result: bulk, nodeSeconds: bulkNode, pgSeconds, server } = await bulkInChild(db, {
    url, headers, bodies: bodies.map((b) => b.body), perRequest: 1000, concurrency: bulkConcurrency,
  });
  console.log(
    `bulk: ${bulkRequests} requests × 1,000 purchases, ${totalLines} lines in ${bulk.seconds.toFixed(2)} s = ${Math.round(totalLines / bulk.seconds)} lines/s ` +
      `(${Math.round((bulkRequests * 1000) / bulk.seconds)} purchases/s; per request p50 ${Math.round(bulk.p50)} ms, ` +
      `max ${Math.round(bulk.max)} ms; ${bulkConcurrency} in flight; ${bulk.failed} failed requests; ${cpus().length} cores; target > 20,000 lines/s)`,
  );
  console.log(serverCpu('bulk purchase', bulkRequests * 1000, bulkNode, pgSeconds));
  console.log(serverPauses(server));

  // (b) single purchases, from a load generator in its own process; a fresh externalId per request so every one books.
  const pool = Array.from({ length: 5000 }, () => purchase('bench-single'));
  const { result: r, nodeSeconds, pgSeconds: pgSingle } = await loadInChild(db, {
    label: 'single purchases (target > 1,500 req/s, p99 < 50 ms)', url, connections, duration,
    headers: { authorization: headers.authorization }, post: { path: '/api/purchases', bodies: pool, uniqueExternalId: 'S' },
  });
  const booked = await db.query(`SELECT count(*) FILTER (WHERE source = 'bench-single')::int AS single, count(*) FILTER (WHERE source = 'bench-bulk')::int AS bulk FROM purchases`);
  console.log(serverCpu('single purchase', r.requests, nodeSeconds, pgSingle));
  console.log(`booked: ${booked.rows[0].bulk} bulk, ${booked.rows[0].single} single purchases (${r.non2xx} non-2xx)`);
  await app.close();
  await db.close();
}
