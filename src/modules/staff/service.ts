import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { hash, randomBytes } from 'node:crypto';
import { prepared, type Db, type Queryable } from '../../db/client.ts';
import { AppError, conflict, fieldError, notFound, unauthorized } from '../../http/errors.ts';
import { recordAudit } from './audit.ts';
import { API_KEY_SCOPES, ROLE_PERMISSIONS, type Actor, type Permission, type Role } from './permissions.ts';

const sha256 = (s: string) => hash('sha256', s);
export const hashPassword = (pw: string) => argonHash(pw);

export const LOCK_AFTER_FAILURES = 5;
/** Back-off after repeated failures: 1 min after the 5th, doubling, at most an hour. */
export function lockMinutes(failures: number): number {
  if (failures < LOCK_AFTER_FAILURES) return 0;
  return Math.min(60, 2 ** (failures - LOCK_AFTER_FAILURES));
}

/** A new password's strength; `field` names the request field it came in. */
export function validatePassword(pw: string, field = 'password'): void {
  if (pw.length < 10) throw fieldError(field, 'must be at least 10 characters', '至少需要 10 个字符');
  if (!/[a-zA-Z]/.test(pw) || !/[0-9]/.test(pw)) throw fieldError(field, 'must contain letters and digits', '必须包含字母和数字');
}

const staffColumns = `id, username, display_name AS "displayName", role, store_ids AS "storeIds", active,
  must_change_password AS "mustChangePassword", locked_until AS "lockedUntil", last_login_at AS "lastLoginAt", created_at AS "createdAt"`;

export interface StaffAccount {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  storeIds: number[];
  active: boolean;
  mustChangePassword: boolean;
}

export function staffActor(s: { id: number; displayName: string; role: Role; storeIds: number[] }): Actor {
  return { kind: 'staff', id: s.id, name: s.displayName, role: s.role, storeIds: s.storeIds.map(Number), permissions: ROLE_PERMISSIONS[s.role] };
}

/** When no admin exists yet, creates the first one; the password comes from the environment or is generated and shown once. */
export async function ensureFirstAdmin(db: Db, password: string | undefined): Promise<{ username: string; password: string; generated: boolean } | null> {
  // An admin, not just any staff: `npm run demo` before the first start creates demo staff but no admin.
  const existing = await db.query(`SELECT 1 FROM staff_accounts WHERE role = 'admin' OR lower(username) = 'admin' LIMIT 1`);
  if (existing.rows.length) return null;
  const generated = !password;
  const pw = password ?? randomBytes(12).toString('base64url');
  await db.query(
    `INSERT INTO staff_accounts (username, display_name, role, password_hash, must_change_password)
     VALUES ('admin', '管理员', 'admin', $1, $2) ON CONFLICT DO NOTHING`,
    [await hashPassword(pw), generated],
  );
  return { username: 'admin', password: pw, generated };
}

export async function login(db: Db, input: { username: string; password: string; ip?: string; userAgent?: string; sessionHours: number }) {
  const r = await db.query(
    `SELECT id, username, display_name AS "displayName", role, store_ids AS "storeIds", active, password_hash AS "passwordHash",
            failed_logins AS "failedLogins", locked_until AS "lockedUntil", must_change_password AS "mustChangePassword"
       FROM staff_accounts WHERE lower(username) = lower($1)`,
    [input.username],
  );
  const s = r.rows[0];
  const invalid = unauthorized('INVALID_CREDENTIALS', 'Wrong username or password.', '用户名或密码错误。');
  if (!s) {
    await argonHash(input.password); // same cost as a real check, so timing does not reveal which usernames exist
    throw invalid;
  }
  if (s.lockedUntil && new Date(s.lockedUntil) > new Date()) {
    const seconds = Math.ceil((new Date(s.lockedUntil).getTime() - Date.now()) / 1000);
    throw new AppError(429, 'ACCOUNT_LOCKED', {
      en: `Too many failed logins. Try again in ${seconds} seconds.`,
      zh: `登录失败次数过多，请 ${seconds} 秒后再试。`,
    }, undefined, { retryAfterSeconds: seconds });
  }
  const ok = await argonVerify(s.passwordHash, input.password).catch(() => false);
  if (!ok || !s.active) {
    // Counted in the database, so parallel guesses cannot all read the same count and slip past the lock.
    const counted = await db.query<{ failures: number }>('UPDATE staff_accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins AS failures', [s.id]);
    const failures = counted.rows[0]!.failures;
    const minutes = lockMinutes(failures);
    if (minutes > 0) await db.query('UPDATE staff_accounts SET locked_until = now() + make_interval(mins => $2::int) WHERE id = $1', [s.id, minutes]);
    await recordAudit(db, { kind: 'staff', id: s.id, name: s.displayName, role: s.role, storeIds: [], permissions: new Set(), ip: input.ip }, {
      action: 'login_failed', entity: 'staff', entityId: s.id, details: { failures },
    });
    if (!s.active) throw unauthorized('ACCOUNT_DISABLED', 'This account is disabled.', '该账号已停用。');
    throw invalid;
  }
  const token = randomBytes(32).toString('base64url');
  await db.tx(async (tx) => {
    await tx.query(`UPDATE staff_accounts SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE id = $1`, [s.id]);
    await tx.query(
      `INSERT INTO staff_sessions (token_hash, staff_id, expires_at, ip, user_agent) VALUES ($1, $2, now() + make_interval(hours => $3::int), $4, $5)`,
      [sha256(token), s.id, input.sessionHours, input.ip ?? null, input.userAgent?.slice(0, 300) ?? null],
    );
    await recordAudit(tx, { ...staffActor(s), ip: input.ip }, { action: 'login', entity: 'staff', entityId: s.id });
  });
  const { passwordHash: _h, failedLogins: _f, lockedUntil: _l, ...account } = s;
  return { token, staff: account as StaffAccount };
}

