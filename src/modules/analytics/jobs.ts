import type { Db } from '../../db/client.ts';
import type { Config } from '../../config.ts';
import type { JobDefinition } from '../../jobs/runner.ts';
import { runScoring } from './scoring.ts';

export const SCORING_JOB = 'analytics-nightly-scoring';

/** Nightly at 02:30 in the business time zone: after the day's sales are in, before the morning's work. */
export function analyticsJobs({ db, config }: { db: Db; config: Config }): JobDefinition[] {
  return [
    {
      name: SCORING_JOB,
      cron: '30 2 * * *',
      policy: 'stately',
      handler: async () => runScoring(db, { timezone: config.timezone, trigger: 'schedule' }),
    },
  ];
}
