// LCR ordering (seed-part1 §2.3, ambiguity 6): each carrier's cost for a 5-minute call to the
// destination with the carrier's profile active at the call start, ascending. Decisions:
// - the cost is the carrier's full charge: connection fee included (what the carrier will bill),
//   after the deductible-fee rule;
// - carriers that cannot rate the call are left out (reported in `excluded` for diagnostics);
// - equal costs keep a stable order by carrier id ascending;
// - different currencies are not supported: carriers whose plan currency differs from `currency`
//   (when not given: from the rateable carrier with the lowest id) are excluded as 'currency_mismatch'.
import type { RatingCatalog } from './catalog.ts';
import type { CurrencyCode, EntityId } from './model.ts';
import type { Money } from './money.ts';
import { price, type Rated, type RatingSubject, type UnrateableCode } from './price.ts';

export const LCR_DURATION_SECONDS = 300;

export interface LcrCarrier extends RatingSubject {
  readonly carrierId: EntityId;
}

export interface LcrEntry {
  readonly carrierId: EntityId;
  readonly cost: Money;
  readonly currency: CurrencyCode;
  readonly rated: Rated;
}

export interface LcrResult {
  readonly ordered: readonly LcrEntry[];
  readonly excluded: readonly { readonly carrierId: EntityId; readonly code: UnrateableCode }[];
}

export function lcrOrder(
  catalog: RatingCatalog,
  carriers: readonly LcrCarrier[],
  call: { readonly number: string; readonly startedAt: number; readonly currency?: CurrencyCode | undefined },
): LcrResult {
  const byId = [...carriers].sort((a, b) => a.carrierId - b.carrierId);
  const rated: LcrEntry[] = [];
  const excluded: { carrierId: EntityId; code: UnrateableCode }[] = [];
  let currency = call.currency;
  for (const c of byId) {
    const r = price(catalog, c, { number: call.number, startedAt: call.startedAt, durationSeconds: LCR_DURATION_SECONDS });
    if (!r.ok) {
      excluded.push({ carrierId: c.carrierId, code: r.code });
      continue;
    }
    currency ??= r.plan.currency;
    if (r.plan.currency !== currency) {
      excluded.push({ carrierId: c.carrierId, code: 'currency_mismatch' });
      continue;
    }
    rated.push({ carrierId: c.carrierId, cost: r.charge.total, currency: r.plan.currency, rated: r });
  }
  // Array.prototype.sort is stable: equal costs stay in carrier-id order.
  rated.sort((a, b) => a.cost - b.cost);
  return { ordered: rated, excluded };
}
