import { prepared, type Queryable } from '../../db/client.ts';
import { conflict, fieldErrors, notFound, type BilingualFieldProblem } from '../../http/errors.ts';
import { maskBirthday, maskEmail, maskMobile } from '../../lib/pii.ts';
import { can, recordAudit, type Actor } from '../staff/index.ts';
import { loadAttributeDefinitions } from './attributes.ts';
import { customerLifecycleListeners } from './events.ts';
import { birthdayProblem, cardNoProblem, checkAttributes, mobileProblem, normaliseEmail, type AttributeValue } from './rules.ts';
import { Conditions } from '../../db/conditions.ts';

export interface ContactInput {
  /** A stored contact of the customer (edits only). */
  id?: number;
  name: string;
  title?: string | null;
  mobile?: string | null;
  email?: string | null;
  isPrimary?: boolean;
}

export interface Contact {
  id: number;
  name: string;
  title: string | null;
  mobile: string | null;
  email: string | null;
  isPrimary: boolean;
}

export interface CustomerInput {
  kind?: 'person' | 'business';
  name?: string;
  mobile?: string | null;
  email?: string | null;
  gender?: 'female' | 'male' | 'other' | null;
  birthday?: string | null;
  region?: string | null;
  city?: string | null;
  occupation?: string | null;
  incomeBand?: string | null;
  cardNo?: string | null;
  preferredStoreId?: number | null;
  preferredChannel?: string | null;
  source?: string | null;
  notes?: string | null;
  tags?: string[];
  attributes?: Record<string, unknown>;
  contacts?: ContactInput[];
}

export interface Customer {
  id: number;
  kind: 'person' | 'business';
  name: string;
  mobile: string | null;
  email: string | null;
  gender: string | null;
  birthday: string | null;
  region: string | null;
  city: string | null;
  occupation: string | null;
  incomeBand: string | null;
  cardNo: string | null;
  preferredStoreId: number | null;
  preferredChannel: string | null;
  source: string | null;
  notes: string | null;
  tags: string[];
  attributes: Record<string, AttributeValue>;
  status: string;
  mergedInto: number | null;
  registeredAt: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  contacts: Contact[];
}

export const customerColumns = `id, kind, name, mobile, email, gender, birthday::text AS birthday, region, city, occupation, income_band AS "incomeBand",
  card_no AS "cardNo", preferred_store_id AS "preferredStoreId", preferred_channel AS "preferredChannel", source, notes, tags,
  attributes, status, merged_into AS "mergedInto", registered_at AS "registeredAt", created_at AS "createdAt",
  updated_at AS "updatedAt", version`;

/** Column name per input field; contacts and attributes are handled on their own. */
const COLUMN: Record<string, string> = {
  kind: 'kind', name: 'name', mobile: 'mobile', email: 'email', gender: 'gender', birthday: 'birthday', region: 'region', city: 'city',
  occupation: 'occupation', incomeBand: 'income_band', cardNo: 'card_no', preferredStoreId: 'preferred_store_id',
  preferredChannel: 'preferred_channel', source: 'source', notes: 'notes', tags: 'tags',
};

/** Roles without `customers.pii` see masked mobile numbers, e-mails and birthdays, contacts' too. */
export function maskCustomer<T extends { mobile: string | null; email: string | null; birthday: string | null; contacts?: Contact[] }>(c: T, seePii: boolean): T {
  if (seePii) return c;
  return {
    ...c,
    mobile: maskMobile(c.mobile),
    email: maskEmail(c.email),
    birthday: maskBirthday(c.birthday),
    ...(c.contacts ? { contacts: c.contacts.map((k) => ({ ...k, mobile: maskMobile(k.mobile), email: maskEmail(k.email) })) } : {}),
  };
}

const todayInChina = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

interface Prepared {
  fields: Record<string, unknown>;
  attributes?: Record<string, AttributeValue>;
  contacts?: Omit<Contact, 'id'>[];
}

