// Carriers (seed-part1 §1.7), MINIMAL for billing: name, description, currency, "calculate cost" and the brand.
// The routing issue adds servers, numeric transformation, local socket and media relay set. A carrier's
// currency must match the rating plans of its rating profiles (ambiguity 26: enforced).
import { defineResource } from '../registry/registry.ts';
import { bool, fk, idField, optionalText, text } from '../registry/field-helpers.ts';
import { brandCurrency, configChanged, currencyCode, db } from './billing/common.ts';

export default defineResource({
  name: 'carriers',
  table: 'carriers',
  path: '/carriers',
  description: 'Carriers for outgoing calls (billing part: currency and cost calculation)',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: 'brandId' },
  unique: [{ constraint: 'carriers_brand_name_key', fields: ['name'] }],
  defaultOrder: ['name'],
  fields: {
    id: idField,
    brandId: fk('brands', { required: true, createOnly: true }),
    name: text(100, { required: true }),
    description: optionalText(1024),
    currencyId: fk('currencies', { description: 'default: the brand currency' }),
    calculateCost: bool({ description: 'compute the cost of calls with the active rating profile; enables the carrier balance' }),
  },
  hooks: {
    async prepare(ctx) {
      if (ctx.op === 'create') ctx.values.currencyId ??= await brandCurrency(db(ctx), ctx.values.brandId);
    },
    async validate(ctx) {
      if (ctx.op !== 'update' || !('currencyId' in ctx.input)) return [];
      const code = await currencyCode(db(ctx), ctx.merged.currencyId);
      const other = await db(ctx)
        .selectFrom('carrierRatingProfiles')
        .innerJoin('ratingPlans', 'ratingPlans.id', 'carrierRatingProfiles.ratingPlanId')
        .innerJoin('currencies', 'currencies.id', 'ratingPlans.currencyId')
        .select('currencies.code')
        .where('carrierRatingProfiles.carrierId', '=', ctx.before?.id as number)
        .where('currencies.code', '!=', code ?? '')
        .executeTakeFirst();
      return other ? [{ field: '/currencyId', code: 'CURRENCY_MISMATCH', message: `the carrier's rating plans are in ${other.code}` }] : [];
    },
    async afterWrite(ctx) {
      await configChanged(db(ctx), ctx.row.brandId as number);
    },
    async beforeDelete(ctx) {
      await configChanged(db(ctx), ctx.row.brandId as number);
    },
  },
});
