// Destinations (seed-part1 §1.14, L2614–2626): a prefix starting with '+' and the name shown on invoices.
// Empty by default; a CSV rate import creates the prefixes it does not find (src/jobs/rate-import).
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { fk, idField, text } from '../registry/field-helpers.ts';
import { configChanged, db } from './billing/common.ts';

export const PREFIX_PATTERN = '^\\+[0-9]{1,15}$';

export default defineResource({
  name: 'destinations',
  table: 'destinations',
  path: '/destinations',
  description: 'Destinations: E.164 prefix (+ and digits) and name',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: 'brandId' },
  unique: [{ constraint: 'destinations_brand_prefix_key', fields: ['prefix'] }],
  defaultOrder: ['prefix'],
  fields: {
    id: idField,
    brandId: fk('brands', { required: true, createOnly: true }),
    prefix: text(16, { required: true, schema: Type.String({ pattern: PREFIX_PATTERN }), description: "'+' and 1–15 digits" }),
    name: text(255, { required: true }),
  },
  hooks: {
    async afterWrite(ctx) {
      await configChanged(db(ctx), ctx.row.brandId as number);
    },
  },
});
