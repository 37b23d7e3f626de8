import { z } from 'zod';
import type { Db, Queryable } from '../../db/client.ts';
import { requestHash } from '../../db/idempotency.ts';
import { AppError, badRequest, conflict, forbidden } from '../../http/errors.ts';
import { text } from '../../lib/validation.ts';
import { inStoreScope, recordAudit, type Actor } from '../staff/index.ts';
import { notifyPurchasesRecorded } from './events.ts';
import { fenAmount, MAX_LINES, priceReturn } from './basket.ts';
import { answerOf, storedPurchaseAnswers, storeKeys, type PurchaseAnswer } from './purchases.ts';
import { purchaseInput } from './basket.ts';

export const RETURN_WINDOW_SETTING = 'sales.returnWindowDays';
export const DEFAULT_RETURN_WINDOW_DAYS = 15;

export const returnInput = z.strictObject({
  source: purchaseInput.shape.source,
  externalId: purchaseInput.shape.externalId,
  lines: z
    .array(z.strictObject({ lineNo: z.number().int().positive().max(MAX_LINES), quantity: z.number().int('must be a whole number').positive('must be positive').max(1_000_000) }))
    .min(1)
    .max(MAX_LINES)
    .refine((ls) => new Set(ls.map((l) => l.lineNo)).size === ls.length, 'each lineNo at most once'),
  /** Defaults to the paid share of the returned goods (all that is left when everything comes back). */
  refundFen: fenAmount.optional(),
  /** When the goods came back; default now. */
  returnedAt: z.iso.datetime({ offset: true }).optional(),
  /** Where the goods came back; default the store of the sale. */
  storeId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  storeCode: purchaseInput.shape.storeCode,
  reason: text(200).optional(),
});
export type ReturnInput = z.input<typeof returnInput>;
export type OriginalRef = { id: number } | { source: string; externalId: string };

/** The sale a return names does not exist: 404 naming how it was named (the path's id, or the body's original). */
export const purchaseNotFound = (ref: OriginalRef) =>
  new AppError(404, 'PURCHASE_NOT_FOUND', { en: 'The purchase to return was not found.', zh: '未找到要退货的消费记录。' }, [
    'id' in ref ? { path: 'id', en: 'no purchase with this id', zh: '没有这个编号的消费记录' } : { path: 'original', en: 'no purchase with this source and externalId', zh: '没有这个来源和外部编号的消费记录' },
  ]);

export async function returnWindowDays(q: Queryable): Promise<number> {
  const r = await q.query('SELECT value FROM settings WHERE key = $1', [RETURN_WINDOW_SETTING]);
  const v = r.rows[0]?.value;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : DEFAULT_RETURN_WINDOW_DAYS;
}

export async function setReturnWindowDays(db: Db, actor: Actor, days: number): Promise<number> {
  return db.tx(async (tx) => {
    await tx.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [RETURN_WINDOW_SETTING, JSON.stringify(days)],
    );
    await recordAudit(tx, actor, { action: 'update', entity: 'setting', entityId: RETURN_WINDOW_SETTING, details: { value: days } });
    return days;
  });
}

/**
 * Books a return of some lines of a sale, with its refund, as a new purchase row of kind 'return' (negative
 * quantities and amounts, so sums are net). The sale is locked while it is checked, so two returns racing for
 * the same goods cannot both pass. Idempotent by the return's own (source, externalId).
 */
