/**
 * China mobile numbers: 11 digits starting 1[3-9]; accepts +86 / 0086 / 86 prefixes, spaces and dashes.
 * Returns the 11-digit form, or null when it is not a valid mainland mobile number.
 */
export function normaliseMobile(input: string | null | undefined): string | null {
  if (input == null) return null;
  let s = String(input).trim().replace(/[\s\-()（）]/g, '');
  if (s.startsWith('+86')) s = s.slice(3);
  else if (s.startsWith('0086')) s = s.slice(4);
  else if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  return /^1[3-9]\d{9}$/.test(s) ? s : null;
}
