// Rating profiles (seed-part1 §1.14, L2421–2463): a client's (price) or carrier's (cost) link to a rating plan
// from an activation time; the profile active for a call is the one whose activation time is nearest in the
// past of the call's start. Client profiles may carry a routing tag (retail and wholesale, tag enabled for the
// client). Checks: the plan is of the same brand and currency as the client/carrier and rates 24×7; carriers
// need "calculate cost". Client administrators see their profiles only with "display billing details" on.
import Type from 'typebox';
import type { Kysely } from 'kysely';
import { defineResource } from '../registry/registry.ts';
import { fk, idField } from '../registry/field-helpers.ts';
import type { FieldError, WriteContext } from '../registry/types.ts';
import type { Database } from '../../store/schema/index.ts';
import { checkPlanRows, gapsText, storedPlanRows } from '../../billing/plan-check.ts';
import { brandOf, configChanged, db, requireBillingDetails } from './billing/common.ts';

const activationTime = {
  schema: Type.String({ format: 'date-time' }),
  required: true,
  filter: ['range'] as const,
  order: true,
  description: 'UTC instant from which the profile applies (RFC 3339)',
};

async function planErrors(ctx: WriteContext, owner: { brandId: number; currencyId: number }): Promise<FieldError[]> {
  const trx = db(ctx);
  const plan = await trx.selectFrom('ratingPlans').select(['id', 'brandId', 'currencyId']).where('id', '=', ctx.merged.ratingPlanId as number).executeTakeFirst();
  // Below platform level the reference checks answer 404 for another brand's plan.
  if (!plan || (plan.brandId !== owner.brandId && ctx.caller.level !== 'platform')) return [];
  if (plan.brandId !== owner.brandId) return [{ field: '/ratingPlanId', code: 'NOT_IN_BRAND', message: 'the rating plan belongs to another brand' }];
  if (plan.currencyId !== owner.currencyId) {
    return [{ field: '/ratingPlanId', code: 'CURRENCY_MISMATCH', message: 'the rating plan is in another currency' }];
  }
  const rows = await storedPlanRows(trx, plan.id);
  const check = await checkPlanRows(trx, plan, rows);
  if (check.problems.length > 0) return [{ field: '/ratingPlanId', code: 'PLAN_INVALID', message: check.problems.map((p) => p.message).join('; ') }];
  if (check.gaps.length > 0) return [{ field: '/ratingPlanId', code: 'NOT_24X7', message: `the rating plan does not rate 24×7: ${gapsText(check.gaps)}` }];
  return [];
}

async function bump(trx: Kysely<Database>, table: 'clients' | 'carriers', id: unknown): Promise<void> {
  await configChanged(trx, await brandOf(trx, table, id));
}

const clientRatingProfiles = defineResource({
  name: 'clientRatingProfiles',
  table: 'clientRatingProfiles',
  path: '/client-rating-profiles',
  description: 'Rating plans of clients (price) with activation time and optional routing tag',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'], client: ['list', 'get'] },
  owner: { client: 'clientId', brand: { column: 'clientId', table: 'clients', path: 'brandId' } },
  unique: [{ constraint: 'client_rating_profiles_activation_key', fields: ['activationTime', 'routingTagId'] }],
  defaultOrder: ['activationTime'],
  fields: {
    id: idField,
    clientId: fk('clients', { required: true, createOnly: true }),
    ratingPlanId: fk('ratingPlans', { required: true }),
    activationTime,
    routingTagId: fk('routingTags', { nullable: true, description: 'retail and wholesale clients: calls with this tag use this profile' }),
  },
  hooks: {
    async validate(ctx) {
      const client = await db(ctx).selectFrom('clients').select(['brandId', 'currencyId', 'type']).where('id', '=', ctx.merged.clientId as number).executeTakeFirst();
      if (!client) return [];
      const errors = await planErrors(ctx, client);
      const tagId = ctx.merged.routingTagId;
      if (typeof tagId === 'number') {
        if (client.type !== 'retail' && client.type !== 'wholesale') {
          errors.push({ field: '/routingTagId', code: 'NOT_APPLICABLE', message: 'only retail and wholesale clients use routing tags' });
        } else {
          const enabled = await db(ctx).selectFrom('clientRoutingTags').select('routingTagId')
            .where('clientId', '=', ctx.merged.clientId as number).where('routingTagId', '=', tagId).executeTakeFirst();
          if (!enabled) errors.push({ field: '/routingTagId', code: 'TAG_NOT_ENABLED', message: 'the routing tag is not enabled for the client' });
        }
      }
      return errors;
    },
    async afterWrite(ctx) {
      await bump(db(ctx), 'clients', ctx.row.clientId);
    },
    async beforeDelete(ctx) {
      await bump(db(ctx), 'clients', ctx.row.clientId);
    },
    afterRead: requireBillingDetails,
  },
});

const carrierRatingProfiles = defineResource({
  name: 'carrierRatingProfiles',
  table: 'carrierRatingProfiles',
  path: '/carrier-rating-profiles',
  description: 'Rating plans of carriers (cost) with activation time',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: { column: 'carrierId', table: 'carriers', path: 'brandId' } },
  unique: [{ constraint: 'carrier_rating_profiles_activation_key', fields: ['activationTime'] }],
  defaultOrder: ['activationTime'],
  fields: {
    id: idField,
    carrierId: fk('carriers', { required: true, createOnly: true }),
    ratingPlanId: fk('ratingPlans', { required: true }),
    activationTime,
  },
  hooks: {
    async validate(ctx) {
      const carrier = await db(ctx).selectFrom('carriers').select(['brandId', 'currencyId', 'calculateCost']).where('id', '=', ctx.merged.carrierId as number).executeTakeFirst();
      if (!carrier) return [];
      if (!carrier.calculateCost) return [{ field: '/carrierId', code: 'COST_NOT_CALCULATED', message: 'enable "calculate cost" on the carrier first' }];
      return planErrors(ctx, carrier);
    },
    async afterWrite(ctx) {
      await bump(db(ctx), 'carriers', ctx.row.carrierId);
    },
    async beforeDelete(ctx) {
      await bump(db(ctx), 'carriers', ctx.row.carrierId);
    },
  },
});

export default [clientRatingProfiles, carrierRatingProfiles];
