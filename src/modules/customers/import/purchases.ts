import type { Db } from '../../../db/client.ts';
import { insertRows } from '../../../db/client.ts';
import { bookPurchases, MAX_BATCH, type PurchaseInput } from '../../sales/index.ts';
import type { Actor } from '../../staff/index.ts';
import { cleanPurchaseRow, type PurchaseLineRow, type RowContext } from './rules.ts';

/** Purchases from an import are booked under this source with the file's order numbers: importing a file again never counts twice. */
export const IMPORT_SOURCE = 'import';

interface Outcome {
  rowNo: number;
  outcome: 'created' | 'merged' | 'rejected';
  customerId: number | null;
  field: string | null;
  zh: string | null;
  en: string | null;
  data: string | null;
}

/** The sales module's field names, as the import's column targets name them. */
const SALES_FIELD_TO_COLUMN: Record<string, string> = { storeCode: 'store', unitPriceFen: 'unitPrice', amountFen: 'amount', discountFen: 'discount', paidFen: 'paid' };

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
const rawData = (cells: string[]) => JSON.stringify(cells.slice(0, 200).map((c) => cut(c, 500)));

/** The importing system books purchases for every store; who started the import is on the import and in the audit log. */
export function importActor(importId: number): Actor {
  return { kind: 'system', id: null, name: `import:${importId}`, role: null, storeIds: [], permissions: new Set(['sales.write']) };
}

/**
 * One batch of purchase-line rows: lines grouped into purchases by order number, booked through the sales module's door
 * (idempotent by source + order number), then every line's outcome recorded with the import's counts in one transaction.
 * An order with one bad line is rejected whole, each of its lines saying why: a purchase is never booked in part.
 */
export async function writePurchaseBatch(
  db: Db, importId: number, ctx: RowContext, rows: { rowNo: number; cells: string[] }[], prevRowNo: number, bytes: number,
): Promise<number> {
  const outcomes: Outcome[] = [];
  const orders = new Map<string, { rows: { rowNo: number; cells: string[]; line: PurchaseLineRow }[]; badRow?: number; bad?: { field: string; zh: string; en: string } }>();
  const orderCol = ctx.mapping.indexOf('orderNo');
  for (const r of rows) {
    const res = cleanPurchaseRow(r.cells, ctx);
    const orderNo = (r.cells[orderCol] ?? '').trim();
    if ('problem' in res) {
      outcomes.push({ rowNo: r.rowNo, outcome: 'rejected', customerId: null, field: res.problem.field, zh: res.problem.zh, en: res.problem.en, data: rawData(r.cells) });
      const o = orderNo ? orders.get(orderNo) ?? orders.set(orderNo, { rows: [] }).get(orderNo)! : undefined;
      if (o && o.badRow === undefined) o.badRow = r.rowNo;
      continue;
    }
    const o = orders.get(res.row.orderNo) ?? orders.set(res.row.orderNo, { rows: [] }).get(res.row.orderNo)!;
    o.rows.push({ ...r, line: res.row });
  }
  const booked: { orderNo: string; input: PurchaseInput }[] = [];
  for (const [orderNo, o] of orders) {
    if (!o.rows.length) continue;
    if (o.badRow !== undefined) {
      for (const r of o.rows) {
        outcomes.push({ rowNo: r.rowNo, outcome: 'rejected', customerId: null, field: 'orderNo', zh: `同一订单的第 ${o.badRow} 行无效，整单未导入`, en: `row ${o.badRow} of the same order is invalid; the order was not booked`, data: rawData(r.cells) });
      }
      continue;
    }
    const first = o.rows[0]!.line;
    const pick = <K extends keyof PurchaseLineRow>(k: K) => o.rows.map((r) => r.line[k]).find((x) => x != null) ?? null;
    const discount = pick('discountFen');
    const paid = pick('paidFen');
    const store = pick('storeCode');
    booked.push({
      orderNo,
      input: {
        source: IMPORT_SOURCE,
        externalId: orderNo,
        ...(first.mobile ? { mobile: first.mobile } : { cardNo: pick('cardNo')! }),
        ...(store ? { storeCode: store } : {}),
        channel: (pick('channel') ?? 'store') as PurchaseInput['channel'],
        purchasedAt: first.purchasedAt,
        lines: o.rows.map((r) => ({ sku: r.line.sku, quantity: r.line.quantity, unitPriceFen: r.line.unitPriceFen, ...(r.line.amountFen != null ? { amountFen: r.line.amountFen } : {}) })),
        ...(discount != null ? { discountFen: discount } : {}),
        ...(paid != null ? { paidFen: paid } : {}),
      },
    });
  }
  for (let start = 0; start < booked.length; start += MAX_BATCH) {
    const chunk = booked.slice(start, start + MAX_BATCH);
    const results = await bookPurchases(db, importActor(importId), chunk.map((b) => b.input));
    results.forEach((res, i) => {
      const o = orders.get(chunk[i]!.orderNo)!;
      for (const r of o.rows) {
        if (res.status === 'created') {
          outcomes.push({ rowNo: r.rowNo, outcome: 'created', customerId: res.purchase.customerId, field: null, zh: null, en: null, data: null });
        } else if (res.status === 'replayed') {
          outcomes.push({ rowNo: r.rowNo, outcome: 'merged', customerId: res.purchase.customerId, field: 'orderNo', zh: '该订单已导入过，未重复计入', en: 'this order was already booked; not counted again', data: null });
        } else {
          const f = res.error.fields?.[0];
          const path = f ? f.path.replace(/^lines\.\d+\./, '') : 'orderNo';
          const field = SALES_FIELD_TO_COLUMN[path] ?? path;
          outcomes.push({ rowNo: r.rowNo, outcome: 'rejected', customerId: null, field, zh: f?.zh ?? res.error.messages.zh, en: f?.en ?? res.error.messages.en, data: rawData(r.cells) });
        }
      }
    });
  }
  const lastRowNo = rows[rows.length - 1]!.rowNo;
  if (outcomes.length !== rows.length) throw new Error(`batch after row ${prevRowNo}: ${rows.length} rows read but ${outcomes.length} outcomes`);
  await db.tx(async (tx) => {
    await insertRows(tx, 'import_rows', [
      { name: 'import_id', type: 'bigint' }, { name: 'row_no', type: 'bigint' }, { name: 'outcome', type: 'text' }, { name: 'customer_id', type: 'bigint' },
      { name: 'field', type: 'text' }, { name: 'reason_zh', type: 'text' }, { name: 'reason_en', type: 'text' }, { name: 'data', type: 'jsonb' },
      { name: 'kind', type: 'text' },
    ], outcomes.map((o) => [importId, o.rowNo, o.outcome, o.customerId, o.field, o.zh, o.en, o.data, 'purchases']));
    const n = (k: string) => outcomes.filter((o) => o.outcome === k).length;
    const upd = await tx.query(
      `UPDATE imports SET last_row_no = $3, bytes_read = $4, rows_read = rows_read + $5, created = created + $6, merged = merged + $7, rejected = rejected + $8
       WHERE id = $1 AND last_row_no = $2`,
      [importId, prevRowNo, lastRowNo, bytes, rows.length, n('created'), n('merged'), n('rejected')],
    );
    if (upd.rowCount !== 1) throw new Error(`batch after row ${prevRowNo} was committed by another run`);
  });
  return lastRowNo;
}
