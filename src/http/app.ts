import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AppContext } from './context.ts';
import { registerAuth } from './auth.ts';
import { sendError } from './errors.ts';
import { MODULES } from '../modules/registry.ts';

export const WEB_DIST = resolve(process.env.PATRON_WEB_DIST ?? 'dist/web');

export async function buildApp(ctx: AppContext, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : { level: ctx.config.logLevel },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 2 * 1024 * 1024,
    trustProxy: true,
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.setErrorHandler((err, req, reply) => sendError(reply, req, err));
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || req.method !== 'GET') {
      return sendError(reply, req, Object.assign(new Error('Route not found'), { statusCode: 404, code: 'ROUTE_NOT_FOUND' }));
    }
    // Client-side routes of the console and the portal fall back to their index pages.
    const page = req.url.startsWith('/m') ? 'portal.html' : 'index.html';
    if (existsSync(join(WEB_DIST, page))) return reply.type('text/html').sendFile(page, WEB_DIST);
    return reply.status(404).type('text/plain').send('The web console is not built yet: run `npm run build:web`.');
  });

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Patron API', version: '0.1.0', description: 'Customer relationship management for retail chains. Money is integer fen; times are UTC ISO 8601.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'patron_session' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created by an admin: `Authorization: Bearer pk_…`' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  if (existsSync(WEB_DIST)) {
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: ['index.html'] });
  }

  registerAuth(app, ctx.db);
  app.get('/health', { schema: { tags: ['ops'], summary: 'Liveness and database check' } }, async (_req, reply) => {
    const started = performance.now();
    try {
      await ctx.db.query('SELECT 1');
      return { status: 'ok', database: ctx.db.kind, dbMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (err) {
      return reply.status(503).send({ status: 'unavailable', database: ctx.db.kind, error: (err as Error).message });
    }
  });
  for (const m of MODULES) if (m.routes) await app.register(async (scope) => m.routes!(scope, ctx));
  return app;
}
