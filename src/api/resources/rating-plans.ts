// Rating plans (seed-part1 §1.14, L2373–2407): weighted, timed destination rates in one currency. A plan MUST
// rate 24×7. Decision: rows may be built up freely while no rating profile uses the plan (`gaps` shows what is
// still uncovered); a plan with gaps cannot be linked to a client or carrier, and once linked no change may open
// a gap. `rows` replaces every row at once (create or update) and must then cover the week.
// Simulation ("Simulate a call") is an action route (billing/routes.ts).
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { fk, idField, optionalText, text } from '../registry/field-helpers.ts';
import type { FieldError } from '../registry/types.ts';
import { checkPlanRows, gapsText, planInUse, storedPlanRows, type PlanRowInput } from '../../billing/plan-check.ts';
import { brandCurrency, configChanged, db } from './billing/common.ts';
import { ROW_SCHEMA } from './billing/timing-schema.ts';

export default defineResource({
  name: 'ratingPlans',
  table: 'ratingPlans',
  path: '/rating-plans',
  description: 'Rating plans: weighted, timed destination rates in one currency (must rate 24×7)',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: 'brandId' },
  unique: [{ constraint: 'rating_plans_brand_name_key', fields: ['name'] }],
  defaultOrder: ['name'],
  fields: {
    id: idField,
    brandId: fk('brands', { required: true, createOnly: true }),
    name: text(100, { required: true, description: 'shown on the final clients\' invoices' }),
    description: optionalText(1024),
    currencyId: fk('currencies', { description: 'every destination rate of the plan uses it; default: the brand currency' }),
    rows: {
      schema: Type.Array(ROW_SCHEMA, { maxItems: 1000 }),
      virtual: true,
      description: 'all rows of the plan (destination rate, weight, timing); writing it replaces them',
    },
    gaps: {
      schema: Type.Array(Type.Object({ from: Type.String(), to: Type.String() })),
      virtual: true,
      readOnly: true,
      description: 'week intervals (brand local time) no row covers; empty when the plan rates 24×7',
    },
  },
  hooks: {
    async prepare(ctx) {
      if (ctx.op === 'create') ctx.values.currencyId ??= await brandCurrency(db(ctx), ctx.values.brandId);
    },
    async validate(ctx) {
      const m = ctx.merged;
      const given = ctx.input.rows as PlanRowInput[] | undefined;
      const rows = given ?? (ctx.op === 'update' ? await storedPlanRows(db(ctx), m.id as number) : []);
      if (given === undefined && !('currencyId' in ctx.input)) return [];
      const check = await checkPlanRows(db(ctx), { brandId: m.brandId as number, currencyId: m.currencyId as number }, rows);
      const errors: FieldError[] = check.problems.map((p) => ({
        field: given ? `/rows/${p.index}` : '/currencyId', code: p.code.toUpperCase(), message: p.message,
      }));
      const used = ctx.op === 'update' && (await planInUse(db(ctx), m.id as number));
      if (errors.length === 0 && check.gaps.length > 0 && (given !== undefined || used)) {
        errors.push({ field: '/rows', code: 'NOT_24X7', message: `the plan must rate 24×7; not covered: ${gapsText(check.gaps)}` });
      }
      if (errors.length === 0 && 'currencyId' in ctx.input && used) {
        errors.push(...(await profileCurrencyErrors(ctx, m.id as number, m.currencyId as number)));
      }
      return errors;
    },
    async afterWrite(ctx) {
      const rows = ctx.input.rows as PlanRowInput[] | undefined;
      const planId = ctx.row.id as number;
      if (rows !== undefined) {
        await db(ctx).deleteFrom('ratingPlanRows').where('ratingPlanId', '=', planId).execute();
        if (rows.length > 0) {
          await db(ctx).insertInto('ratingPlanRows').values(rows.map((r) => ({
            ratingPlanId: planId, destinationRateId: r.destinationRateId, weight: r.weight ?? 1, timing: JSON.stringify(r.timing ?? 'always'),
          }))).execute();
        }
      }
      await configChanged(db(ctx), ctx.row.brandId as number);
    },
    async beforeDelete(ctx) {
      await configChanged(db(ctx), ctx.row.brandId as number);
    },
    async afterRead(ctx) {
      for (const r of ctx.rows) {
        const rows = await storedPlanRows(db(ctx), r.id as number);
        r.rows = rows.map(({ destinationRateId, weight, timing }) => ({ destinationRateId, weight, timing }));
        r.gaps = (await checkPlanRows(db(ctx), { brandId: r.brandId as number, currencyId: r.currencyId as number }, rows)).gaps;
      }
    },
  },
});

/** Clients and carriers linked to the plan must use its currency (ambiguity 26). */
async function profileCurrencyErrors(ctx: Parameters<typeof db>[0], planId: number, currencyId: number): Promise<FieldError[]> {
  const c = await db(ctx).selectFrom('clientRatingProfiles').innerJoin('clients', 'clients.id', 'clientRatingProfiles.clientId')
    .select('clients.name').where('ratingPlanId', '=', planId).where('clients.currencyId', '!=', currencyId).executeTakeFirst();
  const k = await db(ctx).selectFrom('carrierRatingProfiles').innerJoin('carriers', 'carriers.id', 'carrierRatingProfiles.carrierId')
    .select('carriers.name').where('ratingPlanId', '=', planId).where('carriers.currencyId', '!=', currencyId).executeTakeFirst();
  const who = c?.name ?? k?.name;
  return who ? [{ field: '/currencyId', code: 'CURRENCY_MISMATCH', message: `${who} uses this plan in another currency` }] : [];
}