/** The staff member behind a session token, or null when it is unknown, expired or the account is disabled. */
export async function resolveSession(q: Queryable, token: string): Promise<(StaffAccount & { actor: Actor }) | null> {
  const tokenHash = sha256(token);
  const r = await q.query(
    prepared(`SELECT s.id, s.username, s.display_name AS "displayName", s.role, s.store_ids AS "storeIds", s.active,
            s.must_change_password AS "mustChangePassword", ss.last_seen_at < now() - interval '1 minute' AS stale
       FROM staff_sessions ss JOIN staff_accounts s ON s.id = ss.staff_id
      WHERE ss.token_hash = $1 AND ss.expires_at > now() AND s.active`),
    [tokenHash],
  );
  const row = r.rows[0];
  if (!row) return null;
  // Touch the session at most once a minute: a busy till must not queue on one row.
  if (row.stale) await q.query(prepared('UPDATE staff_sessions SET last_seen_at = now() WHERE token_hash = $1'), [tokenHash]);
  const { stale: _s, ...s } = row;
  const account = { ...s, storeIds: s.storeIds.map(Number) } as StaffAccount;
  return { ...account, actor: staffActor(account) };
}

export async function logout(q: Queryable, token: string): Promise<void> {
  await q.query('DELETE FROM staff_sessions WHERE token_hash = $1', [sha256(token)]);
}

export async function changePassword(db: Db, actor: Actor, input: { currentPassword: string; newPassword: string }) {
  const r = await db.query('SELECT password_hash AS "passwordHash" FROM staff_accounts WHERE id = $1', [actor.id]);
  if (!r.rows[0]) throw notFound('Staff account', '员工账号');
  if (!(await argonVerify(r.rows[0].passwordHash, input.currentPassword).catch(() => false))) {
    throw fieldError('currentPassword', 'is wrong', '不正确');
  }
  validatePassword(input.newPassword, 'newPassword');
  if (input.newPassword === input.currentPassword) throw fieldError('newPassword', 'must differ from the current one', '不能与当前密码相同');
  const h = await hashPassword(input.newPassword);
  await db.tx(async (tx) => {
    await tx.query('UPDATE staff_accounts SET password_hash = $2, must_change_password = false, updated_at = now() WHERE id = $1', [actor.id, h]);
    await recordAudit(tx, actor, { action: 'password_changed', entity: 'staff', entityId: actor.id });
  });
}

export async function listStaff(q: Queryable): Promise<StaffAccount[]> {
  const r = await q.query(`SELECT ${staffColumns} FROM staff_accounts ORDER BY id`);
  return r.rows.map((s: any) => ({ ...s, storeIds: s.storeIds.map(Number) }));
}

async function assertStoresExist(q: Queryable, storeIds: number[]) {
  if (!storeIds.length) return;
  const r = await q.query('SELECT count(*)::int AS n FROM stores WHERE id = ANY($1::bigint[])', [storeIds]);
  if (r.rows[0].n !== new Set(storeIds).size) throw fieldError('storeIds', 'names a store that does not exist', '包含不存在的门店');
}

