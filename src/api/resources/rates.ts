// Rates of a destination rate (seed-part1 §1.14, L2518–2538): destination, connection charge, interval start
// (free seconds), per-minute rate and charge period (≥ 1 s). Amounts are money strings (billing/common.ts).
// One rate per destination in a destination rate; the destination must be of the same brand.
import { defineResource } from '../registry/registry.ts';
import { fk, idField, integer } from '../registry/field-helpers.ts';
import { rateProblem } from '../../domain/rating/index.ts';
import { brandOf, configChanged, db, formatMoneyFields, money, toMoney } from './billing/common.ts';

const MONEY = ['connectionCharge', 'perMinuteRate'];

export default defineResource({
  name: 'rates',
  table: 'rates',
  path: '/rates',
  description: 'Rates: price per destination inside a destination rate',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: { column: 'destinationRateId', table: 'destinationRates', path: 'brandId' } },
  unique: [{ constraint: 'rates_destination_rate_destination_key', fields: ['destinationId'] }],
  fields: {
    id: idField,
    destinationRateId: fk('destinationRates', { required: true, createOnly: true }),
    destinationId: fk('destinations', { required: true }),
    connectionCharge: money({ description: 'charged at establishment (money string)' }),
    intervalStart: integer(0, 86_400, { description: 'seconds before rating starts (free)' }),
    perMinuteRate: money({ required: true }),
    chargePeriod: integer(1, 86_400, { description: 'increment in seconds (1 = per second, 60 = per minute)' }),
  },
  hooks: {
    async validate(ctx) {
      const m = ctx.merged;
      const drBrand = await brandOf(db(ctx), 'destinationRates', m.destinationRateId);
      const dBrand = await brandOf(db(ctx), 'destinations', m.destinationId);
      // Below platform level the reference checks already keep both inside the caller's brand (404).
      if (ctx.caller.level === 'platform' && drBrand !== undefined && dBrand !== undefined && drBrand !== dBrand) {
        return [{ field: '/destinationId', code: 'NOT_IN_BRAND', message: 'the destination belongs to another brand' }];
      }
      const asMoney = (v: unknown) => (typeof v === 'string' ? toMoney(v) : Number(v ?? 0));
      const problem = rateProblem({
        connectionCharge: asMoney(m.connectionCharge), perMinuteRate: asMoney(m.perMinuteRate),
        chargePeriod: Number(m.chargePeriod ?? 1), intervalStart: Number(m.intervalStart ?? 0),
      });
      return problem ? [{ field: '/', code: 'INVALID_RATE', message: problem }] : [];
    },
    async afterWrite(ctx) {
      await configChanged(db(ctx), await brandOf(db(ctx), 'destinationRates', ctx.row.destinationRateId));
    },
    async beforeDelete(ctx) {
      await configChanged(db(ctx), await brandOf(db(ctx), 'destinationRates', ctx.row.destinationRateId));
    },
    afterRead: formatMoneyFields(MONEY),
  },
});
