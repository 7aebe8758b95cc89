// Rate on write: finished call records are priced with the in-memory catalogs (call-pricing.ts) before they are
// stored, and stored with price, cost, plans and destination filled — in bulk (COPY FROM STDIN on PostgreSQL,
// unnest inserts on PGlite: bulk-copy.ts), one transaction per flush that also debits the balances with one
// movement per balance (balance-store.ts `applyMovement`: one conditional row update each, taken in a fixed
// order, so concurrent flushes and the live path keep their guarantees). Unrateable calls are stored with their
// reason; calls whose brand catalog cannot be loaded are stored unrated (`rated_at` null) for the batch rater.
//
// Buffering: `add()` never waits and never touches the store; a flush starts when `batchSize` records are
// buffered or `flushMs` after the first one. A failed flush keeps its records (nothing of it was committed) and
// is retried after `retryMs`; records of a brand deleted meanwhile are dropped (its calls are deleted with it).
// `write()` is the bulk entry point with backpressure (it awaits a flush every `batchSize` records).
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import { applyMovement } from './balance-store.ts';
import { bulkLoad, detectBackend, copyInt, copyText, copyTimestamp, type BulkChunk, type BulkColumn, type StoreBackend } from './bulk-copy.ts';
import { BalanceDeltas, priceCall, type PricedCall } from './call-pricing.ts';
import type { CatalogCache } from './catalog-cache.ts';
import type { BrandCatalog } from './catalog-loader.ts';
import { stepClock, type StepSink } from './step-clock.ts';

/** A finished call as the application server knows it at hang-up. */
export interface FinishedCall {
  readonly brandId: number;
  readonly clientId: number | null;
  readonly carrierId: number | null;
  /** SIP Call-ID (or the app's call id). */
  readonly callId: string;
  readonly caller: string | null;
  /** E.164 with '+'. */
  readonly callee: string;
  /** Start of the call (answer time for a billed call): a Date or epoch milliseconds, UTC. */
  readonly startedAt: Date | number;
  /** Billable duration in milliseconds (integer ≥ 0). */
  readonly durationMs: number;
  readonly direction: 'inbound' | 'outbound';
  readonly routingTag?: string | null;
}

export type AddResult = { readonly ok: true } | { readonly ok: false; readonly code: 'invalid_record' | 'closed'; readonly message: string };

export interface FlushResult {
  readonly written: number;
  readonly rated: number;
  readonly unrateable: number;
  readonly inbound: number;
  /** Stored without pricing (catalog not loadable): the batch rater prices them. */
  readonly unrated: number;
  /** Balance movements written. */
  readonly movements: number;
}

export interface RatedCallWriterOptions {
  readonly db: Kysely<Database>;
  readonly catalogs: CatalogCache;
  /** `store.kind`: COPY on 'postgres', unnest inserts on 'pglite' (default: asked from the server once). */
  readonly backend?: StoreBackend;
  /** Records per flush / transaction (default 5000). */
  readonly batchSize?: number;
  /** Longest time a record waits in the buffer, ms (default 1000). */
  readonly flushMs?: number;
  /** Delay before retrying a failed flush, ms (default 2000). */
  readonly retryMs?: number;
  /** Batches `write` keeps in flight on PostgreSQL (default 2; PGlite runs one statement at a time: 1). */
  readonly bulkConcurrency?: number;
  /** Rows per COPY chunk (default 2000): the server parses one while the next is priced. */
  readonly chunkRows?: number;
  readonly now?: () => number;
  /** A flush failed (it is retried) or records were dropped. Never throws into the caller of `add`. */
  readonly onError?: (err: unknown) => void;
  /** Per-step timings of each flush: catalog, copy (price + load), balances, commit. */
  readonly onStep?: StepSink;
}

const COLUMNS: readonly BulkColumn[] = [
  { name: 'brand_id', type: 'integer' }, { name: 'client_id', type: 'integer' }, { name: 'carrier_id', type: 'integer' },
  { name: 'call_id', type: 'text' }, { name: 'caller', type: 'text' }, { name: 'callee', type: 'text' },
  { name: 'start_time', type: 'timestamptz' }, { name: 'duration_ms', type: 'integer' }, { name: 'direction', type: 'text' },
  { name: 'routing_tag', type: 'text' }, { name: 'price', type: 'bigint' }, { name: 'cost', type: 'bigint' },
  { name: 'rating_plan_id', type: 'integer' }, { name: 'carrier_rating_plan_id', type: 'integer' },
  { name: 'destination_prefix', type: 'text' }, { name: 'destination_name', type: 'text' }, { name: 'rating_error', type: 'text' },
  { name: 'rated_at', type: 'timestamptz' }, { name: 'client_debited', type: 'bigint' }, { name: 'carrier_debited', type: 'bigint' },
];

