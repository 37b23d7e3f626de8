/**
 * The till's lookup under load: `GET /api/customers/lookup?mobile=…` and `?cardNo=…` with an API key, 50
 * connections for 10 s each, over real numbers of random members plus a share of numbers nobody has (404).
 * `npm run bench -- lookup` (1,000,000 members on the PostgreSQL bench database) or
 * `npm run bench -- lookup --pglite --customers 100000` (embedded PGlite under .bench-data/).
 */
import { cpus, loadavg } from 'node:os';
import { BENCH_URL, loadInChild, rng, startBenchServer } from './lib.ts';
import { benchChain } from './generate.ts';
import { createApiKey, SYSTEM_ACTOR } from '../src/modules/staff/index.ts';
import type { Db } from '../src/db/client.ts';

const SAMPLE = 20_000;
const MISS_SHARE = 0.1;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Paths over real members' numbers picked at random, with every tenth one a number nobody has. */
async function lookupPaths(db: Db, customers: number, seed: number): Promise<{ mobile: string[]; card: string[] }> {
  const rand = rng(seed);
  const ids = Array.from({ length: SAMPLE }, () => 1 + Math.floor(rand() * customers));
  const rows = (await db.query('SELECT id, mobile, card_no AS "cardNo" FROM customers WHERE id = ANY($1::bigint[])', [ids])).rows;
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const found = ids.map((id) => byId.get(id)).filter((r) => r != null);
  const candidates = Array.from({ length: Math.ceil(SAMPLE * MISS_SHARE * 1.2) }, () => `1${3 + Math.floor(rand() * 7)}${String(Math.floor(rand() * 1e9)).padStart(9, '0')}`);
  const taken = new Set((await db.query('SELECT mobile FROM customers WHERE mobile = ANY($1::text[])', [candidates])).rows.map((r) => r.mobile));
  const missingMobiles = candidates.filter((m) => !taken.has(m));
  const mobile: string[] = [];
  const card: string[] = [];
  found.forEach((r, i) => {
    const miss = rand() < MISS_SHARE;
    mobile.push(`/api/customers/lookup?mobile=${miss ? missingMobiles[i % missingMobiles.length] : r.mobile}`);
    // Generated cards start with 8, so a 9 is nobody's.
    card.push(`/api/customers/lookup?cardNo=${miss ? `9${String(Math.floor(rand() * 1e11)).padStart(11, '0')}` : r.cardNo}`);
  });
  return { mobile, card };
}

export default async function lookupBench(args: string[]) {
  const pglite = args.includes('--pglite');
  const customers = Number(option(args, '--customers') ?? (pglite ? 100_000 : 1_000_000));
  const url = option(args, '--url') ?? (pglite ? `.bench-data/lookup-pglite-${customers}` : BENCH_URL);
  const connections = Number(option(args, '--connections') ?? 50);
  const duration = Number(option(args, '--duration') ?? 10);
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`load average before: ${load()} on ${cpus().length} cores`);
  // Members only is enough here; a full chain of the same size is reused when present.
  const { db } = await benchChain({ url, customers, purchases: 0, minPurchases: 0, poolSize: Number(option(args, '--pool') ?? 10) });
  const { key } = await createApiKey(db, SYSTEM_ACTOR, { name: 'lookup benchmark', scopes: ['customers.read'], storeIds: [] });
  const paths = await lookupPaths(db, customers, 42);
  const { app, url: base } = await startBenchServer(db);
  const auth = { authorization: `Bearer ${key}` };
  try {
    const warm = await fetch(`${base}${paths.mobile[0]}`, { headers: { authorization: `Bearer ${key}` } });
    if (warm.status !== 200 && warm.status !== 404) throw new Error(`lookup answered ${warm.status}: ${await warm.text()}`);
    const where = `${pglite ? 'PGlite' : 'PostgreSQL'}, ${customers.toLocaleString('en')} members`;
    // Warm the JIT and the database's caches first, unreported.
    await loadInChild(db, { label: 'warm-up', url: base, headers: auth, paths: [...paths.mobile, ...paths.card], connections, duration: 6, quiet: true });
    for (const [kind, list] of [['mobile', paths.mobile], ['card', paths.card]] as const) {
      const { result: r, nodeSeconds, pgSeconds } = await loadInChild(db, { label: `lookup by ${kind} (${where})`, url: base, headers: auth, paths: list, connections, duration });
      const ok = r.p99 < 10 && r.rps > 3000;
      const perLookup = (s: number) => ((s * 1000) / Math.max(1, r.requests)).toFixed(3);
      const cpu = nodeSeconds + (pgSeconds ?? 0);
      // PGlite runs in the app's one thread, so it can use one core however many there are.
      const usable = pglite ? 1 : cpus().length;
      console.log(
        `  server CPU per lookup: app ${perLookup(nodeSeconds)} ms` +
          (pglite ? ' (PGlite runs inside it)' : pgSeconds != null ? ` + PostgreSQL ${perLookup(pgSeconds)} ms` : ' (PostgreSQL not measurable: not on this machine)') +
          ` → about ${Math.round((usable * r.requests) / Math.max(cpu, 1e-9)).toLocaleString('en')} lookups/s if ${usable === 1 ? 'its one core was' : `all ${usable} cores were`} free` +
          `; target p99 < 10 ms and > 3,000 req/s ${ok ? 'met' : 'missed'}; load average ${load()}`,
      );
    }
    console.log(`(about ${Math.round(MISS_SHARE * 100)} % of requests are misses and answer 404, counted as non-2xx)`);
  } finally {
    await app.close();
    await db.close();
  }
}
