// Read-only reference data (migration 0001): countries, currencies, languages, time zones. Global rows, visible
// at every level.
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { idField, text } from '../registry/field-helpers.ts';
import type { Level, Operation } from '../registry/types.ts';

const readAll: Partial<Record<Level, readonly Operation[]>> = {
  platform: ['list', 'get'],
  brand: ['list', 'get'],
  client: ['list', 'get'],
  user: ['list', 'get'],
};
const ro = { readOnly: true } as const;

export default [
  defineResource({
    name: 'countries',
    table: 'countries',
    path: '/countries',
    description: 'ISO 3166-1 countries with E.164 calling codes',
    levels: readAll,
    defaultOrder: ['name'],
    fields: {
      id: idField,
      code: text(2, ro),
      name: text(100, ro),
      callingCode: text(8, { ...ro, nullable: true }),
      callingCodes: { schema: Type.Array(Type.String()), ...ro },
      continent: text(2, ro),
      continentName: text(40, ro),
    },
  }),
  defineResource({
    name: 'currencies',
    table: 'currencies',
    path: '/currencies',
    description: 'ISO 4217 currencies',
    levels: readAll,
    defaultOrder: ['code'],
    fields: { id: idField, code: text(3, ro), name: text(100, ro), symbol: text(10, ro), decimals: { schema: Type.Integer(), ...ro } },
  }),
  defineResource({
    name: 'languages',
    table: 'languages',
    path: '/languages',
    description: 'ISO 639-1 languages',
    levels: readAll,
    defaultOrder: ['code'],
    fields: { id: idField, code: text(3, ro), name: text(100, ro), nativeName: text(100, ro) },
  }),
  defineResource({
    name: 'timezones',
    table: 'timezones',
    path: '/timezones',
    description: 'IANA time zones',
    levels: readAll,
    defaultOrder: ['name'],
    fields: { id: idField, name: text(64, ro), countryCode: text(2, { ...ro, nullable: true }), comment: text(200, { ...ro, nullable: true }) },
  }),
];
