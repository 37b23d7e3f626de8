import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { badRequest } from '../../../http/errors.ts';

export type FileFormat = 'csv' | 'xlsx';

export interface Sniffed {
  format: FileFormat;
  encoding: string | null;
  delimiter: string | null;
}

const notAFile = () => badRequest('NOT_A_SPREADSHEET', 'The file is neither a CSV text file nor an XLSX workbook.', '文件既不是 CSV 文本文件，也不是 XLSX 工作簿。');

/** Encoding names people use, to what iconv-lite decodes: GBK and GB2312 files decode as GB18030, their superset. */
export function canonicalEncoding(name: string): string | null {
  const n = name.trim().toLowerCase().replace(/[_\s]/g, '-');
  if (['utf8', 'utf-8', 'utf-8-bom'].includes(n)) return 'utf8';
  if (['gbk', 'gb2312', 'gb18030', 'cp936', 'gb-2312', 'gb-18030'].includes(n)) return 'gb18030';
  if (['utf16le', 'utf-16le', 'utf16-le'].includes(n)) return 'utf16le';
  if (['utf16be', 'utf-16be', 'utf16-be'].includes(n)) return 'utf16be';
  if (['big5', 'cp950'].includes(n)) return 'big5';
  return iconv.encodingExists(n) ? n : null;
}

function validUtf8(buf: Buffer, complete: boolean): boolean {
  let end = buf.length;
  if (!complete) {
    // A multi-byte character may be cut at the end of the sample.
    let i = end - 1;
    while (i >= 0 && end - i <= 4 && (buf[i]! & 0xc0) === 0x80) i--;
    if (i >= 0 && buf[i]! >= 0xc0) end = i;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** The delimiter used most in the first line, outside quotes. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([[',', 0], ['\t', 0], [';', 0], ['|', 0]]);
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** What the file is: XLSX by its zip signature, else text whose encoding is told by BOM, UTF-8 validity, or GB18030 as the fallback. */
export async function sniffFile(path: string, explicitEncoding?: string): Promise<Sniffed> {
  const fh = await open(path, 'r');
  let sample: Buffer;
  let size: number;
  try {
    size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.min(size, 256 * 1024));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    sample = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (size === 0) throw badRequest('EMPTY_FILE', 'The file is empty.', '文件是空的。');
  if (sample[0] === 0x50 && sample[1] === 0x4b && sample[2] === 0x03 && sample[3] === 0x04) return { format: 'xlsx', encoding: null, delimiter: null };
  if (sample[0] === 0xd0 && sample[1] === 0xcf && sample[2] === 0x11 && sample[3] === 0xe0) {
    throw badRequest('LEGACY_XLS', 'Old Excel .xls files are not supported: save it as .xlsx or .csv.', '不支持旧版 Excel .xls 文件，请另存为 .xlsx 或 .csv。');
  }
  let encoding: string;
  if (explicitEncoding) {
    const e = canonicalEncoding(explicitEncoding);
    if (!e) throw badRequest('UNKNOWN_ENCODING', `Unknown encoding: ${explicitEncoding.slice(0, 40)}`, `未知的编码：${explicitEncoding.slice(0, 40)}`);
    encoding = e;
  } else if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) encoding = 'utf8';
  else if (sample[0] === 0xff && sample[1] === 0xfe) encoding = 'utf16le';
  else if (sample[0] === 0xfe && sample[1] === 0xff) encoding = 'utf16be';
  else if (sample.includes(0)) throw notAFile();
  else encoding = validUtf8(sample, sample.length === size) ? 'utf8' : 'gb18030';
  const text = iconv.decode(sample, encoding);
  const printable = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\uFFFD]/g, '');
  if (text.length === 0 || printable.length < text.length * 0.95) throw notAFile();
  if (!text.replace(/^\uFEFF/, '').trim()) throw badRequest('EMPTY_FILE', 'The file has no rows.', '文件中没有数据行。');
  return { format: 'csv', encoding, delimiter: detectDelimiter(text.replace(/^\uFEFF/, '')) };
}

export interface InputRow {
  /** The row number a spreadsheet program shows: the header is row 1. */
  rowNo: number;
  cells: string[];
}

function countBytes(onBytes: (n: number) => void) {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** An XLSX cell value as the text a person sees: dates as YYYY-MM-DD (with time when it has one), formulas by their result. */
export function cellText(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return '';
    const d = `${v.getUTCFullYear()}-${pad2(v.getUTCMonth() + 1)}-${pad2(v.getUTCDate())}`;
    const hasTime = v.getUTCHours() || v.getUTCMinutes() || v.getUTCSeconds();
    return hasTime ? `${d} ${pad2(v.getUTCHours())}:${pad2(v.getUTCMinutes())}:${pad2(v.getUTCSeconds())}` : d;
  }
  if (typeof v === 'object') {
    const o = v as any;
    if (Array.isArray(o.richText)) return o.richText.map((r: any) => r.text ?? '').join('');
    if ('result' in o) return cellText(o.result);
    if ('text' in o) return cellText(o.text);
    if ('error' in o) return String(o.error);
  }
  return String(v);
}

/** Every row of the file in order, with raw bytes consumed reported for progress; blank rows are skipped. */
export async function* readRows(path: string, s: Sniffed, onBytes: (n: number) => void = () => undefined): AsyncGenerator<InputRow> {
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const counted = file.pipe(countBytes(onBytes));
  file.on('error', (e) => counted.destroy(e));
  if (s.format === 'xlsx') {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(counted as unknown as Readable, {
      worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore',
    } as any);
    try {
      for await (const sheet of reader as any) {
        for await (const row of sheet) {
          const values: unknown[] = Array.isArray(row.values) ? row.values : [];
          const cells: string[] = [];
          for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
          if (cells.every((c) => c.trim() === '')) continue;
          yield { rowNo: row.number as number, cells };
        }
        break;
      }
    } finally {
      file.destroy();
    }
    return;
  }
  const decoded = counted.pipe(iconv.decodeStream(s.encoding ?? 'utf8', { stripBOM: true }) as any as Transform);
  counted.on('error', (e) => decoded.destroy(e));
  const parser = decoded.pipe(
    parse({ delimiter: s.delimiter ?? ',', relax_column_count: true, relax_quotes: true, bom: true, max_record_size: 64 * 1024 * 1024, skip_empty_lines: false }),
  );
  decoded.on('error', (e) => parser.destroy(e));
  let rowNo = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      rowNo++;
      if (record.every((c) => c.trim() === '')) continue;
      yield { rowNo, cells: record };
    }
  } finally {
    file.destroy();
  }
}

/** The first rows, for the preview; XLSX errors become a clear 400. */
export async function firstRows(path: string, s: Sniffed, n: number): Promise<InputRow[]> {
  const out: InputRow[] = [];
  try {
    for await (const r of readRows(path, s)) {
      out.push(r);
      if (out.length >= n) break;
    }
  } catch (err) {
    if (s.format === 'xlsx') throw badRequest('UNREADABLE_XLSX', `The XLSX workbook cannot be read: ${(err as Error).message.slice(0, 200)}`, `无法读取 XLSX 工作簿：${(err as Error).message.slice(0, 200)}`);
    throw badRequest('UNREADABLE_CSV', `The CSV file cannot be read: ${(err as Error).message.slice(0, 200)}`, `无法读取 CSV 文件：${(err as Error).message.slice(0, 200)}`);
  }
  if (!out.length) throw badRequest('EMPTY_FILE', 'The file has no rows.', '文件中没有数据行。');
  return out;
}
