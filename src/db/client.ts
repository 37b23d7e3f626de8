import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { arrayCasts, binaryArray } from './binary-arrays.ts';

export type Row = Record<string, any>;
export interface QueryResult<T extends Row = any> {
  rows: T[];
  rowCount: number;
}

/** What services take: anything that runs parameterised SQL, a database or a transaction. */
export interface Queryable {
  query<T extends Row = any>(text: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /** Inside a transaction: sends a write without waiting for its answer (see `queueWrite`). */
  queue?(text: string, params?: unknown[]): void;
}

/**
 * A write whose answer nobody reads (a roll-up, a stored key, a cached balance). In a transaction it is sent
 * without waiting, in one packet with the next statement or the COMMIT: a round trip costs this machine about
 * as much CPU as a small statement. It still runs in order, and its error fails the statement after it or the commit.
 */
export async function queueWrite(q: Queryable, text: string, params?: unknown[]): Promise<void> {
  if (q.queue) q.queue(text, params);
  else await q.query(text, params);
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction: everything it wrote commits, or nothing does. */
  tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs fn's statements on one connection, those of one turn sent in one packet, each committing on its own:
   * for a page of independent reads, one connection woken once instead of one per read.
   */
  together<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** pg-boss's adapter. */
  executeSql(text: string, values?: unknown[]): Promise<QueryResult>;
}

// Both drivers hand back the same JS types: int8 and numeric as numbers (money is integer fen, far below 2^53), dates as 'YYYY-MM-DD'.
const INT8 = 20;
const INT8_ARRAY = 1016;
const NUMERIC = 1700;
const DATE = 1082;
const toNumber = (v: string) => (v === null ? null : Number(v));
const identity = (v: string) => v;

export function openPglite(dataDir: string | undefined): Db {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // One options object: PGlite drops the second argument when dataDir is undefined (in-memory), and with it the parsers.
  const lite = new PGlite({ dataDir, parsers: { [INT8]: toNumber, [NUMERIC]: toNumber, [DATE]: identity } });
  void pgliteTypes;
  const wrap = (q: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable => ({
    async query(text, params) {
      const r = await q.query<any>(text, params as any[]);
      // PGlite reports 0 affected rows for a SELECT; pg reports the rows returned.
      return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
    },
    async exec(sql) {
      await q.exec(sql);
    },
  });
  const base = wrap(lite);
  return {
    kind: 'pglite',
    ...base,
    tx: (fn) =>
      lite.transaction(async (t) => {
        // PGlite runs in this process, so there is no round trip to save: queued writes simply run in order.
        let pending: Promise<unknown> = Promise.resolve();
        const inner = wrap(t as any);
        const result = await fn({
          async query(text, params) {
            await pending;
            return inner.query(text, params);
          },
          async exec(sql) {
            await pending;
            return inner.exec(sql);
          },
          queue(text, params) {
            pending = pending.then(() => inner.query(text, params));
            // Handled here so a failure waits, unreported, for the next statement or the commit to throw it.
            pending.catch(() => undefined);
          },
        });
        await pending;
        return result;
      }),
    // One process, one connection: there is nothing to gather.
    together: (fn) => fn(base),
    close: () => lite.close(),
    async executeSql(text, values) {
      if (!values || values.length === 0) {
        const results = await lite.exec(text);
        const last = results[results.length - 1];
        return { rows: (last?.rows as Row[]) ?? [], rowCount: last?.affectedRows ?? 0 };
      }
      return base.query(text, values);
    },
  };
}

const preparedNames = new Map<string, string>();

/**
 * Marks a hot statement (the till's lookup, booking, the 360, session checks): on PostgreSQL each connection
 * parses and plans it once and afterwards only binds and runs it, which took a third off a single-row lookup.
 * Returns the text unchanged. Only fixed texts belong here, never ones built from user input.
 */
export function prepared(text: string): string {
  if (!preparedNames.has(text) && preparedNames.size < 500) preparedNames.set(text, `patron_${preparedNames.size + 1}`);
  return text;
}

// Control characters and surrogates (lone ones JSON would escape as \\uXXXX) take the slow, exact path.
const CONTROL = /[\u0000-\u001f\ud800-\udfff]/;
const NEEDS_ESCAPE = /["\\]/;
/** A string as a quoted array element; without control characters JSON's quoting is the same and native (JSON texts are full of quotes). */
const quoted = (v: string) =>
  CONTROL.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;

/**
 * A flat array parameter as a PostgreSQL array literal, or undefined to leave it to the driver. Batches pass
 * columns of thousands of values; the driver's general per-element path was a tenth of a bulk booking's CPU.
 */
export function arrayLiteral(values: unknown[]): string | undefined {
  let numbers = true;
  for (let i = 0; i < values.length && numbers; i++) numbers = typeof values[i] === 'number';
  // Ids and amounts: the native join builds one flat string, where appending built a rope the driver then flattened.
  if (numbers) return `{${values.join(',')}}`;
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'number' || typeof v === 'bigint') out += String(v);
    else if (typeof v === 'string') out += quoted(v);
    else if (typeof v === 'boolean') out += v ? 'true' : 'false';
    else if (v instanceof Date) out += `"${v.toISOString()}"`;
    else return undefined;
  }
  return out + '}';
}

/** Array parameters cast to bigint[], int[], text[] or timestamptz[] go in binary (see `binaryArray`), other arrays as literals. */
function withArrays(text: string, params: unknown[] | undefined): unknown[] | undefined {
  if (!params?.some(Array.isArray)) return params;
  const casts = arrayCasts(text);
  return params.map((p, i) => {
    if (!Array.isArray(p)) return p;
    const cast = casts[i];
    return (cast && binaryArray(p, cast)) ?? arrayLiteral(p) ?? p;
  });
}

export function openPostgres(url: string, poolSize = 20): Db {
  const int8Array = pg.types.getTypeParser(INT8_ARRAY as any) as unknown as (v: string) => (string | null)[];
  const typeParsers = new Map<number, (v: string) => unknown>([
    [INT8, toNumber],
    [INT8_ARRAY, (v) => int8Array(v).map((x) => (x === null ? null : Number(x)))],
    [NUMERIC, toNumber],
    [DATE, identity],
  ]);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Statements go out without waiting for the one before, so a transaction can send several in one packet.
    pipeline: true,
    types: {
      getTypeParser: ((oid: number, format?: any) => typeParsers.get(oid) ?? pg.types.getTypeParser(oid, format)) as any,
    },
  });
  pool.on('error', () => {
    /* an idle client lost its connection; the pool replaces it */
  });
  const run = async (c: pg.Pool | pg.PoolClient, text: string, params?: unknown[]): Promise<QueryResult> => {
    const values = withArrays(text, params);
    const name = preparedNames.get(text);
    const r = name ? await c.query({ name, text, values }) : await c.query(text, values as any[]);
    return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length };
  };
  const base: Queryable = {
    query: (text, params) => run(pool, text, params),
    async exec(sql) {
      await pool.query(sql);
    },
  };

  /**
   * A connection lent to a transaction or to `together`: what it sends in one turn of the event loop leaves in one
   * packet (the socket is corked until then), queued writes are not waited for, and the commit waits for them all.
   */
  function pipelined(client: pg.PoolClient): Queryable & { queue(text: string, params?: unknown[]): void; commit(): Promise<void>; release(): Promise<void> } {
    const socket = (client as any).connection?.stream as { cork?: () => void; uncork?: () => void } | undefined;
    let corked = false;
    let failure: unknown;
    const queued: Promise<unknown>[] = [];
    let last: Promise<unknown> = Promise.resolve();
    let released = false;
    const send = <T>(statement: () => Promise<T>, queuedWrite = false): Promise<T> => {
      if (released) return Promise.reject(new Error('this connection was already given back'));
      if (!corked && socket?.cork && socket.uncork) {
        corked = true;
        socket.cork();
        // After this turn's promise continuations, so a commit right after the last queued write joins it; not at
        // setImmediate, which first runs every other socket's callbacks and held each round trip back by as long.
        process.nextTick(() => {
          corked = false;
          socket.uncork!();
        });
      }
      // A queued write that failed aborted the transaction; its error says why, a later one only that it was aborted.
      const answer = statement().catch((err) => {
        if (queuedWrite) failure ??= err;
        throw failure ?? err;
      });
      // Answers come back in the order sent, so the last one sent settles after all the others.
      last = answer.catch(() => undefined);
      return answer;
    };
    return {
      query: (text, params) => send(() => run(client, text, params)),
      async exec(sql) {
        await send(() => client.query(sql));
      },
      queue(text, params) {
        queued.push(send(() => run(client, text, params), true).catch(() => undefined));
      },
      async commit() {
        const commit = send(() => client.query('COMMIT'));
        await Promise.all(queued);
        // COMMIT of an aborted transaction answers ROLLBACK without an error, so a queued write's failure must be thrown here.
        if (failure) {
          await commit.catch(() => undefined);
          throw failure;
        }
        await commit;
      },
      /** Waits for every answer still due (a statement sent after a sibling failed), then refuses more. */
      async release() {
        let seen: Promise<unknown>;
        do {
          seen = last;
          await seen;
        } while (seen !== last);
        released = true;
      },
    };
  }

  return {
    kind: 'postgres',
    ...base,
    async tx(fn) {
      const client = await pool.connect();
      const t = pipelined(client);
      try {
        // BEGIN goes out in one packet with the transaction's first statement.
        t.queue('BEGIN');
        const result = await fn(t);
        await t.commit();
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async together(fn) {
      const client = await pool.connect();
      const q = pipelined(client);
      try {
        return await fn(q);
      } finally {
        // A statement fn did not wait for (its sibling failed first) must answer before the connection serves anyone else.
        await q.release();
        client.release();
      }
    },
    close: () => pool.end(),
    async executeSql(text, values) {
      const r = await pool.query(text, withArrays(text, values) as any[]);
      const last: any = Array.isArray(r) ? r[r.length - 1] : r;
      return { rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 };
    },
  };
}

export function openDb(opts: { databaseUrl?: string; dataDir?: string; poolSize?: number }): Db {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize) : openPglite(opts.dataDir);
}

