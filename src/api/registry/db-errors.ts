// Database constraint violations → problem documents: unique → 409 naming the fields, a delete of a referenced
// row → 409 "referenced by clients (2 rows)", a write pointing at a missing row → 404 naming the field.
import { sql, type Kysely } from 'kysely';
import { classifyDbError, toCamel } from '../../store/errors.ts';
import { ApiError } from '../errors.ts';
import type { Resource } from './registry.ts';

function fieldOfColumn(r: Resource, column: string): string {
  const camel = toCamel(column);
  return Object.entries(r.fields).find(([n, f]) => (f.column ?? n) === camel)?.[0] ?? camel;
}

/** Rows of `table` pointing at `rowId` through foreign key `constraint` (null when it cannot be told). */
async function countReferences(db: Kysely<any>, constraint: string, table: string, rowId: number): Promise<number | null> { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    const cols = await sql<{ columnName: string }>`
      select column_name from information_schema.key_column_usage where constraint_name = ${constraint} and table_name = ${table}
    `.execute(db);
    const col = cols.rows[0]?.columnName;
    if (!col || cols.rows.length !== 1) return null;
    const n = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(col)} = ${rowId}`.execute(db);
    return Number(n.rows[0]?.n ?? 0);
  } catch {
    return null;
  }
}

/** Maps a database error to an ApiError, or returns null when it is not a constraint violation (a bug). */
export async function mapDbError(db: Kysely<any>, r: Resource, err: unknown, rowId?: number): Promise<ApiError | null> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const c = classifyDbError(err);
  if (!c) return null;
  switch (c.kind) {
    case 'unique': {
      const declared = r.unique?.find((u) => u.constraint === c.constraint)?.fields;
      const fields = declared ?? (c.columns ?? []).map((col) => fieldOfColumn(r, col));
      const shown = fields.filter((f) => f !== 'brandId' && f !== 'clientId');
      const names = shown.length > 0 ? shown : fields;
      return new ApiError(
        'UNIQUE_VIOLATION',
        `${names.join(', ')} already exists`,
        names.map((f) => ({ field: `/${f}`, code: 'UNIQUE', message: `${f} already exists` })),
      );
    }
    case 'foreign_key': {
      if (c.reason === 'still_referenced') {
        const table = c.referencingTable ?? c.table ?? 'another table';
        const count = rowId === undefined ? null : await countReferences(db, c.constraint, table, rowId);
        const what = `referenced by ${table}${count === null ? '' : ` (${count} ${count === 1 ? 'row' : 'rows'})`}`;
        return new ApiError('IN_USE', `${r.name} ${rowId ?? ''} is still ${what}`.replace('  ', ' '), [{ field: '', code: 'REFERENCED', message: what }]);
      }
      const fields = (c.columns ?? []).map((col) => fieldOfColumn(r, col));
      return new ApiError(
        'REFERENCE_NOT_FOUND',
        `${fields.join(', ') || 'a reference'} points at a row that does not exist`,
        fields.map((f) => ({ field: `/${f}`, code: 'REFERENCE_NOT_FOUND', message: `${c.referencedTable ?? 'row'} not found` })),
      );
    }
    case 'not_null':
      return new ApiError('VALIDATION_FAILED', `${c.field} is required`, [
        { field: `/${fieldOfColumn(r, c.column)}`, code: 'REQUIRED', message: `${c.field} is required` },
      ]);
    case 'check':
    case 'exclusion':
      return new ApiError('VALIDATION_FAILED', `constraint ${c.constraint} violated`, [
        { field: '', code: 'CONSTRAINT', message: `constraint ${c.constraint} violated` },
      ]);
  }
}
