// Rating of stored calls (seed-part1 §2.8, §2.10, §2.17). The normal path prices a call before it is stored
// (rated-call-writer.ts); this asynchronous pass is for rerating and for rows stored unrated (catalog not
// loadable at write time, records inserted by other means). It gives each pending billable call its price (client), cost (carrier with "calculate cost"), rating plan and destination, and debits the balances
// rated after the call: pseudo-prepaid clients and carriers (prepaid clients were charged live, postpaid clients
// have no balance). An unrateable call keeps a visible reason (`rating_error`) and never fails the batch.
//
// Rerating (brand level): calls not in an invoice get price and cost emptied and are rated again by the next
// pass with the profiles active at their start time (§2.17: "rated with rating plans active at the call's Start
// time"). Decision: the start time picks the rating profile, hence the plan; the plan's rates are priced with
// their current values, as IvozProvider does — rate rows are edited in place and carry no history. Each call remembers what it took from each balance
// (`client_debited`, `carrier_debited`), so a rerate moves the balance by the difference only.
//
// One transaction per batch: the call updates (one `UPDATE … FROM unnest(…)` statement) and one movement per
// balance touched (kind 'calls' or 'rerate', the count in the reason) commit together.
//
// Throughput (bench/rating/vs-copy.ts): batches are read by keyset (`id > last`, on the partial index of unrated
// calls, so the dead entries the previous batches left below the cursor are never walked again), priced with no
// await per call, and written back set-based. `rateAllPending` reads the next batch while the current one is
// priced and written (two pool connections on PostgreSQL; PGlite serialises them).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import { applyMovement } from './balance-store.ts';
import { BalanceDeltas, priceCall } from './call-pricing.ts';
import type { CatalogCache } from './catalog-cache.ts';
import type { BrandCatalog } from './catalog-loader.ts';
import { stepClock, type StepSink } from './step-clock.ts';

export interface RateBatchOptions {
  /** Calls per batch (default 5000 for `rateBatch`, 20 000 for `rateAllPending`). */
  readonly limit?: number;
  /** Only calls with a greater id (keyset cursor; default 0 = from the oldest). */
  readonly afterId?: number;
  readonly now?: () => number;
  /** Per-step timings: fetch, catalog, price, write, commit. */
  readonly onStep?: StepSink;
}

export interface RateBatchResult {
  readonly rated: number;
  readonly unrateable: number;
  readonly inbound: number;
}

export interface RateBatchPage extends RateBatchResult {
  /** Highest call id of the batch (the cursor for the next one), 0 when nothing was pending. */
  readonly lastId: number;
}

/** A pending call as read for rating: only what pricing needs, in cheap-to-parse types. */
interface PendingCall {
  id: number;
  brandId: number;
  clientId: number | null;
  carrierId: number | null;
  callee: string;
  startMs: number;
  durationMs: number;
  inbound: boolean;
  routingTag: string | null;
  clientDebited: number;
  carrierDebited: number;
}

/** Column arrays for the set-based write (one entry per call of the batch). */
interface RatedBatch {
  readonly id: number[];
  readonly price: Array<number | null>;
  readonly cost: Array<number | null>;
  readonly ratingPlanId: Array<number | null>;
  readonly carrierRatingPlanId: Array<number | null>;
  readonly destinationPrefix: Array<string | null>;
  readonly destinationName: Array<string | null>;
  readonly ratingError: Array<string | null>;
  readonly clientDebited: number[];
  readonly carrierDebited: number[];
  readonly deltas: BalanceDeltas;
  rated: number;
  unrateable: number;
  inbound: number;
}

/** Rates up to `limit` unrated calls with an id above `afterId` (oldest first). Zero counts when none is pending. */
export async function rateBatch(db: Kysely<Database>, catalogs: CatalogCache, opts: RateBatchOptions = {}): Promise<RateBatchPage> {
  const lap = stepClock(opts.onStep);
  const calls = await fetchPending(db, opts.afterId ?? 0, opts.limit ?? 5000);
  lap('fetch');
  return rateFetched(db, catalogs, calls, opts, lap);
}

