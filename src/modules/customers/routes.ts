import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import { needs } from '../../http/auth.ts';
import { idempotencyKey, sendIdempotent } from '../../http/idempotency.ts';
import { runIdempotent } from '../../db/idempotency.ts';
import { id, idParams, isoDate, limit, nonEmptyText, text } from '../../lib/validation.ts';
import { can } from '../staff/index.ts';
import { lookupCustomer } from './lookup.ts';
import { createCustomer, listCustomers, loadCustomer, maskCustomer, openCustomer, readCustomer, updateCustomer } from './profiles.ts';
import { searchCustomers } from './search.ts';
import { consentOverview, consentState, recordConsents } from './consents.ts';
import { customerTimeline } from './timeline.ts';
import { keyFigures } from './overview.ts';
import { createAttributeDefinition, listAttributeDefinitions, updateAttributeDefinition } from './attributes.ts';
import { ATTRIBUTE_TYPES, CHANNELS, GENDERS, INCOME_BANDS, PREFERRED_CHANNELS } from './rules.ts';

/** Optional text a form may send empty: '' clears it (null). */
const optText = (max: number) => text(max).transform((s) => (s === '' ? null : s)).nullable().optional();
const optRaw = (max: number) => z.string().max(max).transform((s) => (s.trim() === '' ? null : s.trim())).nullable().optional();

const contactBody = z.strictObject({
  name: nonEmptyText(64),
  title: optText(64),
  mobile: optRaw(32),
  email: optRaw(254),
  isPrimary: z.boolean().optional(),
});

const profileFields = {
  kind: z.enum(['person', 'business']).optional(),
  name: nonEmptyText(100),
  mobile: optRaw(32),
  email: optRaw(254),
  gender: z.enum(GENDERS).nullable().optional(),
  birthday: optRaw(10),
  region: optText(50),
  city: optText(50),
  occupation: optText(50),
  incomeBand: z.enum(INCOME_BANDS).nullable().optional(),
  cardNo: z.string().trim().max(32).regex(/^[A-Za-z0-9-]*$/, 'letters, digits and - only').transform((s) => (s === '' ? null : s)).nullable().optional(),
  preferredStoreId: id.nullable().optional(),
  preferredChannel: z.enum(PREFERRED_CHANNELS).nullable().optional(),
  source: optText(64),
  notes: optText(2000),
  tags: z.array(nonEmptyText(32)).max(50).optional(),
  attributes: z.record(z.string().max(40), z.union([z.string().max(1000), z.number(), z.null()])).optional(),
  contacts: z.array(contactBody).max(50).optional(),
};
const createBody = z.strictObject(profileFields);
/** On edit a contact may name its stored id: a mobile or e-mail it leaves out keeps the stored value. */
const patchBody = z.strictObject({
  ...profileFields, name: nonEmptyText(100).optional(), version: z.number().int().positive(),
  contacts: z.array(contactBody.extend({ id: id.optional() })).max(50).optional(),
});

const consentBody = z.strictObject({
  changes: z.array(z.strictObject({
    channel: z.enum(CHANNELS),
    granted: z.boolean(),
    source: nonEmptyText(32),
    note: optText(500),
  })).min(1).max(8),
});

const attributeKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _ , starting with a letter');
const attributeBody = z.strictObject({
  key: attributeKey,
  labelZh: nonEmptyText(40),
  labelEn: nonEmptyText(60),
  type: z.enum(ATTRIBUTE_TYPES),
  allowedValues: z.array(nonEmptyText(40)).max(100).default([]),
  position: z.number().int().min(0).max(10000).optional(),
});

const before = z.iso.datetime({ offset: true }).optional();

