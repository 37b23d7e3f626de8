import type { Db, Queryable } from '../../db/client.ts';
import { conflict, notFound } from '../../http/errors.ts';
import { recordAudit } from './audit.ts';
import type { Actor } from './permissions.ts';

export interface Store {
  id: number;
  code: string;
  name: string;
  city: string;
  region: string;
  address: string;
  timezone: string;
  openedOn: string | null;
  active: boolean;
}
export type StoreInput = Omit<Store, 'id' | 'active' | 'openedOn' | 'address' | 'timezone'> & Partial<Pick<Store, 'active' | 'openedOn' | 'address' | 'timezone'>>;

const cols = `id, code, name, city, region, address, timezone, opened_on AS "openedOn", active`;

export async function listStores(q: Queryable): Promise<Store[]> {
  return (await q.query(`SELECT ${cols} FROM stores ORDER BY code`)).rows as Store[];
}

export async function getStore(q: Queryable, id: number): Promise<Store> {
  const r = await q.query(`SELECT ${cols} FROM stores WHERE id = $1`, [id]);
  if (!r.rows[0]) throw notFound('Store', '门店');
  return r.rows[0] as Store;
}

export async function createStore(db: Db, actor: Actor, s: StoreInput): Promise<Store> {
  return db.tx(async (tx) => {
    const r = await tx.query(
      `INSERT INTO stores (code, name, city, region, address, timezone, opened_on, active)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (code) DO NOTHING RETURNING ${cols}`,
      [s.code, s.name, s.city, s.region, s.address ?? '', s.timezone ?? 'Asia/Shanghai', s.openedOn ?? null, s.active ?? true],
    );
    if (!r.rows[0]) throw conflict('STORE_CODE_TAKEN', 'A store with this code already exists.', '该门店编码已存在。');
    await recordAudit(tx, actor, { action: 'create', entity: 'store', entityId: r.rows[0].id, details: { ...s } });
    return r.rows[0] as Store;
  });
}

export async function updateStore(db: Db, actor: Actor, id: number, s: Partial<StoreInput>): Promise<Store> {
  return db.tx(async (tx) => {
    const cur = await getStore(tx, id);
    const next = { ...cur, ...s };
    const r = await tx.query(
      `UPDATE stores SET code=$2, name=$3, city=$4, region=$5, address=$6, timezone=$7, opened_on=$8, active=$9, updated_at=now()
        WHERE id=$1 RETURNING ${cols}`,
      [id, next.code, next.name, next.city, next.region, next.address, next.timezone, next.openedOn, next.active],
    ).catch((e) => {
      if (e.code === '23505') throw conflict('STORE_CODE_TAKEN', 'A store with this code already exists.', '该门店编码已存在。');
      throw e;
    });
    await recordAudit(tx, actor, { action: 'update', entity: 'store', entityId: id, details: { ...s } });
    return r.rows[0] as Store;
  });
}
