import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotentResult } from '../db/idempotency.ts';
import { badRequest } from './errors.ts';

const KEY = /^[\x21-\x7e]{1,128}$/;

/** The `Idempotency-Key` header, if the client sent one; a malformed key is a 400. */
export function idempotencyKey(req: FastifyRequest): string | undefined {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !KEY.test(raw)) {
    throw badRequest('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1–128 visible ASCII characters.', 'Idempotency-Key 必须是 1–128 个可见 ASCII 字符。', [
      { path: 'headers.idempotency-key', en: 'must be 1–128 visible ASCII characters', zh: '必须是 1–128 个可见 ASCII 字符' },
    ]);
  }
  return raw;
}

/** Sends an idempotent write's answer, marking replays with `Idempotent-Replayed: true`. */
export function sendIdempotent<T>(reply: FastifyReply, r: IdempotentResult<T>) {
  if (r.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(r.statusCode).send(r.body);
}
