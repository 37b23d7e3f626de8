import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.ts';

test('with nothing set, Patron runs on embedded PGlite in ./data on port 3000', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.dataDir, './data');
  assert.equal(c.timezone, 'Asia/Shanghai');
  assert.equal(c.jobs, true);
});

test('DATABASE_URL switches to a PostgreSQL server', () => {
  assert.equal(loadConfig({ DATABASE_URL: 'postgres://u@db:5432/patron' }).databaseUrl, 'postgres://u@db:5432/patron');
});

const wrong: [Record<string, string>, RegExp][] = [
  [{ PORT: 'eighty' }, /PORT/],
  [{ PORT: '70000' }, /PORT/],
  [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must start with postgres/],
  [{ PATRON_LOG_LEVEL: 'loud' }, /PATRON_LOG_LEVEL/],
  [{ PATRON_ADMIN_PASSWORD: 'short' }, /PATRON_ADMIN_PASSWORD: must be at least 10 characters/],
  [{ PATRON_JOBS: 'maybe' }, /PATRON_JOBS/],
  [{ PATRON_SESSION_HOURS: '0' }, /PATRON_SESSION_HOURS/],
];

for (const [env, message] of wrong) {
  test(`a wrong ${Object.keys(env)[0]} stops start-up with a message naming it`, () => {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && message.test(e.message));
  });
}

test('empty values count as unset', () => {
  assert.equal(loadConfig({ PORT: '' }).port, 3000);
});