export async function recordReturn(db: Db, actor: Actor, ref: OriginalRef, raw: ReturnInput): Promise<{ status: 'created' | 'replayed'; purchase: PurchaseAnswer }> {
  const input = returnInput.parse(raw);
  const hash = requestHash({ ref, ...input });
  return db.tx(async (tx) => {
    const priorKey = () => tx.query('SELECT request_hash, customer_id, purchase_id, extras FROM purchase_keys WHERE source = $1 AND external_id = $2', [input.source, input.externalId]);
    const replay = async (k: any) => {
      if (k.request_hash !== hash) throw keyReused();
      const answers = await storedPurchaseAnswers(tx, [{ customerId: k.customer_id, purchaseId: k.purchase_id, extras: k.extras }]);
      return { status: 'replayed' as const, purchase: answers.get(k.purchase_id)! };
    };
    const prior = (await priorKey()).rows[0];
    if (prior) return replay(prior);
    const o = (
      'id' in ref
        ? await tx.query(`SELECT * FROM purchases WHERE id = $1 FOR UPDATE`, [ref.id])
        : await tx.query(`SELECT * FROM purchases WHERE source = $1 AND external_id = $2 FOR UPDATE`, [ref.source, ref.externalId])
    ).rows[0];
    if (!o) throw purchaseNotFound(ref);
    if (o.kind !== 'sale') throw conflict('NOT_A_SALE', 'Only a sale can be returned.', '只有销售记录才能退货。');
    if (!inStoreScope(actor, o.store_id)) throw forbidden('STORE_OUT_OF_SCOPE', 'This purchase belongs to another store.', '该消费记录属于其他门店。');
    let storeId: number | null = o.store_id;
    if (input.storeId !== undefined || input.storeCode !== undefined) {
      const s = await tx.query('SELECT id FROM stores WHERE id = $1 OR code = $2', [input.storeId ?? null, input.storeCode ?? null]);
      if (!s.rows[0]) {
        const path = input.storeId !== undefined ? 'storeId' : 'storeCode';
        throw new AppError(404, 'STORE_NOT_FOUND', { en: 'Store not found.', zh: '未找到门店。' }, [{ path, en: 'no such store', zh: '没有这个门店' }]);
      }
      storeId = s.rows[0].id;
      if (!inStoreScope(actor, storeId)) throw forbidden('STORE_OUT_OF_SCOPE', 'You may only book returns for your own stores.', '您只能为自己的门店记录退货。');
    }
    const returnedAt = input.returnedAt ? new Date(input.returnedAt) : new Date();
    const soldAt = new Date(o.purchased_at);
    if (returnedAt.getTime() < soldAt.getTime()) {
      throw badRequest('VALIDATION_FAILED', 'Invalid input: returnedAt', '输入无效：returnedAt', [{ path: 'returnedAt', en: 'must not be before the sale', zh: '不能早于购买时间' }]);
    }
    const days = await returnWindowDays(tx);
    if (returnedAt.getTime() - soldAt.getTime() > days * 86_400_000) {
      throw conflict('RETURN_WINDOW_CLOSED', `Returns are accepted within ${days} days of the purchase.`, `仅接受购买后 ${days} 天内的退货。`, { returnWindowDays: days });
    }
    const lines = await tx.query(
      `SELECT l.line_no AS "lineNo", l.sku, l.product_id AS "productId", l.category, l.quantity, l.unit_price_fen AS "unitPriceFen", l.amount_fen AS "amountFen",
              COALESCE(r.qty, 0)::bigint AS "returnedQuantity", COALESCE(r.amt, 0)::bigint AS "returnedAmountFen"
         FROM purchase_lines l
         LEFT JOIN (SELECT rl.line_no, -sum(rl.quantity) AS qty, -sum(rl.amount_fen) AS amt
                      FROM purchases p JOIN purchase_lines rl ON rl.customer_id = p.customer_id AND rl.purchase_id = p.id
                     WHERE p.customer_id = $1 AND p.original_purchase_id = $2
                     GROUP BY rl.line_no) r ON r.line_no = l.line_no
        WHERE l.customer_id = $1 AND l.purchase_id = $2 ORDER BY l.line_no`,
      [o.customer_id, o.id],
    );
    const refunded = await tx.query(`SELECT COALESCE(-sum(paid_fen), 0)::bigint AS fen FROM purchases WHERE customer_id = $1 AND original_purchase_id = $2`, [o.customer_id, o.id]);
    const priced = priceReturn(
      { totalFen: o.total_fen, paidFen: o.paid_fen, refundedFen: refunded.rows[0].fen, lines: lines.rows as any },
      input.lines,
      input.refundFen,
    );
    if (!priced.ok) {
      if (priced.code === 'UNKNOWN_LINE') {
        const path = `lines.${priced.index}.lineNo`;
        throw badRequest('VALIDATION_FAILED', `Invalid input: ${path}`, `输入无效：${path}`, [{ path, en: 'the purchase has no such line', zh: '该消费没有这一行' }]);
      }
      if (priced.code === 'RETURN_EXCEEDS_PURCHASE') {
        throw conflict('RETURN_EXCEEDS_PURCHASE', 'More would come back than was bought (minus earlier returns).', '退货数量超过了购买数量（扣除此前的退货）。', { path: `lines.${priced.index}.quantity` });
      }
      throw conflict('REFUND_EXCEEDS_PAID', 'The refund would exceed what was paid minus earlier refunds.', '退款金额超过了实付金额减去此前的退款。');
    }
    const byNo = new Map(lines.rows.map((l: any) => [l.lineNo, l]));
    const returnLines = priced.lines.map((l) => {
      const src = byNo.get(l.lineNo)!;
      return { lineNo: l.lineNo, sku: src.sku, productId: src.productId, category: src.category, quantity: -l.quantity, unitPriceFen: src.unitPriceFen, amountFen: -l.amountFen };
    });
    const totalFen = returnLines.reduce((s, l) => s + l.amountFen, 0);
    const itemCount = returnLines.reduce((s, l) => s + l.quantity, 0);
    const ins = await tx.query(
      `INSERT INTO purchases (customer_id, kind, original_purchase_id, store_id, channel, source, external_id, purchased_at, total_fen, discount_fen, paid_fen, item_count)
       VALUES ($1, 'return', $2, $3, $4, $5, $6, $7, $8, 0, $9, $10)
       ON CONFLICT (source, external_id) DO NOTHING RETURNING id`,
      [o.customer_id, o.id, storeId, o.channel, input.source, input.externalId, returnedAt.toISOString(), totalFen, -priced.refundFen, itemCount],
    );
    if (!ins.rows[0]) {
      const k = (await priorKey()).rows[0];
      if (!k) throw keyReused();
      return replay(k);
    }
    const id = ins.rows[0].id as number;
    await tx.query(
      `INSERT INTO purchase_lines (customer_id, purchase_id, line_no, product_id, sku, category, quantity, unit_price_fen, amount_fen)
       SELECT $1::bigint, $2::bigint, * FROM unnest($3::int[], $4::bigint[], $5::text[], $6::text[], $7::int[], $8::bigint[], $9::bigint[])`,
      [o.customer_id, id, returnLines.map((l) => l.lineNo), returnLines.map((l) => l.productId), returnLines.map((l) => l.sku), returnLines.map((l) => l.category),
        returnLines.map((l) => l.quantity), returnLines.map((l) => l.unitPriceFen), returnLines.map((l) => l.amountFen)],
    );
    const extras = await notifyPurchasesRecorded(tx, [{
      customerId: o.customer_id, purchaseId: id, kind: 'return', originalPurchaseId: o.id, storeId, channel: o.channel, purchasedAt: returnedAt,
      totalFen, paidFen: -priced.refundFen, lines: returnLines,
    }]);
    const answer: PurchaseAnswer = answerOf({
      id, kind: 'return', originalPurchaseId: o.id, customerId: o.customer_id, storeId, channel: o.channel, source: input.source, externalId: input.externalId,
      purchasedAt: returnedAt, totalFen, discountFen: 0, paidFen: -priced.refundFen, itemCount,
    }, returnLines, extras.get(id));
    await storeKeys(tx, [{ source: input.source, externalId: input.externalId, customerId: o.customer_id, purchaseId: id, hash, extras: extras.get(id) ?? {} }]);
    await recordAudit(tx, actor, { action: 'return', entity: 'purchase', entityId: o.id, customerId: o.customer_id, details: { returnId: id, refundFen: priced.refundFen, reason: input.reason ?? null } });
    return { status: 'created', purchase: answer };
  });
}

const keyReused = () =>
  conflict('IDEMPOTENCY_KEY_REUSED', 'This source and externalId were already booked with a different content.', '该来源和外部单号已用于另一笔内容不同的记录。');
