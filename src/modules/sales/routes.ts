import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { requestLang } from '../../http/errors.ts';
import { id, idParams, limit, nonEmptyText, text } from '../../lib/validation.ts';
import { CHANNELS, MAX_BATCH, fastPurchase, fenAmount, purchaseInput } from './basket.ts';
import * as products from './products.ts';
import { bookPurchases, type BookResult } from './purchases.ts';
import { customerPurchases, customerSalesFigures, getPurchase, listPurchases } from './queries.ts';
import { recordReturn, returnInput, returnWindowDays, setReturnWindowDays } from './returns.ts';
import { listTargets, salesVsTarget, setTargets } from './targets.ts';
import { purchaseBatcher } from './batcher.ts';

const sku = z.string().trim().min(1).max(64).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');
const productBody = z.strictObject({
  sku,
  name: nonEmptyText(200),
  category: nonEmptyText(64),
  brand: text(64).optional(),
  priceFen: fenAmount,
  active: z.boolean().optional(),
});
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');
const isoTime = z.iso.datetime({ offset: true });
const storeRef = { storeId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(), storeCode: z.string().trim().min(1).max(32).optional() };

/** Booking answers go out as the bytes they are encoded into once: sent as a string, fastify measured and copied them again. */
const sendJson = (reply: FastifyReply, body: unknown) => reply.type('application/json; charset=utf-8').send(Buffer.from(JSON.stringify(body)));

/** A per-item result in the caller's language. */
function itemAnswer(req: FastifyRequest, r: BookResult) {
  if (r.status !== 'rejected') return r;
  const lang = requestLang(req);
  const e = r.error;
  return {
    index: r.index,
    status: r.status,
    error: { status: e.statusCode, code: e.code, message: e.messages[lang], ...(e.fields ? { fields: e.fields.map((f) => ({ path: f.path, message: f[lang] })) } : {}) },
  };
}

