// Billing throughput against PostgreSQL COPY of the same rows, in one run on a throwaway PostgreSQL 15:
//   1. rate N synthetic call records (default 1 000 000) against a P-prefix deck (default 100 000) through the
//      real rater (src/billing/rater.ts `rateAllPending`: keyset batches of 20 000, next batch read while the
//      current one is priced in memory and written back with one UPDATE … FROM unnest), vs COPY of the same N
//      rows (rated) into a plain table — and, for context, into a table with billable_calls' indexes;
//   2. import an R-row CSV (default 100 000) through the real import path (queue + worker: parse, set-based
//      destination insert + rate upsert, one transaction) vs COPY of the same CSV into a table.
// Goals: rating ≤ 1.5× COPY, import ≤ 2× COPY. Prints a table, the time per step of both paths, the floor
// measurements (what the server alone needs to read and to update the rows) and the peak RSS.
//
//   node --import tsx bench/rating/vs-copy.ts [calls] [prefixes] [importRows]
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db.ts';
import { CatalogCache } from '../../src/billing/catalog-cache.ts';
import { rateAllPending } from '../../src/billing/rater.ts';
import { StepTotals } from '../../src/billing/step-clock.ts';
import { enqueueRateImport } from '../../src/jobs/rate-import/queue.ts';
import { RateImportWorker } from '../../src/jobs/rate-import/worker.ts';
import { createDatabase, startPostgres } from '../../test/support/postgres.ts';

const CALLS = Number(process.argv[2] ?? 1_000_000);
const PREFIXES = Number(process.argv[3] ?? 100_000);
const IMPORT_ROWS = Number(process.argv[4] ?? 100_000);

const prefixOf = (i: number): string => `+${String(100_000 + i * 7)}`; // distinct 6-digit prefixes

async function seed(store: Store): Promise<{ brandId: number; clientId: number }> {
  const db = store.db;
  const ref = async (table: 'timezones' | 'languages' | 'currencies', col: 'name' | 'code', v: string) =>
    (await db.selectFrom(table).select('id').where(col, '=', v).executeTakeFirstOrThrow()).id;
  const tz = await ref('timezones', 'name', 'UTC');
  const lang = await ref('languages', 'code', 'en');
  const eur = await ref('currencies', 'code', 'EUR');
  const brandId = (await db.insertInto('brands').values({ name: 'Bench', defaultTimezoneId: tz, languageId: lang, currencyId: eur }).returning('id').executeTakeFirstOrThrow()).id;
  const clientId = (await db.insertInto('clients').values({ brandId, type: 'wholesale', name: 'Bench client', languageId: lang, defaultTimezoneId: tz, currencyId: eur }).returning('id').executeTakeFirstOrThrow()).id;
  const drId = (await db.insertInto('destinationRates').values({ brandId, name: 'Deck', currencyId: eur }).returning('id').executeTakeFirstOrThrow()).id;
  await sql`insert into destinations (brand_id, prefix, name)
    select ${brandId}, '+' || (100000 + g * 7)::text, 'Dest ' || g from generate_series(0, ${PREFIXES - 1}) g`.execute(db);
  await sql`insert into rates (destination_rate_id, destination_id, connection_charge, per_minute_rate, charge_period)
    select ${drId}, id, 100, 100 + (id % 500), 1 from destinations where brand_id = ${brandId}`.execute(db);
  const planId = (await db.insertInto('ratingPlans').values({ brandId, name: 'Plan', currencyId: eur }).returning('id').executeTakeFirstOrThrow()).id;
  await db.insertInto('ratingPlanRows').values({ ratingPlanId: planId, destinationRateId: drId, timing: JSON.stringify('always') }).execute();
  await db.insertInto('clientRatingProfiles').values({ clientId, ratingPlanId: planId, activationTime: new Date('2020-01-01T00:00:00Z') }).execute();
  return { brandId, clientId };
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e9, r];
}

