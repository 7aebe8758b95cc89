// Builders for the rating tests and the benchmark (plain values, no I/O).
import { compileDestinationRate, compileRatingPlan, type CompiledDestinationRate, type RatingCatalog } from './catalog.ts';
import type { DestinationRate, EntityId, Rate, RatingPlan } from './model.ts';
import { parseMoney, type Money } from './money.ts';

/** '0.0300' → 300; throws on bad input (fixtures only). */
export function m(text: string): Money {
  const r = parseMoney(text, { allowNegative: true });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

export function rate(prefix: string, perMinute: string, opts: { connection?: string; period?: number; intervalStart?: number } = {}): Rate {
  return {
    prefix, perMinuteRate: m(perMinute), connectionCharge: m(opts.connection ?? '0'),
    chargePeriod: opts.period ?? 1, intervalStart: opts.intervalStart ?? 0,
  };
}

export function buildCatalog(
  destinationRates: readonly DestinationRate[],
  plans: readonly RatingPlan[],
  timeZone = 'Europe/Madrid',
  destinationNames?: ReadonlyMap<string, string>,
): RatingCatalog {
  const drs = new Map<EntityId, CompiledDestinationRate>();
  for (const dr of destinationRates) {
    const c = compileDestinationRate(dr);
    if (!c.ok) throw new Error(c.message);
    drs.set(dr.id, c.value);
  }
  const compiled = new Map(
    plans.map((p) => {
      const c = compileRatingPlan(p, drs, timeZone);
      if (!c.ok) throw new Error(c.message);
      return [p.id, c.value] as const;
    }),
  );
  return destinationNames ? { plans: compiled, destinationNames } : { plans: compiled };
}

export const utc = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad date ${iso}`);
  return t;
};
