// Administrators of the three levels (seed-part1 §1.2) and their access privileges (seed-part2 §1.34, §2.28).
// A platform admin has no brand; a brand admin a brand; a client admin a brand and a client. The level is
// derived from the owner ids. Brand and client admins share one username namespace per brand.
import Type from 'typebox';
import { ApiError, type FieldError } from '../errors.ts';
import { defineResource } from '../registry/registry.ts';
import { bool, createdAtField, enumOf, fk, idField, optionalText, text } from '../registry/field-helpers.ts';
import { hashPassword } from '../auth/passwords.ts';
import { revokeAccountSessions } from '../auth/revoke.ts';

const ALL_OPS = ['list', 'get', 'create', 'update', 'delete'] as const;

export const administrators = defineResource({
  name: 'administrators',
  table: 'administrators',
  path: '/administrators',
  description: 'Administrators (platform, brand and client operators)',
  levels: { platform: ALL_OPS, brand: ALL_OPS, client: ALL_OPS },
  owner: { brand: 'brandId', client: 'clientId' },
  unique: [
    { constraint: 'administrators_platform_username_key', fields: ['username'] },
    { constraint: 'administrators_brand_username_key', fields: ['username'] },
  ],
  defaultOrder: ['username'],
  fields: {
    id: idField,
    level: enumOf(['platform', 'brand', 'client'], { readOnly: true }),
    username: text(100, { required: true, schema: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\s]+$' }) }),
    password: {
      schema: Type.String({ minLength: 8, maxLength: 200 }),
      writeOnly: true,
      required: true,
      column: 'passwordHash',
      transform: (v) => hashPassword(String(v)),
    },
    name: optionalText(100),
    lastname: optionalText(100),
    email: { schema: Type.String({ format: 'email', maxLength: 255 }), nullable: true, filter: ['exact', 'like'] },
    timezoneId: fk('timezones', { nullable: true }),
    active: bool({ description: 'inactive administrators cannot log in' }),
    restricted: bool({ description: 'API-only read access until privileges are granted (client admins keep the portal)' }),
    brandId: fk('brands', { nullable: true, createOnly: true, read: ['platform', 'brand'] }),
    clientId: fk('clients', { nullable: true, createOnly: true }),
    createdAt: createdAtField,
  },
  hooks: {
    async prepare(ctx) {
      if (ctx.op !== 'create') return;
      const clientId = ctx.values.clientId;
      if (typeof clientId === 'number' && ctx.caller.level === 'platform' && ctx.values.brandId === undefined) {
        const c = await ctx.trx.selectFrom('clients').select('brandId').where('id', '=', clientId).executeTakeFirst();
        if (c) ctx.values.brandId = c.brandId;
      }
      ctx.values.level = ctx.values.clientId != null ? 'client' : ctx.values.brandId != null ? 'brand' : 'platform';
    },
    async validate(ctx) {
      const errors: FieldError[] = [];
      const m = ctx.merged;
      // At platform level the brand and client are free fields: they must agree. Below, the brand is stamped and
      // the client reference check (tenancy) rejects other brands' clients with 404.
      if (ctx.op === 'create' && ctx.caller.level === 'platform' && typeof m.clientId === 'number') {
        const c = await ctx.trx.selectFrom('clients').select('brandId').where('id', '=', m.clientId).executeTakeFirst();
        if (c && c.brandId !== m.brandId) errors.push({ field: '/clientId', code: 'NOT_IN_BRAND', message: 'the client belongs to another brand' });
      }
      if (ctx.op === 'update' && ctx.before?.id === ctx.caller.adminId && ctx.caller.chain.length === 0) {
        if ('restricted' in ctx.values && ctx.values.restricted !== ctx.before?.restricted) {
          errors.push({ field: '/restricted', code: 'SELF', message: 'administrators cannot change their own restriction' });
        }
        if (ctx.values.active === false) errors.push({ field: '/active', code: 'SELF', message: 'administrators cannot disable themselves' });
      }
      return errors;
    },
    async afterWrite(ctx) {
      // a new password ends the administrator's open sessions, this one too when it changed its own (auth/revoke.ts)
      if (ctx.op === 'update' && 'password' in ctx.input) await revokeAccountSessions(ctx.trx, { adminId: Number(ctx.row.id) });
    },
    beforeDelete(ctx) {
      if (ctx.row.id === ctx.caller.adminId) throw new ApiError('CONFLICT', 'administrators cannot delete themselves');
    },
  },
});

export const administratorPrivileges = defineResource({
  name: 'administratorPrivileges',
  table: 'administratorPrivileges',
  path: '/administrator-privileges',
  description: 'Per-resource create/read/update/delete privileges of restricted administrators',
  levels: { platform: ALL_OPS, brand: ALL_OPS, client: ALL_OPS },
  owner: {
    brand: { column: 'administratorId', table: 'administrators', path: 'brandId' },
    client: { column: 'administratorId', table: 'administrators', path: 'clientId' },
  },
  unique: [{ constraint: 'administrator_privileges_admin_resource_key', fields: ['resource'] }],
  fields: {
    id: idField,
    administratorId: fk('administrators', { required: true, createOnly: true }),
    resource: text(64, { required: true, createOnly: true, schema: Type.String({ pattern: '^[a-z][A-Za-z0-9]*$', maxLength: 64 }), description: 'resource name, e.g. clients' }),
    canCreate: bool(),
    canRead: bool(),
    canUpdate: bool(),
    canDelete: bool(),
  },
  hooks: {
    validate(ctx) {
      const target = ctx.merged.administratorId;
      if (target === ctx.caller.adminId) {
        return [{ field: '/administratorId', code: 'SELF', message: 'administrators cannot change their own privileges' }];
      }
      return [];
    },
  },
});

export default [administrators, administratorPrivileges];
