import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Queryable } from '../../../db/client.ts';
import { reportRows, type ReportFilter, type ReportRow } from './service.ts';

const OUTCOME: Record<string, string> = { created: '新建 / created', updated: '更新 / updated', merged: '合并 / merged', rejected: '拒绝 / rejected' };

export function reportHeader(columns: string[], withData: boolean): string[] {
  return ['行号 / row', '结果 / outcome', '会员ID / customer id', '字段 / field', '原因 / reason', ...(withData ? columns : [])];
}

function reportLine(r: ReportRow, width: number, withData: boolean): (string | number)[] {
  const reason = r.reasonZh || r.reasonEn ? `${r.reasonZh ?? ''} / ${r.reasonEn ?? ''}` : '';
  const line: (string | number)[] = [r.rowNo, OUTCOME[r.outcome] ?? r.outcome, r.customerId ?? '', r.field ?? '', reason];
  if (withData) for (let i = 0; i < width; i++) line.push(r.data?.[i] ?? '');
  return line;
}

/** Spreadsheet programs run cells starting with = + - @ as formulas; a leading apostrophe keeps them text (numbers like +8613… stay as typed). */
function safeCell(v: string | number): string {
  const s = String(v);
  return /^[=+\-@\t\r]/.test(s) && !/^[+-]?\d[\d\s.-]*$/.test(s) ? `'${s}` : s;
}

function csvCell(v: string | number): string {
  const s = safeCell(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The report as UTF-8 CSV with a BOM (so Excel opens Chinese correctly), streamed. */
export function csvReport(q: Queryable, importId: number, columns: string[], filter: ReportFilter, withData: boolean): Readable {
  async function* lines() {
    yield '\uFEFF' + reportHeader(columns, withData).map(csvCell).join(',') + '\r\n';
    let buf = '';
    for await (const r of reportRows(q, importId, filter)) {
      buf += reportLine(r, columns.length, withData).map(csvCell).join(',') + '\r\n';
      if (buf.length > 64 * 1024) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  return Readable.from(lines());
}

/** The report as an XLSX workbook, written row by row to the response. */
export function xlsxReport(q: Queryable, importId: number, columns: string[], filter: ReportFilter, withData: boolean, onError: (e: unknown) => void): Readable {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const ws = wb.addWorksheet('report');
  void (async () => {
    try {
      ws.addRow(reportHeader(columns, withData)).commit();
      for await (const r of reportRows(q, importId, filter)) {
        ws.addRow(reportLine(r, columns.length, withData).map((v) => (typeof v === 'number' ? v : safeCell(v)))).commit();
      }
      ws.commit();
      await wb.commit();
    } catch (e) {
      onError(e);
      out.destroy(e as Error);
    }
  })();
  return out;
}
