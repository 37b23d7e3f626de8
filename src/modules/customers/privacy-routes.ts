import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import type { Db } from '../../db/client.ts';
import type { Config } from '../../config.ts';
import type { JobDefinition } from '../../jobs/runner.ts';
import { needs } from '../../http/auth.ts';
import { AppError, fieldError, requestLang } from '../../http/errors.ts';
import { idempotencyKey, sendIdempotent } from '../../http/idempotency.ts';
import { runIdempotent } from '../../db/idempotency.ts';
import { id, idParams, isoDate, nonEmptyText, text } from '../../lib/validation.ts';
import { CONTENT_TYPES, csvStream, xlsxStream } from '../../lib/tabular-export.ts';
import { can, recordAudit } from '../staff/index.ts';
import { customerSummaries, dismissDuplicate, DUPLICATE_RULES, listDuplicateCandidates, maskSummary, refreshDuplicateCandidates } from './duplicates.ts';
import { MERGE_FIELD_NAMES, maskMerge, mergeAnswer, mergeCustomers, mergesOf } from './merge.ts';
import { customerDataExport, eraseCustomer } from './privacy.ts';
import { counted, customerBatches, DEFAULT_EXPORT_COLUMNS, exportColumnDefs, exportColumns, type ExportColumnDef } from './export.ts';
import { listAttributeDefinitions } from './attributes.ts';

export const DUPLICATES_REFRESH_JOB = 'customers.duplicates.refresh';

/** The nightly rebuild of the duplicates queue (02:30 business time), also sent on demand. */
export function privacyJobs({ db }: { db: Db; config: Config }): JobDefinition[] {
  return [{ name: DUPLICATES_REFRESH_JOB, cron: '30 2 * * *', handler: () => db.tx((tx) => refreshDuplicateCandidates(tx)) }];
}

const reason = z.enum(Object.keys(DUPLICATE_RULES) as [keyof typeof DUPLICATE_RULES]);
const idList = (max: number) =>
  z.string().max(2000).transform((s, ctx) => {
    const ids = s.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
    if (ids.length < 2 || ids.length > max || ids.some((n) => !Number.isSafeInteger(n) || n <= 0)) {
      ctx.addIssue({ code: 'custom', message: `must be 2 to ${max} customer ids separated by commas` });
      return z.NEVER;
    }
    return [...new Set(ids)];
  });

const fieldChoices = z.strictObject(Object.fromEntries(MERGE_FIELD_NAMES.map((f) => [f, id.optional()])) as Record<(typeof MERGE_FIELD_NAMES)[number], z.ZodOptional<typeof id>>);

const exportQuery = z.strictObject({
  format: z.enum(['csv', 'xlsx']).default('csv'),
  columns: z.string().max(1000).optional(),
  city: text(50).optional(),
  tag: text(50).optional(),
  storeId: id.optional(),
  createdFrom: isoDate.optional(),
  createdTo: isoDate.optional(),
  status: z.enum(['active', 'merged', 'erased']).default('active'),
  /** Header language for a download started from a plain link, which cannot set Accept-Language. */
  lang: z.enum(['zh', 'en']).optional(),
});

function parseColumns(raw: string | undefined, defs: Record<string, ExportColumnDef>): string[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_EXPORT_COLUMNS;
  const cols = [...new Set(raw.split(',').map((c) => c.trim()).filter(Boolean))];
  const unknown = cols.filter((c) => !Object.hasOwn(defs, c));
  if (unknown.length) {
    const keys = Object.keys(defs);
    throw fieldError('columns', `unknown column(s): ${unknown.join(', ')}; allowed: ${keys.join(', ')}`, `未知的列：${unknown.join('，')}；可选：${keys.join('，')}`);
  }
  return cols;
}

