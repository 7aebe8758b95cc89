// "Simulate a call" and the LCR helper over a brand catalog (seed 002 L2373–2463, seed-part1 §2.3, seed-part2
// §2.24): thin wrappers around the pure engine that resolve the client/carrier/plan from the catalog and give
// the outcome as plain values (amounts in 1/10000 units; the API formats them).
import {
  lcrOrder,
  priceWithPlan,
  simulateCall,
  type RatingOutcome,
  type SimulationInput,
  type UnrateableCode,
} from '../domain/rating/index.ts';
import type { BrandCatalog } from './catalog-loader.ts';

export type SimulationOutcome = RatingOutcome | { readonly ok: false; readonly code: 'not_loaded' | 'routing_tag_not_enabled'; readonly message: string };

export function simulateForClient(catalog: BrandCatalog, clientId: number, input: SimulationInput, now: number): SimulationOutcome {
  const client = catalog.clients.get(clientId);
  if (!client) return { ok: false, code: 'not_loaded', message: `client ${clientId} is not in the catalog` };
  if (input.routingTag !== undefined && !client.routingTags.has(input.routingTag)) {
    return { ok: false, code: 'routing_tag_not_enabled', message: `routing tag ${input.routingTag} is not enabled for the client` };
  }
  return simulateCall(catalog.rating, { currency: client.currency, profiles: client.profiles }, input, now);
}

export function simulateForCarrier(catalog: BrandCatalog, carrierId: number, input: SimulationInput, now: number): SimulationOutcome {
  const carrier = catalog.carriers.get(carrierId);
  if (!carrier) return { ok: false, code: 'not_loaded', message: `carrier ${carrierId} is not in the catalog` };
  return simulateCall(catalog.rating, { currency: carrier.currency, profiles: carrier.profiles }, input, now);
}

export function simulateForPlan(catalog: BrandCatalog, planId: number, input: SimulationInput, now: number): SimulationOutcome {
  const plan = catalog.rating.plans.get(planId);
  if (!plan) {
    const status = catalog.plans.get(planId);
    return { ok: false, code: 'not_loaded', message: status?.error?.message ?? `rating plan ${planId} is not in the catalog` };
  }
  return priceWithPlan(catalog.rating, plan, { number: input.number, startedAt: input.at ?? now, durationSeconds: input.durationSeconds });
}

export interface LcrLine {
  readonly carrierId: number;
  readonly name: string;
  readonly cost: number;
  readonly currency: string;
  readonly ratingPlanId: number;
  readonly destination: { readonly prefix: string; readonly name: string };
}

/** Cost of a 5-minute call with each carrier, cheapest first; carriers that cannot rate it are excluded. */
export function lcrFor(
  catalog: BrandCatalog,
  carrierIds: readonly number[],
  call: { readonly number: string; readonly at: number },
): { ordered: LcrLine[]; excluded: Array<{ carrierId: number; code: UnrateableCode | 'not_loaded' }> } {
  const carriers = carrierIds.flatMap((id) => {
    const c = catalog.carriers.get(id);
    return c ? [{ carrierId: id, currency: c.currency, profiles: c.profiles }] : [];
  });
  const r = lcrOrder(catalog.rating, carriers, { number: call.number, startedAt: call.at });
  return {
    ordered: r.ordered.map((e) => ({
      carrierId: e.carrierId, name: catalog.carriers.get(e.carrierId)?.name ?? '', cost: e.cost, currency: e.currency,
      ratingPlanId: e.rated.plan.id, destination: e.rated.destination,
    })),
    excluded: [
      ...r.excluded,
      ...carrierIds.filter((id) => !catalog.carriers.has(id)).map((carrierId) => ({ carrierId, code: 'not_loaded' as const })),
    ],
  };
}
