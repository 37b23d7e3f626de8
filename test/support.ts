import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../src/config.ts';
import { openPglite, openPostgres, type Db } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { buildApp } from '../src/http/app.ts';
import type { AppContext } from '../src/http/context.ts';
import { inlineJobs } from '../src/jobs/runner.ts';
import { MODULES } from '../src/modules/registry.ts';
import { hashPassword, type Role } from '../src/modules/staff/index.ts';

/** Which database this test process runs on: the runner sets PATRON_TEST_DB for each pass. */
export const TEST_DB_KIND: 'pglite' | 'postgres' = process.env.PATRON_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

function serverUrl(): string {
  const url = process.env.PATRON_TEST_DATABASE_URL;
  if (!url) throw new Error('PATRON_TEST_DB=postgres needs PATRON_TEST_DATABASE_URL');
  return url;
}

function withDatabase(url: string, name: string) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, migrated database of its own: in-memory PGlite, or a new database on the server copied from the run's template. */
export async function openTestDb(): Promise<Db & { drop(): Promise<void> }> {
  if (TEST_DB_KIND === 'pglite') {
    const db = openPglite(undefined);
    await migrate(db);
    return Object.assign(db, { drop: () => db.close() });
  }
  const url = serverUrl();
  const name = `patron_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const template = process.env.PATRON_TEST_TEMPLATE;
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  const db = openPostgres(withDatabase(url, name), 10);
  if (!template) await migrate(db);
  return Object.assign(db, {
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  });
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ PATRON_LOG_LEVEL: 'silent' }), jobs: false, ...overrides };
}

export const TEST_PASSWORD = 'Passw0rd-for-tests';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  ctx: AppContext;
  /** Creates (once) a staff member of this role and returns a cookie header for their session. */
  loginAs(role: Role, opts?: { storeIds?: number[]; username?: string }): Promise<string>;
  request(method: string, url: string, opts?: { cookie?: string; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

let passwordHash: string | undefined;

export async function startTestApp(): Promise<TestApp> {
  const db = await openTestDb();
  const config = testConfig();
  const jobDefs = MODULES.flatMap((m) => m.jobs?.({ db, config }) ?? []);
  const ctx: AppContext = { db, config, jobs: inlineJobs(jobDefs) };
  const app = await buildApp(ctx, { logger: false });
  await app.ready();
  const sessions = new Map<string, string>();
  const request: TestApp['request'] = (method, url, opts = {}) =>
    app.inject({
      method: method as any,
      url,
      headers: { 'accept-language': 'en', ...(opts.cookie ? { cookie: opts.cookie } : {}), ...(opts.headers ?? {}) },
      ...(opts.body !== undefined ? { payload: opts.body as any } : {}),
    });
  return {
    app,
    db,
    ctx,
    request,
    async loginAs(role, opts = {}) {
      const username = opts.username ?? `${role}_${(opts.storeIds ?? []).join('_') || 'all'}`;
      const cached = sessions.get(username);
      if (cached) return cached;
      passwordHash ??= await hashPassword(TEST_PASSWORD);
      await db.query(
        `INSERT INTO staff_accounts (username, display_name, role, store_ids, password_hash) VALUES ($1, $1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [username, role, opts.storeIds ?? [], passwordHash],
      );
      const res = await request('POST', '/api/auth/login', { body: { username, password: TEST_PASSWORD } });
      if (res.statusCode !== 200) throw new Error(`login as ${username} failed: ${res.body}`);
      const cookie = String(res.headers['set-cookie']).split(';')[0];
      sessions.set(username, cookie);
      return cookie;
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
