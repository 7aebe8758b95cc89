// Rows of a rating plan (seed-part1 §1.14 "List of destination rates"): destination rate, weight (the highest
// wins when several can rate a call) and timing (always, or weekly windows in the brand timezone). Same
// currency as the plan; once the plan is used by a rating profile, no change may leave part of the week unrated.
import { defineResource } from '../registry/registry.ts';
import { fk, idField, integer } from '../registry/field-helpers.ts';
import type { FieldError } from '../registry/types.ts';
import { checkPlanRows, gapsText, planInUse, storedPlanRows, type PlanRowInput } from '../../billing/plan-check.ts';
import type { Timing } from '../../domain/rating/index.ts';
import { configChanged, db } from './billing/common.ts';
import { TIMING_SCHEMA } from './billing/timing-schema.ts';

async function planOf(ctx: Parameters<typeof db>[0], planId: unknown) {
  return db(ctx).selectFrom('ratingPlans').select(['id', 'brandId', 'currencyId']).where('id', '=', planId as number).executeTakeFirst();
}

export default defineResource({
  name: 'ratingPlanRows',
  table: 'ratingPlanRows',
  path: '/rating-plan-rows',
  description: 'Destination rates of a rating plan with weight and timing',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: { column: 'ratingPlanId', table: 'ratingPlans', path: 'brandId' } },
  fields: {
    id: idField,
    ratingPlanId: fk('ratingPlans', { required: true, createOnly: true }),
    destinationRateId: fk('destinationRates', { required: true }),
    weight: integer(0, 1_000_000, { description: 'highest weight wins (default 1)' }),
    timing: { schema: TIMING_SCHEMA, transform: (v) => JSON.stringify(v), description: "'always' or { kind: 'weekly', windows: [{ days, from, to }] }" },
  },
  hooks: {
    async validate(ctx) {
      const plan = await planOf(ctx, ctx.merged.ratingPlanId);
      // Another brand's plan: the reference check answers 404 after this hook.
      if (!plan || (ctx.caller.level !== 'platform' && plan.brandId !== ctx.caller.brandId)) return [];
      const stored = await storedPlanRows(db(ctx), plan.id);
      const mine: PlanRowInput = {
        destinationRateId: ctx.merged.destinationRateId as number,
        weight: (ctx.merged.weight as number | undefined) ?? 1,
        timing: (ctx.merged.timing as Timing | undefined) ?? 'always',
      };
      const rows = [...stored.filter((r) => r.id !== ctx.before?.id), mine];
      const check = await checkPlanRows(db(ctx), plan, rows);
      const errors: FieldError[] = check.problems
        .filter((p) => p.index === rows.length - 1)
        .map((p) => ({ field: p.code === 'invalid_timing' ? '/timing' : '/destinationRateId', code: p.code.toUpperCase(), message: p.message }));
      if (errors.length === 0 && check.gaps.length > 0 && (await planInUse(db(ctx), plan.id))) {
        errors.push({ field: '/timing', code: 'NOT_24X7', message: `the plan is in use and must rate 24×7; not covered: ${gapsText(check.gaps)}` });
      }
      return errors;
    },
    async afterWrite(ctx) {
      await configChanged(db(ctx), (await planOf(ctx, ctx.row.ratingPlanId))?.brandId);
    },
    async beforeDelete(ctx) {
      const plan = await planOf(ctx, ctx.row.ratingPlanId);
      if (!plan) return [];
      if (await planInUse(db(ctx), plan.id)) {
        const rows = (await storedPlanRows(db(ctx), plan.id)).filter((r) => r.id !== ctx.row.id);
        const check = await checkPlanRows(db(ctx), plan, rows);
        if (check.gaps.length > 0) return [{ field: '/id', code: 'NOT_24X7', message: `the plan is in use and must rate 24×7; would not cover ${gapsText(check.gaps)}` }];
      }
      await configChanged(db(ctx), plan.brandId);
      return [];
    },
  },
});