export async function createStaff(db: Db, actor: Actor, input: { username: string; displayName: string; role: Role; storeIds: number[]; password: string }) {
  validatePassword(input.password);
  if (input.role === 'store_staff' && input.storeIds.length === 0) throw fieldError('storeIds', 'store staff need at least one store', '门店员工至少需要一个门店');
  const h = await hashPassword(input.password);
  return db.tx(async (tx) => {
    await assertStoresExist(tx, input.storeIds);
    const dup = await tx.query('SELECT 1 FROM staff_accounts WHERE lower(username) = lower($1)', [input.username]);
    if (dup.rows.length) throw conflict('USERNAME_TAKEN', 'This username is already taken.', '该用户名已被使用。');
    const r = await tx.query(
      `INSERT INTO staff_accounts (username, display_name, role, store_ids, password_hash, must_change_password)
       VALUES ($1,$2,$3,$4,$5,true) RETURNING ${staffColumns}`,
      [input.username, input.displayName, input.role, input.storeIds, h],
    );
    const s = r.rows[0];
    await recordAudit(tx, actor, { action: 'create', entity: 'staff', entityId: s.id, details: { username: s.username, role: s.role, storeIds: input.storeIds } });
    return { ...s, storeIds: s.storeIds.map(Number) } as StaffAccount;
  });
}

