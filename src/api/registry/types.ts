// The resource declaration format. One `ResourceDecl` per API resource drives its routes at every level, body and
// query validation, the OpenAPI documents, restricted-admin privileges, row scoping (tenancy) and reference checks.
// See README.md next to this file for a worked example. Keep this format stable: other modules declare against it.
import type { TSchema } from 'typebox';
import type { Kysely } from 'kysely';
import type { CallerContext, Level } from '../../domain/tenancy/caller.ts';
import type { FieldError } from '../errors.ts';

export type { Level, CallerContext, FieldError };

/** The five operations of a resource. Privileges map them to c/r/u/d (list and get are "read"). */
export type Operation = 'list' | 'get' | 'create' | 'update' | 'delete';

/**
 * List filters a field accepts in the query string:
 * `exact` → `field=v`; `like` → `field[like]=x` (case-insensitive substring);
 * `range` → `field[gte]=`, `[lte]`, `[gt]`, `[lt]`; `in` → `field[in]=a,b,c`.
 * Every filter also accepts `field[null]=true|false` when the field is nullable.
 */
export type FilterKind = 'exact' | 'like' | 'range' | 'in';

/**
 * How a row maps to an owner id, for row scoping:
 * - a column name of this table holding the owner id (`'brandId'`, or `'id'` for the owner table itself);
 * - `{ column, table, path }`: `column` holds the id of a row of `table` (snake/camel table name as in the
 *   Kysely schema, e.g. `'clients'`), whose owner is found by `path` in that table. Compiled to
 *   `column in (select id from table where …)`, so paths may chain.
 */
export type OwnerPath = string | { readonly column: string; readonly table: string; readonly path: OwnerPath };

/** A field of a resource: one property of its JSON representation, usually one column. */
export interface FieldDecl {
  /** TypeBox schema of a (non-null) value. Formats/patterns here are checked on every write. */
  readonly schema: TSchema;
  /** null is an accepted value and may be returned. */
  readonly nullable?: boolean;
  /** Must be given on create (unless the caller's owner ids stamp it, or a hook fills it). */
  readonly required?: boolean;
  /** Server-managed: returned, never written through the API (ids, timestamps, derived columns). */
  readonly readOnly?: boolean;
  /** Written, never returned (passwords). Implies `secret`. */
  readonly writeOnly?: boolean;
  /** Redacted (`"[redacted]"`) in the audit log. */
  readonly secret?: boolean;
  /** Writable on create only; read-only afterwards (a client's `type`). */
  readonly createOnly?: boolean;
  /** Levels that see the field. Default: every level the resource is declared for. */
  readonly read?: readonly Level[];
  /** Levels that may write the field. Default: the `read` levels. God-only fields: `['platform']` for both. */
  readonly write?: readonly Level[];
  /**
   * Resource name of the row this field references (foreign key). Every non-null written value must name a row
   * the caller can see in that resource (tenancy), else the request fails with 404 REFERENCE_NOT_FOUND.
   * The target resource must be registered and declared for the caller's level; if it is not declared for that
   * level, only existence is checked and the row's owner must match the caller's (see tenancy/references.ts).
   */
  readonly ref?: string;
  readonly filter?: readonly FilterKind[];
  /** May be used in `order=`. */
  readonly order?: boolean;
  /** Column name (camelCase) when it differs from the field name (`password` → `passwordHash`). */
  readonly column?: string;
  /** Not a column: the value is produced by `hooks.afterRead` and consumed by write hooks (m2m id lists). */
  readonly virtual?: boolean;
  /** Maps a validated input value to the stored value (e.g. hashing, lower-casing). Runs inside the transaction. */
  readonly transform?: (value: unknown) => unknown | Promise<unknown>;
  readonly description?: string;
}

/** A unique constraint of the table and the fields it covers, so a violation yields 409 naming the fields. */
export interface UniqueDecl {
  readonly constraint: string;
  readonly fields: readonly string[];
}

/** A resource as hooks see it (the declaration without its hooks). */
export type ResourceInfo = Omit<ResourceDecl, 'hooks'>;

/** Read access to the other resources of the server (e.g. to check a resource name). */
export interface RegistryView {
  get(name: string): ResourceInfo | undefined;
}

