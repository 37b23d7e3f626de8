import pg from 'pg';
import autocannon from 'autocannon';
import { cpus, tmpdir } from 'node:os';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.ts';
import { openDb, type Db } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { buildApp } from '../src/http/app.ts';
import { inlineJobs } from '../src/jobs/runner.ts';
import type { FastifyInstance } from 'fastify';

export const BENCH_URL = process.env.PATRON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/patron_bench';

/** Opens (creating if needed) the benchmark database on the server and migrates it. */
export async function benchDb(opts: { url?: string; fresh?: boolean; poolSize?: number } = {}): Promise<Db> {
  const url = opts.url ?? BENCH_URL;
  if (url.startsWith('postgres')) {
    const u = new URL(url);
    const name = u.pathname.slice(1);
    u.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: u.toString() });
    await admin.connect();
    if (opts.fresh) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!exists.rows.length) await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  }
  const db = openDb({ databaseUrl: url.startsWith('postgres') ? url : undefined, dataDir: url.startsWith('postgres') ? undefined : url, poolSize: opts.poolSize ?? 40 });
  await migrate(db);
  return db;
}

/** The real app on 127.0.0.1 and a random port. */
export async function startBenchServer(db: Db): Promise<{ app: FastifyInstance; url: string }> {
  const config = { ...loadConfig({ PATRON_LOG_LEVEL: 'silent' }), jobs: false };
  const app = await buildApp({ db, config, jobs: inlineJobs([]) }, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** autocannon with fixed connections and duration; prints one line with the figures and the core count. */
export async function load(label: string, opts: autocannon.Options): Promise<LoadResult> {
  const r = await autocannon({ duration: 10, connections: 50, ...opts });
  const res: LoadResult = {
    requests: r.requests.total,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
  console.log(
    `${label}: ${res.rps} req/s, p50 ${res.p50} ms, p90 ${res.p90} ms, p99 ${res.p99} ms, ${res.requests} requests, ${res.errors} errors, ${res.non2xx} non-2xx (${cpus().length} cores, ${opts.connections ?? 50} connections)`,
  );
  return res;
}

export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const out = await fn();
  console.log(`${label}: ${((performance.now() - start) / 1000).toFixed(2)} s`);
  return out;
}

/** Deterministic pseudo-random numbers (mulberry32), so generated data is the same every run. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** CPU seconds used so far by each PostgreSQL backend serving this database (only when the server runs on this machine). */
export async function backendCpu(db: Db): Promise<Map<number, number> | null> {
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

/** The server's CPU per item served, as every bench prints it: the app's, and its PostgreSQL backends' where measurable. */
export function serverCpu(what: string, count: number, nodeSeconds: number, pgSeconds: number | null): string {
  const per = (seconds: number) => `${((seconds * 1000) / Math.max(1, count)).toFixed(3)} ms`;
  return `  server CPU per ${what}: app ${per(nodeSeconds)}` + (pgSeconds != null ? ` + PostgreSQL ${per(pgSeconds)}` : '');
}

/** CPU the backends spent between two snapshots; a backend that started in between counts whole. */
export function cpuBetween(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let s = 0;
  for (const [pid, t] of after) s += t - (before.get(pid) ?? 0);
  return s;
}

/** What one load run in a child process sends: GETs over `paths`, or POSTs of `post.bodies` each with a fresh externalId. */
export interface ChildLoadSpec {
  label: string;
  url: string;
  connections: number;
  duration: number;
  quiet?: boolean;
  headers?: Record<string, string>;
  paths?: string[];
  post?: { path: string; bodies: unknown[]; uniqueExternalId: string };
  /** GETs per second offered in all, steadily (bench/support/rate-child.ts); unset: each connection sends as fast as it is answered. */
  overallRate?: number;
}

/** What one bulk run in a child process sends: these bodies (each `perRequest` purchases) with `concurrency` requests in flight. */
export interface ChildBulkSpec {
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  perRequest: number;
  concurrency: number;
}

export interface BulkResult {
  seconds: number;
  failed: number;
  pointsEarned: number;
  p50: number;
  max: number;
}

/**
 * Runs a client script in its own process with a spec: it prints READY, the server's CPU (this process) and its
 * database's are measured from the go until it exits, and what it printed after `RESULT ` comes back parsed.
 */
async function runClientChild<S, R>(db: Db, script: string, spec: S): Promise<{ result: R; lines: string[]; nodeSeconds: number; pgSeconds: number | null; server: ServerPauses }> {
  const file = join(tmpdir(), `patron-client-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support', script), file], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let node0 = process.cpuUsage();
  let pg0: Map<number, number> | null = null;
  let started = false;
  let overflows0: number | null = null;
  const pauses: number[] = [];
  const record = (entries: PerformanceEntry[]) => { for (const e of entries) pauses.push(e.duration); };
  const collections = new PerformanceObserver((list) => record(list.getEntries()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise<void>((ready) => {
    child.stdout.on('data', async (d) => {
      out += d;
      if (!started && out.includes('READY')) {
        started = true;
        node0 = process.cpuUsage();
        overflows0 = listenOverflows();
        collections.observe({ entryTypes: ['gc'] });
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
  record(collections.takeRecords());
  collections.disconnect();
  const overflows1 = listenOverflows();
  const pg1 = await backendCpu(db);
  const lines = out.split('\n').filter((line) => line && line !== 'READY' && !line.startsWith('RESULT '));
  const result = JSON.parse(/^RESULT (.*)$/m.exec(out)?.[1] ?? 'null') as R | null;
  if (!result) throw new Error(`the client run failed:\n${out}`);
  const server = {
    gcPauses: pauses.length, gcMs: pauses.reduce((a, b) => a + b, 0), longestGcMs: Math.max(0, ...pauses),
    listenOverflows: overflows0 != null && overflows1 != null ? overflows1 - overflows0 : null,
  };
  return { result, lines, nodeSeconds: (node.user + node.system) / 1e6, pgSeconds: cpuBetween(pg0, pg1), server };
}

/** What held the server up during a client run: its garbage collections, and handshakes the kernel's listen queue dropped. */
export interface ServerPauses {
  gcPauses: number;
  gcMs: number;
  longestGcMs: number;
  listenOverflows: number | null;
}

/** Handshakes the kernel dropped since boot because a listen queue was full, on any port of the machine (Linux; null elsewhere). */
function listenOverflows(): number | null {
  try {
    const [names, values] = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:')).map((l) => l.split(' '));
    const at = names!.indexOf('ListenOverflows');
    return at > 0 ? Number(values![at]) : null;
  } catch {
    return null;
  }
}

/** The server's pauses as every bench prints them under its figures. */
export function serverPauses(p: ServerPauses): string {
  const overflows = p.listenOverflows ? `; the listen queue dropped ${p.listenOverflows} handshakes` : '';
  return `  server GC: ${p.gcPauses} pauses, ${Math.round(p.gcMs)} ms in all, longest ${Math.round(p.longestGcMs)} ms${overflows}`;
}

/** One load run in a child process; returns the figures and the CPU the server (and its database) spent on it. */
export async function loadInChild(db: Db, spec: ChildLoadSpec) {
  const { result, lines, nodeSeconds, pgSeconds, server } = await runClientChild<ChildLoadSpec, LoadResult>(db, spec.overallRate ? 'rate-child.ts' : 'load-child.ts', spec);
  for (const line of lines) console.log(line);
  if (!spec.quiet) console.log(serverPauses(server));
  return { result, nodeSeconds, pgSeconds, server };
}

/** Bulk requests from a child process; returns what it saw and the CPU the server (and its database) spent on them. */
export async function bulkInChild(db: Db, spec: ChildBulkSpec) {
  return runClientChild<ChildBulkSpec, BulkResult>(db, 'bulk-child.ts', spec);
}

export interface TillChain {
  stores: number;
  products: number;
  customers: number;
}

/** A small chain for booking benchmarks, set-based: stores S00001…, products P000001… over five categories, members with mobile 139… and card C…. */
export async function seedTillChain(db: Db, chain: TillChain): Promise<void> {
  await db.query(`INSERT INTO stores (code, name, city) SELECT 'S' || lpad(g::text, 5, '0'), '门店' || g, '上海' FROM generate_series(1, $1::int) g`, [chain.stores]);
  await db.query(
    `INSERT INTO products (sku, name, category, brand, price_fen)
     SELECT 'P' || lpad(g::text, 6, '0'), '商品' || g, (ARRAY['护肤','彩妆','香水','个护','母婴'])[1 + g % 5], '品牌' || (g % 40), 500 + (g * 37) % 50000
       FROM generate_series(1, $1::int) g`,
    [chain.products],
  );
  await db.query(
    `INSERT INTO customers (name, mobile, card_no) SELECT '会员' || g, '139' || lpad(g::text, 8, '0'), 'C' || lpad(g::text, 9, '0') FROM generate_series(1, $1::int) g`,
    [chain.customers],
  );
  await db.query('ANALYZE');
}

/**
 * Books a history through the bulk API before anything is measured, then vacuums and analyzes as autovacuum would
 * have on a running chain: statements planned while purchases and accounts were still empty would scan them later.
 */
export async function warmUpChain(db: Db, url: string, headers: Record<string, string>, purchase: (source: string) => unknown, purchases = 5000): Promise<void> {
  for (let booked = 0; booked < purchases; booked += 1000) {
    const res = await fetch(`${url}/api/purchases/bulk`, { method: 'POST', headers, body: JSON.stringify({ purchases: Array.from({ length: 1000 }, () => purchase('bench-warm-up')) }) });
    if (res.status !== 200) throw new Error(`warm-up booking failed: ${res.status} ${await res.text()}`);
  }
  await db.exec('VACUUM ANALYZE');
}

/**
 * Reproducible random purchases over a seeded till chain: 2–4 lines of catalogue products at list price, a
 * random store, the member named by card (or, with `byMobile`, half of them by mobile).
 */
export function tillPurchases(seed: number, chain: TillChain, opts: { byMobile?: boolean; purchasedAt?: (rand: () => number) => Date } = {}) {
  const rand = rng(seed);
  const pick = (n: number) => 1 + Math.floor(rand() * n);
  let seq = 0;
  return (source: string) => {
    const lines = Array.from({ length: 2 + Math.floor(rand() * 3) }, () => {
      const p = pick(chain.products);
      return { sku: `P${String(p).padStart(6, '0')}`, quantity: 1 + Math.floor(rand() * 3), unitPriceFen: 500 + ((p * 37) % 50000) };
    });
    const member = opts.byMobile && rand() < 0.5 ? { mobile: `139${String(pick(chain.customers)).padStart(8, '0')}` } : { cardNo: `C${String(pick(chain.customers)).padStart(9, '0')}` };
    return {
      source, externalId: `${source}-${++seq}`, ...member, storeCode: `S${String(pick(chain.stores)).padStart(5, '0')}`, channel: 'store',
      purchasedAt: (opts.purchasedAt?.(rand) ?? new Date()).toISOString(), lines,
    };
  };
}