/** Rates until nothing is pending. Returns the totals. */
export async function rateAllPending(db: Kysely<Database>, catalogs: CatalogCache, opts: RateBatchOptions = {}): Promise<RateBatchResult> {
  const limit = opts.limit ?? 20_000;
  let rated = 0;
  let unrateable = 0;
  let inbound = 0;
  // A pass walks the ids upwards from the cursor; calls behind it (`afterId`, or queued for rerating meanwhile) are
  // taken by the next pass, from the oldest. Done when a pass from the oldest finds nothing.
  for (let from = opts.afterId ?? 0; ; from = 0) {
    let passCalls = 0;
    const lap = stepClock(opts.onStep);
    let next = prefetch(db, from, limit);
    for (;;) {
      const calls = await next;
      lap('fetch');
      if (calls.length === 0) break;
      next = prefetch(db, (calls[calls.length - 1] as PendingCall).id, limit);
      const r = await rateFetched(db, catalogs, calls, opts, lap);
      passCalls += calls.length;
      rated += r.rated;
      unrateable += r.unrateable;
      inbound += r.inbound;
    }
    if (passCalls === 0 && from === 0) break;
  }
  return { rated, unrateable, inbound };
}

/** Starts a fetch whose failure is reported when awaited, never as an unhandled rejection meanwhile. */
function prefetch(db: Kysely<Database>, afterId: number, limit: number): Promise<PendingCall[]> {
  const p = fetchPending(db, afterId, limit);
  p.catch(() => {});
  return p;
}

async function fetchPending(db: Kysely<Database>, afterId: number, limit: number): Promise<PendingCall[]> {
  // Start time as epoch milliseconds (float8): no Date parsing per row.
  const r = await sql<PendingCall>`
    select id, brand_id, client_id, carrier_id, callee, (extract(epoch from start_time) * 1000)::float8 as start_ms, duration_ms,
      direction = 'inbound' as inbound, routing_tag, client_debited, carrier_debited
    from billable_calls where rated_at is null and id > ${afterId} order by id limit ${limit}`.execute(db);
  return r.rows;
}

async function rateFetched(
  db: Kysely<Database>,
  catalogs: CatalogCache,
  calls: readonly PendingCall[],
  opts: RateBatchOptions,
  lap: (step: string) => void,
): Promise<RateBatchPage> {
  if (calls.length === 0) return { rated: 0, unrateable: 0, inbound: 0, lastId: 0 };
  const brands = new Map<number, BrandCatalog>();
  for (const c of calls) {
    if (!c.inbound && !brands.has(c.brandId)) brands.set(c.brandId, await catalogs.get(c.brandId));
  }
  lap('catalog');
  const batch = priceCalls(calls, brands);
  lap('price');
  const now = new Date((opts.now ?? Date.now)());
  await db.transaction().execute(async (trx) => {
    await writeRated(trx, batch, now);
    lap('write');
    for (const d of batch.deltas.sorted()) {
      await applyMovement(trx, {
        owner: d.owner, delta: d.delta, kind: d.rerate ? 'rerate' : 'calls', actor: 'rater',
        reason: `${d.calls} call${d.calls === 1 ? '' : 's'} ${d.rerate ? 'rerated' : 'rated'}`,
      }, trx);
    }
    lap('balances');
  });
  lap('commit');
  return { rated: batch.rated, unrateable: batch.unrateable, inbound: batch.inbound, lastId: (calls[calls.length - 1] as PendingCall).id };
}

