// Shorthands for common field declarations. Plain objects: spread and override as needed.
import Type from 'typebox';
import type { FieldDecl } from './types.ts';

export const idField: FieldDecl = { schema: Type.Integer({ minimum: 0 }), readOnly: true, filter: ['exact', 'in'], order: true };

/** Non-empty trimmed text up to `max` chars, filterable exact/like, orderable. */
export function text(max = 255, extra: Partial<FieldDecl> = {}): FieldDecl {
  return { schema: Type.String({ minLength: 1, maxLength: max }), filter: ['exact', 'like', 'in'], order: true, ...extra };
}

/** A JSON-schema pattern for one line of text: no control characters (CR, LF, TAB, NUL…). */
export const SINGLE_LINE = '^[^\\u0000-\\u001f\\u007f]*$';

/** Optional free text (nullable). */
export function optionalText(max = 255, extra: Partial<FieldDecl> = {}): FieldDecl {
  return { schema: Type.String({ maxLength: max }), nullable: true, filter: ['exact', 'like'], ...extra };
}

export function integer(min = 0, max = 2_147_483_647, extra: Partial<FieldDecl> = {}): FieldDecl {
  return { schema: Type.Integer({ minimum: min, maximum: max }), filter: ['exact', 'range', 'in'], order: true, ...extra };
}

export function bool(extra: Partial<FieldDecl> = {}): FieldDecl {
  return { schema: Type.Boolean(), filter: ['exact'], ...extra };
}

/** A foreign key to resource `ref` (checked against the caller's tenancy on write). */
export function fk(ref: string, extra: Partial<FieldDecl> = {}): FieldDecl {
  // minimum 0: id 0 is a real seeded row in some tables (the default media relay set 0).
  return { schema: Type.Integer({ minimum: 0 }), ref, filter: ['exact', 'in'], order: true, ...extra };
}

export function enumOf(values: readonly string[], extra: Partial<FieldDecl> = {}): FieldDecl {
  return { schema: Type.Enum([...values]), filter: ['exact', 'in'], order: true, ...extra };
}

export const createdAtField: FieldDecl = { schema: Type.String({ format: 'date-time' }), readOnly: true, filter: ['range'], order: true };
