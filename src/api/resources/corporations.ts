// Corporations (seed-part1 §1.26): brand-level groups of vPBX clients (enable inter-vPBX friends).
import { defineResource } from '../registry/registry.ts';
import { fk, idField, optionalText, text } from '../registry/field-helpers.ts';

export default defineResource({
  name: 'corporations',
  table: 'corporations',
  path: '/corporations',
  description: 'Corporations grouping vPBX clients of a brand',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: 'brandId' },
  unique: [{ constraint: 'corporations_brand_name_key', fields: ['name'] }],
  defaultOrder: ['name'],
  fields: {
    id: idField,
    brandId: fk('brands', { required: true, createOnly: true }),
    name: text(100, { required: true }),
    description: optionalText(1024),
  },
});
