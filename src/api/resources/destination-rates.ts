// Destination rates (seed-part1 §1.14, L2465–2483): a named group of rates in one currency, with the
// deductible connection fee switch (§2.9). Its rates are the `rates` resource; CSV imports and the download of
// the last imported file are action routes (billing/routes.ts). The currency must stay that of every rating
// plan using it (ambiguity 26).
import { defineResource } from '../registry/registry.ts';
import { bool, fk, idField, optionalText, text } from '../registry/field-helpers.ts';
import { brandCurrency, configChanged, currencyCode, db } from './billing/common.ts';

export default defineResource({
  name: 'destinationRates',
  table: 'destinationRates',
  path: '/destination-rates',
  description: 'Destination rates: groups of per-prefix rates in one currency',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: 'brandId' },
  unique: [{ constraint: 'destination_rates_brand_name_key', fields: ['name'] }],
  defaultOrder: ['name'],
  fields: {
    id: idField,
    brandId: fk('brands', { required: true, createOnly: true }),
    name: text(100, { required: true }),
    description: optionalText(1024),
    currencyId: fk('currencies', { description: 'currency of all its rates; default: the brand currency' }),
    deductibleConnectionFee: bool({ description: 'the connection fee is a minimal cost (refund at hang-up)' }),
  },
  hooks: {
    async prepare(ctx) {
      if (ctx.op === 'create') ctx.values.currencyId ??= await brandCurrency(db(ctx), ctx.values.brandId);
    },
    async validate(ctx) {
      if (ctx.op !== 'update' || !('currencyId' in ctx.input)) return [];
      const code = await currencyCode(db(ctx), ctx.merged.currencyId);
      const plan = await db(ctx)
        .selectFrom('ratingPlanRows')
        .innerJoin('ratingPlans', 'ratingPlans.id', 'ratingPlanRows.ratingPlanId')
        .innerJoin('currencies', 'currencies.id', 'ratingPlans.currencyId')
        .select(['ratingPlans.name', 'currencies.code'])
        .where('ratingPlanRows.destinationRateId', '=', ctx.before?.id as number)
        .where('currencies.code', '!=', code ?? '')
        .executeTakeFirst();
      return plan ? [{ field: '/currencyId', code: 'CURRENCY_MISMATCH', message: `used by rating plan ${plan.name} in ${plan.code}` }] : [];
    },
    async afterWrite(ctx) {
      await configChanged(db(ctx), ctx.row.brandId as number);
    },
    async beforeDelete(ctx) {
      await configChanged(db(ctx), ctx.row.brandId as number);
    },
  },
});
