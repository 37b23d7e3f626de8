import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillDays } from '../../web/console/home/days.ts';

test('the sales chart shows every day of the window, with zeros for days without sales', () => {
  const now = new Date('2026-11-23T02:00:00Z');
  const days = fillDays([{ day: '2026-11-22', salesFen: 12345, purchases: 3 }], 30, now);
  assert.equal(days.length, 30);
  assert.equal(days[0]!.day, '2026-10-25');
  assert.equal(days[29]!.day, '2026-11-23');
  assert.deepEqual(days[28], { day: '2026-11-22', salesFen: 12345, purchases: 3 });
  assert.deepEqual(days[27], { day: '2026-11-21', salesFen: 0, purchases: 0 });
});

test('chart days are business days in Shanghai, not UTC days', () => {
  // From 16:00 UTC it is already the next day in Shanghai.
  const cases: [string, string][] = [
    ['2026-11-22T15:59:00Z', '2026-11-22'],
    ['2026-11-22T16:00:00Z', '2026-11-23'],
    ['2026-12-31T20:00:00Z', '2027-01-01'],
  ];
  for (const [now, today] of cases) assert.equal(fillDays([], 1, new Date(now))[0]!.day, today, now);
});