export async function updateStaff(
  db: Db,
  actor: Actor,
  id: number,
  input: { displayName?: string; role?: Role; storeIds?: number[]; active?: boolean; password?: string },
) {
  if (input.password !== undefined) validatePassword(input.password);
  const h = input.password !== undefined ? await hashPassword(input.password) : null;
  return db.tx(async (tx) => {
    const cur = (await tx.query(`SELECT ${staffColumns} FROM staff_accounts WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    if (!cur) throw notFound('Staff account', '员工账号');
    if (input.storeIds) await assertStoresExist(tx, input.storeIds);
    const role = input.role ?? cur.role;
    const storeIds = input.storeIds ?? cur.storeIds.map(Number);
    if (role === 'store_staff' && storeIds.length === 0) throw fieldError('storeIds', 'store staff need at least one store', '门店员工至少需要一个门店');
    if (id === actor.id && (input.active === false || (input.role && input.role !== 'admin'))) {
      throw conflict('CANNOT_DEMOTE_SELF', 'You cannot disable or demote your own account.', '不能停用或降级自己的账号。');
    }
    const r = await tx.query(
      `UPDATE staff_accounts SET display_name = $2, role = $3, store_ids = $4, active = $5,
              password_hash = COALESCE($6, password_hash), must_change_password = CASE WHEN $6::text IS NULL THEN must_change_password ELSE true END,
              failed_logins = CASE WHEN $6::text IS NULL THEN failed_logins ELSE 0 END,
              locked_until = CASE WHEN $6::text IS NULL THEN locked_until ELSE NULL END, updated_at = now()
        WHERE id = $1 RETURNING ${staffColumns}`,
      [id, input.displayName ?? cur.displayName, role, storeIds, input.active ?? cur.active, h],
    );
    if (input.active === false || h) await tx.query('DELETE FROM staff_sessions WHERE staff_id = $1', [id]);
    const { password: _p, ...logged } = input;
    await recordAudit(tx, actor, { action: 'update', entity: 'staff', entityId: id, details: { ...logged, passwordReset: h != null } });
    const s = r.rows[0];
    return { ...s, storeIds: s.storeIds.map(Number) } as StaffAccount;
  });
}

export interface ApiKeyView {
  id: number;
  name: string;
  prefix: string;
  scopes: Permission[];
  storeIds: number[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const apiKeyColumns = `id, name, prefix, scopes, store_ids AS "storeIds", created_at AS "createdAt", revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"`;

/** Creates an API key; the secret is returned this once and only its hash is kept. */
export async function createApiKey(db: Db, actor: Actor, input: { name: string; scopes: Permission[]; storeIds: number[] }) {
  const bad = input.scopes.find((s) => !API_KEY_SCOPES.includes(s));
  if (bad) throw fieldError('scopes', `${bad} cannot be given to an API key`, `${bad} 不能授予 API 密钥`);
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  const key = `pk_${prefix}_${secret}`;
  return db.tx(async (tx) => {
    await assertStoresExist(tx, input.storeIds);
    const r = await tx.query(
      `INSERT INTO api_keys (name, prefix, key_hash, scopes, store_ids, created_by) VALUES ($1,$2,$3,$4,$5,$6) RETURNING ${apiKeyColumns}`,
      [input.name, prefix, sha256(key), input.scopes, input.storeIds, actor.id],
    );
    await recordAudit(tx, actor, { action: 'create', entity: 'api_key', entityId: r.rows[0].id, details: { name: input.name, scopes: input.scopes } });
    return { key, apiKey: { ...r.rows[0], storeIds: r.rows[0].storeIds.map(Number) } as ApiKeyView };
  });
}

export async function listApiKeys(q: Queryable): Promise<ApiKeyView[]> {
  const r = await q.query(`SELECT ${apiKeyColumns} FROM api_keys ORDER BY id DESC`);
  return r.rows.map((k: any) => ({ ...k, storeIds: k.storeIds.map(Number) }));
}

export async function revokeApiKey(db: Db, actor: Actor, id: number) {
  const view = await db.tx(async (tx) => {
    const r = await tx.query(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()), revoked_by = COALESCE(revoked_by, $2) WHERE id = $1 RETURNING ${apiKeyColumns}`, [id, actor.id]);
    if (!r.rows[0]) throw notFound('API key', 'API 密钥');
    await recordAudit(tx, actor, { action: 'revoke', entity: 'api_key', entityId: id });
    return r.rows[0] as ApiKeyView;
  });
  forgetApiKey(id);
  return view;
}

/**
 * Resolved keys, kept briefly so a busy till costs one query per lookup instead of two. A revoke in this
 * process takes effect at once; in other app processes within API_KEY_CACHE_MS.
 */
export const API_KEY_CACHE_MS = 10_000;
/** In an entry's last seconds a request still gets it while one lookup renews it, so tills never wait on an expiry. */
export const API_KEY_REFRESH_MS = 2_000;
const API_KEY_CACHE_MAX = 10_000;
const apiKeyCache = new Map<string, { actor: Actor; until: number }>();
// One lookup per key at a time: when an entry lapsed under load, every till's request queried and, all seeing the
// key stale, updated its row one after another, each waiting for the last one's commit.
const apiKeyLookups = new Map<string, Promise<Actor | null>>();
let apiKeyEpoch = 0;

function forgetApiKey(id: number) {
  apiKeyEpoch += 1;
  for (const [h, e] of apiKeyCache) if (e.actor.id === id) apiKeyCache.delete(h);
  // A lookup that began before the revoke may still find the key: requests from now on must not join it.
  apiKeyLookups.clear();
}

const API_KEY_PATTERN = /^pk_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/;

/** The integration behind an API key, or null when the key is malformed, unknown or revoked. */
export async function resolveApiKey(db: Queryable, key: string): Promise<Actor | null> {
  const m = API_KEY_PATTERN.exec(key);
  if (!m) return null;
  const keyHash = sha256(key);
  const cached = apiKeyCache.get(keyHash);
  const now = Date.now();
  if (cached && cached.until > now) {
    // A failed renewal leaves the entry to lapse; the lookup after that answers the error.
    if (cached.until - now <= API_KEY_REFRESH_MS) lookUpApiKey(db, m[1]!, keyHash).catch(() => {});
    return cached.actor;
  }
  return lookUpApiKey(db, m[1]!, keyHash);
}

function lookUpApiKey(db: Queryable, prefix: string, keyHash: string): Promise<Actor | null> {
  let pending = apiKeyLookups.get(keyHash);
  if (!pending) {
    const lookup = readApiKey(db, prefix, keyHash).finally(() => {
      if (apiKeyLookups.get(keyHash) === lookup) apiKeyLookups.delete(keyHash);
    });
    apiKeyLookups.set(keyHash, (pending = lookup));
  }
  return pending;
}

async function readApiKey(db: Queryable, prefix: string, keyHash: string): Promise<Actor | null> {
  const epoch = apiKeyEpoch;
  const r = await db.query(
    prepared(`SELECT id, name, scopes, store_ids AS "storeIds", last_used_at IS NULL OR last_used_at < now() - interval '1 minute' AS stale
       FROM api_keys WHERE prefix = $1 AND key_hash = $2 AND revoked_at IS NULL`),
    [prefix, keyHash],
  );
  const k = r.rows[0];
  if (!k) {
    apiKeyCache.delete(keyHash);
    return null;
  }
  if (k.stale) await db.query(prepared('UPDATE api_keys SET last_used_at = now() WHERE id = $1'), [k.id]);
  const actor: Actor = { kind: 'api_key', id: k.id, name: k.name, role: null, storeIds: k.storeIds.map(Number), permissions: new Set(k.scopes as Permission[]) };
  // A revoke that ran while this query was in flight wins: do not cache what it may have revoked.
  if (epoch === apiKeyEpoch) {
    if (apiKeyCache.size >= API_KEY_CACHE_MAX) apiKeyCache.clear();
    apiKeyCache.set(keyHash, { actor, until: Date.now() + API_KEY_CACHE_MS });
  }
  return actor;
}