const MAX_DURATION_MS = 2_147_483_647; // duration_ms is an int4

/** Why a record cannot be stored (checked at `add`, so one bad record never blocks a flush), or null. */
export function checkFinishedCall(c: FinishedCall): string | null {
  if (!Number.isInteger(c.brandId) || c.brandId <= 0) return 'brandId must be a positive integer';
  if (c.clientId !== null && !Number.isInteger(c.clientId)) return 'clientId must be an integer or null';
  if (c.carrierId !== null && !Number.isInteger(c.carrierId)) return 'carrierId must be an integer or null';
  if (typeof c.callId !== 'string' || c.callId === '') return 'callId is required';
  if (typeof c.callee !== 'string' || c.callee === '') return 'callee is required';
  if (!Number.isInteger(c.durationMs) || c.durationMs < 0 || c.durationMs > MAX_DURATION_MS) return 'durationMs must be an integer ≥ 0';
  if (c.direction !== 'inbound' && c.direction !== 'outbound') return "direction must be 'inbound' or 'outbound'";
  const ms = typeof c.startedAt === 'number' ? c.startedAt : c.startedAt instanceof Date ? c.startedAt.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) return 'startedAt must be a valid time';
  return null;
}

export class RatedCallWriter {
  readonly #o: Required<Omit<RatedCallWriterOptions, 'onError' | 'onStep' | 'backend'>> & Pick<RatedCallWriterOptions, 'onError' | 'onStep' | 'backend'>;
  #buffer: FinishedCall[] = [];
  #running: Promise<FlushResult> | null = null;
  /** batches of `write` in flight */
  readonly #bulk = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #totals = { written: 0, rated: 0, unrateable: 0, inbound: 0, unrated: 0, movements: 0, dropped: 0 };

  constructor(opts: RatedCallWriterOptions) {
    this.#o = { batchSize: 5000, flushMs: 1000, retryMs: 2000, chunkRows: 2000, bulkConcurrency: 2, now: Date.now, ...opts };
  }

  /** Records waiting for a flush. */
  get pending(): number {
    return this.#buffer.length;
  }

