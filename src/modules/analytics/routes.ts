import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { homeFigures } from './home.ts';

export async function analyticsRoutes(app: FastifyInstance, { db }: AppContext) {
  app.get('/api/home', { schema: { tags: ['analytics'], summary: 'Counts for the console home page' }, preHandler: needs(db) }, async (req) =>
    homeFigures(db, req.actor!.storeIds),
  );
}