export async function privacyRoutes(app: FastifyInstance, { db, jobs }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const seePii = (req: { actor: any }) => can(req.actor!, 'customers.pii');

  r.get('/api/customers/duplicates', {
    schema: {
      tags: ['customers'], summary: 'The review queue of suspected duplicate pairs, strongest first',
      querystring: z.strictObject({
        status: z.enum(['open', 'merged', 'dismissed']).default('open'),
        reason: reason.optional(),
        limit: z.coerce.number().int().min(1).max(200).default(20),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }),
    },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => ({
    ...(await listDuplicateCandidates(db, req.query, seePii(req))),
    rules: Object.entries(DUPLICATE_RULES).map(([code, v]) => ({ code, weight: v.weight, label: v[requestLang(req)] })),
  }));

  r.post('/api/customers/duplicates/refresh', {
    schema: { tags: ['customers'], summary: 'Rebuild the duplicates queue now (a background job; nightly anyway)' },
    preHandler: needs(db, 'customers.write', 'customers.pii'),
  }, async (req, reply) => {
    await jobs.send(DUPLICATES_REFRESH_JOB, {}, { singletonKey: 'refresh' });
    await recordAudit(db, req.actor!, { action: 'customer.duplicates.refresh', entity: 'customer_duplicates' });
    return reply.status(202).send({ queued: true });
  });

  r.post('/api/customers/duplicates/dismiss', {
    schema: {
      tags: ['customers'], summary: 'Mark a pair as not the same person; it will not come back',
      body: z.strictObject({ customerId: id, otherId: id }),
    },
    preHandler: needs(db, 'customers.write', 'customers.pii'),
  }, async (req) => db.tx((tx) => dismissDuplicate(tx, req.actor!, [req.body.customerId, req.body.otherId])));

  r.get('/api/customers/duplicates/compare', {
    schema: {
      tags: ['customers'], summary: 'Two or more customers side by side with purchase count, spend and points',
      querystring: z.strictObject({ ids: idList(10) }),
    },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => {
    const ids = req.query.ids;
    return db.tx(async (tx) => {
      const items = await customerSummaries(tx, ids);
      if (items.length < ids.length) {
        const found = new Set(items.map((c) => c.id));
        throw new AppError(404, 'NOT_FOUND', { en: 'Customer not found.', zh: '未找到会员。' }, undefined, { ids: ids.filter((i) => !found.has(i)) });
      }
      for (const c of items) await recordAudit(tx, req.actor!, { action: 'customer.view', entity: 'customer', entityId: c.id, customerId: c.id, details: { via: 'duplicates.compare', pii: seePii(req) } });
      return { items: items.map((c) => maskSummary(c, seePii(req))), fields: MERGE_FIELD_NAMES };
    });
  });

  r.post('/api/customers/merge', {
    schema: {
      tags: ['customers'],
      summary: 'Merge duplicates into one survivor, keeping all history (idempotent; Idempotency-Key supported)',
      body: z.strictObject({
        survivorId: id,
        mergedIds: z.array(id).min(1).max(50),
        fieldChoices: fieldChoices.optional(),
        reason: text(500).optional(),
      }),
    },
    preHandler: needs(db, 'customers.write', 'customers.pii'),
  }, async (req, reply) => {
    const result = await runIdempotent(db, 'customers.merge', idempotencyKey(req), req.body, async (tx) => {
      const merged = await mergeCustomers(tx, req.actor!, req.body as any);
      return { statusCode: merged.alreadyMerged ? 200 : 201, body: await mergeAnswer(tx, merged, true) };
    });
    return sendIdempotent(reply, result);
  });

  r.get('/api/customers/:id/merges', {
    schema: { tags: ['customers'], summary: 'Every merge this customer took part in, with who, when, why and the values before', params: idParams },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => {
    const items = await mergesOf(db, req.params.id);
    // The values before a merge are full records: reading them unmasked is audited like any full record.
    if (items.length && seePii(req)) await recordAudit(db, req.actor!, { action: 'customer.merges.view', entity: 'customer', entityId: req.params.id, customerId: req.params.id });
    return { items: items.map((m) => maskMerge(m, seePii(req))) };
  });

  r.get('/api/customers/:id/data-export', {
    schema: { tags: ['customers'], summary: 'Data-access request: everything held about the customer, as a JSON download', params: idParams },
    preHandler: needs(db, 'customers.export', 'customers.pii'),
  }, async (req, reply) => {
    const data = await db.tx(async (tx) => {
      const d = await customerDataExport(tx, req.params.id);
      await recordAudit(tx, req.actor!, { action: 'customer.data_export', entity: 'customer', entityId: d.customerId, customerId: d.customerId, details: { requestedId: req.params.id } });
      return d;
    });
    reply.header('content-disposition', `attachment; filename="customer-${data.customerId}-data-export.json"`);
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(data, null, 2));
  });

  r.post('/api/customers/:id/erase', {
    schema: {
      tags: ['customers'], summary: 'Erase a customer on request: personal data removed, sales kept (idempotent)',
      params: idParams, body: z.strictObject({ reason: nonEmptyText(500) }),
    },
    preHandler: needs(db, 'customers.erase'),
  }, async (req) => db.tx((tx) => eraseCustomer(tx, req.actor!, req.params.id, req.body.reason)));

  r.get('/api/customers/export/columns', {
    schema: { tags: ['customers'], summary: 'The columns a bulk export may choose, and the default choice' },
    preHandler: needs(db, 'customers.export'),
  }, async (req) => {
    const defs = exportColumnDefs(await listAttributeDefinitions(db));
    return {
      columns: Object.entries(defs).map(([key, d]) => ({ key, label: d[requestLang(req)], personal: !!d.pii })),
      defaults: DEFAULT_EXPORT_COLUMNS,
      masked: !seePii(req),
    };
  });

  r.get('/api/customers/export', {
    schema: {
      tags: ['customers'],
      summary: 'Bulk export of customers as CSV (UTF-8 with BOM) or XLSX, streamed in keyset batches; personal fields masked without customers.pii',
      querystring: exportQuery,
    },
    preHandler: needs(db, 'customers.export'),
  }, async (req, reply) => {
    const q = req.query;
    const defs = exportColumnDefs(await listAttributeDefinitions(db));
    const columns = parseColumns(q.columns, defs);
    const actor = req.actor!;
    const filters = { city: q.city, tag: q.tag, storeId: q.storeId, createdFrom: q.createdFrom, createdTo: q.createdTo, status: q.status };
    const masked = !seePii(req);
    await recordAudit(db, actor, { action: 'customer.export', entity: 'customer_export', details: { format: q.format, columns, filters, masked } });
    const batches = counted(customerBatches(db, columns, { ...filters, storeIds: actor.storeIds }, 5000, defs), (rows, completed) =>
      recordAudit(db, actor, { action: 'customer.export.completed', entity: 'customer_export', details: { format: q.format, columns, filters, masked, rows, completed } }),
    );
    const cols = exportColumns(columns, q.lang ?? requestLang(req), !masked, defs);
    const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    reply.header('content-disposition', `attachment; filename="customers-${stamp}.${q.format}"`);
    reply.type(CONTENT_TYPES[q.format]);
    return reply.send(q.format === 'csv' ? csvStream(cols, batches) : xlsxStream(cols, batches, { sheetName: 'customers' }).stream);
  });
}
