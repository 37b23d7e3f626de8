import { z } from 'zod';
import type { BilingualFieldProblem } from '../../http/errors.ts';
import { CONTROL_CHARACTERS, nonEmptyText } from '../../lib/validation.ts';

export const CHANNELS = ['store', 'online', 'app', 'mini_program'] as const;
export const MAX_LINES = 500;
export const MAX_BATCH = 1000;
const MAX_FEN = 1e12;

/** A non-negative whole number of fen; fractions and negatives are refused, never rounded. */
export const fenAmount = z
  .number()
  .int('must be a whole number of fen')
  .min(0, 'must not be negative')
  .max(MAX_FEN, 'is too large');

const NO_CONTROL = /^[^\u0000-\u001f\u007f]+$/;
const code = (max: number) => z.string().trim().min(1).max(max).regex(NO_CONTROL, 'must not contain control characters');
const SOURCE = /^[a-z0-9][a-z0-9_.-]{0,31}$/;
const isoWithOffset = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a time zone offset' });

export const purchaseLineInput = z.strictObject({
  sku: code(64),
  quantity: z.number().int('must be a whole number').positive('must be positive').max(1_000_000),
  unitPriceFen: fenAmount,
  amountFen: fenAmount.optional(),
  /** Only for a sku the catalogue does not know yet: the line is booked under this category, without a product. */
  category: nonEmptyText(64).optional(),
});

/** One sale as the POS, the online shop or an import hands it over. */
export const purchaseInput = z.strictObject({
  source: z.string().regex(SOURCE, 'lower-case letters, digits, _ . - (1–32)'),
  externalId: code(128),
  customerId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  mobile: z.string().max(32).optional(),
  cardNo: code(64).optional(),
  storeId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  storeCode: code(32).optional(),
  channel: z.enum(CHANNELS),
  purchasedAt: isoWithOffset,
  lines: z.array(purchaseLineInput).min(1).max(MAX_LINES),
  discountFen: fenAmount.default(0),
  paidFen: fenAmount.optional(),
  totalFen: fenAmount.optional(),
});

export type PurchaseLineInput = z.input<typeof purchaseLineInput>;
/** What `bookPurchases` takes: plain JSON, e.g. one row of an imported purchase file. */
export type PurchaseInput = z.input<typeof purchaseInput>;
export type ParsedPurchase = z.output<typeof purchaseInput>;

const PURCHASE_KEYS = new Set(Object.keys(purchaseInput.shape));
const LINE_KEYS = new Set(Object.keys(purchaseLineInput.shape));
const isCode = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && v.trim() === v && NO_CONTROL.test(v);
const isFen = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_FEN;
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= Number.MAX_SAFE_INTEGER;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (o: Record<string, unknown>, keys: Set<string>) => {
  for (const k in o) if (!keys.has(k)) return false;
  return true;
};

function fastLine(l: unknown): PurchaseLineInput | undefined {
  if (!isRecord(l) || !onlyKeys(l, LINE_KEYS)) return undefined;
  const { sku, quantity, unitPriceFen, amountFen, category } = l;
  if (!isCode(sku, 64) || typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity <= 0 || quantity > 1_000_000 || !isFen(unitPriceFen)) return undefined;
  if (amountFen !== undefined && !isFen(amountFen)) return undefined;
  if (category !== undefined && !(typeof category === 'string' && category.length > 0 && category.length <= 64 && category.trim() === category && !CONTROL_CHARACTERS.test(category))) return undefined;
  const line: PurchaseLineInput = { sku, quantity, unitPriceFen };
  if ('amountFen' in l) line.amountFen = amountFen;
  if ('category' in l) line.category = category;
  return line;
}

/**
 * `purchaseInput.parse` for purchases that pass it as they are (no padding to trim, nothing to refuse), in plain
 * code: what every till sends, at a fraction of zod's cost. Anything else comes back undefined, for zod to parse
 * or to explain. The result is zod's to the key order, which the request hash depends on (tested).
 */
