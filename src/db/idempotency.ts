import { hash } from 'node:crypto';
import type { Db, Queryable } from './client.ts';
import { conflict } from '../http/errors.ts';

export interface IdempotentResult<T> {
  statusCode: number;
  body: T;
  /** True when this answer is the stored first answer to an earlier request with the same key. */
  replayed: boolean;
}

/** A request's fingerprint: what a retry must match to get the first answer back. */
export const requestHash = (request: unknown) => hash('sha256', JSON.stringify(request ?? null));

/**
 * Runs a write once per (scope, key): the first call commits its rows and its answer together; a retry with
 * the same key and the same request gets that answer back without writing again; the same key with a
 * different request is a 409. Concurrent duplicates wait on a transaction-scoped advisory lock.
 * Without a key the write simply runs in its own transaction.
 */
export async function runIdempotent<T>(
  db: Db,
  scope: string,
  key: string | undefined,
  request: unknown,
  write: (tx: Queryable) => Promise<{ statusCode: number; body: T }>,
): Promise<IdempotentResult<T>> {
  return db.tx(async (tx) => {
    if (!key) return { ...(await write(tx)), replayed: false };
    const hash = requestHash(request);
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${scope} ${key}`]);
    const prior = await tx.query('SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key]);
    if (prior.rows[0]) {
      if (prior.rows[0].request_hash !== hash) {
        throw conflict('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request.', '该幂等键已用于另一个不同的请求。');
      }
      return { statusCode: prior.rows[0].status_code, body: prior.rows[0].response as T, replayed: true };
    }
    const result = await write(tx);
    await tx.query('INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response) VALUES ($1,$2,$3,$4,$5)', [
      scope, key, hash, result.statusCode, JSON.stringify(result.body),
    ]);
    return { ...result, replayed: false };
  });
}
