import { rm } from 'node:fs/promises';
import type { Db, Queryable } from '../../../db/client.ts';
import { insertRows } from '../../../db/client.ts';
import { normaliseMobile } from '../../../lib/phone.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../../http/errors.ts';
import { can, recordAudit, type Actor } from '../../staff/index.ts';
import { writePurchaseBatch } from './purchases.ts';
import { listAttributeDefinitions, loadAttributeDefinitions } from '../attributes.ts';
import { GENERATED_CARD, RESERVED_CARD } from '../rules.ts';
import { firstRows, readRows, sniffFile, type Sniffed } from './files.ts';
import {
  ATTRIBUTE_PREFIX, CUSTOMER_FIELDS, PURCHASE_FIELDS, cleanCustomerRow, duplicateKeys, mergeInto, normaliseEmail, parseDate,
  recogniseHeader, suggestMapping, type CustomerRow, type RowContext,
} from './rules.ts';

export type ImportKind = 'customers' | 'purchases';
export type DuplicatePolicy = 'merge' | 'skip' | 'update';
export const IMPORT_JOB = 'customers.import';
/** Rows per transaction: large enough for set-based SQL to pay off, small enough to keep memory and lock time low. */
export const BATCH_ROWS = 10_000;
const PREVIEW_ROWS = 20;

export interface ImportSummary {
  id: number;
  kind: ImportKind;
  status: string;
  fileName: string;
  fileSize: number;
  format: string;
  encoding: string | null;
  delimiter: string | null;
  hasHeader: boolean;
  columns: string[];
  mapping: (string | null)[] | null;
  duplicatePolicy: DuplicatePolicy | null;
  rowsRead: number;
  created: number;
  updated: number;
  merged: number;
  rejected: number;
  percent: number;
  error: string | null;
  createdByName: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const summaryColumns = `id, kind, status, file_name AS "fileName", file_size AS "fileSize", format, encoding, delimiter, has_header AS "hasHeader",
  columns, mapping, duplicate_policy AS "duplicatePolicy", rows_read AS "rowsRead", created, updated, merged, rejected, bytes_read AS "bytesRead",
  error, created_by_name AS "createdByName", created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt"`;

function toSummary(r: any): ImportSummary {
  const { bytesRead, ...rest } = r;
  const percent = r.status === 'done' ? 100 : r.fileSize > 0 ? Math.min(99, Math.floor((bytesRead / r.fileSize) * 100)) : 0;
  const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());
  return { ...rest, percent, createdAt: iso(r.createdAt)!, startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt) };
}

export async function getImport(q: Queryable, id: number): Promise<ImportSummary> {
  const r = await q.query(`SELECT ${summaryColumns} FROM imports WHERE id = $1`, [id]);
  if (!r.rows[0]) throw notFound('Import', '导入任务');
  return toSummary(r.rows[0]);
}