/** Prices a batch in memory (no I/O): price, cost, plan, destination or the coded reason, and balance deltas. */
function priceCalls(calls: readonly PendingCall[], brands: ReadonlyMap<number, BrandCatalog>): RatedBatch {
  const b: RatedBatch = {
    id: [], price: [], cost: [], ratingPlanId: [], carrierRatingPlanId: [], destinationPrefix: [], destinationName: [],
    ratingError: [], clientDebited: [], carrierDebited: [], deltas: new BalanceDeltas(), rated: 0, unrateable: 0, inbound: 0,
  };
  for (const c of calls) {
    const p = priceCall(c.inbound ? undefined : brands.get(c.brandId), {
      ...c, clientDebited: Number(c.clientDebited), carrierDebited: Number(c.carrierDebited),
    }, b.deltas);
    b[p.outcome]++;
    b.id.push(c.id);
    b.price.push(p.price);
    b.cost.push(p.cost);
    b.ratingPlanId.push(p.ratingPlanId);
    b.carrierRatingPlanId.push(p.carrierRatingPlanId);
    b.destinationPrefix.push(p.destinationPrefix);
    b.destinationName.push(p.destinationName);
    b.ratingError.push(p.ratingError);
    b.clientDebited.push(p.clientDebited);
    b.carrierDebited.push(p.carrierDebited);
  }
  return b;
}

async function writeRated(trx: Kysely<Database>, b: RatedBatch, now: Date): Promise<void> {
  // The id range lets the planner read only the batch's rows through the primary key: without it, it hashes the
  // unnest and seq-scans the whole table for every batch (measured: quadratic, 47 s of 53 s for 1M calls).
  const first = b.id[0] ?? 0;
  const last = b.id[b.id.length - 1] ?? 0;
  await sql`
    update billable_calls as b set
      price = u.price, cost = u.cost, rating_plan_id = u.rating_plan_id, carrier_rating_plan_id = u.carrier_rating_plan_id,
      destination_prefix = u.destination_prefix, destination_name = u.destination_name, rating_error = u.rating_error,
      client_debited = u.client_debited, carrier_debited = u.carrier_debited, rated_at = ${now}
    from unnest(
      ${b.id}::bigint[], ${b.price}::bigint[], ${b.cost}::bigint[], ${b.ratingPlanId}::integer[],
      ${b.carrierRatingPlanId}::integer[], ${b.destinationPrefix}::text[], ${b.destinationName}::text[],
      ${b.ratingError}::text[], ${b.clientDebited}::bigint[], ${b.carrierDebited}::bigint[]
    ) as u(id, price, cost, rating_plan_id, carrier_rating_plan_id, destination_prefix, destination_name, rating_error,
           client_debited, carrier_debited)
    where b.id = u.id and b.id between ${first} and ${last}`.execute(trx);
}

export type RerateResult =
  | { readonly ok: true; readonly queued: readonly number[] }
  | { readonly ok: false; readonly code: 'invoiced' | 'not_found' | 'inbound'; readonly ids: readonly number[] };

/**
 * Queues outbound calls of `brandId` for rerating (seed-part2 §2.20): refused as a whole when one is in an
 * invoice (delete the invoice first), is inbound or does not exist in the brand. Price and cost are emptied
 * until the next rating pass.
 */
export async function rerateCalls(db: Kysely<Database>, brandId: number, ids: readonly number[]): Promise<RerateResult> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { ok: true, queued: [] };
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('billableCalls')
      .select(['id', 'invoiceId', 'direction'])
      .where('brandId', '=', brandId)
      .where('id', 'in', unique)
      .forUpdate()
      .execute();
    const found = new Set(rows.map((r) => Number(r.id)));
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length > 0) return { ok: false, code: 'not_found', ids: missing } as const;
    const invoiced = rows.filter((r) => r.invoiceId !== null).map((r) => Number(r.id));
    if (invoiced.length > 0) return { ok: false, code: 'invoiced', ids: invoiced } as const;
    const inbound = rows.filter((r) => r.direction === 'inbound').map((r) => Number(r.id));
    if (inbound.length > 0) return { ok: false, code: 'inbound', ids: inbound } as const;
    await trx
      .updateTable('billableCalls')
      .set({
        price: null, cost: null, ratingPlanId: null, carrierRatingPlanId: null, destinationPrefix: null, destinationName: null,
        ratingError: null, ratedAt: null,
      })
      .where('id', 'in', unique)
      .execute();
    return { ok: true, queued: unique } as const;
  });
}
