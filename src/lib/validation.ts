import { z } from 'zod';

/** Control characters typed text may not hold (tab, line feed and carriage return it may). */
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Text a person typed: trimmed, bounded, no control characters. */
export const text = (max: number) =>
  z.string().trim().max(max).refine((s) => !CONTROL_CHARACTERS.test(s), 'must not contain control characters');
export const nonEmptyText = (max: number) => text(max).pipe(z.string().min(1));
export const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const idParams = z.strictObject({ id });
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine((s) => !Number.isNaN(Date.parse(s)), 'must be a real date');
export const limit = (def = 50, max = 500) => z.coerce.number().int().min(1).max(max).default(def);
/** Integer fen: money never travels as a float. */
export const fen = z.number().int('must be a whole number of fen').min(-1e13).max(1e13);