export async function listImports(q: Queryable, opts: { limit: number; beforeId?: number }): Promise<ImportSummary[]> {
  const r = await q.query(
    `SELECT ${summaryColumns} FROM imports WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
    [opts.beforeId ?? null, opts.limit],
  );
  return r.rows.map(toSummary);
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** A header row has recognised names, or at least no cell that reads as a mobile number, an e-mail or a date. */
function looksLikeHeader(cells: string[], kind: ImportKind): boolean {
  if (cells.some((c) => recogniseHeader(c, kind))) return true;
  return !cells.some((c) => normaliseMobile(c) || normaliseEmail(c) || (c.trim() && /\d/.test(c) && parseDate(c)));
}

export interface UploadedFile {
  path: string;
  fileName: string;
  size: number;
}

/** Reads the uploaded file's shape (format, encoding, delimiter, header) and first rows, and records the import. */
export async function createImport(db: Db, actor: Actor, f: UploadedFile, opts: { kind: ImportKind; encoding?: string; hasHeader?: boolean }) {
  const sniffed = await sniffFile(f.path, opts.encoding);
  const rows = await firstRows(f.path, sniffed, PREVIEW_ROWS + 1);
  const hasHeader = opts.hasHeader ?? looksLikeHeader(rows[0]!.cells, opts.kind);
  const width = Math.max(...rows.map((r) => r.cells.length));
  const columns = hasHeader
    ? rows[0]!.cells.map((c, i) => cut(c.trim(), 100) || `Column ${i + 1}`)
    : Array.from({ length: width }, (_, i) => `Column ${i + 1}`);
  const preview = (hasHeader ? rows.slice(1) : rows.slice(0, PREVIEW_ROWS)).map((r) => ({ rowNo: r.rowNo, cells: r.cells.map((c) => cut(c, 200)) }));
  const attributes = opts.kind === 'customers' ? (await listAttributeDefinitions(db)).filter((d) => d.active) : [];
  const suggestedMapping = suggestMapping(columns, opts.kind, hasHeader, attributes);
  const id = await db.tx(async (tx) => {
    const r = await tx.query(
      `INSERT INTO imports (kind, file_name, file_path, file_size, format, encoding, delimiter, has_header, columns, created_by, created_by_name)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`,
      [opts.kind, cut(f.fileName, 255), f.path, f.size, sniffed.format, sniffed.encoding, sniffed.delimiter, hasHeader, JSON.stringify(columns),
        actor.kind === 'staff' ? actor.id : null, actor.name],
    );
    await recordAudit(tx, actor, { action: 'import.upload', entity: 'import', entityId: r.rows[0].id, details: { fileName: f.fileName, size: f.size, kind: opts.kind } });
    return r.rows[0].id as number;
  });
  return {
    id, kind: opts.kind, format: sniffed.format, encoding: sniffed.encoding, delimiter: sniffed.delimiter, hasHeader, columns, preview, suggestedMapping,
    targets: opts.kind === 'customers' ? [...CUSTOMER_FIELDS] : [...PURCHASE_FIELDS],
    /** The defined custom attributes a column can be mapped to, as `attributes.<key>`. */
    attributes: attributes.map((d) => ({ target: ATTRIBUTE_PREFIX + d.key, key: d.key, labelZh: d.labelZh, labelEn: d.labelEn, type: d.type, allowedValues: d.allowedValues })),
  };
}

/** Checks a mapping against the file's columns: known fields and defined active attributes only, each at most once, and a name or a mobile. */
export function validateMapping(mapping: (string | null)[], columns: string[], kind: ImportKind, attributeKeys: ReadonlySet<string> = new Set()): (string | null)[] {
  if (mapping.length > columns.length) {
    throw badRequest('VALIDATION_FAILED', `The mapping has ${mapping.length} entries but the file has ${columns.length} columns.`, `映射有 ${mapping.length} 项，但文件只有 ${columns.length} 列。`, [
      { path: 'mapping', en: `at most ${columns.length} entries`, zh: `最多 ${columns.length} 项` },
    ]);
  }
  const allowed: readonly string[] = kind === 'customers' ? CUSTOMER_FIELDS : PURCHASE_FIELDS;
  const seen = new Set<string>();
  const out = columns.map((_, i) => mapping[i] ?? null);
  out.forEach((t, i) => {
    if (t == null) return;
    if (kind === 'customers' && t.startsWith(ATTRIBUTE_PREFIX)) {
      if (!attributeKeys.has(t.slice(ATTRIBUTE_PREFIX.length))) {
        throw badRequest('VALIDATION_FAILED', `Not a defined customer attribute: ${cut(t, 80)}`, `不是已定义的客户属性：${cut(t, 80)}`, [{ path: `mapping.${i}`, en: 'is not a defined customer attribute', zh: '不是已定义的客户属性' }]);
      }
    } else if (!allowed.includes(t)) {
      throw badRequest('VALIDATION_FAILED', `Unknown target field: ${cut(t, 80)}`, `未知的目标字段：${cut(t, 80)}`, [{ path: `mapping.${i}`, en: 'unknown target field', zh: '未知的目标字段' }]);
    }
    if (seen.has(t)) {
      throw badRequest('VALIDATION_FAILED', `Two columns are mapped to ${cut(t, 80)}.`, `有两列都映射到了 ${cut(t, 80)}。`, [{ path: `mapping.${i}`, en: 'mapped twice', zh: '重复映射' }]);
    }
    seen.add(t);
  });
  if (kind === 'customers' && !seen.has('name') && !seen.has('mobile')) {
    throw badRequest('VALIDATION_FAILED', 'Map a column to name or to mobile.', '请至少映射姓名或手机号中的一列。', [{ path: 'mapping', en: 'needs name or mobile', zh: '需要姓名或手机号' }]);
  }
  if (kind === 'purchases') {
    for (const need of ['orderNo', 'sku', 'purchasedAt']) {
      if (!seen.has(need)) throw badRequest('VALIDATION_FAILED', `Map a column to ${need}.`, `请映射 ${need} 列。`, [{ path: 'mapping', en: `needs ${need}`, zh: `需要 ${need}` }]);
    }
    if (!seen.has('unitPrice') && !seen.has('amount')) throw badRequest('VALIDATION_FAILED', 'Map a column to unitPrice or amount.', '请映射单价或金额列。', [{ path: 'mapping', en: 'needs unitPrice or amount', zh: '需要单价或金额' }]);
    if (!seen.has('mobile') && !seen.has('cardNo')) throw badRequest('VALIDATION_FAILED', 'Map a column to mobile or cardNo.', '请映射会员手机号或会员卡号。', [{ path: 'mapping', en: 'needs mobile or cardNo', zh: '需要手机号或会员卡号' }]);
    // Without a channel every row is an in-store sale, which needs its store: refuse now rather than reject every row.
    if (!seen.has('store') && !seen.has('channel')) {
      throw badRequest('VALIDATION_FAILED', 'Map a column to store, or to channel (sales in stores need their store).', '请映射门店列或渠道列（门店销售需要门店）。', [{ path: 'mapping', en: 'needs store or channel', zh: '需要门店或渠道' }]);
    }
  }
  return out;
}

/** Saves the mapping and policy and queues the background run. */
export async function startImport(db: Db, actor: Actor, id: number, input: { mapping: (string | null)[]; duplicatePolicy: DuplicatePolicy }) {
  return db.tx(async (tx) => {
    const r = await tx.query(`SELECT kind, status, columns FROM imports WHERE id = $1 FOR UPDATE`, [id]);
    const imp = r.rows[0];
    if (!imp) throw notFound('Import', '导入任务');
    if (imp.status !== 'uploaded') throw conflict('IMPORT_ALREADY_STARTED', 'This import has already been started.', '该导入任务已经开始。', { status: imp.status });
    if (imp.kind === 'purchases' && !can(actor, 'sales.write')) throw forbidden();
    const attributeKeys = new Set((await listAttributeDefinitions(tx)).filter((d) => d.active).map((d) => d.key));
    const mapping = validateMapping(input.mapping, imp.columns, imp.kind, attributeKeys);
    await tx.query(`UPDATE imports SET mapping = $2, duplicate_policy = $3, status = 'queued' WHERE id = $1`, [id, JSON.stringify(mapping), input.duplicatePolicy]);
    await recordAudit(tx, actor, { action: 'import.start', entity: 'import', entityId: id, details: { duplicatePolicy: input.duplicatePolicy } });
  });
}

interface Leader {
  rowNo: number;
  row: CustomerRow;
}

const rawData = (cells: string[]) => JSON.stringify(cells.slice(0, 200).map((c) => cut(c, 500)));

function businessToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

async function loadStores(q: Queryable): Promise<Map<string, number>> {
  const r = await q.query(`SELECT id, code, name FROM stores`);
  const m = new Map<string, number>();
  for (const s of r.rows) {
    m.set(s.name, s.id);
    m.set(String(s.code), s.id);
    m.set(String(s.code).toLowerCase(), s.id);
  }
  return m;
}

/**
 * The background run: streams the file, cleans each row, and commits batches in which every row gets its outcome,
 * together with the last committed row number, so a restarted run continues where the last commit left off.
 */
export async function runImport(db: Db, id: number, opts: { batchRows?: number; afterBatch?: (lastRowNo: number) => void } = {}): Promise<ImportSummary> {
  const batchRows = opts.batchRows ?? BATCH_ROWS;
  const r = await db.query(`SELECT * FROM imports WHERE id = $1`, [id]);
  const imp = r.rows[0];
  if (!imp) throw new Error(`import ${id} not found`);
  if (imp.status === 'done' || imp.status === 'uploaded') return getImport(db, id);
  await db.query(`UPDATE imports SET status = 'running', error = NULL, started_at = coalesce(started_at, now()) WHERE id = $1`, [id]);
  const sniffed: Sniffed = { format: imp.format, encoding: imp.encoding, delimiter: imp.delimiter };
  const ctx: RowContext = {
    mapping: imp.mapping, columnCount: imp.columns.length, strictWidth: imp.format === 'csv', stores: await loadStores(db), today: businessToday(),
    attributes: await loadAttributeDefinitions(db),
  };
  let bytes = 0;
  let lastRowNo = Number(imp.last_row_no);
  let headerSkipped = !imp.has_header;
  const orderCol = imp.kind === 'purchases' ? (imp.mapping as (string | null)[]).indexOf('orderNo') : -1;
  let batch: { rowNo: number; cells: string[] }[] = [];
  // The next batch is read and cleaned while the database writes the previous one; writes stay strictly in order.
  let inflight: Promise<void> | null = null;
  const submit = async (rows: { rowNo: number; cells: string[] }[]) => {
    if (imp.kind === 'purchases') {
      lastRowNo = await writePurchaseBatch(db, id, ctx, rows, lastRowNo, bytes);
      opts.afterBatch?.(lastRowNo);
      return;
    }
    const prepared = prepareCustomerBatch(rows, ctx);
    if (inflight) await inflight;
    const write = writeCustomerBatch(db, id, imp.duplicate_policy, prepared, lastRowNo, bytes).then((last) => {
      lastRowNo = last;
      opts.afterBatch?.(last);
    });
    write.catch(() => undefined);
    inflight = write;
  };
  try {
    for await (const row of readRows(imp.file_path, sniffed, (n) => (bytes += n))) {
      if (!headerSkipped) {
        headerSkipped = true;
        continue;
      }
      if (row.rowNo <= lastRowNo) continue;
      // Purchase batches end between orders, so the lines of one order are booked together.
      if (orderCol >= 0 && batch.length >= batchRows && (row.cells[orderCol] ?? '').trim() !== (batch[batch.length - 1]!.cells[orderCol] ?? '').trim()) {
        await submit(batch);
        batch = [];
      }
      batch.push(row);
      if (orderCol < 0 && batch.length >= batchRows) {
        await submit(batch);
        batch = [];
      }
    }
    if (batch.length) await submit(batch);
    if (inflight) await inflight;
    await finishImport(db, id);
  } catch (err) {
    if (inflight) await (inflight as Promise<void>).catch(() => undefined);
    const message = err instanceof AppError ? err.messages.en : (err as Error).message;
    await db.query(`UPDATE imports SET status = 'failed', error = $2 WHERE id = $1`, [id, cut(`after row ${lastRowNo}: ${message}`, 1000)]);
    throw err;
  }
  await rm(imp.file_path, { force: true });
  return getImport(db, id);
}

/** Every row read has exactly one outcome, and the counts add up, or the import fails loudly. */
async function finishImport(db: Db, id: number) {
  await db.tx(async (tx) => {
    const r = await tx.query(
      `SELECT i.rows_read, i.created + i.updated + i.merged + i.rejected AS outcomes,
              (SELECT count(*) FROM import_rows WHERE import_id = i.id) AS recorded
       FROM imports i WHERE i.id = $1`,
      [id],
    );
    const { rows_read, outcomes, recorded } = r.rows[0];
    if (rows_read !== outcomes || rows_read !== recorded) {
      throw new Error(`counts do not add up: ${rows_read} rows read, ${outcomes} outcomes counted, ${recorded} recorded`);
    }
    await tx.query(`UPDATE imports SET status = 'done', finished_at = now(), bytes_read = file_size WHERE id = $1`, [id]);
  });
}

const STAGE_COLUMNS = [
  'row_no', 'name', 'mobile', 'email', 'gender', 'birthday', 'city', 'region', 'card_no', 'occupation', 'income_band', 'tags', 'store_id', 'source',
  'preferred_channel', 'notes', 'attributes',
];

// Columns an existing customer takes from the file: only where empty ('merged'), or wherever the file has a value ('updated').
const FILLABLE = ['mobile', 'email', 'gender', 'birthday', 'city', 'region', 'card_no', 'occupation', 'income_band', 'preferred_store_id', 'source', 'preferred_channel', 'notes'];
const stageCol = (c: string) => (c === 'preferred_store_id' ? 'store_id' : c);
const APPLY_SQL = `UPDATE customers c SET
  name = CASE WHEN s.name = '' THEN c.name WHEN s.outcome = 'updated' OR c.name = '' THEN s.name ELSE c.name END,
  ${FILLABLE.map((f) => `${f} = CASE WHEN s.outcome = 'updated' THEN coalesce(s.${stageCol(f)}, c.${f}) ELSE coalesce(c.${f}, s.${stageCol(f)}) END`).join(',\n  ')},
  tags = c.tags || ARRAY(SELECT t FROM unnest(string_to_array(s.tags, chr(31))) t WHERE t <> ALL (c.tags)),
  attributes = CASE WHEN s.outcome = 'updated' THEN c.attributes || s.attributes::jsonb ELSE s.attributes::jsonb || c.attributes END,
  updated_at = now(), version = c.version + 1
FROM import_stage s WHERE c.id = ANY($2::bigint[]) AND s.rank = $1 AND c.id = s.match_id`;

/**
 * One batch in one transaction: rows rejected by the rules, duplicates within the batch folded into their first
 * occurrence, then the rest staged and classified against existing customers with a few set-based statements.
 */
interface PreparedBatch {
  leaders: Leader[];
  rejected: { rowNo: number; field: string; zh: string; en: string; data: string }[];
  followers: { rowNo: number; leaderRowNo: number; data: string }[];
  cellsByRow: Map<number, string[]>;
  rowCount: number;
  lastRowNo: number;
}

/** The pure half of a batch: rows rejected by the rules, and duplicates within the batch folded into their first occurrence. */
function prepareCustomerBatch(rows: { rowNo: number; cells: string[] }[], ctx: RowContext): PreparedBatch {
  const leaders: Leader[] = [];
  const rejected: PreparedBatch['rejected'] = [];
  const followers: PreparedBatch['followers'] = [];
  const owner = new Map<string, number>();
  const cellsByRow = new Map<number, string[]>();
  for (const input of rows) {
    const res = cleanCustomerRow(input.cells, ctx);
    if ('problem' in res) {
      rejected.push({ rowNo: input.rowNo, field: res.problem.field, zh: res.problem.zh, en: res.problem.en, data: rawData(input.cells) });
      continue;
    }
    const row = res.row;
    const keys = duplicateKeys(row);
    let li: number | undefined;
    for (const k of keys) {
      li = owner.get(k);
      if (li !== undefined) break;
    }
    if (li === undefined) {
      li = leaders.push({ rowNo: input.rowNo, row }) - 1;
      cellsByRow.set(input.rowNo, input.cells);
    } else {
      // A unique key another first occurrence owns stays with it, so no two staged rows share a mobile or a card.
      if (row.mobile && owner.get(`m:${row.mobile}`) !== undefined && owner.get(`m:${row.mobile}`) !== li) row.mobile = null;
      if (row.cardNo && owner.get(`c:${row.cardNo}`) !== undefined && owner.get(`c:${row.cardNo}`) !== li) row.cardNo = null;
      mergeInto(leaders[li]!.row, row);
      followers.push({ rowNo: input.rowNo, leaderRowNo: leaders[li]!.rowNo, data: rawData(input.cells) });
    }
    for (const k of duplicateKeys(leaders[li]!.row)) if (!owner.has(k)) owner.set(k, li);
  }
  return { leaders, rejected, followers, cellsByRow, rowCount: rows.length, lastRowNo: rows[rows.length - 1]!.rowNo };
}

/**
 * The database half, in one transaction: first occurrences staged and classified against existing customers with a few
 * set-based statements, every row's outcome recorded, and the import's counts and last committed row moved on.
 */
async function writeCustomerBatch(db: Db, importId: number, policy: DuplicatePolicy, b: PreparedBatch, prevRowNo: number, bytes: number): Promise<number> {
  const { leaders, rejected, followers, cellsByRow, lastRowNo } = b;
  await db.tx(async (tx) => {
    // The per-row probes make cost estimates large enough to trigger JIT compilation, which costs more than the batch itself.
    // A batch lost in a crash is simply redone (the last committed row moves with it), so its commit need not wait for the disk.
    if (db.kind === 'postgres') await tx.exec(`SET LOCAL jit = off; SET LOCAL synchronous_commit = off`);
    const counts = { created: 0, updated: 0, merged: 0, rejected: rejected.length };
    if (rejected.length) {
      await insertRows(tx, 'import_rows', [
        { name: 'import_id', type: 'bigint' }, { name: 'row_no', type: 'bigint' }, { name: 'outcome', type: 'text' }, { name: 'field', type: 'text' },
        { name: 'reason_zh', type: 'text' }, { name: 'reason_en', type: 'text' }, { name: 'data', type: 'jsonb' },
      ], rejected.map((x) => [importId, x.rowNo, 'rejected', x.field, x.zh, x.en, x.data]), { chunk: BATCH_ROWS });
    }
    if (leaders.length) {
      await tx.query(`CREATE TEMP TABLE import_stage (
        row_no bigint PRIMARY KEY, name text, mobile text, email text, gender text, birthday date, city text, region text, card_no text,
        occupation text, income_band text, tags text, store_id bigint, source text, preferred_channel text, notes text, attributes text,
        match_id bigint, match_by text, first_row bigint, outcome text, field text, reason_zh text, reason_en text, rank int
      ) ON COMMIT DROP`);
      // One JSON parameter: serialising it is native and fast, where 17 array parameters are escaped value by value.
      await tx.query(`INSERT INTO import_stage (${STAGE_COLUMNS.join(', ')}) SELECT ${STAGE_COLUMNS.join(', ')} FROM json_populate_recordset(NULL::import_stage, $1::json)`, [
        JSON.stringify(leaders.map(({ rowNo, row: c }) => ({
          row_no: rowNo, name: c.name, mobile: c.mobile, email: c.email, gender: c.gender, birthday: c.birthday, city: c.city, region: c.region,
          card_no: c.cardNo, occupation: c.occupation, income_band: c.incomeBand, tags: c.tags.join('\u001f'), store_id: c.storeId, source: c.source,
          preferred_channel: c.preferredChannel, notes: c.notes, attributes: JSON.stringify(c.attributes),
        }))),
      ]);
      const rejectedLeaders = await classify(tx, importId, policy);
      const written = await tx.query(WRITE_SQL, [
        importId,
        followers.map((f) => f.rowNo), followers.map((f) => f.leaderRowNo), followers.map((f) => f.data),
        rejectedLeaders, rejectedLeaders.map((n) => rawData(cellsByRow.get(n) ?? [])),
      ]);
      for (const r of written.rows) counts[r.outcome as keyof typeof counts] += Number(r.n);
    }
    const total = counts.created + counts.updated + counts.merged + counts.rejected;
    if (total !== b.rowCount) throw new Error(`batch after row ${prevRowNo}: ${b.rowCount} rows read but ${total} outcomes`);
    const upd = await tx.query(
      `UPDATE imports SET last_row_no = $3, bytes_read = $4, rows_read = rows_read + $5, created = created + $6, updated = updated + $7,
         merged = merged + $8, rejected = rejected + $9
       WHERE id = $1 AND last_row_no = $2`,
      [importId, prevRowNo, lastRowNo, bytes, b.rowCount, counts.created, counts.updated, counts.merged, counts.rejected],
    );
    if (upd.rowCount !== 1) throw new Error(`batch after row ${prevRowNo} was committed by another run`);
  });
  return lastRowNo;
}

// Every look-up into customers and import_rows is a per-row index probe (scalar subqueries with LIMIT): during a large
// import their statistics lag far behind, and a planner that thinks customers is small would scan it once per batch.
const MATCH_SQL = `UPDATE import_stage s SET match_id = x.v / 4, match_by = (ARRAY['mobile','cardNo','email','birthday'])[x.v % 4 + 1]
  FROM (SELECT st.row_no, coalesce(
      (SELECT c.id * 4 FROM customers c WHERE c.mobile = st.mobile AND c.status = 'active' LIMIT 1),
      (SELECT c.id * 4 + 1 FROM customers c WHERE c.card_no = st.card_no AND c.status = 'active' LIMIT 1),
      (SELECT c.id * 4 + 2 FROM customers c WHERE lower(c.email) = st.email AND c.email IS NOT NULL AND c.status = 'active' ORDER BY c.id LIMIT 1),
      (SELECT c.id * 4 + 3 FROM customers c WHERE c.name = st.name AND c.birthday = st.birthday AND c.birthday IS NOT NULL AND c.status = 'active' ORDER BY c.id LIMIT 1)
    ) AS v FROM import_stage st) x
  WHERE s.row_no = x.row_no AND x.v IS NOT NULL`;

const byZh = `CASE match_by WHEN 'mobile' THEN '手机号' WHEN 'cardNo' THEN '会员卡号' WHEN 'email' THEN '邮箱' ELSE '姓名和生日' END`;
const byEn = `CASE match_by WHEN 'mobile' THEN 'mobile' WHEN 'cardNo' THEN 'card number' WHEN 'email' THEN 'email' ELSE 'name and birthday' END`;
const OUTCOME_SQL = `UPDATE import_stage SET
    outcome = CASE WHEN first_row IS NOT NULL THEN 'merged' WHEN $1 = 'update' THEN 'updated' WHEN $1 = 'merge' THEN 'merged' ELSE 'rejected' END,
    field = CASE match_by WHEN 'birthday' THEN 'name+birthday' ELSE match_by END,
    reason_zh = CASE WHEN first_row IS NOT NULL THEN '与文件第 ' || first_row || ' 行重复（' || ${byZh} || '相同），已合并'
                     WHEN $1 = 'skip' THEN '已有' || ${byZh} || '相同的会员，按策略跳过'
                     ELSE '与已有会员重复（' || ${byZh} || '相同）' END,
    reason_en = CASE WHEN first_row IS NOT NULL THEN 'duplicate of row ' || first_row || ' in this file (same ' || ${byEn} || '), merged'
                     WHEN $1 = 'skip' THEN 'a customer with the same ' || ${byEn} || ' exists; skipped by policy'
                     ELSE 'matches an existing customer (same ' || ${byEn} || ')' END
  WHERE match_id IS NOT NULL AND outcome IS NULL`;

// New customers take their ids from the sequence up front, so each id is tied to its row; then every row of the batch
// (first occurrences and their in-file duplicates) gets its outcome, and the counts come back per outcome.
const WRITE_SQL = `WITH ids AS (
    SELECT row_no, nextval(pg_get_serial_sequence('customers', 'id')) AS id FROM import_stage WHERE outcome IS NULL AND match_id IS NULL
  ), ins AS (
    INSERT INTO customers (id, name, mobile, email, gender, birthday, city, region, card_no, occupation, income_band, tags,
      preferred_store_id, source, preferred_channel, notes, attributes)
    OVERRIDING SYSTEM VALUE
    SELECT ids.id, s.name, s.mobile, s.email, s.gender, s.birthday, s.city, s.region, s.card_no, s.occupation, s.income_band,
      string_to_array(s.tags, chr(31)), s.store_id, coalesce(s.source, 'import'), s.preferred_channel, s.notes, s.attributes::jsonb
    FROM ids JOIN import_stage s ON s.row_no = ids.row_no
  ), leader AS (
    SELECT ids.row_no, 'created' AS outcome, ids.id AS customer_id, NULL::text AS field, NULL::text AS reason_zh, NULL::text AS reason_en FROM ids
    UNION ALL
    SELECT row_no, outcome, match_id, field, reason_zh, reason_en FROM import_stage WHERE outcome IS NOT NULL
  ), f AS (
    SELECT * FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS f(row_no, leader_row, data)
  ), d AS (
    SELECT * FROM unnest($5::bigint[], $6::text[]) AS d(row_no, data)
  ), w AS (
    INSERT INTO import_rows (import_id, row_no, outcome, customer_id, field, reason_zh, reason_en, data)
    SELECT $1::bigint, l.row_no, l.outcome, l.customer_id, l.field, l.reason_zh, l.reason_en, d.data::jsonb
    FROM leader l LEFT JOIN d ON d.row_no = l.row_no
    UNION ALL
    SELECT $1::bigint, f.row_no, CASE WHEN l.outcome = 'rejected' THEN 'rejected' ELSE 'merged' END, l.customer_id, l.field,
      CASE WHEN l.outcome = 'rejected' THEN '与第 ' || l.row_no || ' 行重复，该行被拒绝：' || l.reason_zh ELSE '与文件第 ' || l.row_no || ' 行重复，已合并' END,
      CASE WHEN l.outcome = 'rejected' THEN 'duplicate of row ' || l.row_no || ', which was rejected: ' || l.reason_en ELSE 'duplicate of row ' || l.row_no || ' in this file, merged' END,
      CASE WHEN l.outcome = 'rejected' THEN f.data::jsonb END
    FROM f JOIN leader l ON l.row_no = f.leader_row
    RETURNING outcome
  )
  SELECT outcome, count(*) AS n FROM w GROUP BY outcome`;

/** Matches the staged first occurrences against customers, decides each one's outcome, applies merges and updates; returns the rows it rejected. */
async function classify(tx: Queryable, importId: number, policy: DuplicatePolicy): Promise<number[]> {
  await tx.query(MATCH_SQL);
  await tx.query(`UPDATE import_stage s SET outcome = 'rejected', field = 'cardNo', reason_zh = '会员卡号已属于另一位会员', reason_en = 'card number belongs to another customer'
    WHERE s.card_no IS NOT NULL AND coalesce((SELECT c.id FROM customers c WHERE c.card_no = s.card_no LIMIT 1), s.match_id) IS DISTINCT FROM s.match_id`);
  // A generated card number names the member who holds it; one nobody holds would take a number the sequence may hand out later.
  await tx.query(
    `UPDATE import_stage s SET outcome = 'rejected', field = 'cardNo', reason_zh = $1, reason_en = $2
      WHERE s.outcome IS NULL AND s.card_no ~ $3 AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.card_no = s.card_no)`,
    [`会员卡号${RESERVED_CARD.zh}`, `cardNo ${RESERVED_CARD.en}`, GENERATED_CARD.source],
  );
  await tx.query(`UPDATE import_stage s SET first_row = (SELECT r.row_no FROM import_rows r
      WHERE r.import_id = $1 AND r.outcome = 'created' AND r.customer_id = s.match_id LIMIT 1)
    WHERE s.match_id IS NOT NULL AND s.outcome IS NULL`, [importId]);
  await tx.query(OUTCOME_SQL, [policy]);
  const ranks = await tx.query(`UPDATE import_stage s SET rank = x.rk
    FROM (SELECT row_no, row_number() OVER (PARTITION BY match_id ORDER BY row_no) AS rk FROM import_stage WHERE outcome IN ('merged','updated')) x
    WHERE s.row_no = x.row_no RETURNING s.rank, s.match_id`);
  const byRank = new Map<number, number[]>();
  for (const r of ranks.rows) {
    const k = Number(r.rank);
    if (!byRank.has(k)) byRank.set(k, []);
    byRank.get(k)!.push(Number(r.match_id));
  }
  // Several rows of one batch can match the same customer (by different keys): apply them one after another, in file order.
  for (let k = 1; byRank.has(k); k++) await tx.query(APPLY_SQL, [k, byRank.get(k)]);
  const rej = await tx.query(`SELECT row_no FROM import_stage WHERE outcome = 'rejected'`);
  return rej.rows.map((r) => Number(r.row_no));
}

export type ReportFilter = 'all' | 'rejected';

export interface ReportRow {
  rowNo: number;
  outcome: string;
  customerId: number | null;
  field: string | null;
  reasonZh: string | null;
  reasonEn: string | null;
  data: string[] | null;
}

/** The per-row outcomes in file order, a page at a time (keyset on the row number), so a million rows stream in constant memory. */
export async function* reportRows(q: Queryable, importId: number, filter: ReportFilter): AsyncGenerator<ReportRow> {
  let after = 0;
  for (;;) {
    const r = await q.query(
      `SELECT row_no AS "rowNo", outcome, customer_id AS "customerId", field, reason_zh AS "reasonZh", reason_en AS "reasonEn", data
       FROM import_rows WHERE import_id = $1 AND row_no > $2 AND ($3 = 'all' OR outcome = 'rejected') ORDER BY row_no LIMIT 5000`,
      [importId, after, filter],
    );
    for (const row of r.rows) yield row as ReportRow;
    if (r.rows.length < 5000) return;
    after = Number(r.rows[r.rows.length - 1].rowNo);
  }
}
