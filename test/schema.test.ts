import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openPglite, openPostgres, type Queryable } from '../src/db/client.ts';
import { migrate, migrationFiles } from '../src/db/migrate.ts';

/** Everything the migrations define in the public schema, as sorted lines that two databases can be compared by. */
async function describeSchema(q: Queryable): Promise<string[]> {
  const columns = await q.query(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS line
       FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const indexes = await q.query(`SELECT 'index ' || indexdef AS line FROM pg_indexes WHERE schemaname = 'public'`);
  const constraints = await q.query(
    `SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) AS line
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' AND c.contype <> 'n'`, // PostgreSQL 18 (PGlite) records NOT NULL as constraints; columns already carry nullability
  );
  const views = await q.query(`SELECT 'view ' || viewname || ' ' || definition AS line FROM pg_views WHERE schemaname = 'public'`);
  // PostgreSQL 15 prints view columns qualified by their table, 17+ does not: compare without qualifiers.
  const viewLines = views.rows.map((r) => (r.line as string).replace(/\b[a-z_][a-z0-9_]*\.(?=[a-z_])/g, '').replace(/\s+/g, ' '));
  return [...columns.rows.map((r) => r.line), ...indexes.rows.map((r) => r.line), ...constraints.rows.map((r) => r.line), ...viewLines].sort();
}

const url = process.env.PATRON_TEST_DATABASE_URL;

test('PGlite and the PostgreSQL server reach the same schema from the same migrations', { skip: !url && process.env.CI !== 'true' ? 'PATRON_TEST_DATABASE_URL not set' : false }, async () => {
  assert.ok(url, 'CI must set PATRON_TEST_DATABASE_URL');
  const lite = openPglite(undefined);
  const name = `patron_schema_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const server = openPostgres(u.toString(), 2);
  try {
    const appliedLite = await migrate(lite);
    const appliedServer = await migrate(server);
    assert.deepEqual(appliedLite, migrationFiles());
    assert.deepEqual(appliedServer, migrationFiles());
    const [a, b] = [await describeSchema(lite), await describeSchema(server)];
    assert.ok(a.length > 50, 'the schema description is not empty');
    assert.deepEqual(a, b);
  } finally {
    await lite.close();
    await server.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});

test('migrating twice applies nothing the second time', async () => {
  const lite = openPglite(undefined);
  try {
    assert.ok((await migrate(lite)).length > 0);
    assert.deepEqual(await migrate(lite), []);
  } finally {
    await lite.close();
  }
});
