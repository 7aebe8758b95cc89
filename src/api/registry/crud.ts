// The generic operations behind every resource route: list, get, create, update, delete. Each write runs in one
// transaction (validation, hooks, reference checks, the write, after-write hooks and the audit entry), so a failure
// anywhere leaves nothing half-written. Rows are always looked up through the caller's scope (tenancy/scope.ts).
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { CallerContext } from '../../domain/tenancy/caller.ts';
import { ApiError, validationError, type FieldError } from '../errors.ts';
import { scopedSelect, type ScopeMode } from '../tenancy/scope.ts';
import { checkReferences } from '../tenancy/references.ts';
import { writeAudit } from '../audit/audit.ts';
import { mapDbError } from './db-errors.ts';
import { readableFields, stampedColumns } from './fields.ts';
import { parseListQuery, type Filter } from './query.ts';
import { validateBody } from './validate.ts';
import type { Resource, ResourceRegistry } from './registry.ts';
import type { WriteContext } from './types.ts';
import { ownerStamp } from '../../domain/tenancy/caller.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;
type Row = Record<string, unknown>;

export interface CrudDeps {
  readonly db: AnyDb;
  readonly registry: ResourceRegistry;
}

export interface Page {
  items: Row[];
  total: number;
  page: number;
  pageSize: number;
}

/** DB row (columns) → field-keyed row with every non-virtual field. */
export function fromDb(r: Resource, dbRow: Row): Row {
  const out: Row = {};
  for (const [name, f] of Object.entries(r.fields)) {
    if (f.virtual) continue;
    out[name] = dbRow[f.column ?? name];
  }
  return out;
}

/** Field-keyed row → what `caller` may see. */
export function present(r: Resource, caller: CallerContext, row: Row): Row {
  const out: Row = {};
  for (const [name] of readableFields(r, caller.level)) {
    if (name in row) out[name] = row[name];
  }
  return out;
}

async function presentAll(deps: CrudDeps, db: AnyDb, r: Resource, caller: CallerContext, rows: Row[]): Promise<Row[]> {
  for (const h of r.hooks.afterRead) await h({ resource: r, registry: deps.registry, caller, trx: db, rows });
  return rows.map((row) => present(r, caller, row));
}

/** Path ids: non-negative decimal integers without leading zeros (0 is a real id: the seeded media relay set 0). */
export function parseId(raw: string): number {
  if (!/^(0|[1-9]\d{0,14})$/.test(raw)) throw new ApiError('NOT_FOUND', 'not found');
  return Number(raw);
}

function applyFilter(q: SelectQueryBuilder<any, any, any>, table: string, f: Filter): SelectQueryBuilder<any, any, any> {
  const col = `${table}.${f.column}`;
  switch (f.op) {
    case 'eq':
      return q.where(col, '=', f.value);
    case 'like': {
      const escaped = String(f.value).replace(/[\\%_]/g, (c) => `\\${c}`);
      return q.where(sql`${sql.ref(col)}::text`, 'ilike', `%${escaped}%`);
    }
    case 'gte':
      return q.where(col, '>=', f.value);
    case 'lte':
      return q.where(col, '<=', f.value);
    case 'gt':
      return q.where(col, '>', f.value);
    case 'lt':
      return q.where(col, '<', f.value);
    case 'in':
      return q.where(col, 'in', f.value as unknown[]);
    case 'null':
      return f.value ? q.where(col, 'is', null) : q.where(col, 'is not', null);
    case 'contains':
      return q.where(sql<boolean>`${f.value} = any(${sql.ref(col)})`);
  }
}

export async function listRows(deps: CrudDeps, r: Resource, caller: CallerContext, query: Record<string, unknown>): Promise<Page> {
  const lq = parseListQuery(r, caller.level, query);
  let base = scopedSelect(deps.db, r, caller);
  for (const f of lq.filters) base = applyFilter(base, r.table, f);
  const countRow = await base.select((eb: any) => eb.fn.countAll().as('total')).executeTakeFirst();
  let q = base.selectAll(r.table);
  for (const o of lq.order) q = q.orderBy(`${r.table}.${o.column}`, o.desc ? 'desc' : 'asc');
  const rows = (await q.limit(lq.pageSize).offset((lq.page - 1) * lq.pageSize).execute()) as Row[];
  const items = await presentAll(deps, deps.db, r, caller, rows.map((x) => fromDb(r, x)));
  return { items, total: Number((countRow as Row | undefined)?.total ?? 0), page: lq.page, pageSize: lq.pageSize };
}

async function findRow(db: AnyDb, r: Resource, caller: CallerContext, id: number, mode: ScopeMode = 'read'): Promise<Row | undefined> {
  const row = (await scopedSelect(db, r, caller, mode).selectAll(r.table).where(`${r.table}.id`, '=', id).executeTakeFirst()) as Row | undefined;
  return row ? fromDb(r, row) : undefined;
}

/**
 * The row an update or delete acts on: the caller's own (write scope). A shared row the caller can only read is
 * 403 SHARED_READ_ONLY; anything else outside the scope is 404.
 */
async function findWritableRow(db: AnyDb, r: Resource, caller: CallerContext, id: number, rawId: string): Promise<Row> {
  const row = await findRow(db, r, caller, id, 'write');
  if (row) return row;
  if (r.sharedNullOwner === true && (await findRow(db, r, caller, id, 'read'))) {
    throw new ApiError('SHARED_READ_ONLY', `${r.name} ${rawId} is a shared platform row: read-only at the ${caller.level} level`);
  }
  throw new ApiError('NOT_FOUND', `${r.name} ${rawId} not found`);
}

