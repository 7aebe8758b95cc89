// The audit log as a read-only resource: all entries at platform level, the brand's subtree at brand level.
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { createdAtField, idField, integer, text } from '../registry/field-helpers.ts';
import { readableFields } from '../registry/fields.ts';

const ro = { readOnly: true } as const;

export default defineResource({
  name: 'auditLog',
  table: 'auditLog',
  path: '/audit-log',
  description: 'Every write through the API: who, on behalf of whom, what, before and after',
  levels: { platform: ['list', 'get'], brand: ['list', 'get'] },
  owner: { brand: 'brandId' },
  noAudit: true,
  defaultOrder: ['-id'],
  fields: {
    id: idField,
    at: createdAtField,
    level: text(10, { ...ro, filter: ['exact', 'in'] }),
    adminId: { ...integer(1), ...ro, nullable: true },
    username: text(100, { ...ro, nullable: true }),
    chain: { schema: Type.Array(Type.Object({ adminId: Type.Integer(), level: Type.String(), username: Type.Optional(Type.String()) })), ...ro, description: 'emulation chain, outermost actor first' },
    brandId: { ...integer(1), ...ro, nullable: true },
    clientId: { ...integer(1), ...ro, nullable: true },
    resource: text(64, { ...ro, filter: ['exact', 'in'] }),
    rowId: text(40, { ...ro, nullable: true, filter: ['exact', 'in'] }),
    action: text(20, { ...ro, filter: ['exact', 'in'] }),
    before: { schema: Type.Object({}, { additionalProperties: true }), ...ro, nullable: true },
    after: { schema: Type.Object({}, { additionalProperties: true }), ...ro, nullable: true },
  },
  hooks: {
    // Below platform level the images show only the fields that level may see (no god-only data).
    afterRead(ctx) {
      if (ctx.caller.level === 'platform') return;
      for (const row of ctx.rows) {
        const r = ctx.registry.get(String(row.resource));
        const visible = r ? new Set(readableFields(r, ctx.caller.level).map(([n]) => n)) : null;
        for (const k of ['before', 'after'] as const) {
          const img = row[k] as Record<string, unknown> | null;
          if (!img) continue;
          row[k] = visible ? Object.fromEntries(Object.entries(img).filter(([f]) => visible.has(f) || f === 'password')) : img;
        }
      }
    },
  },
});
