// Billable calls (seed-part1 §2.17): what the rater reads and writes of each external call record. Read-only
// through the API (the app layer writes them); rerating is an action route (billing/routes.ts).
// Visibility: cost, carrier and invoice are brand-level; price, rating plan and destination reach client
// administrators only with "display billing details" on.
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { enumOf, fk, idField, optionalText } from '../registry/field-helpers.ts';
import { clientSeesBilling, db, formatMoneyFields } from './billing/common.ts';

const BRAND = ['platform', 'brand'] as const;
const nullableMoney = (extra = {}) => ({ schema: Type.String(), nullable: true, readOnly: true, ...extra });

const formatMoney = formatMoneyFields(['price', 'cost']);

export default defineResource({
  name: 'billableCalls',
  table: 'billableCalls',
  path: '/billable-calls',
  description: 'External calls with their price, cost, rating plan and destination',
  levels: { platform: ['list', 'get'], brand: ['list', 'get'], client: ['list', 'get'] },
  owner: { brand: 'brandId', client: 'clientId' },
  defaultOrder: ['id'],
  fields: {
    id: idField,
    brandId: fk('brands', { readOnly: true, read: ['platform'] }),
    clientId: fk('clients', { readOnly: true, nullable: true }),
    carrierId: fk('carriers', { readOnly: true, nullable: true, read: BRAND }),
    callId: optionalText(255, { readOnly: true }),
    caller: optionalText(32, { readOnly: true }),
    callee: optionalText(32, { readOnly: true }),
    startTime: { schema: Type.String({ format: 'date-time' }), readOnly: true, filter: ['range'], order: true },
    durationMs: { schema: Type.Integer(), readOnly: true, filter: ['range'], order: true },
    direction: enumOf(['inbound', 'outbound'], { readOnly: true }),
    routingTag: optionalText(4, { readOnly: true }),
    price: nullableMoney(),
    cost: nullableMoney({ read: BRAND }),
    ratingPlanId: fk('ratingPlans', { readOnly: true, nullable: true }),
    carrierRatingPlanId: fk('ratingPlans', { readOnly: true, nullable: true, read: BRAND }),
    destinationPrefix: optionalText(16, { readOnly: true }),
    destinationName: optionalText(255, { readOnly: true }),
    ratingError: optionalText(64, { readOnly: true, read: BRAND, description: 'why the call could not be rated' }),
    ratedAt: { schema: Type.String({ format: 'date-time' }), nullable: true, readOnly: true, filter: ['range'] },
    invoiceId: { schema: Type.Integer(), nullable: true, readOnly: true, read: BRAND, filter: ['exact'] },
  },
  hooks: {
    async afterRead(ctx) {
      await formatMoney(ctx);
      if (await clientSeesBilling(db(ctx), ctx.caller)) return;
      for (const r of ctx.rows) {
        delete r.price;
        delete r.ratingPlanId;
        delete r.destinationPrefix;
        delete r.destinationName;
      }
    },
  },
});
