import type { BilingualFieldProblem } from '../../http/errors.ts';
import { normaliseMobile } from '../../lib/phone.ts';

export const CHANNELS = ['sms', 'email', 'phone', 'wechat'] as const;
export type ConsentChannel = (typeof CHANNELS)[number];
export const PREFERRED_CHANNELS = ['sms', 'email', 'phone', 'wechat', 'in_store'] as const;
export const GENDERS = ['female', 'male', 'other'] as const;
export const INCOME_BANDS = ['below_5k', '5k_10k', '10k_20k', '20k_50k', 'above_50k'] as const;
export const ATTRIBUTE_TYPES = ['text', 'number', 'date', 'enum'] as const;

/** Generated card numbers; a card number given by hand may not look like one. */
export const GENERATED_CARD = /^PT\d{10}$/;
/** A card number given by hand: letters, digits and -, up to 32. */
export const CARD_NO = /^[A-Za-z0-9-]{1,32}$/;

/** Why a text cannot be a card number at all, or null. */
export function cardShapeProblem(cardNo: string): BilingualFieldProblem | null {
  return CARD_NO.test(cardNo) ? null : { path: 'cardNo', en: 'must be 1–32 letters, digits or -', zh: '只能是 1–32 位字母、数字或 -' };
}

export const RESERVED_CARD: BilingualFieldProblem = { path: 'cardNo', en: 'card numbers PT + 10 digits are reserved for generated cards', zh: 'PT 加 10 位数字的卡号保留给系统生成' };

/** Why a card number given by hand to a new or edited customer cannot be used, or null. */
export function cardNoProblem(cardNo: string): BilingualFieldProblem | null {
  return cardShapeProblem(cardNo) ?? (GENERATED_CARD.test(cardNo) ? RESERVED_CARD : null);
}

const EMAIL = /^[^\s@<>()\[\],;:"]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Lower-cased and trimmed, or null when it is not a plausible address. */
export function normaliseEmail(input: string | null | undefined): string | null {
  if (input == null) return null;
  const s = input.trim().toLowerCase();
  return s.length <= 254 && EMAIL.test(s) ? s : null;
}

/** A birthday is a real date, not in the future and not before 1900. */
export function birthdayProblem(d: string, today: string): BilingualFieldProblem | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  const date = m ? new Date(`${d}T00:00:00Z`) : null;
  if (!m || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== d) {
    return { path: 'birthday', en: 'must be a real date YYYY-MM-DD', zh: '必须是有效日期 YYYY-MM-DD' };
  }
  if (d > today) return { path: 'birthday', en: 'must not be in the future', zh: '不能是将来的日期' };
  if (d < '1900-01-01') return { path: 'birthday', en: 'must not be before 1900', zh: '不能早于 1900 年' };
  return null;
}

export function mobileProblem(path: string, raw: string): { mobile: string | null; problem: BilingualFieldProblem | null } {
  const mobile = normaliseMobile(raw);
  return mobile
    ? { mobile, problem: null }
    : { mobile: null, problem: { path, en: 'is not a valid China mobile number (11 digits starting 13–19, +86 allowed)', zh: '不是有效的中国大陆手机号（以 13–19 开头的 11 位数字，可带 +86）' } };
}

export interface AttributeDefinition {
  key: string;
  labelZh: string;
  labelEn: string;
  type: (typeof ATTRIBUTE_TYPES)[number];
  allowedValues: string[];
  position: number;
  active: boolean;
}

export type AttributeValue = string | number | null;

/**
 * Checks custom attribute values against the active definitions. Returns the values to store (null removes a
 * value) and a problem per bad key, named `attributes.<key>`.
 */
export function checkAttributes(
  values: Record<string, unknown>,
  defs: Map<string, AttributeDefinition>,
): { values: Record<string, AttributeValue>; problems: BilingualFieldProblem[] } {
  const out: Record<string, AttributeValue> = {};
  const problems: BilingualFieldProblem[] = [];
  for (const [key, v] of Object.entries(values)) {
    const path = `attributes.${key}`;
    const def = defs.get(key);
    if (!def || !def.active) {
      problems.push({ path, en: 'is not a defined customer attribute', zh: '不是已定义的客户属性' });
      continue;
    }
    if (v === null) {
      out[key] = null;
      continue;
    }
    switch (def.type) {
      case 'text':
        if (typeof v !== 'string' || v.trim().length === 0 || v.length > 200 || /[\u0000-\u001f\u007f]/.test(v)) {
          problems.push({ path, en: 'must be text of 1–200 characters', zh: '必须是 1–200 个字符的文本' });
        } else out[key] = v.trim();
        break;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 1e12) {
          problems.push({ path, en: 'must be a number', zh: '必须是数字' });
        } else out[key] = v;
        break;
      case 'date': {
        const m = typeof v === 'string' ? /^\d{4}-\d{2}-\d{2}$/.exec(v) : null;
        const ok = m && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
        if (!ok) problems.push({ path, en: 'must be a date YYYY-MM-DD', zh: '必须是日期 YYYY-MM-DD' });
        else out[key] = v as string;
        break;
      }
      case 'enum':
        if (typeof v !== 'string' || !def.allowedValues.includes(v)) {
          problems.push({ path, en: `must be one of: ${def.allowedValues.join(', ')}`, zh: `必须是以下之一：${def.allowedValues.join('、')}` });
        } else out[key] = v;
        break;
    }
  }
  return { values: out, problems };
}

/** Escapes LIKE wildcards so typed text matches itself only. */
export { escapeLike } from '../../db/conditions.ts';

export type SearchKind = 'digits' | 'email' | 'text';

/** What the till typed: digits (a mobile, its last four, or a card number), an e-mail, or a name. */
export function classifyQuery(raw: string): { kind: SearchKind; q: string } {
  const s = raw.trim();
  const digits = s.replace(/[\s\-()（）]/g, '');
  if (/^\+?\d+$/.test(digits)) {
    let d = digits.replace(/^\+/, '');
    if (/^(0086|86)1[3-9]/.test(d) && (d.length > 11 || d.startsWith('0086'))) d = d.replace(/^(0086|86)/, '');
    return { kind: 'digits', q: d };
  }
  if (s.includes('@')) return { kind: 'email', q: s.toLowerCase() };
  return { kind: 'text', q: s };
}