export interface ColumnSpec {
  name: string;
  /** A PostgreSQL array element type: bigint, int, text, date, timestamptz, boolean, jsonb… */
  type: string;
}

const isJson = (type: string) => type === 'json' || type === 'jsonb';

/**
 * Rows passed as one array parameter per column ($1, $2, … in column order), ready for `SELECT * FROM …`, and the
 * parameters. A JSON column's values (JSON texts) travel as one JSON array: as array elements each text was quoted and
 * escaped once more, which cost as much as writing it. A JSON column holding a SQL NULL goes as a text array instead.
 */
export function rowsParam(columns: ColumnSpec[], rows: unknown[][]): { from: string; params: unknown[] } {
  const asArray = columns.map((c, ci) => isJson(c.type) && rows.every((r) => r[ci] != null));
  const from = `ROWS FROM (${columns.map((c, i) => (asArray[i] ? `${c.type}_array_elements($${i + 1}::${c.type})` : `unnest($${i + 1}::${c.type}[])`)).join(', ')})`;
  const params = columns.map((_, ci) => (asArray[ci] ? `[${rows.map((r) => r[ci]).join(',')}]` : rows.map((r) => r[ci] ?? null)));
  return { from, params };
}

/**
 * Inserts many rows in one statement per chunk by passing each column as an array parameter:
 * set-based on both drivers, no per-row round trips. Returns the RETURNING rows when asked.
 */
export async function insertRows(
  q: Queryable,
  table: string,
  columns: ColumnSpec[],
  rows: unknown[][],
  opts: { chunk?: number; suffix?: string; /** Nobody reads the answer: queued (see `queueWrite`). */ queue?: boolean } = {},
): Promise<Row[]> {
  const chunk = opts.chunk ?? 5000;
  const out: Row[] = [];
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  for (let start = 0; start < rows.length; start += chunk) {
    const { from, params } = rowsParam(columns, rows.slice(start, start + chunk));
    const text = prepared(`INSERT INTO ${table} (${names}) SELECT * FROM ${from} ${opts.suffix ?? ''}`);
    if (opts.queue) await queueWrite(q, text, params);
    else out.push(...(await q.query(text, params)).rows);
  }
  return out;
}
