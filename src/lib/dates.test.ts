import { test } from 'node:test';
import assert from 'node:assert/strict';
import { businessToday } from './dates.ts';

const cases: [string, string, string][] = [
  ['2026-11-22T16:30:00Z', 'Asia/Shanghai', '2026-11-23'],
  ['2026-11-22T15:59:59Z', 'Asia/Shanghai', '2026-11-22'],
  ['2026-11-22T16:30:00Z', 'UTC', '2026-11-22'],
];
for (const [instant, tz, day] of cases) {
  test(`${instant} is business day ${day} in ${tz}`, () => assert.equal(businessToday(tz, new Date(instant)), day));
}
