import { z } from 'zod';
import { badRequest, type BilingualFieldProblem } from '../../http/errors.ts';
import { text, nonEmptyText, isoDate } from '../../lib/validation.ts';

/** Whole points: a fraction or a negative number is a 400 naming the field. */
const points = z.number().int('must be a whole number of points').min(0, 'must not be negative').max(1e9);
const fen = z.number().int('must be a whole number of fen').min(0, 'must not be negative').max(1e13);
/** Multipliers as whole percent (150 = ×1.5), so no float ever reaches the ledger. */
const pct = z.number().int('must be a whole percent').min(0).max(10000);
const code = z.string().trim().min(1).max(32).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');

const tierSchema = z.strictObject({
  code,
  nameZh: nonEmptyText(32),
  nameEn: nonEmptyText(32),
  minSpendFen: fen.default(0),
  minPurchases: points.default(0),
  benefits: z.strictObject({
    pointsMultiplierPct: pct.default(100),
    discountPct: z.number().int().min(0).max(100).default(0),
    birthdayGift: text(100).default(''),
    freeSamples: text(100).default(''),
  }).default({ pointsMultiplierPct: 100, discountPct: 0, birthdayGift: '', freeSamples: '' }),
});

const earnRuleSchema = z.strictObject({
  id: code,
  /** A rule matches a product (sku) or a category; sku rules win over category rules. */
  sku: z.string().trim().min(1).max(64).optional(),
  category: z.string().trim().min(1).max(64).optional(),
  multiplierPct: pct,
  note: text(100).default(''),
}).refine((r) => (r.sku == null) !== (r.category == null), { message: 'name exactly one of sku or category', path: ['sku'] });

const promotionSchema = z.strictObject({
  code,
  nameZh: nonEmptyText(64),
  nameEn: nonEmptyText(64),
  from: isoDate,
  to: isoDate,
  /** ISO weekdays (1 = Monday … 7 = Sunday) in the business time zone; empty means every day. */
  weekdays: z.array(z.number().int().min(1).max(7)).max(7).default([]),
  /** Empty means every tier. */
  tierCodes: z.array(code).max(20).default([]),
  /** Limits the promotion to members of a segment (as last refreshed by the segments module). */
  segmentId: z.number().int().positive().nullable().default(null),
  sku: z.string().trim().min(1).max(64).optional(),
  category: z.string().trim().min(1).max(64).optional(),
  multiplierPct: pct.default(100),
  bonusPoints: points.default(0),
}).refine((p) => p.from <= p.to, { message: 'must not be before from', path: ['to'] })
  .refine((p) => !(p.sku && p.category), { message: 'name at most one of sku or category', path: ['sku'] });

export const programmeSchema = z.strictObject({
  /** What one point is worth when paying, in fen. */
  pointValueFen: z.number().int().min(1).max(10000),
  /** Adjustments larger than this (either sign) need loyalty.adjust_large. */
  adjustLimit: points,
  qualification: z.strictObject({
    windowMonths: z.number().int().min(1).max(60),
    /** 'any': spend or purchases qualifies; 'all': both thresholds must be met. */
    match: z.enum(['any', 'all']),
  }),
  tierEvaluation: z.strictObject({
    schedule: z.enum(['nightly', 'monthly']),
    downgradeGraceDays: z.number().int().min(0).max(3650),
  }),
  tiers: z.array(tierSchema).min(1).max(12),
  earn: z.strictObject({
    fenPerPoint: z.number().int().min(1).max(1_000_000),
    minSpendFen: fen,
    rules: z.array(earnRuleSchema).max(500),
  }),
  promotions: z.array(promotionSchema).max(200),
  awards: z.strictObject({ signup: points, review: points, referral: points }),
  expiry: z.strictObject({
    policy: z.enum(['never', 'months', 'end_of_next_year']),
    months: z.number().int().min(1).max(120).nullable().default(null),
  }).refine((e) => e.policy !== 'months' || e.months != null, { message: 'months is required for the months policy', path: ['months'] }),
});

export type Programme = z.infer<typeof programmeSchema>;
export type Tier = Programme['tiers'][number];
export type Promotion = Programme['promotions'][number];

const overlaps = <T>(a: T[], b: T[]) => a.length === 0 || b.length === 0 || a.some((x) => b.includes(x));

