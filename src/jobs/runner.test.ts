import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../../test/support.ts';
import type { Db } from '../db/client.ts';
import { inlineJobs, startJobs, type JobRunner } from './runner.ts';

let db: Db & { drop(): Promise<void> };
let runner: JobRunner;
const greetings: unknown[] = [];

before(async () => {
  db = await openTestDb();
  runner = await startJobs(
    db,
    [
      { name: 'test-greeting', handler: async (data) => void greetings.push(data) },
      { name: 'test-sweep', policy: 'stately', handler: async () => new Promise((r) => setTimeout(r, 50)) },
    ],
    { timezone: 'Asia/Shanghai', log: () => undefined },
  );
});
after(async () => {
  await runner.stop();
  await db.drop();
});

test('a job sent to the runner on this database is handled in the background', async () => {
  await runner.send('test-greeting', { greeting: '你好' });
  const deadline = Date.now() + 30_000;
  while (greetings.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(greetings, [{ greeting: '你好' }]);
});

test('on a stately queue the same singleton key is queued once', async () => {
  const first = await runner.send('test-sweep', { n: 1 }, { singletonKey: 'expiry-2026-11-23' });
  const second = await runner.send('test-sweep', { n: 2 }, { singletonKey: 'expiry-2026-11-23' });
  assert.ok(first);
  assert.equal(second, null);
});

test('inline jobs run when sent and refuse unknown names', async () => {
  const seen: unknown[] = [];
  const jobs = inlineJobs([{ name: 'now', handler: async (d) => void seen.push(d) }]);
  await jobs.send('now', { a: 1 });
  assert.deepEqual(seen, [{ a: 1 }]);
  await assert.rejects(jobs.send('later'), /unknown job later/);
});