/** What write hooks receive. `values` is what will be written (field names; hooks may add/remove keys). */
export interface WriteContext {
  readonly op: 'create' | 'update';
  readonly resource: ResourceInfo;
  readonly registry: RegistryView;
  readonly caller: CallerContext;
  /** The transaction of this request. Use only `trx` inside hooks (PGlite has one session). */
  readonly trx: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The fields the caller sent (validated against the field schemas). */
  readonly input: Readonly<Record<string, unknown>>;
  /** Values to write, by field name, after owner stamping; hooks may change it. */
  readonly values: Record<string, unknown>;
  /** The stored row (by field name) on update; null on create. */
  readonly before: Readonly<Record<string, unknown>> | null;
  /** `before` overlaid with `values`: the row as it will be. Recomputed after each `prepare` hook. */
  merged: Record<string, unknown>;
}

export interface RowContext {
  readonly resource: ResourceInfo;
  readonly registry: RegistryView;
  readonly caller: CallerContext;
  readonly trx: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Hooks run inside the request's transaction, in this order for writes:
 * `prepare` (fill defaults, normalise) → `validate` (domain rules; return field errors → 400) → reference checks →
 * write → `afterWrite` (create: the new row incl. id; e.g. copy services, m2m links) → audit.
 * Deletes: `beforeDelete` (return field errors → 409 CONFLICT) → delete → audit.
 * Throw `ApiError` for other expected failures.
 */
export interface ResourceHooks {
  prepare?(ctx: WriteContext): void | Promise<void>;
  validate?(ctx: WriteContext): FieldError[] | void | Promise<FieldError[] | void>;
  afterWrite?(ctx: WriteContext & { readonly row: Record<string, unknown> }): void | Promise<void>;
  beforeDelete?(ctx: RowContext & { readonly row: Record<string, unknown> }): FieldError[] | void | Promise<FieldError[] | void>;
  /** Adds virtual fields to rows about to be returned (rows are keyed by field name; mutate in place). */
  afterRead?(ctx: RowContext & { readonly rows: Record<string, unknown>[] }): void | Promise<void>;
}

export interface ResourceDecl {
  /** Resource name: privilege name, `ref` target name, OpenAPI tag. camelCase plural (`portalUrls`). */
  readonly name: string;
  /** Kysely table name (camelCase as in src/store/schema). */
  readonly table: string;
  /** URL path under `/api/<level>`: kebab-case plural (`/portal-urls`). */
  readonly path: string;
  /**
   * More URL paths for the same resource (other products' names: IvozProvider's `/companies` for `/clients`).
   * Same routes, scoping and privileges; a second OpenAPI path marked `x-alias-of`. `levels` limits an alias to
   * some of the resource's levels (default: all of them).
   */
  readonly aliases?: ReadonlyArray<{ readonly path: string; readonly levels?: readonly Level[] }>;
  /** One line for the OpenAPI document. */
  readonly description?: string;
  /** Operations per level; a level not listed does not see the resource at all. */
  readonly levels: Readonly<Partial<Record<Level, readonly Operation[]>>>;
  /** Fields by name (camelCase). Must include `id` (readOnly integer). */
  readonly fields: Readonly<Record<string, FieldDecl>>;
  /**
   * Row ownership for scoping. Omit entirely for global rows (reference data): visible to every declared level.
   * Plain-column paths are also stamped on create from the caller's ids (a brand caller's rows get its brandId)
   * and are then not writable at that level.
   */
  readonly owner?: { readonly brand?: OwnerPath; readonly client?: OwnerPath; readonly user?: OwnerPath };
  /**
   * Rows whose owner is null are shared platform rows (defaults every tenant may use, e.g. notification templates
   * with `brandId` null). Callers below platform see them next to their own rows and may reference them (`ref`),
   * but cannot change or delete them (403 SHARED_READ_ONLY); they cannot create them either, since their owner
   * column is stamped. A row is shared when it has no owner at all: the first column of every owner path
   * (`brandId`, or the `column` of a hop) is null. Platform callers read and write them like any row.
   */
  readonly sharedNullOwner?: boolean;
  readonly unique?: readonly UniqueDecl[];
  /** Default list order when `order` is not given (default `['id']`). */
  readonly defaultOrder?: readonly string[];
  readonly hooks?: ResourceHooks;
  /** Not audited (the audit log itself, sessions). */
  readonly noAudit?: boolean;
}