export async function customerRoutes(app: FastifyInstance, { db }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/customers/lookup', {
    schema: {
      tags: ['customers'], summary: 'Find a member at the till by mobile number or member card number',
      querystring: z.strictObject({ mobile: z.string().max(32).optional(), cardNo: z.string().trim().min(1).max(64).optional() }),
    },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => maskCustomer(await lookupCustomer(db, req.query), can(req.actor!, 'customers.pii')));

  r.get('/api/customers/search', {
    schema: {
      tags: ['customers'], summary: 'Suggestions as you type: mobile (full, prefix, last 4), card number, name (prefix or part), e-mail',
      querystring: z.strictObject({ q: z.string().max(100), limit: limit(10, 50) }),
    },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => ({ items: await searchCustomers(db, req.actor!, req.query.q, req.query.limit) }));

  r.get('/api/customers', {
    schema: {
      tags: ['customers'], summary: 'Customers, newest first, with filters; page with nextBeforeId',
      querystring: z.strictObject({
        city: z.string().max(50).optional(), tag: z.string().max(32).optional(), storeId: id.optional(),
        kind: z.enum(['person', 'business']).optional(),
        createdFrom: z.iso.datetime({ offset: true }).or(isoDate).optional(), createdTo: z.iso.datetime({ offset: true }).or(isoDate).optional(),
        beforeId: id.optional(), limit: limit(20, 200),
      }),
    },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => listCustomers(db, req.actor!, req.query));

  r.post('/api/customers', {
    schema: { tags: ['customers'], summary: 'Create a customer (person or business); Idempotency-Key supported', body: createBody },
    preHandler: needs(db, 'customers.write'),
  }, async (req, reply) => {
    const actor = req.actor!;
    const result = await runIdempotent(db, 'customers.create', idempotencyKey(req), req.body, async (tx) => ({
      statusCode: 201,
      body: maskCustomer(await createCustomer(tx, actor, req.body), can(actor, 'customers.pii')),
    }));
    return sendIdempotent(reply, result);
  });

  r.get('/api/customers/:id', {
    schema: { tags: ['customers'], summary: 'The full customer record (masked per role; every read is audited)', params: idParams },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => readCustomer(db, req.actor!, req.params.id));

  r.patch('/api/customers/:id', {
    schema: { tags: ['customers'], summary: 'Change a customer; send the version you loaded (409 STALE_VERSION if it changed)', params: idParams, body: patchBody },
    preHandler: needs(db, 'customers.write'),
  }, async (req) => {
    const actor = req.actor!;
    return maskCustomer(await db.tx((tx) => updateCustomer(tx, actor, req.params.id, req.body)), can(actor, 'customers.pii'));
  });

  r.get('/api/customers/:id/360', {
    schema: { tags: ['customers'], summary: 'Customer 360: profile, consents, key figures and the first page of the timeline', params: idParams },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => {
    const actor = req.actor!;
    const customerId = req.params.id;
    // All at once, in one packet on one connection; an unknown customer is a 404 from openCustomer, which then audits nothing.
    const [customer, consents, figures, timeline] = await db.together((q) => Promise.all([
      openCustomer(q, actor, customerId, '360'),
      consentOverview(q, customerId, { limit: 20 }),
      keyFigures(q, customerId),
      customerTimeline(q, customerId, null, 20),
    ]));
    return { customer: maskCustomer(customer, can(actor, 'customers.pii')), consents, figures, timeline };
  });

  r.get('/api/customers/:id/timeline', {
    schema: {
      tags: ['customers'], summary: 'Everything that happened to a customer, newest first; page with nextBefore',
      params: idParams, querystring: z.strictObject({ before, limit: limit(20, 100) }),
    },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => {
    await loadCustomer(db, req.params.id);
    return customerTimeline(db, req.params.id, req.query.before ?? null, req.query.limit);
  });

  r.get('/api/customers/:id/consents', {
    schema: {
      tags: ['customers'], summary: 'Consent per channel now, and the history of grants and withdrawals',
      params: idParams, querystring: z.strictObject({ beforeId: id.optional(), limit: limit(50, 200) }),
    },
    preHandler: needs(db, 'customers.read'),
  }, async (req) => {
    await loadCustomer(db, req.params.id);
    return consentOverview(db, req.params.id, req.query);
  });

  r.post('/api/customers/:id/consents', {
    schema: { tags: ['customers'], summary: 'Record consent grants or withdrawals (appended; Idempotency-Key supported)', params: idParams, body: consentBody },
    preHandler: needs(db, 'customers.write'),
  }, async (req, reply) => {
    const actor = req.actor!;
    const customerId = req.params.id;
    const result = await runIdempotent(db, `customers.consents.${customerId}`, idempotencyKey(req), req.body, async (tx) => {
      const recorded = await recordConsents(tx, actor, customerId, req.body.changes);
      return { statusCode: 201, body: { recorded, current: await consentState(tx, customerId) } };
    });
    return sendIdempotent(reply, result);
  });

  r.get('/api/customer-attributes', {
    schema: { tags: ['customers'], summary: 'Custom customer attributes (e.g. skin type) and their allowed values' },
    preHandler: needs(db, 'customers.read'),
  }, async () => ({ items: await listAttributeDefinitions(db) }));

  r.post('/api/customer-attributes', {
    schema: { tags: ['customers'], summary: 'Define a custom customer attribute', body: attributeBody },
    preHandler: needs(db, 'customers.configure'),
  }, async (req, reply) => reply.status(201).send(await db.tx((tx) => createAttributeDefinition(tx, req.actor!, req.body))));

  r.patch('/api/customer-attributes/:key', {
    schema: {
      tags: ['customers'], summary: 'Change an attribute’s labels, allowed values, order, or retire it',
      params: z.strictObject({ key: attributeKey }),
      body: z.strictObject({
        labelZh: nonEmptyText(40).optional(), labelEn: nonEmptyText(60).optional(), allowedValues: z.array(nonEmptyText(40)).max(100).optional(),
        position: z.number().int().min(0).max(10000).optional(), active: z.boolean().optional(),
      }),
    },
    preHandler: needs(db, 'customers.configure'),
  }, async (req) => db.tx((tx) => updateAttributeDefinition(tx, req.actor!, req.params.key, req.body)));
}