export async function salesRoutes(app: FastifyInstance, { db }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/products', {
    schema: {
      tags: ['products'], summary: 'List and search products (sku prefix or name), ordered by sku, keyset-paged by `after`',
      querystring: z.strictObject({
        q: z.string().trim().max(100).optional(), category: z.string().max(64).optional(), brand: z.string().max(64).optional(),
        active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(), after: z.string().max(64).optional(), limit: limit(50, 500),
      }),
    },
    preHandler: needs(db, 'sales.read'),
  }, async (req) => products.listProducts(db, req.query));
  r.get('/api/products/categories', { schema: { tags: ['products'], summary: 'Product categories with product counts' }, preHandler: needs(db, 'sales.read') },
    async () => ({ items: await products.listCategories(db) }));
  r.get('/api/products/:id', { schema: { tags: ['products'], summary: 'One product', params: idParams }, preHandler: needs(db, 'sales.read') },
    async (req) => products.getProduct(db, req.params.id));
  r.post('/api/products', { schema: { tags: ['products'], summary: 'Create a product', body: productBody }, preHandler: needs(db, 'catalog.manage') },
    async (req, reply) => reply.status(201).send(await products.createProduct(db, req.actor!, req.body)));
  r.patch('/api/products/:id', {
    schema: { tags: ['products'], summary: 'Change a product', params: idParams, body: productBody.partial() }, preHandler: needs(db, 'catalog.manage'),
  }, async (req) => products.updateProduct(db, req.actor!, req.params.id, req.body));
  r.put('/api/products/bulk', {
    schema: { tags: ['products'], summary: 'Insert or update up to 1,000 products by sku (catalogue sync from the shop or POS)', body: z.strictObject({ products: z.array(productBody).min(1).max(1000) }) },
    preHandler: needs(db, 'catalog.manage'),
  }, async (req) => products.upsertProducts(db, req.actor!, req.body.products));

  const bookOne = purchaseBatcher(db);
  r.post('/api/purchases', {
    schema: { tags: ['purchases'], summary: 'Book one purchase; idempotent by (source, externalId): a retry answers 200 with Idempotent-Replayed: true', body: purchaseInput },
    validatorCompiler: (route) => {
      const zodValidate = validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
      return (data: unknown) => {
        const fast = route.httpPart === 'body' ? fastPurchase(data) : undefined;
        return fast ? { value: fast } : zodValidate(data);
      };
    },
    preHandler: needs(db, 'sales.write'),
  }, async (req, reply) => {
    const res = await bookOne(req.actor!, req.body);
    if (res!.status === 'rejected') throw res!.error;
    const replayed = res!.status === 'replayed';
    if (replayed) reply.header('idempotent-replayed', 'true');
    return sendJson(reply.status(replayed ? 200 : 201), res!.purchase);
  });

  r.post('/api/purchases/bulk', {
    schema: {
      tags: ['purchases'],
      summary: 'Book up to 1,000 purchases; every item gets its own result (created, replayed or rejected); the good ones commit together',
      body: z.strictObject({ purchases: z.array(z.unknown()).min(1).max(MAX_BATCH) }),
    },
    preHandler: needs(db, 'sales.write'),
  }, async (req, reply) => {
    const results = await bookPurchases(db, req.actor!, req.body.purchases, { pathPrefix: 'purchases' });
    const count = (s: string) => results.filter((x) => x.status === s).length;
    return sendJson(reply, { created: count('created'), replayed: count('replayed'), rejected: count('rejected'), items: results.map((x) => itemAnswer(req, x)) });
  });

  r.get('/api/purchases', {
    schema: {
      tags: ['purchases'], summary: 'List purchases and returns, newest first; `next` is the cursor for `before`',
      querystring: z.strictObject({
        customerId: id.optional(), storeId: id.optional(), channel: z.enum(CHANNELS).optional(), kind: z.enum(['sale', 'return']).optional(),
        source: z.string().max(32).optional(), from: isoTime.optional(), to: isoTime.optional(), before: z.string().max(64).optional(), limit: limit(50, 500),
      }),
    },
    preHandler: needs(db, 'sales.read'),
  }, async (req) => listPurchases(db, req.actor!, req.query));

  r.get('/api/purchases/:id', { schema: { tags: ['purchases'], summary: 'One purchase with its lines and returns', params: idParams }, preHandler: needs(db, 'sales.read') },
    async (req) => getPurchase(db, req.actor!, req.params.id));

  const sendReturn = (reply: any, res: Awaited<ReturnType<typeof recordReturn>>) =>
    res.status === 'replayed' ? reply.header('idempotent-replayed', 'true').status(200).send(res.purchase) : reply.status(201).send(res.purchase);

  r.post('/api/purchases/:id/returns', {
    schema: { tags: ['purchases'], summary: 'Book a return (and refund) of lines of a sale; idempotent by the return\'s (source, externalId)', params: idParams, body: returnInput },
    preHandler: needs(db, 'sales.write'),
  }, async (req, reply) => sendReturn(reply, await recordReturn(db, req.actor!, { id: req.params.id }, req.body)));

  r.post('/api/returns', {
    schema: {
      tags: ['purchases'], summary: 'Book a return naming the sale by its (source, externalId)',
      body: returnInput.extend({ original: z.strictObject({ source: purchaseInput.shape.source, externalId: purchaseInput.shape.externalId }) }),
    },
    preHandler: needs(db, 'sales.write'),
  }, async (req, reply) => {
    const { original, ...rest } = req.body;
    return sendReturn(reply, await recordReturn(db, req.actor!, original, rest));
  });

  r.get('/api/sales/settings', { schema: { tags: ['sales'], summary: 'Sales settings (return window in days)' }, preHandler: needs(db, 'sales.read') },
    async () => ({ returnWindowDays: await returnWindowDays(db) }));
  r.put('/api/sales/settings', {
    schema: { tags: ['sales'], summary: 'Change the sales settings', body: z.strictObject({ returnWindowDays: z.number().int().min(0).max(3650) }) },
    preHandler: needs(db, 'catalog.manage'),
  }, async (req) => ({ returnWindowDays: await setReturnWindowDays(db, req.actor!, req.body.returnWindowDays) }));

  r.get('/api/sales/customers/:id/purchases', {
    schema: { tags: ['sales'], summary: "A customer's purchases with lines, newest first", params: idParams, querystring: z.strictObject({ before: z.string().max(64).optional(), limit: limit(20, 200) }) },
    preHandler: needs(db, 'sales.read'),
  }, async (req) => customerPurchases(db, req.params.id, req.query));
  r.get('/api/sales/customers/:id/figures', {
    schema: { tags: ['sales'], summary: "A customer's sales figures: first/last purchase, orders, net spend, average basket, favourites", params: idParams },
    preHandler: needs(db, 'sales.read'),
  }, async (req) => customerSalesFigures(db, req.params.id));

  r.get('/api/sales/targets', {
    schema: { tags: ['sales'], summary: 'Sales targets of a month', querystring: z.strictObject({ month }) }, preHandler: needs(db, 'sales.read'),
  }, async (req) => ({ items: await listTargets(db, req.actor!, req.query.month) }));
  r.put('/api/sales/targets', {
    schema: {
      tags: ['sales'], summary: 'Set monthly sales targets per store (chain-wide staff only)',
      body: z.strictObject({ targets: z.array(z.strictObject({ ...storeRef, month, targetFen: fenAmount })
        .refine((t) => (t.storeId === undefined) !== (t.storeCode === undefined), { message: 'give storeId or storeCode', path: ['storeCode'] })).min(1).max(1000) }),
    },
    preHandler: needs(db, 'sales.write'),
  }, async (req) => setTargets(db, req.actor!, req.body.targets));
  r.get('/api/sales/performance', {
    schema: {
      tags: ['sales'], summary: 'Net sales against target per store and month, with purchases, buyers and average basket',
      querystring: z.strictObject({ from: month, to: month, storeId: id.optional() })
        .refine((q) => q.from <= q.to, { message: 'must not be after to', path: ['from'] })
        .refine((q) => Number(q.to.slice(0, 4)) * 12 + Number(q.to.slice(5)) - Number(q.from.slice(0, 4)) * 12 - Number(q.from.slice(5)) < 24, { message: 'at most 24 months', path: ['to'] }),
    },
    preHandler: needs(db, 'sales.read'),
  }, async (req) => ({ items: await salesVsTarget(db, req.actor!, req.query) }));
}
