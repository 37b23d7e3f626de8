import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { JobRunner } from '../jobs/runner.ts';

/** What every module's routes and jobs are handed by the composition root. */
export interface AppContext {
  db: Db;
  config: Config;
  jobs: JobRunner;
}
