import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../http/context.ts';
import { needs, SESSION_COOKIE, authenticate } from '../../http/auth.ts';
import { badRequest } from '../../http/errors.ts';
import { id, idParams, isoDate, limit, nonEmptyText, text } from '../../lib/validation.ts';
import { listAudit } from './audit.ts';
import { API_KEY_SCOPES, PERMISSIONS, ROLE_PERMISSIONS, ROLES } from './permissions.ts';
import * as staff from './service.ts';
import * as stores from './stores.ts';

const role = z.enum(ROLES);
const storeIds = z.array(id).max(5000);
const username = z.string().trim().min(2).max(64).regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');
const password = z.string().min(1).max(256);

const storeBody = z.strictObject({
  code: z.string().trim().min(1).max(32).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
  name: nonEmptyText(100),
  city: text(50).default(''),
  region: text(50).default(''),
  address: text(300).optional(),
  timezone: z.string().max(64).refine((tz) => { try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch { return false; } }, 'must be an IANA time zone').optional(),
  openedOn: isoDate.nullable().optional(),
  active: z.boolean().optional(),
});

export async function staffRoutes(app: FastifyInstance, { db, config }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/auth/login', {
    schema: { tags: ['auth'], summary: 'Log in with username and password; sets a session cookie', body: z.strictObject({ username: z.string().trim().min(1).max(64), password }) },
  }, async (req, reply) => {
    const { token, staff: account } = await staff.login(db, { ...req.body, ip: req.ip, userAgent: req.headers['user-agent'], sessionHours: config.sessionHours });
    const secure = config.cookieSecure === 'true' || (config.cookieSecure === 'auto' && req.protocol === 'https');
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure, maxAge: config.sessionHours * 3600 });
    return { staff: account };
  });

  r.post('/api/auth/logout', { schema: { tags: ['auth'], summary: 'End the session' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await staff.logout(db, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  r.get('/api/auth/me', { schema: { tags: ['auth'], summary: 'The logged-in staff member and their permissions' } }, async (req) => {
    const actor = await authenticate(db, req);
    return { staff: req.staff, kind: actor.kind, permissions: [...actor.permissions] };
  });

  r.post('/api/auth/password', {
    schema: { tags: ['auth'], summary: 'Change your own password', body: z.strictObject({ currentPassword: password, newPassword: password }) },
  }, async (req) => {
    const actor = await authenticate(db, req);
    if (actor.kind !== 'staff') throw badRequest('NOT_STAFF', 'Only staff accounts have passwords.', '只有员工账号才有密码。');
    await staff.changePassword(db, actor, req.body);
    return { ok: true };
  });

  r.get('/api/meta/roles', { schema: { tags: ['staff'], summary: 'Roles, permissions and API key scopes' }, preHandler: needs(db) }, async () => ({
    roles: ROLES.map((name) => ({ name, permissions: [...ROLE_PERMISSIONS[name]] })),
    permissions: PERMISSIONS,
    apiKeyScopes: API_KEY_SCOPES,
  }));

  r.get('/api/staff', { schema: { tags: ['staff'], summary: 'List staff accounts' }, preHandler: needs(db, 'staff.manage') }, async () => ({ items: await staff.listStaff(db) }));

  r.post('/api/staff', {
    schema: { tags: ['staff'], summary: 'Create a staff account', body: z.strictObject({ username, displayName: nonEmptyText(64), role, storeIds: storeIds.default([]), password }) },
    preHandler: needs(db, 'staff.manage'),
  }, async (req, reply) => reply.status(201).send(await staff.createStaff(db, req.actor!, req.body)));

  r.patch('/api/staff/:id', {
    schema: {
      tags: ['staff'], summary: 'Change a staff account (role, stores, active, reset password)', params: idParams,
      body: z.strictObject({ displayName: nonEmptyText(64).optional(), role: role.optional(), storeIds: storeIds.optional(), active: z.boolean().optional(), password: password.optional() }),
    },
    preHandler: needs(db, 'staff.manage'),
  }, async (req) => staff.updateStaff(db, req.actor!, req.params.id, req.body));

  r.get('/api/stores', { schema: { tags: ['stores'], summary: 'List stores' }, preHandler: needs(db) }, async () => ({ items: await stores.listStores(db) }));
  r.get('/api/stores/:id', { schema: { tags: ['stores'], summary: 'One store', params: idParams }, preHandler: needs(db) }, async (req) => stores.getStore(db, req.params.id));
  r.post('/api/stores', { schema: { tags: ['stores'], summary: 'Create a store', body: storeBody }, preHandler: needs(db, 'catalog.manage') },
    async (req, reply) => reply.status(201).send(await stores.createStore(db, req.actor!, req.body)));
  r.patch('/api/stores/:id', { schema: { tags: ['stores'], summary: 'Change a store', params: idParams, body: storeBody.partial() }, preHandler: needs(db, 'catalog.manage') },
    async (req) => stores.updateStore(db, req.actor!, req.params.id, req.body));

  r.get('/api/api-keys', { schema: { tags: ['api-keys'], summary: 'List API keys (never the secrets)' }, preHandler: needs(db, 'apikeys.manage') }, async () => ({ items: await staff.listApiKeys(db) }));
  r.post('/api/api-keys', {
    schema: { tags: ['api-keys'], summary: 'Create an API key; the key is shown in this response only', body: z.strictObject({ name: nonEmptyText(100), scopes: z.array(z.enum(PERMISSIONS)).min(1).max(50), storeIds: storeIds.default([]) }) },
    preHandler: needs(db, 'apikeys.manage'),
  }, async (req, reply) => reply.status(201).send(await staff.createApiKey(db, req.actor!, req.body)));
  r.delete('/api/api-keys/:id', { schema: { tags: ['api-keys'], summary: 'Revoke an API key', params: idParams }, preHandler: needs(db, 'apikeys.manage') },
    async (req) => staff.revokeApiKey(db, req.actor!, req.params.id));

  r.get('/api/audit', {
    schema: {
      tags: ['audit'], summary: 'Browse the audit log, newest first',
      querystring: z.strictObject({
        actorKind: z.enum(['staff', 'api_key', 'member', 'system']).optional(), actorId: id.optional(), action: z.string().max(64).optional(),
        entity: z.string().max(64).optional(), entityId: z.string().max(64).optional(), customerId: id.optional(),
        from: z.iso.datetime({ offset: true }).or(isoDate).optional(), to: z.iso.datetime({ offset: true }).or(isoDate).optional(),
        beforeId: id.optional(), limit: limit(50, 500),
      }),
    },
    preHandler: needs(db, 'audit.read'),
  }, async (req) => ({ items: await listAudit(db, req.query) }));
}
