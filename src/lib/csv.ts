/** One CSV cell: quoted when it holds a delimiter, quote or line break; lists joined with |. */
export function csvCell(v: unknown): string {
  const s = v == null ? '' : v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.join('|') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows as CSV lines in the given column order, CRLF-terminated as Excel expects. */
export function csvLines(rows: Record<string, unknown>[], columns: readonly string[]): string {
  return rows.map((r) => columns.map((c) => csvCell(r[c])).join(',') + '\r\n').join('');
}

/** The header line, with a BOM so Excel opens UTF-8 Chinese correctly. */
export const csvHeader = (columns: readonly string[]) => `\uFEFF${columns.join(',')}\r\n`;
