import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { can } from '../staff/index.ts';
import { lookupCustomer, maskCard } from './lookup.ts';

export async function customerRoutes(app: FastifyInstance, { db }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/customers/lookup', {
    schema: {
      tags: ['customers'], summary: 'Find a member at the till by mobile number or member card number',
      querystring: z.strictObject({ mobile: z.string().max(32).optional(), cardNo: z.string().trim().min(1).max(64).optional() }),
    },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => maskCard(await lookupCustomer(db, req.query), can(req.actor!, 'customers.pii')));
}