export async function getRow(deps: CrudDeps, r: Resource, caller: CallerContext, rawId: string): Promise<Row> {
  const row = await findRow(deps.db, r, caller, parseId(rawId));
  if (!row) throw new ApiError('NOT_FOUND', `${r.name} ${rawId} not found`);
  const [out] = await presentAll(deps, deps.db, r, caller, [row]);
  return out ?? {};
}

/** Values (field names) → columns to write, running field transforms; virtual fields are left to hooks. */
async function toColumns(r: Resource, values: Row): Promise<Row> {
  const out: Row = {};
  for (const [k, v] of Object.entries(values)) {
    const f = r.fields[k];
    if (f?.virtual) continue;
    if (f?.readOnly && k === 'id') continue;
    out[f?.column ?? k] = f?.transform && v !== null && v !== undefined ? await f.transform(v) : v;
  }
  return out;
}

async function runWriteHooks(deps: CrudDeps, r: Resource, ctx: WriteContext): Promise<void> {
  for (const h of r.hooks.prepare) {
    await h(ctx);
    ctx.merged = { ...(ctx.before ?? {}), ...ctx.values };
  }
  const errors: FieldError[] = [];
  for (const h of r.hooks.validate) errors.push(...((await h(ctx)) ?? []));
  if (errors.length > 0) throw validationError(errors);
  const refErrors = await checkReferences(ctx.trx, deps.registry, r, ctx.caller, ctx.values);
  if (refErrors.length > 0) {
    throw new ApiError('REFERENCE_NOT_FOUND', refErrors.map((e) => `${e.field}: ${e.message}`).join('; '), refErrors);
  }
}

async function inTransaction<T>(deps: CrudDeps, r: Resource, fn: (trx: AnyDb) => Promise<T>, rowId?: number): Promise<T> {
  try {
    return await deps.db.transaction().execute(fn);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw (await mapDbError(deps.db, r, err, rowId)) ?? err;
  }
}

export async function createRow(deps: CrudDeps, r: Resource, caller: CallerContext, body: unknown): Promise<Row> {
  const input = validateBody(r, caller.level, 'create', body);
  return inTransaction(deps, r, async (trx) => {
    const values: Row = { ...input };
    const stamp = ownerStamp(caller);
    for (const [column, kind] of stampedColumns(r, caller.level)) {
      const name = Object.entries(r.fields).find(([n, f]) => (f.column ?? n) === column)?.[0] ?? column;
      values[name] = stamp[kind];
    }
    const ctx: WriteContext = { op: 'create', resource: r, registry: deps.registry, caller, trx, input, values, before: null, merged: { ...values } };
    await runWriteHooks(deps, r, ctx);
    const inserted = (await trx.insertInto(r.table).values(await toColumns(r, ctx.values)).returningAll().executeTakeFirstOrThrow()) as Row;
    const row = fromDb(r, inserted);
    for (const h of r.hooks.afterWrite) await h({ ...ctx, row });
    if (!r.noAudit) await writeAudit(trx, r, caller, 'create', row.id, null, row);
    const [out] = await presentAll(deps, trx, r, caller, [{ ...row }]);
    return out ?? {};
  });
}

export async function updateRow(deps: CrudDeps, r: Resource, caller: CallerContext, rawId: string, body: unknown): Promise<Row> {
  const id = parseId(rawId);
  return inTransaction(deps, r, async (trx) => {
    const before = await findWritableRow(trx, r, caller, id, rawId);
    const input = validateBody(r, caller.level, 'update', body);
    const ctx: WriteContext = { op: 'update', resource: r, registry: deps.registry, caller, trx, input, values: { ...input }, before, merged: { ...before, ...input } };
    await runWriteHooks(deps, r, ctx);
    const cols = await toColumns(r, ctx.values);
    let row = before;
    if (Object.keys(cols).length > 0) {
      const updated = (await trx.updateTable(r.table).set(cols).where('id', '=', id).returningAll().executeTakeFirstOrThrow()) as Row;
      row = fromDb(r, updated);
    }
    for (const h of r.hooks.afterWrite) await h({ ...ctx, row });
    if (!r.noAudit) await writeAudit(trx, r, caller, 'update', id, before, { ...row, ...virtualValues(r, ctx.values) });
    const [out] = await presentAll(deps, trx, r, caller, [{ ...row }]);
    return out ?? {};
  });
}

function virtualValues(r: Resource, values: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(values)) if (r.fields[k]?.virtual) out[k] = v;
  return out;
}

export async function deleteRow(deps: CrudDeps, r: Resource, caller: CallerContext, rawId: string): Promise<void> {
  const id = parseId(rawId);
  await inTransaction(deps, r, async (trx) => {
    const before = await findWritableRow(trx, r, caller, id, rawId);
    const errors: FieldError[] = [];
    for (const h of r.hooks.beforeDelete) errors.push(...((await h({ resource: r, registry: deps.registry, caller, trx, row: before })) ?? []));
    if (errors.length > 0) throw new ApiError('CONFLICT', errors.map((e) => e.message).join('; '), errors);
    await trx.deleteFrom(r.table).where('id', '=', id).execute();
    if (!r.noAudit) await writeAudit(trx, r, caller, 'delete', id, before, null);
  }, id);
}
