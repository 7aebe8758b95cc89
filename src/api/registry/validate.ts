// Request body validation against a resource's field declarations, for one level and operation. Every problem is
// reported with its JSON Pointer (`/name`, `/features/1`) and a code; unknown and read-only fields are errors, not
// silently dropped.
import Value from 'typebox/value';
import type { TSchema } from 'typebox';
import { validationError, type FieldError } from '../errors.ts';
import type { Level } from '../../domain/tenancy/caller.ts';
import type { Resource } from './registry.ts';
import { fieldKnownAt, writableFields, stampedColumns } from './fields.ts';

/** Checks one value against a field schema; returns errors with paths under `/name`. */
export function checkValue(name: string, schema: TSchema, v: unknown): FieldError[] {
  if (Value.Check(schema, v)) return [];
  const errs: FieldError[] = [];
  for (const e of Value.Errors(schema, v)) {
    // union branches produce noise; the first error per path is enough
    const field = `/${name}${e.instancePath}`;
    if (errs.some((x) => x.field === field)) continue;
    errs.push({ field, code: e.keyword.toUpperCase(), message: e.message });
  }
  return errs.length > 0 ? errs : [{ field: `/${name}`, code: 'INVALID', message: 'invalid value' }];
}

/**
 * Validates a create/update body. Returns the accepted input (field names → values). Throws 400 VALIDATION_FAILED
 * listing every problem: not an object, unknown field, read-only field, wrong type/format, required field missing.
 */
export function validateBody(r: Resource, level: Level, op: 'create' | 'update', body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError([{ field: '', code: 'TYPE', message: 'the body must be a JSON object' }]);
  }
  const writable = new Map(writableFields(r, level, op));
  const errors: FieldError[] = [];
  const input: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(body as Record<string, unknown>)) {
    const f = writable.get(name);
    if (!f) {
      const known = fieldKnownAt(r, name, level);
      errors.push(
        known
          ? { field: `/${name}`, code: 'READ_ONLY', message: `${name} cannot be written${op === 'update' ? ' on update' : ''} at this level` }
          : { field: `/${name}`, code: 'UNKNOWN_FIELD', message: `unknown field ${name}` },
      );
      continue;
    }
    if (v === null) {
      if (!f.nullable) errors.push({ field: `/${name}`, code: 'NOT_NULLABLE', message: `${name} cannot be null` });
      else input[name] = null;
      continue;
    }
    const errs = checkValue(name, f.schema, v);
    if (errs.length > 0) errors.push(...errs);
    else input[name] = v;
  }
  if (op === 'create') {
    const stamped = stampedColumns(r, level);
    for (const [name, f] of writable) {
      if (f.required && !(name in (body as object)) && !stamped.has(f.column ?? name)) {
        errors.push({ field: `/${name}`, code: 'REQUIRED', message: `${name} is required` });
      }
    }
  }
  if (errors.length > 0) throw validationError(errors);
  return input;
}
