import PgBoss from 'pg-boss';
import type { Db } from '../db/client.ts';

export interface JobDefinition<T = any> {
  name: string;
  /** Cron in the business time zone; absent for jobs only sent on demand. */
  cron?: string;
  /** 'stately' keeps at most one queued and one running job per singleton key (scheduled sweeps); default 'standard'. */
  policy?: 'standard' | 'stately';
  handler: (data: T) => Promise<unknown>;
}

export interface JobRunner {
  send(name: string, data?: object, opts?: { singletonKey?: string; startAfter?: Date | number }): Promise<string | null>;
  stop(): Promise<void>;
  readonly running: boolean;
}

/** pg-boss on the application's own database connection: restart-safe jobs on PGlite and PostgreSQL alike. */
export async function startJobs(db: Db, defs: JobDefinition[], opts: { timezone: string; log: (msg: string, err?: unknown) => void }): Promise<JobRunner> {
  let stopped = false;
  // A poll already in flight when pg-boss stops must not reach a pool the app is about to close.
  const executeSql = (text: string, values?: unknown[]) => (stopped ? Promise.resolve({ rows: [], rowCount: 0 }) : db.executeSql(text, values)) as any;
  const boss = new PgBoss({ db: { executeSql }, schedule: true, supervise: true });
  boss.on('error', (err) => opts.log('job runner error', err));
  await boss.start();
  for (const def of defs) {
    await boss.createQueue(def.name, { name: def.name, policy: def.policy ?? 'standard' });
    await boss.work(def.name, { pollingIntervalSeconds: 2 }, async (jobs) => {
      for (const job of jobs) await def.handler(job.data);
    });
    if (def.cron) await boss.schedule(def.name, def.cron, {}, { tz: opts.timezone });
  }
  return {
    running: true,
    async send(name, data = {}, o = {}) {
      return boss.send(name, data, { singletonKey: o.singletonKey, startAfter: o.startAfter as any });
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      stopped = true;
    },
  };
}

/** For tests and for `PATRON_JOBS=off`: jobs run inline when sent, nothing is scheduled. */
export function inlineJobs(defs: JobDefinition[]): JobRunner {
  const byName = new Map(defs.map((d) => [d.name, d]));
  return {
    running: false,
    async send(name, data = {}) {
      const def = byName.get(name);
      if (!def) throw new Error(`unknown job ${name}`);
      await def.handler(data);
      return null;
    },
    async stop() {},
  };
}