/**
 * Checks zod cannot express: a ladder where each tier asks for more than the one below, unique codes, at most one earn
 * rule per product and per category (400 EARN_RULES_DUPLICATE: otherwise the later would silently win), and no two
 * promotions for the same target (sku, category or whole basket) whose dates, weekdays and tiers overlap.
 * Overlapping promotions are a 400 (the submitted document is wrong), not a 409.
 */
export function validateProgramme(p: Programme): void {
  const problems: BilingualFieldProblem[] = [];
  let code = 'VALIDATION_FAILED';
  const seen = new Set<string>();
  p.tiers.forEach((t, i) => {
    if (seen.has(t.code)) problems.push({ path: `tiers.${i}.code`, en: 'duplicate tier code', zh: '等级代码重复' });
    seen.add(t.code);
  });
  if (p.tiers[0] && (p.tiers[0].minSpendFen !== 0 || p.tiers[0].minPurchases !== 0)) {
    problems.push({ path: 'tiers.0', en: 'the entry tier must require nothing', zh: '入门等级不得设门槛' });
  }
  for (let i = 1; i < p.tiers.length; i++) {
    const lo = p.tiers[i - 1]!, hi = p.tiers[i]!;
    const notLess = hi.minSpendFen >= lo.minSpendFen && hi.minPurchases >= lo.minPurchases;
    const more = hi.minSpendFen > lo.minSpendFen || hi.minPurchases > lo.minPurchases;
    if (!notLess || !more) {
      code = 'TIER_LADDER_NOT_INCREASING';
      problems.push({ path: `tiers.${i}`, en: `must require more than ${lo.code}`, zh: `门槛必须高于 ${lo.nameZh}` });
    }
  }
  const ruleIds = new Set<string>();
  const ruleTargets = new Map<string, string>();
  p.earn.rules.forEach((r, i) => {
    if (ruleIds.has(r.id)) problems.push({ path: `earn.rules.${i}.id`, en: 'duplicate rule id', zh: '规则编号重复' });
    ruleIds.add(r.id);
    const field = r.sku != null ? 'sku' : 'category';
    const target = `${field}\u0000${r.sku ?? r.category}`;
    const earlier = ruleTargets.get(target);
    if (earlier != null) {
      if (code === 'VALIDATION_FAILED') code = 'EARN_RULES_DUPLICATE';
      problems.push(field === 'sku'
        ? { path: `earn.rules.${i}.sku`, en: `rule ${earlier} already covers this product`, zh: `规则 ${earlier} 已包含该商品` }
        : { path: `earn.rules.${i}.category`, en: `rule ${earlier} already covers this category`, zh: `规则 ${earlier} 已包含该品类` });
    } else ruleTargets.set(target, r.id);
  });
  const tierCodes = new Set(p.tiers.map((t) => t.code));
  const promoCodes = new Set<string>();
  p.promotions.forEach((pr, i) => {
    if (promoCodes.has(pr.code)) problems.push({ path: `promotions.${i}.code`, en: 'duplicate promotion code', zh: '促销代码重复' });
    promoCodes.add(pr.code);
    pr.tierCodes.forEach((c, j) => {
      if (!tierCodes.has(c)) problems.push({ path: `promotions.${i}.tierCodes.${j}`, en: 'unknown tier', zh: '未知等级' });
    });
    for (let j = 0; j < i; j++) {
      const o = p.promotions[j]!;
      const sameTarget = (o.sku ?? '') === (pr.sku ?? '') && (o.category ?? '') === (pr.category ?? '') && o.segmentId === pr.segmentId;
      if (sameTarget && o.from <= pr.to && pr.from <= o.to && overlaps(o.weekdays, pr.weekdays) && overlaps(o.tierCodes, pr.tierCodes)) {
        if (code === 'VALIDATION_FAILED') code = 'PROMOTIONS_OVERLAP';
        problems.push({ path: `promotions.${i}`, en: `overlaps promotion ${o.code} for the same target`, zh: `与促销 ${o.code} 的对象和日期重叠` });
      }
    }
  });
  if (problems.length) {
    throw badRequest(code, `Invalid programme: ${problems.map((x) => `${x.path}: ${x.en}`).join('; ')}`, `积分方案无效：${problems.map((x) => `${x.path}：${x.zh}`).join('；')}`, problems);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Points for a basket: pure, table-tested.

export interface BasketLine {
  sku: string;
  category: string;
  amountFen: number;
}

export interface Basket {
  lines: BasketLine[];
  /** What the member paid; below the lines' sum (discounts, points as payment) the lines are scaled down to it. */
  paidFen?: number;
  tierCode: string | null;
  segmentIds?: number[];
}

export interface EarnReason {
  code: 'BASE' | 'SKU_RULE' | 'CATEGORY_RULE' | 'PROMOTION_BONUS' | 'BELOW_MINIMUM_SPEND' | 'NOTHING_TO_EARN';
  ruleId?: string;
  promotion?: string;
  amountFen?: number;
  multiplierPct?: number;
  tierMultiplierPct?: number;
  promotionMultiplierPct?: number;
  points: number;
  en: string;
  zh: string;
}

export interface EarnResult {
  points: number;
  /** The amount points were earned on (the basis a later return is measured against). */
  basisFen: number;
  reasons: EarnReason[];
}

const partsFormat = new Map<string, Intl.DateTimeFormat>();
const QUARTER_HOUR = 900_000;
const DAY = 86_400_000;
/** Per zone: UTC day → the offset all day, or NaN on a day the offset changes; quarter hour → offset on such days. */
const dayOffsets = new Map<string, Map<number, number>>();
const quarterOffsets = new Map<string, Map<number, number>>();

function askZoneOffset(at: number, timeZone: string): number {
  let f = partsFormat.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    partsFormat.set(timeZone, f);
  }
  const o: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(at))) o[p.type] = p.value;
  const wholeSecond = at - (((at % 1000) + 1000) % 1000);
  return Date.UTC(Number(o.year), Number(o.month) - 1, Number(o.day), Number(o.hour), Number(o.minute), Number(o.second)) - wholeSecond;
}