async function main(): Promise<void> {
  const cluster = await startPostgres();
  if (!cluster) throw new Error('PostgreSQL 15 is not installed (see scripts/install-system-deps.sh)');
  const dir = mkdtempSync(join(tmpdir(), 'sy-bench-'));
  chmodSync(dir, 0o777); // the server (user postgres) writes and reads the COPY files here; removed at the end
  let store: Store | undefined;
  try {
    const url = await createDatabase(cluster.url, { name: 'sy_bench' });
    store = await openStore({ databaseUrl: url, poolMax: 4 });
    const db = store.db;
    const { brandId, clientId } = await seed(store);

    // --- 1. rating -------------------------------------------------------------------------------------
    // 90 % of callees match a prefix of the deck, 10 % do not (unrateable, visible reason).
    await sql`insert into billable_calls (brand_id, client_id, call_id, callee, start_time, duration_ms, direction)
      select ${brandId}, ${clientId}, 'call-' || g,
        case when g % 10 = 0 then '+99' || g::text else '+' || (100000 + ((g::bigint * 7919) % ${PREFIXES}) * 7)::text || lpad((g % 1000)::text, 3, '0') end,
        timestamptz '2024-03-01 00:00:00+00' + (g || ' seconds')::interval, (g % 600) * 1000, 'outbound'
      from generate_series(1, ${CALLS}) g`.execute(db);
    await sql`vacuum analyze billable_calls`.execute(db);
    const catalogs = new CatalogCache(db);
    const [loadS] = await time(() => catalogs.get(brandId));
    const rateSteps = new StepTotals();
    const [rateS, rated] = await time(async () => {
      const r = await rateAllPending(db, catalogs, { limit: 20_000, onStep: rateSteps.sink });
      return r.rated + r.unrateable + r.inbound;
    });
    // The same rows, rated, as a CSV file → COPY into a plain table.
    await sql`copy (select id, brand_id, client_id, call_id, callee, start_time, duration_ms, direction, price, rating_plan_id,
      destination_prefix, destination_name, rating_error, rated_at from billable_calls) to ${sql.lit(join(dir, 'calls.csv'))} with (format csv)`.execute(db);
    chmodSync(join(dir, 'calls.csv'), 0o644);
    await sql`create table bench_calls (id bigint, brand_id integer, client_id integer, call_id text, callee text, start_time timestamptz,
      duration_ms integer, direction text, price bigint, rating_plan_id integer, destination_prefix text, destination_name text,
      rating_error text, rated_at timestamptz)`.execute(db);
    const [copyCallsS] = await time(() => sql`copy bench_calls from ${sql.lit(join(dir, 'calls.csv'))} with (format csv)`.execute(db));
    await sql`create table bench_calls_idx (like billable_calls including all)`.execute(db);
    const [copyCallsIdxS] = await time(() => sql`copy bench_calls_idx (id, brand_id, client_id, call_id, callee, start_time, duration_ms,
      direction, price, rating_plan_id, destination_prefix, destination_name, rating_error, rated_at) from ${sql.lit(join(dir, 'calls.csv'))} with (format csv)`.execute(db));
    // Floors: reading the pending columns to this process (no pricing, no write), and the server updating every
    // row with constants (no transfer at all), on the COPY-filled copy with billable_calls' indexes.
    const [readS] = await time(async () => {
      let last = 0;
      for (;;) {
        const r = await sql<{ id: number }>`select id, brand_id, client_id, carrier_id, callee, (extract(epoch from start_time) * 1000)::float8 as start_ms,
          duration_ms, direction = 'inbound' as inbound, routing_tag, client_debited, carrier_debited
          from bench_calls_idx where id > ${last} order by id limit 20000`.execute(db);
        const tail = r.rows[r.rows.length - 1];
        if (!tail) return;
        last = tail.id;
      }
    });
    const [updateS] = await time(() => sql`update bench_calls_idx set price = 1234, rating_plan_id = 1, destination_prefix = '+123456',
      destination_name = 'Dest 12345', client_debited = 0, carrier_debited = 0, rated_at = now()`.execute(db));

    // --- 2. import -------------------------------------------------------------------------------------
    const lines: string[] = [];
    for (let i = 0; i < IMPORT_ROWS; i++) lines.push(`"Import ${i}, mobile",+${String(700_000_000 + i)},0.${String(i % 9999).padStart(4, '0')},0.0100,${1 + (i % 60)}`);
    const csv = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, 'import.csv'), csv, { mode: 0o644 });
    const eur = (await db.selectFrom('currencies').select('id').where('code', '=', 'EUR').executeTakeFirstOrThrow()).id;
    const drImport = (await db.insertInto('destinationRates').values({ brandId, name: 'Import target', currencyId: eur }).returning('id').executeTakeFirstOrThrow()).id;
    const importSteps = new StepTotals();
    const worker = new RateImportWorker({ db, name: 'bench', onStep: importSteps.sink });
    const [importS] = await time(async () => {
      await enqueueRateImport(db, { brandId, destinationRateId: drImport, fileName: 'import.csv', file: csv });
      await worker.runOnce();
    });
    const job = await db.selectFrom('rateImports').select(['status', 'result', 'errors']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    if (job.status !== 'done') throw new Error(`import failed: ${JSON.stringify(job.errors).slice(0, 500)}`);
    await sql`create table bench_import (name text, prefix text, per_minute numeric, connection numeric, period integer)`.execute(db);
    const [copyImportS] = await time(() => sql`copy bench_import from ${sql.lit(join(dir, 'import.csv'))} with (format csv)`.execute(db));

    const rss = process.resourceUsage().maxRSS / 1024;
    const row = (what: string, n: number, s: number, ref: number, goal: number) =>
      `| ${what.padEnd(34)} | ${String(n).padStart(9)} | ${s.toFixed(2).padStart(7)} s | ${ref.toFixed(2).padStart(7)} s | ${(s / ref).toFixed(2).padStart(6)}× | ≤ ${goal}× |`;
    console.log(`\ndeck: ${PREFIXES} prefixes (catalog load + compile ${loadS.toFixed(2)} s); calls: ${CALLS}; import rows: ${IMPORT_ROWS}`);
    console.log('| step                               |      rows |    ours    |    COPY    |  ratio  | goal |');
    console.log('|------------------------------------|-----------|------------|------------|---------|------|');
    console.log(row('rate calls (rater, batches of 20k)', rated, rateS, copyCallsS, 1.5));
    console.log(row('import CSV (queue + worker)', IMPORT_ROWS, importS, copyImportS, 2));
    const steps = (what: string, t: StepTotals) =>
      `${what}: ${[...t.ms].map(([k, ms]) => `${k} ${(ms / 1000).toFixed(2)} s`).join(', ')}`;
    console.log(steps('rating steps', rateSteps));
    console.log(steps('import steps', importSteps));
    console.log(`context: COPY of the rated calls into a table with billable_calls' indexes ${copyCallsIdxS.toFixed(2)} s ` +
      `(${(rateS / copyCallsIdxS).toFixed(2)}×); floors: read the ${CALLS} pending rows into Node ${readS.toFixed(2)} s ` +
      `(${(readS / copyCallsS).toFixed(2)}× COPY), server-only UPDATE of every row ${updateS.toFixed(2)} s (${(updateS / copyCallsS).toFixed(2)}× COPY)`);
    console.log(`import result: ${JSON.stringify(job.result)}`);
    console.log(`peak RSS: ${rss.toFixed(0)} MB`);
    catalogs.stop();
    await worker.stop();
  } finally {
    await store?.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
