import { loadConfig, ConfigError } from './config.ts';
import { openDb } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { buildApp } from './http/app.ts';
import { inlineJobs, startJobs, type JobRunner } from './jobs/runner.ts';
import { MODULES } from './modules/registry.ts';
import { ensureFirstAdmin } from './modules/staff/index.ts';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const db = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize });
  const applied = await migrate(db);
  const where = config.databaseUrl ? 'PostgreSQL server' : `embedded PGlite in ${config.dataDir}`;
  console.log(`Patron database: ${where}; ${applied.length} migration(s) applied.`);

  const admin = await ensureFirstAdmin(db, config.adminPassword);
  if (admin) {
    console.log('\n  First start: created the admin account.');
    console.log(`    username: ${admin.username}`);
    if (admin.generated) console.log(`    password: ${admin.password}   (shown once; you will be asked to change it at first login)`);
    else console.log('    password: the value of PATRON_ADMIN_PASSWORD');
    console.log('');
  }

  const jobDefs = MODULES.flatMap((m) => m.jobs?.({ db, config }) ?? []);
  let jobs: JobRunner = inlineJobs(jobDefs);
  const ctx = { db, config, jobs };
  const app = await buildApp(ctx);
  if (config.jobs) {
    jobs = await startJobs(db, jobDefs, { timezone: config.timezone, log: (msg, err) => app.log.error({ err }, msg) });
    ctx.jobs = jobs;
  }
  await app.listen({ port: config.port, host: config.host });
  console.log(`Patron console: http://localhost:${config.port}   API docs: http://localhost:${config.port}/docs`);

  const shutdown = async () => {
    await app.close();
    await jobs.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