function cacheOf<T>(caches: Map<string, Map<number, T>>, timeZone: string): Map<number, T> {
  let c = caches.get(timeZone);
  if (!c || c.size > 100_000) caches.set(timeZone, (c = new Map()));
  return c;
}

/**
 * The zone's offset from UTC at an instant. Intl is asked twice per UTC day (a day whose ends agree has one offset
 * throughout: zones change offset at most twice a year) and once per quarter hour on the rare days that change.
 */
function zoneOffsetMs(at: number, timeZone: string): number {
  const days = cacheOf(dayOffsets, timeZone);
  const day = Math.floor(at / DAY);
  let offset = days.get(day);
  if (offset === undefined) {
    const first = askZoneOffset(day * DAY, timeZone);
    offset = first === askZoneOffset(day * DAY + DAY - QUARTER_HOUR, timeZone) ? first : NaN;
    days.set(day, offset);
  }
  if (!Number.isNaN(offset)) return offset;
  const quarters = cacheOf(quarterOffsets, timeZone);
  const quarter = Math.floor(at / QUARTER_HOUR);
  offset = quarters.get(quarter);
  if (offset === undefined) quarters.set(quarter, (offset = askZoneOffset(quarter * QUARTER_HOUR, timeZone)));
  return offset;
}

/** The wall-clock time in the zone, as milliseconds read with UTC getters. */
const localMs = (at: Date, timeZone: string) => at.getTime() + zoneOffsetMs(at.getTime(), timeZone);

