/**
 * `npm test`: every server test on PGlite, then again on the PostgreSQL server, then the browser tests.
 * Each server pass gets its own databases (a template per run, a copy per test file), dropped afterwards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';

const root = process.cwd();
const ci = process.env.CI === 'true';
const only = process.argv.slice(2);

function findTests(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) out.push(relative(root, p));
  }
  return out.sort();
}

const all = [...findTests(join(root, 'src')), ...findTests(join(root, 'test')), ...findTests(join(root, 'bench'))];
const pick = (files: string[]) => (only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files);
const browserTests = pick(all.filter((f) => f.startsWith('test/browser/')));
const serverTests = pick(all.filter((f) => !f.startsWith('test/browser/')));

interface Totals { pass: number; fail: number; skipped: number }
const totals: Totals = { pass: 0, fail: 0, skipped: 0 };

function runPass(label: string, files: string[], env: Record<string, string>, concurrency: number) {
  if (!files.length) return;
  console.log(`\n=== ${label}: ${files.length} test file(s) ===`);
  const tap = join(mkdtempSync(join(tmpdir(), 'patron-test-')), 'out.tap');
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000',
      '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  const out = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (k: string) => Number(new RegExp(`^# ${k} (\\d+)`, 'm').exec(out)?.[1] ?? 0);
  const pass = count('pass'), fail = count('fail') + count('cancelled'), skipped = count('skipped');
  if (r.status !== 0 && fail === 0) totals.fail += 1; // the runner itself failed
  totals.pass += pass;
  totals.fail += fail;
  totals.skipped += skipped;
  console.log(`${label}: ${pass} passed, ${fail} failed${skipped ? `, ${skipped} skipped` : ''}`);
}

async function main() {
  if (!process.env.PATRON_SKIP_WEB_BUILD && (browserTests.length || !existsSync(join(root, 'dist/web/index.html')))) {
    const b = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
    if (b.status !== 0) { console.log('web build: 0 passed, 1 failed'); process.exit(1); }
  }
  runPass('PGlite', serverTests, { PATRON_TEST_DB: 'pglite' }, 2);

  const url = process.env.PATRON_TEST_DATABASE_URL;
  if (url) {
    const template = `patron_tpl_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    let connected = false;
    try {
      await admin.connect();
      connected = true;
    } catch (err) {
      console.error(`PostgreSQL at PATRON_TEST_DATABASE_URL is unreachable: ${(err as Error).message}`);
      totals.fail += 1;
    }
    if (connected) {
      try {
        await admin.query(`CREATE DATABASE ${template}`);
        const u = new URL(url);
        u.pathname = `/${template}`;
        const tdb = openPostgres(u.toString(), 2);
        await migrate(tdb);
        await tdb.close();
        runPass('PostgreSQL', serverTests, { PATRON_TEST_DB: 'postgres', PATRON_TEST_TEMPLATE: template }, 2);
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => undefined);
        await admin.end();
      }
    }
  } else if (ci) {
    console.error('CI=true but PATRON_TEST_DATABASE_URL is not set: the PostgreSQL pass cannot be skipped in CI.');
    totals.fail += 1;
  } else {
    console.log('\n(PATRON_TEST_DATABASE_URL not set: skipping the PostgreSQL pass)');
  }

  runPass('Browser', browserTests, { PATRON_TEST_DB: 'pglite' }, 1);
  console.log(`\n${totals.pass} passed, ${totals.fail} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
  process.exit(totals.fail > 0 || totals.pass === 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
