// Re-import of rates into a destination rate (seed-part1 §2.23): prefixes in both the current
// rates and the file are updated with the file's values; prefixes only in the current rates are
// kept; prefixes only in the file are added. Prefixes with no Destination yet are returned as
// destinations to create (named as in the file). Existing destinations keep their names.
// Pure and idempotent: merging the same file twice gives the same rates as merging it once.
import type { Destination, Rate } from './model.ts';
import type { ImportedRate } from './rate-csv.ts';

export interface RateMerge {
  /** Current rates in their order (updated in place), then new prefixes in file order. */
  readonly rates: readonly Rate[];
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly kept: number;
  readonly destinationsToCreate: readonly Destination[];
}

export function mergeImportedRates(
  current: readonly Rate[],
  imported: readonly ImportedRate[],
  hasDestination: (prefix: string) => boolean,
): RateMerge {
  const byPrefix = new Map<string, ImportedRate>();
  for (const r of imported) byPrefix.set(r.prefix, r);
  const rates: Rate[] = [];
  const present = new Set<string>();
  let updated = 0;
  let unchanged = 0;
  let kept = 0;
  for (const old of current) {
    present.add(old.prefix);
    const next = byPrefix.get(old.prefix);
    if (!next) {
      kept++;
      rates.push(old);
      continue;
    }
    const rate = toRate(next);
    if (sameRate(old, rate)) {
      unchanged++;
      rates.push(old);
    } else {
      updated++;
      rates.push(rate);
    }
  }
  let added = 0;
  const destinationsToCreate: Destination[] = [];
  for (const r of imported) {
    if (present.has(r.prefix)) continue;
    added++;
    rates.push(toRate(r));
    if (!hasDestination(r.prefix)) destinationsToCreate.push({ prefix: r.prefix, name: r.name });
  }
  return { rates, added, updated, unchanged, kept, destinationsToCreate };
}

function toRate(r: ImportedRate): Rate {
  return {
    prefix: r.prefix, connectionCharge: r.connectionCharge, intervalStart: r.intervalStart,
    perMinuteRate: r.perMinuteRate, chargePeriod: r.chargePeriod,
  };
}

function sameRate(a: Rate, b: Rate): boolean {
  return (
    a.connectionCharge === b.connectionCharge && a.intervalStart === b.intervalStart &&
    a.perMinuteRate === b.perMinuteRate && a.chargePeriod === b.chargePeriod
  );
}