export function fastPurchase(raw: unknown): ParsedPurchase | undefined {
  if (!isRecord(raw) || !onlyKeys(raw, PURCHASE_KEYS)) return undefined;
  const { source, externalId, customerId, mobile, cardNo, storeId, storeCode, channel, purchasedAt, lines, discountFen, paidFen, totalFen } = raw;
  if (typeof source !== 'string' || !SOURCE.test(source) || !isCode(externalId, 128)) return undefined;
  if ((customerId !== undefined && !isId(customerId)) || (mobile !== undefined && !(typeof mobile === 'string' && mobile.length <= 32))) return undefined;
  if ((cardNo !== undefined && !isCode(cardNo, 64)) || (storeId !== undefined && !isId(storeId)) || (storeCode !== undefined && !isCode(storeCode, 32))) return undefined;
  if (!(CHANNELS as readonly unknown[]).includes(channel) || typeof purchasedAt !== 'string' || !isoWithOffset.safeParse(purchasedAt).success) return undefined;
  if (!Array.isArray(lines) || lines.length < 1 || lines.length > MAX_LINES) return undefined;
  if ((discountFen !== undefined && !isFen(discountFen)) || (paidFen !== undefined && !isFen(paidFen)) || (totalFen !== undefined && !isFen(totalFen))) return undefined;
  const parsedLines: PurchaseLineInput[] = [];
  for (const l of lines) {
    const line = fastLine(l);
    if (!line) return undefined;
    parsedLines.push(line);
  }
  const p: Partial<ParsedPurchase> = { source, externalId };
  if ('customerId' in raw) p.customerId = customerId;
  if ('mobile' in raw) p.mobile = mobile;
  if ('cardNo' in raw) p.cardNo = cardNo;
  if ('storeId' in raw) p.storeId = storeId;
  if ('storeCode' in raw) p.storeCode = storeCode;
  p.channel = channel as ParsedPurchase['channel'];
  p.purchasedAt = purchasedAt;
  p.lines = parsedLines as ParsedPurchase['lines'];
  p.discountFen = discountFen ?? 0;
  if ('paidFen' in raw) p.paidFen = paidFen;
  if ('totalFen' in raw) p.totalFen = totalFen;
  return p as ParsedPurchase;
}

export interface PricedLine {
  lineNo: number;
  sku: string;
  quantity: number;
  unitPriceFen: number;
  amountFen: number;
  category?: string;
}

export interface PricedBasket {
  lines: PricedLine[];
  totalFen: number;
  discountFen: number;
  paidFen: number;
  itemCount: number;
}

/**
 * The rules of a basket that zod cannot express: exactly one customer reference, a store for in-store sales,
 * line amounts (qty × unit unless given), a stated total that must match, a discount and a payment within the total.
 */
