// Row scoping, enforced in one place: every query the registry runs for a caller goes through `scopedSelect`
// (reads, and the row lookup before updates and deletes), so a row outside the caller's subtree is simply not
// found (404, never 403). The rule (which owner id must match) comes from src/domain/tenancy; this file compiles
// it to SQL along the resource's owner path.
import { sql, type ExpressionBuilder, type Expression, type SqlBool, type Kysely, type SelectQueryBuilder } from 'kysely';
import { ownerConstraint, type CallerContext } from '../../domain/tenancy/caller.ts';
import type { OwnerPath, ResourceDecl } from '../registry/types.ts';
import type { Resource } from '../registry/registry.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;
type AnyEb = ExpressionBuilder<any, any>;

/** `table.path = id`, following `{ column, table, path }` hops as `column in (select id from table where …)`. */
export function ownerPathMatches(eb: AnyEb, table: string, path: OwnerPath, id: number): Expression<SqlBool> {
  if (typeof path === 'string') return eb(eb.ref(`${table}.${path}`), '=', id);
  const inner = eb
    .selectFrom(path.table)
    .select(`${path.table}.id`)
    .where((ieb: AnyEb) => ownerPathMatches(ieb, path.table, path.path, id));
  return eb(eb.ref(`${table}.${path.column}`), 'in', inner);
}

/**
 * Which rows a scope admits: `read` (lists, gets, reference checks) includes shared null-owner rows of resources
 * declared `sharedNullOwner`; `write` (the row lookup before an update or delete) only the caller's own rows.
 */
export type ScopeMode = 'read' | 'write';

/**
 * The row has no owner at all: the first column of every declared owner path is null (a shared platform row).
 * Every path, not only the caller's: with owner `{ brand, client }` a client caller must not see the brand-level
 * rows (client null) of other brands.
 */
function ownerIsNull(eb: AnyEb, r: Resource | ResourceDecl): Expression<SqlBool> {
  const paths = [r.owner?.brand, r.owner?.client, r.owner?.user].filter((p): p is OwnerPath => p !== undefined);
  return eb.and(paths.map((p) => eb(eb.ref(`${r.table}.${typeof p === 'string' ? p : p.column}`), 'is', null)));
}

/** The caller's row condition on resource `r` (platform: true; no visible rows: false). */
export function scopeCondition(eb: AnyEb, r: Resource | ResourceDecl, caller: CallerContext, mode: ScopeMode = 'read'): Expression<SqlBool> {
  const c = ownerConstraint(caller, {
    brand: r.owner?.brand !== undefined,
    client: r.owner?.client !== undefined,
    user: r.owner?.user !== undefined,
  });
  if (c.kind === 'all') return sql<SqlBool>`true`;
  if (c.kind === 'none') return sql<SqlBool>`false`;
  const path = r.owner?.[c.kind];
  if (path === undefined) return sql<SqlBool>`false`;
  const own = ownerPathMatches(eb, r.table, path, c.id);
  if (mode === 'read' && r.sharedNullOwner === true) return eb.or([own, ownerIsNull(eb, r)]);
  return own;
}

/**
 * `select … from r.table where <caller scope>`: the only way the registry reads rows. `mode` 'write' leaves out
 * shared rows the caller may read but not change.
 */
export function scopedSelect(db: AnyDb, r: Resource | ResourceDecl, caller: CallerContext, mode: ScopeMode = 'read'): SelectQueryBuilder<any, any, any> {
  return db.selectFrom(r.table).where((eb: AnyEb) => scopeCondition(eb, r, caller, mode));
}

/**
 * Resolves a row's owner ids (brand, client) by following the resource's owner paths; used to file audit entries
 * under the right brand whatever the caller's level.
 */
export async function resolveOwnerIds(
  db: AnyDb,
  r: Resource | ResourceDecl,
  row: Record<string, unknown>,
): Promise<{ brandId: number | null; clientId: number | null }> {
  const follow = async (path: OwnerPath | undefined, values: Record<string, unknown>): Promise<number | null> => {
    if (path === undefined) return null;
    if (typeof path === 'string') {
      const v = values[path];
      return typeof v === 'number' ? v : null;
    }
    const id = values[path.column];
    if (typeof id !== 'number') return null;
    const next = (await db.selectFrom(path.table).selectAll().where('id', '=', id).executeTakeFirst()) as Record<string, unknown> | undefined;
    return next ? follow(path.path, next) : null;
  };
  return { brandId: await follow(r.owner?.brand, row), clientId: await follow(r.owner?.client, row) };
}