/** Normalises and checks what zod cannot: mobiles, e-mails, birthdays, attributes, the store, contacts. */
async function prepare(q: Queryable, input: CustomerInput, kind: 'person' | 'business'): Promise<Prepared> {
  const problems: BilingualFieldProblem[] = [];
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (k in COLUMN) fields[k] = v;
  if (typeof input.mobile === 'string') {
    const { mobile, problem } = mobileProblem('mobile', input.mobile);
    if (problem) problems.push(problem);
    fields.mobile = mobile;
  }
  if (typeof input.email === 'string') {
    const email = normaliseEmail(input.email);
    if (!email) problems.push({ path: 'email', en: 'is not a valid e-mail address', zh: '不是有效的电子邮箱地址' });
    fields.email = email;
  }
  if (typeof input.birthday === 'string') {
    const p = birthdayProblem(input.birthday, todayInChina());
    if (p) problems.push(p);
  }
  if (typeof input.cardNo === 'string') {
    const p = cardNoProblem(input.cardNo);
    if (p) problems.push(p);
  }
  if (input.tags) fields.tags = [...new Set(input.tags)];
  if (input.preferredStoreId != null) {
    const s = await q.query('SELECT 1 FROM stores WHERE id = $1', [input.preferredStoreId]);
    if (!s.rows[0]) problems.push({ path: 'preferredStoreId', en: 'no such store', zh: '门店不存在' });
  }
  let attributes: Record<string, AttributeValue> | undefined;
  if (input.attributes && Object.keys(input.attributes).length > 0) {
    const checked = checkAttributes(input.attributes, await loadAttributeDefinitions(q));
    problems.push(...checked.problems);
    attributes = checked.values;
  }
  let contacts: Omit<Contact, 'id'>[] | undefined;
  if (input.contacts) {
    if (kind !== 'business' && input.contacts.length > 0) {
      problems.push({ path: 'contacts', en: 'only business customers have contact people', zh: '只有企业客户才有联系人' });
    }
    if (input.contacts.filter((c) => c.isPrimary).length > 1) {
      problems.push({ path: 'contacts', en: 'at most one contact can be the primary one', zh: '最多只能有一个主要联系人' });
    }
    contacts = input.contacts.map((c, i) => {
      let mobile: string | null = null;
      if (c.mobile) {
        const m = mobileProblem(`contacts.${i}.mobile`, c.mobile);
        if (m.problem) problems.push(m.problem);
        mobile = m.mobile;
      }
      const email = c.email ? normaliseEmail(c.email) : null;
      if (c.email && !email) problems.push({ path: `contacts.${i}.email`, en: 'is not a valid e-mail address', zh: '不是有效的电子邮箱地址' });
      return { name: c.name, title: c.title ?? null, mobile, email, isPrimary: c.isPrimary ?? false };
    });
  }
  if (problems.length) throw fieldErrors(problems);
  return { fields, attributes, contacts };
}

async function assertUnique(q: Queryable, actor: Actor, id: number | null, mobile: unknown, cardNo: unknown): Promise<void> {
  if (typeof mobile === 'string') {
    const r = await q.query(`SELECT id FROM customers WHERE mobile = $1 AND status = 'active' AND id IS DISTINCT FROM $2`, [mobile, id]);
    if (r.rows[0]) {
      throw conflict('MOBILE_TAKEN', 'Another customer already has this mobile number.', '该手机号已属于另一位客户。',
        can(actor, 'customers.pii') ? { existingCustomerId: r.rows[0].id } : undefined);
    }
  }
  if (typeof cardNo === 'string') {
    const r = await q.query('SELECT id FROM customers WHERE card_no = $1 AND id IS DISTINCT FROM $2', [cardNo, id]);
    if (r.rows[0]) throw conflict('CARD_TAKEN', 'Another customer already has this member card number.', '该会员卡号已属于另一位客户。');
  }
}

/** A unique index that fired after our checks (two requests at once) is still the caller's conflict. */
function uniqueViolation(err: unknown): never {
  const e = err as { code?: string; constraint?: string; message?: string };
  const which = `${e.constraint ?? ''} ${e.message ?? ''}`;
  if (e.code === '23505' && which.includes('customers_mobile_key')) throw conflict('MOBILE_TAKEN', 'Another customer already has this mobile number.', '该手机号已属于另一位客户。');
  if (e.code === '23505' && which.includes('customers_card_no_key')) throw conflict('CARD_TAKEN', 'Another customer already has this member card number.', '该会员卡号已属于另一位客户。');
  throw err;
}

async function replaceContacts(q: Queryable, customerId: number, contacts: Omit<Contact, 'id'>[]): Promise<void> {
  await q.query('DELETE FROM customer_contacts WHERE customer_id = $1', [customerId]);
  if (contacts.length === 0) return;
  await q.query(
    `INSERT INTO customer_contacts (customer_id, name, title, mobile, email, is_primary)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[])`,
    [customerId, contacts.map((c) => c.name), contacts.map((c) => c.title), contacts.map((c) => c.mobile), contacts.map((c) => c.email), contacts.map((c) => c.isPrimary)],
  );
}

async function loadContacts(q: Queryable, customerId: number): Promise<Contact[]> {
  const r = await q.query(
    `SELECT id, name, title, mobile, email, is_primary AS "isPrimary" FROM customer_contacts WHERE customer_id = $1 ORDER BY is_primary DESC, id`,
    [customerId],
  );
  return r.rows as Contact[];
}