export function priceBasket(p: ParsedPurchase, now = Date.now()): { basket?: PricedBasket; problems: BilingualFieldProblem[] } {
  const problems: BilingualFieldProblem[] = [];
  const refs = [p.customerId, p.mobile, p.cardNo].filter((x) => x !== undefined).length;
  if (refs !== 1) {
    problems.push({ path: 'customerId', en: 'give exactly one of customerId, mobile or cardNo', zh: 'customerId、mobile、cardNo 须且只能提供一个' });
  }
  if (p.storeId !== undefined && p.storeCode !== undefined) {
    problems.push({ path: 'storeCode', en: 'give storeId or storeCode, not both', zh: 'storeId 与 storeCode 只能提供一个' });
  }
  if (p.channel === 'store' && p.storeId === undefined && p.storeCode === undefined) {
    problems.push({ path: 'storeCode', en: 'an in-store purchase needs storeCode or storeId', zh: '门店消费必须提供 storeCode 或 storeId' });
  }
  if (Date.parse(p.purchasedAt) > now + 60 * 60 * 1000) {
    problems.push({ path: 'purchasedAt', en: 'must not be in the future', zh: '不能晚于当前时间' });
  }
  const lines: PricedLine[] = p.lines.map((l, i) => ({
    lineNo: i + 1,
    sku: l.sku,
    quantity: l.quantity,
    unitPriceFen: l.unitPriceFen,
    amountFen: l.amountFen ?? l.quantity * l.unitPriceFen,
    ...(l.category !== undefined ? { category: l.category } : {}),
  }));
  lines.forEach((l, i) => {
    if (l.amountFen > MAX_FEN) problems.push({ path: `lines.${i}.amountFen`, en: 'quantity × unit price is too large', zh: '数量 × 单价过大' });
  });
  const totalFen = lines.reduce((s, l) => s + l.amountFen, 0);
  if (p.totalFen !== undefined && p.totalFen !== totalFen) {
    problems.push({ path: 'totalFen', en: `must equal the sum of the line amounts (${totalFen})`, zh: `必须等于各行金额之和（${totalFen}）` });
  }
  if (p.discountFen > totalFen) problems.push({ path: 'discountFen', en: 'must not exceed the total', zh: '不能超过总金额' });
  const paidFen = p.paidFen ?? Math.max(0, totalFen - p.discountFen);
  if (paidFen > totalFen - p.discountFen && p.discountFen <= totalFen) {
    problems.push({ path: 'paidFen', en: 'must not exceed the total minus the discount', zh: '不能超过总金额减去优惠' });
  }
  if (problems.length) return { problems };
  return { basket: { lines, totalFen, discountFen: p.discountFen, paidFen, itemCount: lines.reduce((s, l) => s + l.quantity, 0) }, problems };
}

export interface ReturnableLine {
  lineNo: number;
  quantity: number;
  amountFen: number;
  returnedQuantity: number;
  returnedAmountFen: number;
}

/**
 * What a return of some lines is worth: a line returned in full gives back what is left of its amount, a part
 * gives back its share rounded down, so repeated part returns never pay out more than the line cost.
 * The default refund is the paid share of the returned amount; the last return refunds what is left.
 */
export function priceReturn(
  original: { totalFen: number; paidFen: number; refundedFen: number; lines: ReturnableLine[] },
  asked: { lineNo: number; quantity: number }[],
  refundFen?: number,
): { ok: true; lines: { lineNo: number; quantity: number; amountFen: number }[]; refundFen: number } | { ok: false; code: 'UNKNOWN_LINE' | 'RETURN_EXCEEDS_PURCHASE' | 'REFUND_EXCEEDS_PAID'; index?: number } {
  const byNo = new Map(original.lines.map((l) => [l.lineNo, l]));
  const lines: { lineNo: number; quantity: number; amountFen: number }[] = [];
  let returnedAmount = 0;
  for (const [index, a] of asked.entries()) {
    const l = byNo.get(a.lineNo);
    if (!l) return { ok: false, code: 'UNKNOWN_LINE', index };
    const left = l.quantity - l.returnedQuantity;
    if (a.quantity > left) return { ok: false, code: 'RETURN_EXCEEDS_PURCHASE', index };
    const amountFen = a.quantity === left ? l.amountFen - l.returnedAmountFen : Math.floor((l.amountFen * a.quantity) / l.quantity);
    lines.push({ lineNo: a.lineNo, quantity: a.quantity, amountFen });
    returnedAmount += amountFen;
  }
  const refundable = original.paidFen - original.refundedFen;
  const askedByNo = new Map(asked.map((a) => [a.lineNo, a.quantity]));
  const everythingBack = original.lines.every((l) => l.quantity - l.returnedQuantity === (askedByNo.get(l.lineNo) ?? 0));
  const fallback = everythingBack
    ? refundable
    : original.totalFen === 0 ? 0 : Math.min(refundable, Math.floor((original.paidFen * returnedAmount) / original.totalFen));
  const refund = refundFen ?? fallback;
  if (refund > refundable) return { ok: false, code: 'REFUND_EXCEEDS_PAID' };
  return { ok: true, lines, refundFen: refund };
}