  /** Everything written since the writer was created (and records dropped because their brand was deleted). */
  get totals(): Readonly<FlushResult & { dropped: number }> {
    return { ...this.#totals };
  }

  /** Buffers one finished call (no I/O here). */
  add(call: FinishedCall): AddResult {
    const r = this.#accept(call);
    if (!r.ok) return r;
    if (this.#buffer.length >= this.#o.batchSize) this.#kick();
    else this.#arm(false);
    return r;
  }

  /** Checks one record and buffers it; no flush is started here. */
  #accept(call: FinishedCall): AddResult {
    if (this.#closed) return { ok: false, code: 'closed', message: 'the writer is closed' };
    const bad = checkFinishedCall(call);
    if (bad) return { ok: false, code: 'invalid_record', message: bad };
    this.#buffer.push(call);
    return { ok: true };
  }

  /**
   * Bulk entry: adds every call and writes each full batch, with up to `bulkConcurrency` batches in flight (each
   * its own transaction and COPY, so the server parses them on several cores; balance movements stay safe: each
   * takes its row locks in a fixed order). Invalid records are returned. The first store failure stops taking
   * records from `calls` and rejects once the batches in flight settled: every record taken is then stored or
   * back in the buffer for the retry (like `flush`); the rest of `calls` was not taken.
   */
  async write(calls: Iterable<FinishedCall>): Promise<Array<{ index: number; message: string }>> {
    const invalid: Array<{ index: number; message: string }> = [];
    const limit = this.#o.bulkConcurrency > 1 && (this.#o.backend ?? (await detectBackend(this.#o.db))) === 'postgres' ? this.#o.bulkConcurrency : 1;
    let failure: { err: unknown } | null = null;
    let index = 0;
    for (const c of calls) {
      const r = this.#accept(c);
      if (!r.ok) invalid.push({ index, message: r.message });
      index++;
      if (this.#buffer.length < this.#o.batchSize) continue;
      if (limit === 1) {
        await this.#flushOnce();
        continue;
      }
      while (this.#bulk.size >= limit) await Promise.race(this.#bulk);
      if (failure) break;
      const run: Promise<void> = this.#bulkBatch(this.#buffer.splice(0, this.#o.batchSize))
        .catch((err: unknown) => {
          failure ??= { err };
        })
        .finally(() => this.#bulk.delete(run));
      this.#bulk.add(run);
    }
    await Promise.all(this.#bulk);
    if (failure) throw (failure as { err: unknown }).err;
    this.#arm(false); // a partial batch left in the buffer goes out after flushMs (or with flush/close)
    return invalid;
  }

  /** Writes everything buffered now; rejects (records kept for a retry) when the store fails. */
  async flush(): Promise<void> {
    while (this.#running || this.#bulk.size > 0 || this.#buffer.length > 0) {
      if (this.#bulk.size > 0) await Promise.all(this.#bulk);
      else if (this.#running) await this.#running.catch(() => undefined);
      else await this.#flushOnce();
    }
  }

  /** One batch of `write` beside the regular flush: on failure its records go back to the buffer for the retry. */
  async #bulkBatch(batch: FinishedCall[]): Promise<void> {
    try {
      await this.#writeBatch(batch);
    } catch (err) {
      const kept = await this.#withoutDeletedBrands(batch).catch(() => batch);
      this.#buffer.unshift(...kept);
      this.#arm(true);
      throw err;
    }
  }

  /** Final flush; `add` refuses afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #kick(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#running || this.#buffer.length === 0) return; // the running flush re-arms when it ends
    this.#flushOnce().catch((err: unknown) => this.#o.onError?.(err));
  }

  /** Schedules the next flush of what is buffered: at once for a full batch, else after flushMs (retryMs after a failure). */
  #arm(failed: boolean): void {
    if (this.#buffer.length === 0 || this.#timer) return;
    const ms = failed ? this.#o.retryMs : this.#buffer.length >= this.#o.batchSize ? 0 : this.#o.flushMs;
    this.#timer = setTimeout(() => this.#kick(), ms).unref();
  }

  /** One batch (waits for a flush in progress first). */
  async #flushOnce(): Promise<FlushResult> {
    while (this.#running) await this.#running.catch(() => undefined);
    const batch = this.#buffer.splice(0, this.#o.batchSize);
    const run = this.#writeBatch(batch).catch(async (err: unknown) => {
      const kept = await this.#withoutDeletedBrands(batch).catch(() => batch);
      this.#buffer.unshift(...kept);
      throw err;
    });
    this.#running = run;
    let failed = false;
    try {
      return await run;
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      this.#running = null;
      if (!this.#closed || failed) this.#arm(failed);
    }
  }

  async #writeBatch(batch: readonly FinishedCall[]): Promise<FlushResult> {
    const zero: FlushResult = { written: 0, rated: 0, unrateable: 0, inbound: 0, unrated: 0, movements: 0 };
    if (batch.length === 0) return zero;
    const lap = stepClock(this.#o.onStep);
    const brands = new Map<number, BrandCatalog | undefined>();
    for (const c of batch) {
      if (c.direction === 'inbound' || brands.has(c.brandId)) continue;
      const cat = this.#o.catalogs.peek(c.brandId) ?? (await this.#o.catalogs.get(c.brandId).catch(() => undefined));
      brands.set(c.brandId, cat);
    }
    lap('catalog');
    const backend = this.#o.backend ?? (await detectBackend(this.#o.db));
    const ratedAt = copyTimestamp(this.#o.now());
    const result = await this.#o.db.transaction().execute(async (trx) => {
      const counts = { rated: 0, unrateable: 0, inbound: 0, unrated: 0 };
      const deltas = new BalanceDeltas();
      const written = await bulkLoad(trx, backend, 'billable_calls', COLUMNS,
        this.#chunks(batch, backend === 'postgres', brands, ratedAt, deltas, counts));
      lap('copy');
      for (const d of deltas.sorted()) {
        await applyMovement(trx, {
          owner: d.owner, delta: d.delta, kind: 'calls', actor: 'billing',
          reason: `${d.calls} call${d.calls === 1 ? '' : 's'} rated`,
        }, trx);
      }
      lap('balances');
      return { written, ...counts, movements: deltas.size };
    });
    lap('commit');
    for (const k of Object.keys(zero) as Array<keyof FlushResult>) this.#totals[k] += result[k];
    return result;
  }

  /** Prices and encodes the batch lazily, `chunkRows` at a time. */
  *#chunks(
    batch: readonly FinishedCall[],
    copy: boolean,
    brands: ReadonlyMap<number, BrandCatalog | undefined>,
    ratedAt: string,
    deltas: BalanceDeltas,
    counts: { rated: number; unrateable: number; inbound: number; unrated: number },
  ): Generator<BulkChunk> {
    const step = this.#o.chunkRows;
    for (let at = 0; at < batch.length; at += step) {
      const end = Math.min(at + step, batch.length);
      let text = '';
      const arrays: unknown[][] = copy ? [] : COLUMNS.map(() => []);
      for (let i = at; i < end; i++) {
        const c = batch[i] as FinishedCall;
        const inbound = c.direction === 'inbound';
        const catalog = inbound ? undefined : brands.get(c.brandId);
        const startMs = typeof c.startedAt === 'number' ? c.startedAt : c.startedAt.getTime();
        let p: PricedCall | null = null;
        if (inbound || catalog) {
          p = priceCall(catalog, {
            brandId: c.brandId, clientId: c.clientId, carrierId: c.carrierId, callee: c.callee, startMs, durationMs: c.durationMs,
            inbound, routingTag: c.routingTag ?? null, clientDebited: 0, carrierDebited: 0,
          }, deltas);
          counts[p.outcome]++;
        } else {
          counts.unrated++;
        }
        const startText = copyTimestamp(startMs);
        const routingTag = c.routingTag ?? null;
        if (copy) {
          // No per-row array on this path: the line is built from the values. Codes, prefixes ('+' and digits) and
          // timestamps need no escaping; text from outside (call id, numbers, tag, destination name) does.
          text += `${c.brandId}\t${copyInt(c.clientId)}\t${copyInt(c.carrierId)}\t${copyText(c.callId)}\t${copyText(c.caller)}\t` +
            `${copyText(c.callee)}\t${startText}\t${c.durationMs}\t${c.direction}\t${copyText(routingTag)}\t` +
            (p === null
              ? '\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t0\t0\n'
              : `${copyInt(p.price)}\t${copyInt(p.cost)}\t${copyInt(p.ratingPlanId)}\t${copyInt(p.carrierRatingPlanId)}\t` +
                `${p.destinationPrefix ?? '\\N'}\t${copyText(p.destinationName)}\t${p.ratingError ?? '\\N'}\t${ratedAt}\t` +
                `${p.clientDebited}\t${p.carrierDebited}\n`);
        } else {
          const row = [
            c.brandId, c.clientId, c.carrierId, c.callId, c.caller, c.callee, startText, c.durationMs, c.direction, routingTag,
            p?.price ?? null, p?.cost ?? null, p?.ratingPlanId ?? null, p?.carrierRatingPlanId ?? null, p?.destinationPrefix ?? null,
            p?.destinationName ?? null, p?.ratingError ?? null, p ? ratedAt : null, p?.clientDebited ?? 0, p?.carrierDebited ?? 0,
          ];
          for (let k = 0; k < row.length; k++) (arrays[k] as unknown[]).push(row[k]);
        }
      }
      yield copy ? { text, rows: end - at } : { arrays, rows: end - at };
    }
  }

  /** The batch without records of brands that no longer exist (their inserts can never succeed). */
  async #withoutDeletedBrands(batch: readonly FinishedCall[]): Promise<FinishedCall[]> {
    const ids = [...new Set(batch.map((c) => c.brandId))];
    const found = new Set((await this.#o.db.selectFrom('brands').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
    if (found.size === ids.length) return [...batch];
    const kept = batch.filter((c) => found.has(c.brandId));
    this.#totals.dropped += batch.length - kept.length;
    this.#o.onError?.(new Error(`dropped ${batch.length - kept.length} call records of deleted brands`));
    return kept;
  }
}