/** Roles without customers.pii see contacts' mobiles and e-mails masked, so they leave them out to keep them. */
async function withStoredContactFields(q: Queryable, customerId: number, contacts: ContactInput[]): Promise<ContactInput[]> {
  const stored = new Map((await loadContacts(q, customerId)).map((c) => [Number(c.id), c]));
  const problems: BilingualFieldProblem[] = [];
  const merged = contacts.map((c, i) => {
    if (c.id === undefined) return c;
    const s = stored.get(c.id);
    if (!s) problems.push({ path: `contacts.${i}.id`, en: 'is not a contact of this customer', zh: '不是该客户的联系人' });
    return { ...c, mobile: c.mobile === undefined ? s?.mobile : c.mobile, email: c.email === undefined ? s?.email : c.email };
  });
  if (problems.length) throw fieldErrors(problems);
  return merged;
}

/** Field names only: the values of personal fields never go into the audit log. */
function changedFields(input: CustomerInput, attributes?: Record<string, AttributeValue>): string[] {
  const names = Object.keys(input).filter((k) => k in COLUMN || k === 'contacts');
  if (attributes) names.push(...Object.keys(attributes).map((k) => `attributes.${k}`));
  return names;
}

export async function createCustomer(q: Queryable, actor: Actor, input: CustomerInput & { name: string }): Promise<Customer> {
  const kind = input.kind ?? 'person';
  const p = await prepare(q, input, kind);
  await assertUnique(q, actor, null, p.fields.mobile, p.fields.cardNo);
  const attrs = Object.fromEntries(Object.entries(p.attributes ?? {}).filter(([, v]) => v !== null));
  const cols = Object.keys(p.fields).filter((k) => k !== 'cardNo' && k !== 'kind');
  const params: unknown[] = [kind, JSON.stringify(attrs), p.fields.cardNo ?? null, ...cols.map((k) => p.fields[k])];
  let row;
  try {
    row = (await q.query(
      `INSERT INTO customers (kind, attributes, card_no${cols.map((k) => `, ${COLUMN[k]}`).join('')})
       VALUES ($1, $2::jsonb, COALESCE($3::text, 'PT' || lpad(nextval('customer_card_no_seq')::text, 10, '0'))${cols.map((_, i) => `, $${i + 4}`).join('')})
       RETURNING ${customerColumns}`,
      params,
    )).rows[0];
  } catch (err) {
    uniqueViolation(err);
  }
  if (p.contacts?.length) await replaceContacts(q, row.id, p.contacts);
  await recordAudit(q, actor, { action: 'create', entity: 'customer', entityId: row.id, customerId: row.id, details: { kind, changed: changedFields(input, p.attributes) } });
  for (const [, l] of customerLifecycleListeners()) await l.onCreated?.(q, row.id, actor);
  return { ...row, contacts: p.contacts ? await loadContacts(q, row.id) : [] } as Customer;
}

export async function updateCustomer(q: Queryable, actor: Actor, id: number, input: CustomerInput & { version: number }): Promise<Customer> {
  const { version, ...changes } = input;
  const cur = (await q.query(`SELECT ${customerColumns} FROM customers WHERE id = $1 FOR UPDATE`, [id])).rows[0];
  if (!cur) throw notFound('Customer', '客户');
  if (cur.version !== version) {
    throw conflict('STALE_VERSION', 'Someone else changed this customer since you loaded it; reload and try again.', '该客户资料已被他人修改，请刷新后重试。', { currentVersion: cur.version });
  }
  if (cur.status !== 'active') throw conflict('CUSTOMER_NOT_ACTIVE', 'This customer was merged or erased and cannot be edited.', '该客户已被合并或删除，不能编辑。');
  const kind = changes.kind ?? cur.kind;
  if (changes.contacts?.some((c) => c.id !== undefined)) changes.contacts = await withStoredContactFields(q, id, changes.contacts);
  const p = await prepare(q, changes, kind);
  if (kind === 'person' && changes.contacts === undefined && cur.kind === 'business') {
    const n = (await q.query('SELECT count(*)::int AS n FROM customer_contacts WHERE customer_id = $1', [id])).rows[0].n;
    if (n > 0) throw fieldErrors([{ path: 'kind', en: 'remove the contact people before making this a person', zh: '请先删除联系人再改为个人客户' }]);
  }
  await assertUnique(q, actor, id, p.fields.mobile, p.fields.cardNo);
  const cols = Object.keys(p.fields);
  const sets = cols.map((k, i) => `${COLUMN[k]} = $${i + 3}`);
  const params: unknown[] = [id, JSON.stringify(p.attributes ?? {}), ...cols.map((k) => p.fields[k])];
  let row;
  try {
    // Attribute values given as null are removed; the rest are merged into what is stored.
    row = (await q.query(
      `UPDATE customers SET ${sets.map((s) => s + ', ').join('')}
              attributes = jsonb_strip_nulls(attributes || $2::jsonb), version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${customerColumns}`,
      params,
    )).rows[0];
  } catch (err) {
    uniqueViolation(err);
  }
  if (p.contacts) await replaceContacts(q, id, p.contacts);
  await recordAudit(q, actor, { action: 'update', entity: 'customer', entityId: id, customerId: id, details: { changed: changedFields(changes, p.attributes), version: row.version } });
  return { ...row, contacts: await loadContacts(q, id) } as Customer;
}

