// "Simulate a call" (seed 002 L2373–2463, seed-part2 §2.24): what a client, a carrier or each
// rating plan would charge for a number, at a time (default: now, passed in by the caller so this
// stays pure) and a duration.
import type { RatingCatalog } from './catalog.ts';
import type { EntityId } from './model.ts';
import { price, priceWithPlan, type RatingOutcome, type RatingSubject } from './price.ts';

export interface SimulationInput {
  readonly number: string;
  /** Call start, UTC epoch ms; defaults to `now`. */
  readonly at?: number | undefined;
  readonly durationSeconds: number;
  readonly routingTag?: string | undefined;
}

/** Simulates a call for a client or carrier: the profile active at `at` decides the plan. */
export function simulateCall(catalog: RatingCatalog, subject: RatingSubject, input: SimulationInput, now: number): RatingOutcome {
  return price(catalog, subject, {
    number: input.number, startedAt: input.at ?? now, durationSeconds: input.durationSeconds, routingTag: input.routingTag,
  });
}

export interface PlanSimulation {
  readonly ratingPlanId: EntityId;
  readonly outcome: RatingOutcome | { ok: false; code: 'unknown_rating_plan'; message: string };
}

/** Simulates a call on each listed plan (the rating-plan list operation). */
export function simulatePlans(catalog: RatingCatalog, planIds: readonly EntityId[], input: SimulationInput, now: number): PlanSimulation[] {
  return planIds.map((id) => {
    const plan = catalog.plans.get(id);
    if (!plan) return { ratingPlanId: id, outcome: { ok: false, code: 'unknown_rating_plan', message: `rating plan ${id} is not loaded` } };
    return {
      ratingPlanId: id,
      outcome: priceWithPlan(catalog, plan, { number: input.number, startedAt: input.at ?? now, durationSeconds: input.durationSeconds }),
    };
  });
}
