/**
 * RFM scoring by the convention of the R `rfm` package (rsquaredacademy/rfm 0.3): each measure is cut at
 * its 20/40/60/80 % quantiles (linear interpolation, R's type 7) plus 1, bins are half-open [lower, upper), so
 * equal values always land in the same bin (ties are never split), recency scores in reverse (recent = 5),
 * rfm_score = 100R + 10F + M, and named segments are score ranges where the first match wins.
 */

/** R's type-7 quantile of sorted values: linear interpolation between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, prob: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * prob;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Cut points for `bins` bins: the inner quantiles plus 1 (the package's rule; for whole numbers of days,
 * purchases or fen it means a value equal to the quantile stays in the lower bin).
 */
export function cutPoints(values: ArrayLike<number>, bins = 5): number[] {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const cuts: number[] = [];
  for (let k = 1; k < bins; k++) cuts.push(quantileSorted(sorted, k / bins) + 1);
  return cuts;
}

/** The 1-based bin of v: the number of cut points ≤ v, plus one (half-open bins [c_k, c_{k+1})). */
export function binOf(v: number, cuts: number[]): number {
  let bin = 1;
  for (const c of cuts) if (v >= c) bin++;
  return bin;
}

export interface RfmInput {
  recencyDays: number;
  frequency: number;
  monetary: number;
}

export interface RfmScores {
  r: number;
  f: number;
  m: number;
  score: number;
}

export interface RfmCuts {
  recency: number[];
  frequency: number[];
  monetary: number[];
}

export function rfmCuts(rows: ArrayLike<RfmInput>, bins = 5): RfmCuts {
  const n = rows.length;
  const r = new Float64Array(n), f = new Float64Array(n), m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    r[i] = rows[i].recencyDays;
    f[i] = rows[i].frequency;
    m[i] = rows[i].monetary;
  }
  return { recency: cutPoints(r, bins), frequency: cutPoints(f, bins), monetary: cutPoints(m, bins) };
}

export function rfmScore(row: RfmInput, cuts: RfmCuts, bins = 5): RfmScores {
  const r = bins + 1 - binOf(row.recencyDays, cuts.recency);
  const f = binOf(row.frequency, cuts.frequency);
  const m = binOf(row.monetary, cuts.monetary);
  return { r, f, m, score: 100 * r + 10 * f + m };
}

export interface RfmSegmentRule {
  code: string;
  nameEn: string;
  nameZh: string;
  r: [number, number];
  f: [number, number];
  m: [number, number];
}

/** The `rfm` package's documented segment table (0.3), in its order; first match wins. */
export const RFM_SEGMENTS: RfmSegmentRule[] = [
  { code: 'champions', nameEn: 'Champions', nameZh: '冠军客户', r: [5, 5], f: [5, 5], m: [5, 5] },
  { code: 'potential_loyalist', nameEn: 'Potential Loyalist', nameZh: '潜力客户', r: [3, 5], f: [3, 5], m: [2, 5] },
  { code: 'loyal', nameEn: 'Loyal Customers', nameZh: '忠诚客户', r: [2, 4], f: [2, 4], m: [2, 4] },
  { code: 'promising', nameEn: 'Promising', nameZh: '有潜力', r: [3, 4], f: [1, 3], m: [3, 5] },
  { code: 'new', nameEn: 'New Customers', nameZh: '新客户', r: [4, 5], f: [1, 3], m: [1, 5] },
  { code: 'cant_lose', nameEn: "Can't Lose Them", nameZh: '不能失去', r: [1, 2], f: [3, 4], m: [4, 5] },
  { code: 'at_risk', nameEn: 'At Risk', nameZh: '高危客户', r: [1, 2], f: [2, 5], m: [4, 5] },
  { code: 'need_attention', nameEn: 'Need Attention', nameZh: '需要关注', r: [1, 3], f: [3, 5], m: [3, 5] },
  { code: 'about_to_sleep', nameEn: 'About To Sleep', nameZh: '即将流失', r: [2, 3], f: [1, 3], m: [1, 4] },
  { code: 'lost', nameEn: 'Lost', nameZh: '已流失', r: [1, 1], f: [1, 5], m: [1, 5] },
];

export const OTHER_SEGMENT = { code: 'others', nameEn: 'Others', nameZh: '其他' } as const;

const within = (v: number, [lo, hi]: [number, number]) => v >= lo && v <= hi;

export function rfmSegment(s: { r: number; f: number; m: number }, table: RfmSegmentRule[] = RFM_SEGMENTS): { code: string; nameEn: string; nameZh: string } {
  for (const seg of table) if (within(s.r, seg.r) && within(s.f, seg.f) && within(s.m, seg.m)) return seg;
  return OTHER_SEGMENT;
}
