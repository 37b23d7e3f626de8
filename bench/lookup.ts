/**
 * The till's lookup under load: `GET /api/customers/lookup?mobile=…` and `?cardNo=…` with an API key, 50
 * connections for 10 s each, over real numbers of random members plus a share of numbers nobody has (404).
 * `npm run bench -- lookup` (1,000,000 members on the PostgreSQL bench database) or
 * `npm run bench -- lookup --pglite --customers 100000` (embedded PGlite under .bench-data/).
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BENCH_URL, rng, startBenchServer, type LoadResult } from './lib.ts';
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

/** CPU seconds used so far by each PostgreSQL backend serving this database (only when the server runs on this machine). */
async function backendCpu(db: Db): Promise<Map<number, number> | null> {
  const out = new Map<number, number>();
  if (db.kind !== 'postgres') return out;
  const pids = (await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`)).rows.map((r) => Number(r.pid));
  try {
    for (const pid of pids) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100); // utime and stime, fields 14 and 15 of stat
    }
  } catch {
    return null;
  }
  return out;
}

/** CPU the backends spent between two snapshots; a backend that started in between counts whole. */
function cpuBetween(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let s = 0;
  for (const [pid, t] of after) s += t - (before.get(pid) ?? 0);
  return s;
}

/** One load run in a child process; returns the figures and the CPU the server (and its database) spent on it. */
async function run(db: Db, spec: { label: string; url: string; paths: string[]; connections: number; duration: number; quiet?: boolean }, key: string) {
  const file = join(tmpdir(), `patron-lookup-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support', 'load-child.ts'), file], {
    env: { ...process.env, PATRON_BENCH_API_KEY: key },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let node0 = process.cpuUsage();
  let pg0: Map<number, number> | null = null;
  let started = false;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise<void>((ready) => {
    child.stdout.on('data', async (d) => {
      out += d;
      if (!started && out.includes('READY')) {
        started = true;
        node0 = process.cpuUsage();
        pg0 = await backendCpu(db);
        child.stdin.write('go\n');
        ready();
      }
    });
    void exited.then(() => ready());
  });
  await exited;
  rmSync(file, { force: true });
  const node = process.cpuUsage(node0);
  const pg1 = await backendCpu(db);
  for (const line of out.split('\n')) if (line && line !== 'READY' && !line.startsWith('RESULT ')) console.log(line);
  const result = JSON.parse(/^RESULT (.*)$/m.exec(out)?.[1] ?? 'null') as LoadResult | null;
  if (!result) throw new Error(`the load run failed:\n${out}`);
  return { result, nodeSeconds: (node.user + node.system) / 1e6, pgSeconds: cpuBetween(pg0, pg1) };
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
  try {
    const warm = await fetch(`${base}${paths.mobile[0]}`, { headers: { authorization: `Bearer ${key}` } });
    if (warm.status !== 200 && warm.status !== 404) throw new Error(`lookup answered ${warm.status}: ${await warm.text()}`);
    const where = `${pglite ? 'PGlite' : 'PostgreSQL'}, ${customers.toLocaleString('en')} members`;
    // Warm the JIT and the database's caches first, unreported.
    await run(db, { label: 'warm-up', url: base, paths: [...paths.mobile, ...paths.card], connections, duration: 6, quiet: true }, key);
    for (const [kind, list] of [['mobile', paths.mobile], ['card', paths.card]] as const) {
      const { result: r, nodeSeconds, pgSeconds } = await run(db, { label: `lookup by ${kind} (${where})`, url: base, paths: list, connections, duration }, key);
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
