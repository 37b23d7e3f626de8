import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from './support.ts';
import type { Db } from '../src/db/client.ts';

let db: Db & { drop(): Promise<void> };
let a: number;
let b: number;
before(async () => {
  db = await openTestDb();
  [a, b] = (await db.query(`INSERT INTO customers (name) VALUES ('甲'), ('乙') RETURNING id`)).rows.map((r) => r.id);
});
after(async () => db.drop());

const record = (customer: number, channel: string, granted: boolean, at: string) =>
  db.query(`INSERT INTO customer_consents (customer_id, channel, granted, source, recorded_at) VALUES ($1, $2, $3, '门店', $4) RETURNING id`, [customer, channel, granted, at]);
const state = async (customer: number) =>
  (await db.query(`SELECT channel, granted FROM customer_consent_state WHERE customer_id = $1 ORDER BY channel`, [customer])).rows;

test('the consent in force follows the latest record of each channel', async () => {
  await record(a, 'sms', true, '2026-01-01T00:00:00Z');
  await record(a, 'email', true, '2026-01-01T00:00:00Z');
  await record(a, 'sms', false, '2026-02-01T00:00:00Z');
  assert.deepEqual(await state(a), [{ channel: 'email', granted: true }, { channel: 'sms', granted: false }]);
});

test('a record arriving late with an older time does not override a newer one', async () => {
  await record(a, 'sms', true, '2025-12-01T00:00:00Z');
  assert.deepEqual(await state(a), [{ channel: 'email', granted: true }, { channel: 'sms', granted: false }]);
});

test('moving history to another customer (a merge) moves the state with it', async () => {
  await db.query(`UPDATE customer_consents SET customer_id = $2 WHERE customer_id = $1 AND channel = 'email'`, [a, b]);
  assert.deepEqual(await state(a), [{ channel: 'sms', granted: false }]);
  assert.deepEqual(await state(b), [{ channel: 'email', granted: true }]);
});
