// Rate-import jobs (seed-part1 §2.23): a CSV imported into a destination rate in the background
// (src/jobs/rate-import). Created by POST /destination-rates/{id}/imports (billing/routes.ts); read here for
// status (queued → running → done | failed), progress and errors with line numbers.
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { createdAtField, enumOf, fk, idField, optionalText } from '../registry/field-helpers.ts';

export default defineResource({
  name: 'rateImports',
  table: 'rateImports',
  path: '/rate-imports',
  description: 'Background CSV rate imports and their progress',
  levels: { platform: ['list', 'get'], brand: ['list', 'get'] },
  owner: { brand: 'brandId' },
  defaultOrder: ['id'],
  fields: {
    id: idField,
    brandId: fk('brands', { readOnly: true }),
    destinationRateId: fk('destinationRates', { readOnly: true }),
    status: enumOf(['queued', 'running', 'done', 'failed'], { readOnly: true }),
    fileName: optionalText(255, { readOnly: true }),
    skipFirstLine: { schema: Type.Boolean(), readOnly: true },
    columns: { schema: Type.Record(Type.String(), Type.Integer()), nullable: true, readOnly: true, description: '0-based column of each field' },
    progress: { schema: Type.Integer(), readOnly: true, description: 'lines read so far' },
    totalLines: { schema: Type.Integer(), readOnly: true },
    errorCount: { schema: Type.Integer(), readOnly: true },
    errors: { schema: Type.Array(Type.Object({ line: Type.Integer(), code: Type.String(), message: Type.String() })), readOnly: true, description: 'first errors, with 1-based line (and column)' },
    result: { schema: Type.Record(Type.String(), Type.Integer()), nullable: true, readOnly: true, description: 'added, updated, unchanged, kept, destinationsCreated' },
    createdAt: createdAtField,
    startedAt: { schema: Type.String({ format: 'date-time' }), nullable: true, readOnly: true },
    finishedAt: { schema: Type.String({ format: 'date-time' }), nullable: true, readOnly: true },
  },
});