function localParts(at: Date, timeZone: string) {
  const local = new Date(localMs(at, timeZone));
  const [year, month, day] = [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()];
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`, year, month, day,
    hour: local.getUTCHours(), minute: local.getUTCMinutes(), second: local.getUTCSeconds(), weekday: local.getUTCDay() || 7,
  };
}

const businessDays = new Map<string, Map<number, { date: string; weekday: number }>>();

/** The business day and ISO weekday of an instant, named once per local day (every sale of a batch asks). */
export const businessDay = (at: Date, timeZone: string): { date: string; weekday: number } => {
  const localDay = Math.floor(localMs(at, timeZone) / DAY);
  const days = cacheOf(businessDays, timeZone);
  let day = days.get(localDay);
  if (!day) {
    const p = localParts(at, timeZone);
    days.set(localDay, (day = { date: p.date, weekday: p.weekday }));
  }
  return day;
};

/** The UTC instant of local midnight starting the given date in the zone. */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  const p = localParts(new Date(guess), timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return new Date(guess - (asUtc - guess));
}

const newYearMidnights = new Map<string, Map<number, number>>();

/** When points earned at `at` expire (the first instant they are gone), or null if never. */
export function expiryFor(programme: Programme, at: Date, timeZone: string): Date | null {
  const e = programme.expiry;
  if (e.policy === 'never') return null;
  if (e.policy === 'end_of_next_year') {
    const year = new Date(localMs(at, timeZone)).getUTCFullYear();
    const newYears = cacheOf(newYearMidnights, timeZone);
    let end = newYears.get(year + 2);
    if (end === undefined) newYears.set(year + 2, (end = zonedMidnight(year + 2, 1, 1, timeZone).getTime()));
    return new Date(end);
  }
  const d = new Date(at);
  d.setUTCMonth(d.getUTCMonth() + (e.months ?? 12));
  return d;
}

/** floor(a × b ÷ c) for non-negative integers, exact: in doubles while a × b is a safe integer (the quotient then floors exactly), else in BigInt. */
export function mulDiv(a: number, b: number, c: number): number {
  const product = a * b;
  return Number.isSafeInteger(product) ? Math.floor(product / c) : Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

type EarnRule = Programme['earn']['rules'][number];
const earnRules = new WeakMap<EarnRule[], { bySku: Map<string, EarnRule>; byCategory: Map<string, EarnRule> }>();

/** A programme's earn rules by sku and by category, built once per list of rules (every sale of a batch asks). */
function earnRulesOf(programme: Programme) {
  let rules = earnRules.get(programme.earn.rules);
  if (!rules) {
    rules = { bySku: new Map(), byCategory: new Map() };
    for (const r of programme.earn.rules) {
      if (r.sku) rules.bySku.set(r.sku, r);
      else if (r.category) rules.byCategory.set(r.category, r);
    }
    earnRules.set(programme.earn.rules, rules);
  }
  return rules;
}

const pctText = (p: number) => `×${(p / 100).toString()}`;

const groupReasons = new WeakMap<Programme, Map<string, EarnReason>>();

/** The reason a group of lines earns under (rule, tier, promotion), labels included: built once per programme, as every sale asks. */
function groupReason(programme: Programme, rule: EarnRule | undefined, tier: Tier | undefined, promo: Programme['promotions'][number] | undefined): EarnReason {
  let reasons = groupReasons.get(programme);
  if (!reasons) groupReasons.set(programme, (reasons = new Map()));
  const key = `${rule?.id ?? ''}|${tier?.code ?? ''}|${promo?.code ?? ''}`;
  let reason = reasons.get(key);
  if (reason) return reason;
  const rulePct = rule?.multiplierPct ?? 100;
  const tierPct = tier?.benefits.pointsMultiplierPct ?? 100;
  const promoPct = promo?.multiplierPct ?? 100;
  const labelEn = [rule ? (rule.sku ? `product ${rule.sku}` : `category ${rule.category}`) + ` ${pctText(rulePct)}` : 'base', tierPct !== 100 ? `${tier!.nameEn} ${pctText(tierPct)}` : '', promo ? `${promo.nameEn} ${pctText(promoPct)}` : ''].filter(Boolean).join(' · ');
  const labelZh = [rule ? (rule.sku ? `商品 ${rule.sku}` : `品类 ${rule.category}`) + ` ${pctText(rulePct)}` : '基础积分', tierPct !== 100 ? `${tier!.nameZh} ${pctText(tierPct)}` : '', promo ? `${promo.nameZh} ${pctText(promoPct)}` : ''].filter(Boolean).join(' · ');
  reason = {
    code: rule ? (rule.sku ? 'SKU_RULE' : 'CATEGORY_RULE') : 'BASE',
    ...(rule ? { ruleId: rule.id } : {}),
    ...(promo ? { promotion: promo.code, promotionMultiplierPct: promoPct } : {}),
    multiplierPct: rulePct, tierMultiplierPct: tierPct, points: 0, en: labelEn, zh: labelZh, amountFen: 0,
  };
  reasons.set(key, reason);
  return reason;
}

/**
 * Points a basket earns under a programme at an instant. Order: minimum spend on the paid amount; per line the most
 * specific earn rule (sku, then category, else base); times the tier's multiplier; times the best promotion in force
 * for that line (promotions do not stack, the highest multiplier wins); floored once per group of lines sharing the
 * same multipliers; then each applicable promotion's per-purchase bonus.
 */
export function pointsForBasket(basket: Basket, programme: Programme, at: Date, timeZone = 'Asia/Shanghai'): EarnResult {
  const linesTotal = basket.lines.reduce((s, l) => s + Math.max(0, l.amountFen), 0);
  const paid = basket.paidFen == null ? linesTotal : Math.max(0, Math.min(basket.paidFen, linesTotal));
  if (paid === 0) return { points: 0, basisFen: 0, reasons: [{ code: 'NOTHING_TO_EARN', points: 0, en: 'nothing paid', zh: '无实付金额' }] };
  if (paid < programme.earn.minSpendFen) {
    return {
      points: 0, basisFen: paid,
      reasons: [{ code: 'BELOW_MINIMUM_SPEND', amountFen: paid, points: 0, en: `below the minimum spend of ¥${programme.earn.minSpendFen / 100}`, zh: `未达最低消费 ¥${programme.earn.minSpendFen / 100}` }],
    };
  }
  const tier = programme.tiers.find((t) => t.code === basket.tierCode);
  const tierPct = tier?.benefits.pointsMultiplierPct ?? 100;
  const day = businessDay(at, timeZone);
  const segments = basket.segmentIds ?? [];
  const live = programme.promotions.filter((p) =>
    p.from <= day.date && day.date <= p.to
    && (p.weekdays.length === 0 || p.weekdays.includes(day.weekday))
    && (p.tierCodes.length === 0 || (basket.tierCode != null && p.tierCodes.includes(basket.tierCode)))
    && (p.segmentId == null || segments.includes(p.segmentId)));
  const { bySku, byCategory } = earnRulesOf(programme);
  const groups = new Map<string, { reason: EarnReason; amount: number; factor: number }>();
  let remainingPaid = paid;
  const positive = basket.lines.filter((l) => l.amountFen > 0);
  positive.forEach((line, i) => {
    // Scale lines to what was paid; the last line takes the rounding remainder so the basis adds up exactly.
    const scaled = i === positive.length - 1 ? remainingPaid : mulDiv(line.amountFen, paid, linesTotal);
    remainingPaid -= scaled;
    const rule = bySku.get(line.sku) ?? byCategory.get(line.category);
    // Promotions do not stack: the highest multiplier wins, the first listed among equals.
    let promo: Programme['promotions'][number] | undefined;
    for (const p of live) {
      if ((p.sku == null || p.sku === line.sku) && (p.category == null || p.category === line.category) && (!promo || p.multiplierPct > promo.multiplierPct)) promo = p;
    }
    const key = `${rule?.id ?? ''}|${promo?.code ?? ''}`;
    const g = groups.get(key);
    if (g) {
      g.amount += scaled;
      return;
    }
    const rulePct = rule?.multiplierPct ?? 100;
    const promoPct = promo?.multiplierPct ?? 100;
    groups.set(key, { amount: scaled, factor: rulePct * tierPct * promoPct, reason: groupReason(programme, rule, tier, promo) });
  });
  const reasons: EarnReason[] = [];
  let total = 0;
  const divisor = programme.earn.fenPerPoint * 1_000_000;
  for (const g of groups.values()) {
    const pts = mulDiv(g.amount, g.factor, divisor);
    total += pts;
    // The template already holds every key, so the copy only overwrites: V8 adds keys after a leading spread on a slow path.
    const reason = { ...g.reason };
    reason.amountFen = g.amount;
    reason.points = pts;
    reasons.push(reason);
  }
  for (const p of live) {
    if (p.bonusPoints <= 0) continue;
    const applies = p.sku == null && p.category == null ? true : positive.some((l) => (p.sku == null || p.sku === l.sku) && (p.category == null || p.category === l.category));
    if (!applies) continue;
    total += p.bonusPoints;
    reasons.push({ code: 'PROMOTION_BONUS', promotion: p.code, points: p.bonusPoints, en: `${p.nameEn} bonus`, zh: `${p.nameZh} 额外赠送` });
  }
  return { points: total, basisFen: paid, reasons };
}

/** A threshold of 0 is not a criterion: 'any' needs one used threshold met, 'all' every used one. */
export function qualifies(match: 'any' | 'all', t: Pick<Tier, 'minSpendFen' | 'minPurchases'>, spendFen: number, purchases: number): boolean {
  const checks: boolean[] = [];
  if (t.minSpendFen > 0) checks.push(spendFen >= t.minSpendFen);
  if (t.minPurchases > 0) checks.push(purchases >= t.minPurchases);
  if (checks.length === 0) return true;
  return match === 'all' ? checks.every(Boolean) : checks.some(Boolean);
}

/** Which tier a member qualifies for by spend and purchases in the window: the highest whose thresholds are met. */
export function qualifyingTier(programme: Programme, spendFen: number, purchases: number): Tier {
  let best = programme.tiers[0]!;
  for (const t of programme.tiers.slice(1)) if (qualifies(programme.qualification.match, t, spendFen, purchases)) best = t;
  return best;
}
