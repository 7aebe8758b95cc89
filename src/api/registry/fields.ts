// Field visibility and writability per level: the single place that decides which fields a caller sees and may
// send. God-only fields (`read: ['platform']`) vanish from responses, OpenAPI documents and accepted input below
// platform level; owner columns stamped from the caller's ids are not writable at that level.
import { ownerStamp, type CallerContext, type Level } from '../../domain/tenancy/caller.ts';
import type { Resource } from './registry.ts';
import type { FieldDecl, ResourceDecl } from './types.ts';

type AnyResource = Resource | ResourceDecl;

function declaredLevels(r: AnyResource): Level[] {
  return (Object.keys(r.levels) as Level[]).filter((l) => (r.levels[l]?.length ?? 0) > 0);
}

export function fieldReadLevels(r: AnyResource, f: FieldDecl): readonly Level[] {
  return f.read ?? declaredLevels(r);
}

/** Fields returned to `level` (in declaration order). */
export function readableFields(r: AnyResource, level: Level): Array<[string, FieldDecl]> {
  return Object.entries(r.fields).filter(([, f]) => !f.writeOnly && fieldReadLevels(r, f).includes(level));
}

/** Plain-column owner paths stamped from a caller at `level` (column → owner kind). */
export function stampedColumns(r: AnyResource, level: Level): Map<string, 'brand' | 'client' | 'user'> {
  const out = new Map<string, 'brand' | 'client' | 'user'>();
  const probe: CallerContext = { level, adminId: 0, brandId: 0, clientId: 0, userId: 0, restricted: false, chain: [] };
  const stamp = ownerStamp(probe);
  for (const k of ['brand', 'client', 'user'] as const) {
    const p = r.owner?.[k];
    if (typeof p === 'string' && p !== 'id' && stamp[k] !== undefined) out.set(p, k);
  }
  return out;
}

/** Fields `level` may send on `op` (create or update). */
export function writableFields(r: AnyResource, level: Level, op: 'create' | 'update'): Array<[string, FieldDecl]> {
  const stamped = stampedColumns(r, level);
  return Object.entries(r.fields).filter(([name, f]) => {
    if (f.readOnly || name === 'id') return false;
    if (op === 'update' && f.createOnly) return false;
    if (stamped.has(f.column ?? name)) return false;
    const w = f.write ?? fieldReadLevels(r, f);
    return w.includes(level);
  });
}

/** True when `level` knows the field exists (reads or writes it): unknown fields are reported as unknown. */
export function fieldKnownAt(r: AnyResource, name: string, level: Level): boolean {
  const f = r.fields[name];
  if (!f) return false;
  return fieldReadLevels(r, f).includes(level) || (f.write ?? []).includes(level);
}

export function columnOf(name: string, f: FieldDecl): string {
  return f.column ?? name;
}
