// Bulk loading for the billing write paths (rated call records, rate-import staging): COPY … FROM STDIN on the
// PostgreSQL backend, one multi-row `INSERT … SELECT FROM unnest(…)` per chunk on PGlite.
//
// PostgreSQL: Kysely has no COPY API and keeps the `pg` client private. Its PostgreSQL connection hands the
// compiled query's `sql` straight to `client.query(sql, params)`, and `pg` runs any object with a `submit` method
// as a query of its own (the `Submittable` contract `pg-copy-streams` is built on). So the COPY stream is passed
// as the `sql` of a compiled query on the transaction's connection: the call returns at once (no rows), the
// stream owns the connection until it ends, and statements issued after it queue behind it on the same client.
// Only ever called with a transaction (`trx`): outside one, Kysely would release the connection to the pool
// while the COPY still runs on it. TODO(store): a `copyFrom` on the store (and `blob` COPY on PGlite) would
// make this first-class; see the report of the billing-throughput round.
//
// PGlite: its driver does not pass the `blob` option `COPY … FROM '/dev/blob'` needs, so rows go as column
// arrays through `unnest` (one statement per chunk).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import copyStreams from 'pg-copy-streams';
import type { Database } from '../store/schema/index.ts';

export type StoreBackend = 'postgres' | 'pglite';

/** One column of a bulk load: its SQL name and the PostgreSQL array type `unnest` reads it as. */
export interface BulkColumn {
  readonly name: string;
  readonly type: 'text' | 'bigint' | 'integer' | 'timestamptz' | 'boolean';
}

/** Rows of one chunk, column-major (what `unnest` takes) — and their COPY text, produced by the same encoder. */
export interface BulkChunk {
  /** `COPY … (format text)` lines, each ending in '\n' (PostgreSQL backend). */
  readonly text?: string;
  /** One array per column, in `columns` order (PGlite backend). */
  readonly arrays?: readonly unknown[][];
  readonly rows: number;
}

/**
 * Loads chunks into `table (columns)` inside `trx`. `chunks` is pulled lazily: on PostgreSQL the server parses
 * chunk N while this process builds chunk N+1 (backpressure from the socket). Returns the rows loaded.
 */
export async function bulkLoad(
  trx: Transaction<Database> | Kysely<Database>,
  backend: StoreBackend,
  table: string,
  columns: readonly BulkColumn[],
  chunks: Iterable<BulkChunk> | AsyncIterable<BulkChunk>,
): Promise<number> {
  if (!trx.isTransaction) throw new Error('bulkLoad must run inside a transaction');
  const names = columns.map((c) => c.name).join(', ');
  if (backend === 'postgres') {
    const stream = copyStreams.from(`copy ${table} (${names}) from stdin (format text)`);
    let rows = 0;
    const source = Readable.from((async function* () {
      for await (const c of chunks) {
        if (c.text === undefined) throw new Error('bulkLoad: chunk without COPY text on the PostgreSQL backend');
        rows += c.rows;
        if (c.text.length > 0) yield c.text;
      }
    })(), { objectMode: false });
    // Submits the COPY on the transaction's connection (see the header): resolves at once with no rows.
    await trx.executeQuery(CompiledQuery.raw(stream as unknown as string));
    await pipeline(source, stream);
    return rows;
  }
  let rows = 0;
  for await (const c of chunks) {
    if (c.rows === 0) continue;
    if (c.arrays === undefined) throw new Error('bulkLoad: chunk without column arrays on the PGlite backend');
    const args = columns.map((col, i) => sql`${c.arrays?.[i]}::${sql.raw(col.type)}[]`);
    await sql`insert into ${sql.raw(table)} (${sql.raw(names)}) select * from unnest(${sql.join(args)})`.execute(trx);
    rows += c.rows;
  }
  return rows;
}

const detected = new WeakMap<object, Promise<StoreBackend>>();

/** Which backend `db` runs on (PGlite says so in `version()`), asked once per Kysely instance. */
export function detectBackend(db: Kysely<Database>): Promise<StoreBackend> {
  let p = detected.get(db);
  if (!p) {
    p = sql<{ v: string }>`select version() as v`.execute(db).then((r) => (r.rows[0]?.v.includes('PGlite') ? 'pglite' : 'postgres'));
    p.catch(() => detected.delete(db));
    detected.set(db, p);
  }
  return p;
}

// ---- COPY text format (PostgreSQL docs, COPY "Text Format") ------------------------------------------------------

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A text value as a COPY text field: `\N` for null; backslash, tab, newline and CR escaped. */
export function copyText(v: string | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'));
}

/** An integer (or null) as a COPY text field. */
export function copyInt(v: number | null | undefined): string {
  return v === null || v === undefined ? '\\N' : String(v);
}

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let dayKey = -1;
let dayText = '';

/**
 * Epoch milliseconds as a UTC timestamptz literal (`2024-03-01 10:00:00.123+00`). The date part is cached per
 * day, so a million timestamps cost a million small concatenations instead of a million `toISOString()`.
 */
export function copyTimestamp(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  if (day !== dayKey) {
    dayKey = day;
    dayText = new Date(day * 86_400_000).toISOString().slice(0, 10);
  }
  let rest = ms - day * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = Math.floor(rest - s * 1000);
  return `${dayText} ${TWO[h] as string}:${TWO[m] as string}:${TWO[s] as string}.${THREE[milli] as string}+00`;
}
