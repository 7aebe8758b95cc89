// Rating-plan consistency checks used by the API before a write commits (seed-part1 §1.14, §1.15):
// every destination rate of a plan uses the plan's currency, timings are valid, and the plan rates 24×7 (the
// union of its timings covers the whole week). Only timings and currencies matter here, so no rate is loaded.
import type { Kysely } from 'kysely';
import { compileTiming, uncoveredWeek, type CompiledTiming, type Timing, type WeekGap } from '../domain/rating/index.ts';
import type { Database } from '../store/schema/index.ts';

export interface PlanRowInput {
  readonly destinationRateId: number;
  readonly weight?: number;
  readonly timing?: Timing;
}

export type PlanRowProblem = { readonly index: number; readonly code: 'invalid_timing' | 'currency_mismatch' | 'unknown_destination_rate'; readonly message: string };

export interface PlanCheck {
  readonly problems: readonly PlanRowProblem[];
  /** Week intervals no row covers (empty: rates 24×7). */
  readonly gaps: readonly WeekGap[];
}

export async function checkPlanRows(
  db: Kysely<Database>,
  plan: { readonly brandId: number; readonly currencyId: number },
  rows: readonly PlanRowInput[],
): Promise<PlanCheck> {
  const ids = [...new Set(rows.map((r) => r.destinationRateId))];
  const drs = ids.length === 0 ? [] : await db
    .selectFrom('destinationRates')
    .innerJoin('currencies', 'currencies.id', 'destinationRates.currencyId')
    .select(['destinationRates.id', 'destinationRates.brandId', 'destinationRates.currencyId', 'currencies.code'])
    .where('destinationRates.id', 'in', ids)
    .execute();
  const planCurrency = await db.selectFrom('currencies').select('code').where('id', '=', plan.currencyId).executeTakeFirst();
  const problems: PlanRowProblem[] = [];
  const timings: CompiledTiming[] = [];
  rows.forEach((r, index) => {
    const dr = drs.find((d) => d.id === r.destinationRateId);
    // Another brand's destination rate is reported as not found: its existence is not the caller's business.
    if (!dr || dr.brandId !== plan.brandId) problems.push({ index, code: 'unknown_destination_rate', message: `destination rate ${r.destinationRateId} not found` });
    else if (dr.currencyId !== plan.currencyId) {
      problems.push({ index, code: 'currency_mismatch', message: `destination rate is in ${dr.code}, the plan in ${planCurrency?.code ?? '?'}` });
    }
    const t = compileTiming(r.timing ?? 'always');
    if (t.ok) timings.push(t.timing);
    else problems.push({ index, code: 'invalid_timing', message: t.message });
  });
  return { problems, gaps: rows.length === 0 ? uncoveredWeek([[]]) : uncoveredWeek(timings) };
}

/** Stored rows of a plan, optionally with one row replaced (`replaceId`), removed (`dropId`) or added. */
export async function storedPlanRows(db: Kysely<Database>, planId: number): Promise<Array<PlanRowInput & { id: number }>> {
  const rows = await db.selectFrom('ratingPlanRows').select(['id', 'destinationRateId', 'weight', 'timing'])
    .where('ratingPlanId', '=', planId).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, destinationRateId: r.destinationRateId, weight: r.weight, timing: r.timing as Timing }));
}

/** Whether any client or carrier rating profile links the plan. */
export async function planInUse(db: Kysely<Database>, planId: number): Promise<boolean> {
  const c = await db.selectFrom('clientRatingProfiles').select('id').where('ratingPlanId', '=', planId).executeTakeFirst();
  if (c) return true;
  const k = await db.selectFrom('carrierRatingProfiles').select('id').where('ratingPlanId', '=', planId).executeTakeFirst();
  return k !== undefined;
}

export function gapsText(gaps: readonly WeekGap[]): string {
  const shown = gaps.slice(0, 5).map((g) => `${g.from}–${g.to}`).join(', ');
  return gaps.length > 5 ? `${shown} and ${gaps.length - 5} more` : shown;
}
