import type { Db, Queryable } from '../../db/client.ts';
import { badRequest, conflict, notFound } from '../../http/errors.ts';
import { recordAudit, type Actor } from '../staff/index.ts';
import { Conditions, escapeLike } from '../../db/conditions.ts';

export interface Product {
  id: number;
  sku: string;
  name: string;
  category: string;
  brand: string;
  priceFen: number;
  active: boolean;
  updatedAt: string;
}

export interface ProductInput {
  sku: string;
  name: string;
  category: string;
  brand?: string;
  priceFen: number;
  active?: boolean;
}

export interface ProductFilter {
  q?: string;
  category?: string;
  brand?: string;
  active?: boolean;
  /** Keyset paging: skus after this one. */
  after?: string;
  limit: number;
}

const cols = `id, sku, name, category, brand, price_fen AS "priceFen", active, updated_at AS "updatedAt"`;
/** Ordered by sku, keyset-paged; `q` matches a sku prefix or any part of the name. */
export async function listProducts(q: Queryable, f: ProductFilter): Promise<{ items: Product[]; next: string | null }> {
  const c = new Conditions();
  if (f.q) c.add(`(sku LIKE ? OR lower(name) LIKE ?)`, `${escapeLike(f.q)}%`, `%${escapeLike(f.q.toLowerCase())}%`);
  if (f.category) c.add('category = ?', f.category);
  if (f.brand) c.add('brand = ?', f.brand);
  if (f.active !== undefined) c.add('active = ?', f.active);
  if (f.after) c.add('sku > ?', f.after);
  const r = await q.query(`SELECT ${cols} FROM products ${c.where} ORDER BY sku LIMIT ${c.param(f.limit + 1)}`, c.params);
  const items = r.rows.slice(0, f.limit) as Product[];
  return { items, next: r.rows.length > f.limit ? items[items.length - 1]!.sku : null };
}

export async function getProduct(q: Queryable, id: number): Promise<Product> {
  const r = await q.query(`SELECT ${cols} FROM products WHERE id = $1`, [id]);
  if (!r.rows[0]) throw notFound('Product', '商品');
  return r.rows[0] as Product;
}

/** Categories with how many products (active ones) each holds. */
export async function listCategories(q: Queryable): Promise<{ category: string; products: number; activeProducts: number }[]> {
  const r = await q.query(
    `SELECT category, count(*)::bigint AS products, count(*) FILTER (WHERE active)::bigint AS "activeProducts"
       FROM products GROUP BY category ORDER BY category`,
  );
  return r.rows as any;
}

const skuTaken = () => conflict('SKU_TAKEN', 'A product with this SKU already exists.', '该商品编码（SKU）已存在。');

export async function createProduct(db: Db, actor: Actor, p: ProductInput): Promise<Product> {
  return db.tx(async (tx) => {
    const r = await tx.query(
      `INSERT INTO products (sku, name, category, brand, price_fen, active) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (sku) DO NOTHING RETURNING ${cols}`,
      [p.sku, p.name, p.category, p.brand ?? '', p.priceFen, p.active ?? true],
    );
    if (!r.rows[0]) throw skuTaken();
    await recordAudit(tx, actor, { action: 'create', entity: 'product', entityId: r.rows[0].id, details: { ...p } });
    return r.rows[0] as Product;
  });
}

export async function updateProduct(db: Db, actor: Actor, id: number, p: Partial<ProductInput>): Promise<Product> {
  return db.tx(async (tx) => {
    const cur = await tx.query(`SELECT ${cols} FROM products WHERE id = $1 FOR UPDATE`, [id]);
    if (!cur.rows[0]) throw notFound('Product', '商品');
    const next = { ...cur.rows[0], ...p };
    const r = await tx
      .query(
        `UPDATE products SET sku=$2, name=$3, category=$4, brand=$5, price_fen=$6, active=$7, updated_at=now() WHERE id=$1 RETURNING ${cols}`,
        [id, next.sku, next.name, next.category, next.brand, next.priceFen, next.active],
      )
      .catch((e) => {
        if (e.code === '23505') throw skuTaken();
        throw e;
      });
    await recordAudit(tx, actor, { action: 'update', entity: 'product', entityId: id, details: { ...p } });
    return r.rows[0] as Product;
  });
}

/**
 * The shop's and the POS's catalogue sync: up to 1,000 products inserted or updated by sku in one statement.
 * A sku given twice in one request is a 400 (the database could not tell which one wins).
 */
export async function upsertProducts(db: Db, actor: Actor, items: ProductInput[]): Promise<{ created: number; updated: number; items: { sku: string; id: number; created: boolean }[] }> {
  const seen = new Map<string, number>();
  items.forEach((p, i) => {
    const first = seen.get(p.sku);
    if (first !== undefined) {
      throw badRequest('DUPLICATE_SKU', `SKU ${p.sku} appears twice in this request.`, `SKU ${p.sku} 在本次请求中出现了两次。`, [
        { path: `products.${i}.sku`, en: `repeats products.${first}.sku`, zh: `与 products.${first}.sku 重复` },
      ]);
    }
    seen.set(p.sku, i);
  });
  return db.tx(async (tx) => {
    const r = await tx.query(
      `INSERT INTO products (sku, name, category, brand, price_fen, active)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::boolean[])
       ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category, brand = EXCLUDED.brand,
         price_fen = EXCLUDED.price_fen, active = EXCLUDED.active, updated_at = now()
       RETURNING id, sku, (xmax = 0) AS created`,
      [items.map((p) => p.sku), items.map((p) => p.name), items.map((p) => p.category), items.map((p) => p.brand ?? ''),
        items.map((p) => p.priceFen), items.map((p) => p.active ?? true)],
    );
    const created = r.rows.filter((x) => x.created).length;
    await recordAudit(tx, actor, { action: 'upsert', entity: 'product', details: { count: items.length, created, updated: items.length - created } });
    return { created, updated: items.length - created, items: r.rows as any };
  });
}
