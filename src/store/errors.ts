// Integrity-constraint violations turned into values, so callers answer "that name is taken" or "still used by
// N clients" (409 problem+json in the API) instead of a 500. Works for `pg` and PGlite errors alike: both carry
// the PostgreSQL error fields (SQLSTATE `code`, `constraint`, `table`, `column`, `detail`).
// SQLSTATE class 23, PostgreSQL manual Appendix A.

/** SQL identifier → the camelCase name code uses (CamelCasePlugin's inverse mapping): `brand_id` → `brandId`. */
export function toCamel(identifier: string): string {
  return identifier.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export type DbConstraintError =
  | {
      kind: 'unique';
      constraint: string;
      table?: string;
      /** SQL column names of the key, when the server's detail names them. */
      columns?: string[];
      /** The same columns in camelCase (API field names). */
      fields?: string[];
    }
  | {
      kind: 'foreign_key';
      constraint: string;
      /**
       * 'missing_referenced_row': an insert/update points at a row that does not exist (`columns` are the
       * referencing columns, `referencedTable` the target). 'still_referenced': a delete/update of a row other
       * rows point at (`referencingTable` names who points at it).
       */
      reason: 'missing_referenced_row' | 'still_referenced' | 'unknown';
      /** Table holding the foreign key (PostgreSQL reports that table for both reasons). */
      table?: string;
      referencingTable?: string;
      referencedTable?: string;
      columns?: string[];
      fields?: string[];
    }
  | { kind: 'not_null'; column: string; field: string; table?: string; constraint?: string }
  | { kind: 'check'; constraint: string; table?: string }
  | { kind: 'exclusion'; constraint: string; table?: string };

interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  detail?: unknown;
  message?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

// "Key (brand_id, lower(name))=(1, x) already exists." → ['brand_id', 'name'].
function keyColumns(detail: string | undefined): string[] | undefined {
  const m = detail ? /^Key \((.+?)\)=\(/.exec(detail) : null;
  if (!m?.[1]) return undefined;
  return m[1].split(/,\s*/).map((part) => {
    const inner = /\(([^()]+)\)/.exec(part);
    return (inner?.[1] ?? part).replace(/^"|"$/g, '').trim();
  });
}

function withCols<T extends object>(base: T, columns: string[] | undefined): T {
  return columns ? { ...base, columns, fields: columns.map(toCamel) } : base;
}

function optional<T extends object>(base: T, key: string, value: string | undefined): T {
  return value === undefined ? base : { ...base, [key]: value };
}

/**
 * Classifies a database error as a constraint violation, or returns null for anything else (which stays a bug
 * / an outage and should be rethrown). Looks through one level of `cause` (e.g. MigrationError).
 */
export function classifyDbError(err: unknown): DbConstraintError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as PgErrorFields & { cause?: unknown };
  if (typeof e.code !== 'string' || !e.code.startsWith('23')) {
    return e.cause !== undefined && e.cause !== err ? classifyDbError(e.cause) : null;
  }
  const constraint = str(e.constraint) ?? '';
  const table = str(e.table);
  const detail = str(e.detail);
  switch (e.code) {
    case '23505':
      return withCols(optional({ kind: 'unique' as const, constraint }, 'table', table), keyColumns(detail));
    // 23001 restrict_violation: what PGlite (PostgreSQL 18) raises for ON DELETE RESTRICT; PostgreSQL 15 raises
    // 23503 for the same delete. Both carry the "still referenced" detail.
    case '23001':
    case '23503': {
      const missing = detail ? /is not present in table "([^"]+)"/.exec(detail) : null;
      const referenced = detail ? /is still referenced from table "([^"]+)"/.exec(detail) : null;
      const reason = missing ? 'missing_referenced_row' : referenced ? 'still_referenced' : 'unknown';
      let out: DbConstraintError = optional({ kind: 'foreign_key' as const, constraint, reason }, 'table', table);
      if (missing) out = withCols(optional(out, 'referencedTable', missing[1]), keyColumns(detail));
      if (referenced) out = optional(out, 'referencingTable', referenced[1] ?? table);
      return out;
    }
    case '23502': {
      const column =
        str(e.column) ?? /null value in column "([^"]+)"/.exec(typeof e.message === 'string' ? e.message : '')?.[1] ?? '';
      const base = { kind: 'not_null' as const, column, field: toCamel(column) };
      return optional(optional(base, 'table', table), 'constraint', str(e.constraint));
    }
    case '23514':
      return optional({ kind: 'check' as const, constraint }, 'table', table);
    case '23P01':
      return optional({ kind: 'exclusion' as const, constraint }, 'table', table);
    default:
      return null;
  }
}
