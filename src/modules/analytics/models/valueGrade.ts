/**
 * Value grade (seed 001: high / medium / low value from activity, satisfaction and loyalty). Each input is
 * normalised to [0, 1]; the grade score is the weighted mean over the inputs that are present (an absent
 * input — no loyalty tier, no survey yet — drops out and its weight with it); thresholds cut the score.
 */

export interface ValueGradeRule {
  weights: { recency: number; frequency: number; monetary: number; tier: number; satisfaction: number };
  /** Score ≥ high is 'high', ≥ medium is 'medium', below is 'low'. */
  thresholds: { high: number; medium: number };
}

export const DEFAULT_VALUE_GRADE_RULE: ValueGradeRule = {
  weights: { recency: 0.2, frequency: 0.25, monetary: 0.35, tier: 0.2, satisfaction: 0 },
  thresholds: { high: 0.7, medium: 0.4 },
};

export interface ValueGradeInputs {
  /** RFM scores 1–5; absent for a customer without purchases. */
  r?: number | null;
  f?: number | null;
  m?: number | null;
  /** Loyalty tier position in [0, 1] (lowest tier 0, highest 1); absent without a tier. */
  tierPosition?: number | null;
  /** Satisfaction index 0–100; absent until the surveys module provides it. */
  satisfaction?: number | null;
}

export type ValueGrade = 'high' | 'medium' | 'low';

export function valueGradeScore(inputs: ValueGradeInputs, rule: ValueGradeRule): number | null {
  const parts: [number | null | undefined, number][] = [
    [inputs.r == null ? null : (inputs.r - 1) / 4, rule.weights.recency],
    [inputs.f == null ? null : (inputs.f - 1) / 4, rule.weights.frequency],
    [inputs.m == null ? null : (inputs.m - 1) / 4, rule.weights.monetary],
    [inputs.tierPosition, rule.weights.tier],
    [inputs.satisfaction == null ? null : inputs.satisfaction / 100, rule.weights.satisfaction],
  ];
  let sum = 0;
  let weight = 0;
  for (const [v, w] of parts) {
    if (v == null || !(w > 0)) continue;
    sum += w * Math.min(1, Math.max(0, v));
    weight += w;
  }
  return weight > 0 ? sum / weight : null;
}

/** The grade; a customer with no input at all is 'low' (nothing shows value yet). */
export function valueGrade(inputs: ValueGradeInputs, rule: ValueGradeRule): ValueGrade {
  const s = valueGradeScore(inputs, rule);
  if (s == null) return 'low';
  // Rounding guards against 0.7 arriving as 0.6999999999.
  const score = Math.round(s * 1e9) / 1e9;
  return score >= rule.thresholds.high ? 'high' : score >= rule.thresholds.medium ? 'medium' : 'low';
}
