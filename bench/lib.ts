import pg from 'pg';
import autocannon from 'autocannon';
import { cpus } from 'node:os';
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