/** The full record's columns, contacts included, selected from `customers`. */
const recordColumns = `${customerColumns},
            (SELECT COALESCE(json_agg(json_build_object('id', k.id, 'name', k.name, 'title', k.title, 'mobile', k.mobile, 'email', k.email,
                      'isPrimary', k.is_primary) ORDER BY k.is_primary DESC, k.id), '[]')
               FROM customer_contacts k WHERE k.customer_id = customers.id) AS contacts`;

/** The full record, as stored (unmasked); callers mask per role and audit the read. */
export async function loadCustomer(q: Queryable, id: number): Promise<Customer> {
  const r = await q.query(`SELECT ${recordColumns} FROM customers WHERE id = $1`, [id]);
  if (!r.rows[0]) throw notFound('Customer', '客户');
  return r.rows[0] as Customer;
}

/**
 * Someone opens a customer's full record (unmasked here): the record and the audit row of the read in one
 * statement, the row only for a customer that exists. It commits without waiting for the disk flush
 * (synchronous_commit off for this statement's transaction only): a read changes no data, and a crash can lose
 * at most the last fraction of a second of read entries, while the till's 360 page stops paying a WAL flush per view.
 */
export async function openCustomer(q: Queryable, actor: Actor, id: number, via: string): Promise<Customer> {
  // set_config(…, true) lasts until this statement's own commit, which is when the setting is read.
  const r = await q.query(
    prepared(`WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),
          audited AS (
            INSERT INTO audit_log (actor_kind, actor_id, actor_name, action, entity, entity_id, customer_id, details, request_id, ip)
            SELECT $1, $2, $3, 'read', 'customer', $4, c.id, $6, $7, $8 FROM customers c, relaxed WHERE c.id = $5)
     SELECT ${recordColumns} FROM customers WHERE id = $5`),
    [actor.kind, actor.id, actor.name, String(id), id, JSON.stringify({ via }), actor.requestId ?? null, actor.ip ?? null],
  );
  if (!r.rows[0]) throw notFound('Customer', '客户');
  return r.rows[0] as Customer;
}

/** A staff member (or integration) opens the full record: masked per role, and the read is audited. */
export async function readCustomer(db: Queryable, actor: Actor, id: number, via = 'profile'): Promise<Customer> {
  return maskCustomer(await openCustomer(db, actor, id, via), can(actor, 'customers.pii'));
}

export interface CustomerFilter {
  city?: string;
  tag?: string;
  storeId?: number;
  kind?: 'person' | 'business';
  createdFrom?: string;
  createdTo?: string;
  beforeId?: number;
  limit: number;
}

export const listColumns = `id, kind, name, mobile, email, birthday::text AS birthday, card_no AS "cardNo", gender, city, tags,
  preferred_store_id AS "preferredStoreId", status, created_at AS "createdAt"`;

/** The customers page: active customers, newest first, keyset-paged by id; the total is counted up to 10,000. */
export async function listCustomers(q: Queryable, actor: Actor, f: CustomerFilter) {
  const c = new Conditions(`status = 'active'`);
  if (f.city) c.add('city = ?', f.city);
  if (f.tag) c.add('tags @> ARRAY[?::text]', f.tag);
  if (f.storeId != null) c.add('preferred_store_id = ?', f.storeId);
  if (f.kind) c.add('kind = ?', f.kind);
  if (f.createdFrom) c.add('created_at >= ?::timestamptz', f.createdFrom);
  if (f.createdTo) c.add('created_at < ?::timestamptz', f.createdTo);
  const filterParams = [...c.params];
  const filterWhere = c.where;
  if (f.beforeId != null) c.add('id < ?', f.beforeId);
  const rows = (await q.query(`SELECT ${listColumns} FROM customers ${c.where} ORDER BY id DESC LIMIT ${c.param(f.limit + 1)}`, c.params)).rows;
  const total = (await q.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM customers ${filterWhere} LIMIT 10001) s`, filterParams)).rows[0].n;
  const more = rows.length > f.limit;
  const items = rows.slice(0, f.limit).map((c: any) => maskCustomer(c, can(actor, 'customers.pii')));
  return { items, nextBeforeId: more ? items[items.length - 1]!.id : null, total: Math.min(total, 10000), totalCapped: total > 10000 };
}
