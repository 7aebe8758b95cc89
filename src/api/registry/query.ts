// List query parsing: `page`, `pageSize` (≤ 500), `order=name,-id`, and filters
// `field=v` (exact), `field[like]=x`, `field[gte|lte|gt|lt]=v`, `field[in]=a,b`, `field[null]=true|false`.
// Unknown parameters, fields a level cannot see and filters a field does not declare are 400 BAD_QUERY.
import { ApiError, type FieldError } from '../errors.ts';
import type { Level } from '../../domain/tenancy/caller.ts';
import type { Resource } from './registry.ts';
import type { FieldDecl } from './types.ts';
import { readableFields } from './fields.ts';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

export type FilterOp = 'eq' | 'like' | 'gte' | 'lte' | 'gt' | 'lt' | 'in' | 'null' | 'contains';

export interface Filter {
  readonly field: string;
  readonly column: string;
  readonly op: FilterOp;
  readonly value: unknown;
}

export interface ListQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly order: ReadonlyArray<{ column: string; desc: boolean }>;
  readonly filters: readonly Filter[];
}

const KEY = /^([A-Za-z][A-Za-z0-9]*)(?:\[(like|gte|lte|gt|lt|in|null)\])?$/;

function schemaType(f: FieldDecl): string {
  const s = f.schema as { type?: unknown; anyOf?: Array<{ type?: unknown }> };
  if (typeof s.type === 'string') return s.type;
  return 'string';
}

function convert(f: FieldDecl, raw: string): { ok: true; v: unknown } | { ok: false } {
  const t = schemaType(f);
  if (t === 'integer' || t === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(raw)) return { ok: false };
    const n = Number(raw);
    if (t === 'integer' && !Number.isSafeInteger(n)) return { ok: false };
    return { ok: true, v: n };
  }
  if (t === 'boolean') {
    if (raw === 'true' || raw === '1') return { ok: true, v: true };
    if (raw === 'false' || raw === '0') return { ok: true, v: false };
    return { ok: false };
  }
  if ((f.schema as { format?: string }).format === 'date-time') {
    const d = new Date(raw);
    return Number.isNaN(d.getTime()) ? { ok: false } : { ok: true, v: d };
  }
  return { ok: true, v: raw };
}

function positiveInt(raw: string | undefined, def: number): number | null {
  if (raw === undefined) return def;
  if (!/^[1-9]\d{0,6}$/.test(raw)) return null;
  return Number(raw);
}

/** Parses a list query for `level`. Throws 400 BAD_QUERY naming every bad parameter (`/query/<name>`). */
export function parseListQuery(r: Resource, level: Level, query: Record<string, unknown>): ListQuery {
  const visible = new Map(readableFields(r, level));
  const errors: FieldError[] = [];
  const bad = (key: string, code: string, message: string) => errors.push({ field: `/query/${key}`, code, message });
  const single = (key: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    bad(key, 'REPEATED', `${key} given more than once`);
    return undefined;
  };

  const pageRaw = single('page', query.page);
  const page = positiveInt(pageRaw, 1);
  if (page === null) bad('page', 'INVALID', 'page must be a positive integer');
  const sizeRaw = single('pageSize', query.pageSize);
  const pageSize = positiveInt(sizeRaw, DEFAULT_PAGE_SIZE);
  if (pageSize === null || pageSize > MAX_PAGE_SIZE) bad('pageSize', 'INVALID', `pageSize must be 1..${MAX_PAGE_SIZE}`);

  const order: Array<{ column: string; desc: boolean }> = [];
  const orderRaw = single('order', query.order);
  const orderSpec = orderRaw !== undefined ? orderRaw.split(',') : [...(r.defaultOrder ?? ['id'])];
  for (const part of orderSpec) {
    const desc = part.startsWith('-');
    const name = desc ? part.slice(1) : part;
    const f = visible.get(name);
    if (!f || !(f.order || name === 'id') || f.virtual) {
      bad('order', 'NOT_ORDERABLE', `cannot order by ${name}`);
      continue;
    }
    order.push({ column: f.column ?? name, desc });
  }
  if (!order.some((o) => o.column === 'id')) order.push({ column: 'id', desc: false }); // stable pages

  const filters: Filter[] = [];
  for (const [key, rawValue] of Object.entries(query)) {
    if (key === 'page' || key === 'pageSize' || key === 'order') continue;
    const m = KEY.exec(key);
    const name = m?.[1];
    const f = name === undefined ? undefined : visible.get(name);
    if (!m || !name || !f || f.virtual) {
      bad(key, 'UNKNOWN_PARAMETER', `unknown query parameter ${key}`);
      continue;
    }
    const raw = single(key, rawValue);
    if (raw === undefined) continue;
    const kinds = f.filter ?? (name === 'id' ? ['exact', 'in'] : []);
    const mod = m[2];
    const column = f.column ?? name;
    const isArray = schemaType(f) === 'array';
    if (mod === 'null') {
      if (!f.nullable || (raw !== 'true' && raw !== 'false')) bad(key, 'INVALID', `${key} must be true or false on a nullable field`);
      else filters.push({ field: name, column, op: 'null', value: raw === 'true' });
      continue;
    }
    const kind = mod === undefined ? 'exact' : mod === 'like' ? 'like' : mod === 'in' ? 'in' : 'range';
    if (!kinds.includes(kind)) {
      bad(key, 'FILTER_NOT_ALLOWED', `${name} cannot be filtered with ${kind}`);
      continue;
    }
    if (isArray) {
      // exact on an array field: rows whose array contains the value
      filters.push({ field: name, column, op: 'contains', value: raw });
      continue;
    }
    if (kind === 'like') {
      filters.push({ field: name, column, op: 'like', value: raw });
      continue;
    }
    const parts = kind === 'in' ? raw.split(',') : [raw];
    const values: unknown[] = [];
    for (const p of parts) {
      const c = convert(f, p);
      if (!c.ok) bad(key, 'INVALID', `${p} is not a valid value for ${name}`);
      else values.push(c.v);
    }
    if (values.length !== parts.length) continue;
    const op: FilterOp = kind === 'in' ? 'in' : kind === 'exact' ? 'eq' : (mod as FilterOp);
    filters.push({ field: name, column, op, value: kind === 'in' ? values : values[0] });
  }
  if (errors.length > 0) throw new ApiError('BAD_QUERY', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  return { page: page ?? 1, pageSize: pageSize ?? DEFAULT_PAGE_SIZE, order, filters };
}
