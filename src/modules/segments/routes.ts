import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { id, idParams, nonEmptyText, text } from '../../lib/validation.ts';
import { can, recordAudit } from '../staff/index.ts';
import { CONTENT_TYPES, csvStream } from '../../lib/tabular-export.ts';
import * as segments from './service.ts';

const refresh = z.enum(['daily', 'manual']);
const MEMBER_CSV_COLUMNS = segments.MEMBER_COLUMNS.map((key) => ({ key, header: key, value: (m: Record<string, unknown>) => m[key] }));
const filter = z.unknown().refine((f) => f !== undefined, 'is required');


export async function segmentRoutes(app: FastifyInstance, { db, config }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tz = config.timezone;

  r.get('/api/segments/fields', { schema: { tags: ['segments'], summary: 'What segment filters can use: fields, operators, options' }, preHandler: needs(db, 'segments.read') },
    async () => ({ items: segments.filterFields() }));

  r.get('/api/segments/values', {
    schema: { tags: ['segments'], summary: 'The values to pick from for a field (cities, tags, categories, stores, tiers…)', querystring: z.strictObject({ field: z.string().max(40) }) },
    preHandler: needs(db, 'segments.read'),
  }, async (req) => ({ items: await segments.fieldValues(db, req.query.field) }));

  r.post('/api/segments/preview', {
    schema: { tags: ['segments'], summary: 'Live count and a sample of the customers a filter matches', body: z.strictObject({ filter, sampleSize: z.number().int().min(0).max(100).optional() }) },
    preHandler: needs(db, 'segments.read'),
  }, async (req) => segments.previewSegment(db, req.body.filter, { timezone: tz, seePii: can(req.actor!, 'customers.pii'), sampleSize: req.body.sampleSize }));

  r.get('/api/segments', { schema: { tags: ['segments'], summary: 'Saved segments' }, preHandler: needs(db, 'segments.read') },
    async () => ({ items: await segments.listSegments(db) }));

  r.post('/api/segments', {
    schema: { tags: ['segments'], summary: 'Save a segment (measured at once)', body: z.strictObject({ name: nonEmptyText(100), description: text(1000).optional(), filter, refresh: refresh.optional() }) },
    preHandler: needs(db, 'segments.manage'),
  }, async (req, reply) => reply.status(201).send(await segments.createSegment(db, req.actor!, req.body, tz)));

  r.get('/api/segments/:id', { schema: { tags: ['segments'], summary: 'One segment', params: idParams }, preHandler: needs(db, 'segments.read') },
    async (req) => segments.getSegment(db, req.params.id));

  r.patch('/api/segments/:id', {
    schema: {
      tags: ['segments'], summary: 'Change a segment (send the version you read)', params: idParams,
      body: z.strictObject({ name: nonEmptyText(100).optional(), description: text(1000).optional(), filter: z.unknown().optional(), refresh: refresh.optional(), version: z.number().int().min(1) }),
    },
    preHandler: needs(db, 'segments.manage'),
  }, async (req) => segments.updateSegment(db, req.actor!, req.params.id, req.body, tz));

  r.delete('/api/segments/:id', { schema: { tags: ['segments'], summary: 'Archive a segment', params: idParams }, preHandler: needs(db, 'segments.manage') },
    async (req) => {
      await segments.archiveSegment(db, req.actor!, req.params.id);
      return { ok: true };
    });

  r.post('/api/segments/:id/refresh', { schema: { tags: ['segments'], summary: 'Re-evaluate the members now', params: idParams }, preHandler: needs(db, 'segments.manage') },
    async (req) => segments.refreshSegment(db, req.params.id, tz));

  r.get('/api/segments/:id/sizes', { schema: { tags: ['segments'], summary: 'Size over time, one point per refresh', params: idParams }, preHandler: needs(db, 'segments.read') },
    async (req) => ({ items: await segments.segmentSizes(db, req.params.id) }));

  r.get('/api/segments/:id/members', {
    schema: { tags: ['segments'], summary: 'Members as of the last refresh, paged by customer id', params: idParams, querystring: z.strictObject({ afterId: id.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }) },
    preHandler: needs(db, 'segments.read'),
  }, async (req) => {
    await segments.getSegment(db, req.params.id);
    return { items: await segments.segmentMembers(db, req.params.id, { ...req.query, seePii: can(req.actor!, 'customers.pii') }) };
  });

  r.get('/api/segments/:id/export', {
    schema: { tags: ['segments'], summary: 'Download the members as CSV (UTF-8 with BOM, opens in Excel)', params: idParams },
    preHandler: needs(db, 'segments.read', 'customers.export'),
  }, async (req, reply) => {
    const seg = await segments.getSegment(db, req.params.id);
    const seePii = can(req.actor!, 'customers.pii');
    await recordAudit(db, req.actor!, { action: 'export', entity: 'segment', entityId: seg.id, details: { memberCount: seg.memberCount, pii: seePii } });
    async function* pages() {
      for (let afterId = 0; ;) {
        const page = await segments.segmentMembers(db, seg.id, { afterId, limit: 5000, seePii });
        if (!page.length) return;
        yield page;
        afterId = page[page.length - 1].id;
      }
    }
    return reply
      .type(CONTENT_TYPES.csv)
      .header('content-disposition', `attachment; filename="segment-${seg.id}.csv"`)
      .send(csvStream(MEMBER_CSV_COLUMNS, pages()));
  });
}
