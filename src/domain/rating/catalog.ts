// Compiled rating data: destination rates become prefix indexes, plans get compiled timings and
// the brand timezone. Built once per configuration change (the billing layer's cache), read by
// every call. Compilation is where configuration errors surface, as coded values.
import type { CurrencyCode, DestinationRate, EntityId, Rate, RatingPlan } from './model.ts';
import { PREFIX } from './model.ts';
import { PrefixIndex } from './prefix-index.ts';
import { rateProblem } from './tariff.ts';
import { compileTiming, timingCovers, uncoveredWeek, type CompiledTiming, type WeekGap } from './timing.ts';
import { ZoneClock } from './zone-clock.ts';

export interface CompiledDestinationRate {
  readonly id: EntityId;
  readonly name: string;
  readonly currency: CurrencyCode;
  readonly deductibleConnectionFee: boolean;
  readonly index: PrefixIndex<Rate>;
}

export interface CompiledPlanRow {
  readonly destinationRate: CompiledDestinationRate;
  readonly weight: number;
  readonly timing: CompiledTiming;
}

export interface CompiledPlan {
  readonly id: EntityId;
  readonly name: string;
  readonly currency: CurrencyCode;
  readonly clock: ZoneClock;
  /** Sorted by weight descending, then destination rate id ascending (the selection order). */
  readonly rows: readonly CompiledPlanRow[];
  /** Week gaps no row covers (seed: a plan MUST rate 24×7). Informative: rating still works elsewhere. */
  readonly gaps: readonly WeekGap[];
}

export type CompileError =
  | { ok: false; code: 'duplicate_prefix' | 'invalid_prefix' | 'invalid_rate'; message: string; prefix: string }
  | { ok: false; code: 'unknown_destination_rate' | 'currency_mismatch' | 'invalid_timing' | 'invalid_timezone' | 'invalid_weight'; message: string };

export function compileDestinationRate(dr: DestinationRate): { ok: true; value: CompiledDestinationRate } | CompileError {
  const index = new PrefixIndex<Rate>(dr.rates.length);
  for (const r of dr.rates) {
    if (!PREFIX.test(r.prefix)) return { ok: false, code: 'invalid_prefix', message: `prefix must be '+' and digits: ${r.prefix}`, prefix: r.prefix };
    const problem = rateProblem(r);
    if (problem) return { ok: false, code: 'invalid_rate', message: `${r.prefix}: ${problem}`, prefix: r.prefix };
    if (!index.add(r.prefix, r)) return { ok: false, code: 'duplicate_prefix', message: `prefix ${r.prefix} twice in destination rate ${dr.id}`, prefix: r.prefix };
  }
  return {
    ok: true,
    value: { id: dr.id, name: dr.name, currency: dr.currency, deductibleConnectionFee: dr.deductibleConnectionFee, index },
  };
}

/**
 * Compiles a plan against compiled destination rates. `timeZone` is the plan's brand timezone
 * (IANA): weekly timings are read in it. Every destination rate must use the plan's currency
 * (ambiguity 26: enforced).
 */
export function compileRatingPlan(
  plan: RatingPlan,
  destinationRates: ReadonlyMap<EntityId, CompiledDestinationRate>,
  timeZone: string,
): { ok: true; value: CompiledPlan } | CompileError {
  if (!ZoneClock.check(timeZone)) return { ok: false, code: 'invalid_timezone', message: `unknown timezone ${timeZone}` };
  const rows: CompiledPlanRow[] = [];
  for (const row of plan.rows) {
    const dr = destinationRates.get(row.destinationRateId);
    if (!dr) return { ok: false, code: 'unknown_destination_rate', message: `destination rate ${row.destinationRateId} not found` };
    if (dr.currency !== plan.currency) {
      return { ok: false, code: 'currency_mismatch', message: `destination rate ${dr.id} is in ${dr.currency}, plan ${plan.id} in ${plan.currency}` };
    }
    if (!Number.isFinite(row.weight)) return { ok: false, code: 'invalid_weight', message: `weight of destination rate ${dr.id} is not a number` };
    const t = compileTiming(row.timing);
    if (!t.ok) return { ok: false, code: 'invalid_timing', message: `destination rate ${dr.id}: ${t.message}` };
    rows.push({ destinationRate: dr, weight: row.weight, timing: t.timing });
  }
  rows.sort((a, b) => b.weight - a.weight || a.destinationRate.id - b.destinationRate.id);
  return {
    ok: true,
    value: {
      id: plan.id, name: plan.name, currency: plan.currency, clock: new ZoneClock(timeZone), rows,
      gaps: uncoveredWeek(rows.map((r) => r.timing)),
    },
  };
}

export interface RateMatch {
  readonly row: CompiledPlanRow;
  readonly rate: Rate;
}

/**
 * Rate selection inside a plan (seed-part1 §2.8, ambiguity 5): among rows whose timing covers the
 * call's start and whose destination rate has a prefix of the number, the highest weight wins;
 * on equal weight the longest prefix; then the lowest destination rate id. Inside one destination
 * rate the longest prefix matches.
 */
export function selectRate(plan: CompiledPlan, number: string, startedAt: number): RateMatch | undefined {
  let best: RateMatch | undefined;
  let weekSecond = -1;
  for (const row of plan.rows) {
    // Rows are sorted by weight: once a match exists, lower weights cannot win.
    if (best && row.weight < best.row.weight) break;
    if (row.timing !== 'always') {
      if (weekSecond < 0) weekSecond = plan.clock.weekSecond(startedAt);
      if (!timingCovers(row.timing, weekSecond)) continue;
    }
    const rate = row.destinationRate.index.longest(number);
    if (rate && (!best || rate.prefix.length > best.rate.prefix.length)) best = { row, rate };
  }
  return best;
}

/** Everything pricing needs: compiled plans by id and destination names by prefix (for display). */
export interface RatingCatalog {
  readonly plans: ReadonlyMap<EntityId, CompiledPlan>;
  readonly destinationNames?: ReadonlyMap<string, string>;
}
