import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';

/** One output column: its header as the reader sees it and how to get its value from a row. */
export interface TabularColumn<R> {
  key: string;
  header: string;
  value: (row: R) => unknown;
}

export type TabularFormat = 'csv' | 'xlsx';

/** Excel opens a UTF-8 CSV as Chinese only when it starts with a byte-order mark. */
export const UTF8_BOM = '\uFEFF';

export const CONTENT_TYPES: Record<TabularFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** A cell's text: arrays joined with '|', dates as ISO, null as empty. */
export function cellText(v: unknown): string {
  if (v == null) return '';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(cellText).join('|');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Text a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading quote, so an export never executes a cell. */
export function defuseFormula(s: string): string {
  return /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(v: unknown): string {
  const s = defuseFormula(cellText(v));
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine(values: unknown[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

/** CSV text in pieces, one per batch of rows: BOM and header first. Never holds more than one batch. */
export async function* csvChunks<R>(columns: TabularColumn<R>[], batches: AsyncIterable<R[]>): AsyncGenerator<string> {
  yield UTF8_BOM + csvLine(columns.map((c) => c.header));
  for await (const batch of batches) {
    let out = '';
    for (const row of batch) out += csvLine(columns.map((c) => c.value(row)));
    if (out) yield out;
  }
}

/** A readable CSV stream that pulls the next batch only when the reader wants more (back-pressure). */
export function csvStream<R>(columns: TabularColumn<R>[], batches: AsyncIterable<R[]>): Readable {
  return Readable.from(csvChunks(columns, batches), { objectMode: false });
}

/**
 * An XLSX stream written row by row with exceljs's streaming writer (no shared strings, rows committed as they
 * go), so a million rows never sit in memory. Resolves `done` with the number of data rows written.
 */
export function xlsxStream<R>(
  columns: TabularColumn<R>[],
  batches: AsyncIterable<R[]>,
  opts: { sheetName?: string } = {},
): { stream: PassThrough; done: Promise<number> } {
  const stream = new PassThrough();
  const done = (async () => {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useSharedStrings: false, useStyles: false });
    const sheet = wb.addWorksheet(opts.sheetName ?? 'Sheet1');
    sheet.columns = columns.map((c) => ({ header: c.header, key: c.key, width: Math.max(10, Math.min(40, c.header.length + 4)) }));
    let rows = 0;
    for await (const batch of batches) {
      for (const row of batch) {
        sheet.addRow(columns.map((c) => xlsxValue(c.value(row)))).commit();
        rows++;
      }
      // Let the writer drain before the next batch is fetched.
      if (stream.writableNeedDrain) await new Promise((r) => { stream.once('drain', r); stream.once('close', r); });
      if (stream.destroyed) throw new Error('the reader went away');
    }
    sheet.commit();
    await wb.commit();
    return rows;
  })();
  done.catch((err) => stream.destroy(err));
  return { stream, done };
}

function xlsxValue(v: unknown): unknown {
  if (v == null) return null;
  if (typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  return defuseFormula(cellText(v));
}
