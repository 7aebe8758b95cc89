// Pricing of one finished call with a brand's in-memory catalog (no I/O), shared by the two write paths:
// rate-on-write (rated-call-writer.ts, the normal path) and the batch rater (rater.ts: rerating, and rows stored
// unrated). Client price with the client's active profile, carrier cost when the carrier calculates cost
// (seed-part1 §1.7, §2.8); billing fields stay empty for incoming calls (seed-part1 §2.17). Pseudo-prepaid
// clients and cost-calculating carriers are debited after the call (prepaid clients were charged live, postpaid
// clients have no balance): the change is collected per balance in `BalanceDeltas`, one movement per balance
// and batch. `clientDebited`/`carrierDebited` remember what the call took, so a rerate moves only the difference.
import { price } from '../domain/rating/index.ts';
import type { BalanceOwner } from './balance-store.ts';
import type { BrandCatalog } from './catalog-loader.ts';

/** What pricing needs of a call. */
export interface CallToPrice {
  readonly brandId: number;
  readonly clientId: number | null;
  readonly carrierId: number | null;
  readonly callee: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly inbound: boolean;
  readonly routingTag: string | null;
  /** Taken from the balances by an earlier rating of this call (0 for a new call). */
  readonly clientDebited: number;
  readonly carrierDebited: number;
}

export interface PricedCall {
  readonly outcome: 'rated' | 'unrateable' | 'inbound';
  readonly price: number | null;
  readonly cost: number | null;
  readonly ratingPlanId: number | null;
  readonly carrierRatingPlanId: number | null;
  readonly destinationPrefix: string | null;
  readonly destinationName: string | null;
  /** An UnrateableCode (`carrier_` prefixed for the carrier side), null when rated. */
  readonly ratingError: string | null;
  readonly clientDebited: number;
  readonly carrierDebited: number;
}

export interface BalanceDelta {
  readonly owner: BalanceOwner;
  delta: number;
  calls: number;
  rerate: boolean;
}

/** Balance changes of a batch, one entry per balance. */
export class BalanceDeltas {
  readonly #byKey = new Map<string, BalanceDelta>();

  add(owner: BalanceOwner, delta: number, rerate: boolean): void {
    if (delta === 0) return;
    const key = `${owner.kind}:${owner.id}`;
    const d = this.#byKey.get(key) ?? { owner, delta: 0, calls: 0, rerate: false };
    d.delta += delta;
    d.calls += 1;
    d.rerate ||= rerate;
    this.#byKey.set(key, d);
  }

  /**
   * The changes in a fixed order (clients then carriers, by id): two nodes flushing batches that touch the same
   * balances take the balance row locks in the same order, so they wait for each other instead of deadlocking.
   */
  sorted(): BalanceDelta[] {
    return [...this.#byKey.values()].sort((a, b) => (a.owner.kind === b.owner.kind ? a.owner.id - b.owner.id : a.owner.kind === 'client' ? -1 : 1));
  }

  get size(): number {
    return this.#byKey.size;
  }
}

/** Prices one call; `catalog` undefined means the call is not priced (inbound). Balance changes go to `deltas`. */
export function priceCall(catalog: BrandCatalog | undefined, c: CallToPrice, deltas: BalanceDeltas): PricedCall {
  if (c.inbound || !catalog) {
    return {
      outcome: 'inbound', price: null, cost: null, ratingPlanId: null, carrierRatingPlanId: null, destinationPrefix: null,
      destinationName: null, ratingError: null, clientDebited: c.clientDebited, carrierDebited: c.carrierDebited,
    };
  }
  let callPrice: number | null = null;
  let cost: number | null = null;
  let planId: number | null = null;
  let carrierPlanId: number | null = null;
  let prefix: string | null = null;
  let name: string | null = null;
  let error: string | null = null;
  let clientDebited = c.clientDebited;
  let carrierDebited = c.carrierDebited;
  const call = { number: c.callee, startedAt: c.startMs, durationSeconds: c.durationMs / 1000, routingTag: c.routingTag ?? undefined };
  const rerate = c.clientDebited !== 0 || c.carrierDebited !== 0;
  const client = c.clientId === null ? undefined : catalog.clients.get(c.clientId);
  if (!client) {
    error = 'unknown_client';
  } else {
    const r = price(catalog.rating, { currency: client.currency, profiles: client.profiles }, call);
    if (r.ok) {
      callPrice = r.charge.total;
      planId = r.plan.id;
      prefix = r.destination.prefix;
      name = r.destination.name;
      if (client.billingMethod === 'pseudoprepaid') {
        deltas.add({ kind: 'client', id: client.id, brandId: c.brandId }, c.clientDebited - r.charge.total, rerate);
        clientDebited = r.charge.total;
      }
    } else {
      error = r.code;
    }
  }
  const carrier = c.carrierId === null ? undefined : catalog.carriers.get(c.carrierId);
  if (carrier?.calculateCost) {
    const r = price(catalog.rating, { currency: carrier.currency, profiles: carrier.profiles }, call);
    if (r.ok) {
      cost = r.charge.total;
      carrierPlanId = r.plan.id;
      deltas.add({ kind: 'carrier', id: carrier.id, brandId: c.brandId }, c.carrierDebited - r.charge.total, rerate);
      carrierDebited = r.charge.total;
    } else {
      error ??= `carrier_${r.code}`;
    }
  }
  return {
    outcome: error ? 'unrateable' : 'rated', price: callPrice, cost, ratingPlanId: planId, carrierRatingPlanId: carrierPlanId,
    destinationPrefix: prefix, destinationName: name, ratingError: error, clientDebited, carrierDebited,
  };
}
