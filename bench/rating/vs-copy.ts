// Billing throughput against PostgreSQL COPY of the same rows, in one run on a throwaway PostgreSQL 15, repeated
// REPS times back to back (default 3); medians of the per-repetition ratios are what counts (the machine is shared).
//
//   1. "rate N synthetic call records" (default 1 000 000) against a P-prefix deck (default 100 000) =
//      price + store the N finished calls through the rate-on-write path (src/billing/rated-call-writer.ts:
//      in-memory pricing, COPY FROM STDIN of the rated rows, one balance movement per balance and flush),
//      vs a server-side COPY of the same N calls, unrated, into the same table (billable_calls, same indexes,
//      emptied before each step). 90 % of the callees match a prefix, 10 % are unrateable (reason stored).
//      Second line (rerating): the batch rater (src/billing/rater.ts `rateAllPending`) pricing the N calls the
//      reference COPY stored unrated — read by keyset, priced, written back with UPDATE … FROM unnest.
//   2. import an R-row CSV (default 100 000) through the real import path (queue + worker: enqueue, claim,
//      character-scanner parse, COPY into a temporary staging table, set-based destination insert + rate upsert,
//      one transaction) vs a server-side COPY of the same rows into the same tables: the destinations the import
//      created and the rates it wrote, dumped and loaded back into `destinations` and `rates` with their real keys,
//      indexes and foreign keys (like the rating reference, which loads `billable_calls` itself). Also printed: the
//      ratio to a COPY of the CSV file into a bare 5-column table without any index or constraint, which no import
//      into the real schema can approach (the foreign-key checks and index inserts alone cost several times it).
// Goals: rating ≤ 1.5× COPY, import ≤ 2× COPY. Also printed: the time per step of our paths, floors (the rates
// upsert with and without the rates → destinations foreign key; CSV parsing alone) and the peak RSS.
//
//   node --import tsx bench/rating/vs-copy.ts [calls] [prefixes] [importRows] [reps] [writerBatch]
import { appendFileSync, chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { openStore, type Store } from '../../src/store/db.ts';
import type { Database } from '../../src/store/schema/index.ts';
import { CatalogCache } from '../../src/billing/catalog-cache.ts';
import { rateAllPending } from '../../src/billing/rater.ts';
import { RatedCallWriter, type FinishedCall } from '../../src/billing/rated-call-writer.ts';
import { copyText, copyTimestamp } from '../../src/billing/bulk-copy.ts';
import { StepTotals } from '../../src/billing/step-clock.ts';
import { RateCsvParser } from '../../src/domain/rating/rate-csv.ts';
import { enqueueRateImport } from '../../src/jobs/rate-import/queue.ts';
import { RateImportWorker } from '../../src/jobs/rate-import/worker.ts';
import { createDatabase, startPostgres } from '../../test/support/postgres.ts';

const CALLS = Number(process.argv[2] ?? 1_000_000);
const PREFIXES = Number(process.argv[3] ?? 100_000);
const IMPORT_ROWS = Number(process.argv[4] ?? 100_000);
const REPS = Number(process.argv[5] ?? 3);
const WRITER_BATCH = Number(process.argv[6] ?? 50_000);
const START = Date.parse('2024-03-01T00:00:00Z');

async function seed(db: Kysely<Database>): Promise<{ brandId: number; clientId: number }> {
  const ref = async (table: 'timezones' | 'languages' | 'currencies', col: 'name' | 'code', v: string) =>
    (await db.selectFrom(table).select('id').where(col, '=', v).executeTakeFirstOrThrow()).id;
  const tz = await ref('timezones', 'name', 'UTC');
  const lang = await ref('languages', 'code', 'en');
  const eur = await ref('currencies', 'code', 'EUR');
  const brandId = (await db.insertInto('brands').values({ name: 'Bench', defaultTimezoneId: tz, languageId: lang, currencyId: eur }).returning('id').executeTakeFirstOrThrow()).id;
  const clientId = (await db.insertInto('clients').values({ brandId, type: 'wholesale', name: 'Bench client', languageId: lang, defaultTimezoneId: tz, currencyId: eur }).returning('id').executeTakeFirstOrThrow()).id;
  // Pseudo-prepaid: every flush / batch also writes its one balance movement.
  await db.updateTable('clients').set({ billingMethod: 'pseudoprepaid' }).where('id', '=', clientId).execute();
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

/** The i-th synthetic call (1-based): 90 % match a deck prefix (+ 3 more digits), every 10th does not. */
function syntheticCall(i: number, brandId: number, clientId: number): FinishedCall {
  return {
    brandId, clientId, carrierId: null, callId: `call-${i}`, caller: null,
    callee: i % 10 === 0 ? `+99${i}` : `+${100_000 + ((i * 7919) % PREFIXES) * 7}${String(i % 1000).padStart(3, '0')}`,
    startedAt: START + i * 1000, durationMs: (i % 600) * 1000, direction: 'outbound',
  };
}

function* calls(brandId: number, clientId: number): Generator<FinishedCall> {
  for (let i = 1; i <= CALLS; i++) yield syntheticCall(i, brandId, clientId);
}

const RATED_COLUMNS = 'brand_id, client_id, carrier_id, call_id, caller, callee, start_time, duration_ms, direction, routing_tag, ' +
  'price, cost, rating_plan_id, carrier_rating_plan_id, destination_prefix, destination_name, rating_error, rated_at, client_debited, carrier_debited';
const UNRATED_COLUMNS = 'brand_id, client_id, carrier_id, call_id, caller, callee, start_time, duration_ms, direction, routing_tag';

/** The same calls, unrated, as a COPY text file (what the reference COPY loads). */
function writeUnratedFile(file: string, brandId: number, clientId: number): void {
  writeFileSync(file, '', { mode: 0o644 });
  let text = '';
  for (const c of calls(brandId, clientId)) {
    text += `${c.brandId}\t${c.clientId}\t\\N\t${copyText(c.callId)}\t\\N\t${copyText(c.callee)}\t${copyTimestamp(c.startedAt as number)}\t${c.durationMs}\t${c.direction}\t\\N\n`;
    if (text.length > 1 << 20) {
      appendFileSync(file, text);
      text = '';
    }
  }
  appendFileSync(file, text);
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e9, r];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');

async function main(): Promise<void> {
  const cluster = await startPostgres();
  if (!cluster) throw new Error('PostgreSQL 15 is not installed (see scripts/install-system-deps.sh)');
  const dir = mkdtempSync(join(tmpdir(), 'sy-bench-'));
  chmodSync(dir, 0o777); // the server (user postgres) reads the COPY files here; removed at the end
  let store: Store | undefined;
  const catalogs: CatalogCache[] = [];
  try {
    const url = await createDatabase(cluster.url, { name: 'sy_bench' });
    store = await openStore({ databaseUrl: url, poolMax: 4 });
    const db = store.db;
    const { brandId, clientId } = await seed(db);
    const callsFile = join(dir, 'calls.txt');
    writeUnratedFile(callsFile, brandId, clientId);
    const rssSetup = process.resourceUsage().maxRSS / 1024;

    const lines: string[] = [];
    for (let i = 0; i < IMPORT_ROWS; i++) lines.push(`"Import ${i}, mobile",+${String(700_000_000 + i)},0.${String(i % 9999).padStart(4, '0')},0.0100,${1 + (i % 60)}`);
    const csv = `${lines.join('\n')}\n`;
    lines.length = 0;
    const importFile = join(dir, 'import.csv');
    writeFileSync(importFile, csv, { mode: 0o644 });
    const eur = (await db.selectFrom('currencies').select('id').where('code', '=', 'EUR').executeTakeFirstOrThrow()).id;
    const drImport = (await db.insertInto('destinationRates').values({ brandId, name: 'Import target', currencyId: eur }).returning('id').executeTakeFirstOrThrow()).id;
    await sql`create table bench_import (name text, prefix text, per_minute numeric, connection numeric, period integer)`.execute(db);
    await sql`create table bench_rates_nofk (like rates including all)`.execute(db); // LIKE copies no foreign key
    await sql`create table bench_rates_fk (like rates including all)`.execute(db);
    await sql`alter table bench_rates_fk add foreign key (destination_id) references destinations(id)`.execute(db);
    await sql`create table bench_rates_deferred (like rates including all)`.execute(db);
    await sql`alter table bench_rates_deferred add foreign key (destination_id) references destinations(id) deferrable initially deferred`.execute(db);

    const r = {
      copyCalls: [] as number[], write: [] as number[], rerate: [] as number[], copyCsv: [] as number[], importS: [] as number[],
      parse: [] as number[], writeCpu: [] as number[], ratedCopy: [] as number[], upsertDeferred: [] as number[], upsertFk: [] as number[], upsertNoFk: [] as number[], copySame: [] as number[],
    };
    const ratio = { write: [] as number[], rerate: [] as number[], importS: [] as number[], importSame: [] as number[], parse: [] as number[] };
    const writeSteps = new StepTotals();
    const rerateSteps = new StepTotals();
    const importSteps = new StepTotals();
    let rssRating = 0;
    let rssRerate = 0;
    let writerTotals = '';
    let importResult = '';
    for (let rep = 0; rep < REPS; rep++) {
      // --- 1. rating: reference COPY of the unrated calls, then the batch rater on them (rerating line) ----------
      await sql`truncate billable_calls, balance_movements`.execute(db);
      await sql`checkpoint`.execute(db);
      const [copyS] = await time(() => sql`copy billable_calls (${sql.raw(UNRATED_COLUMNS)}) from ${sql.lit(callsFile)}`.execute(db));
      await sql`vacuum analyze billable_calls`.execute(db);
      const rerateCatalogs = new CatalogCache(db);
      catalogs.push(rerateCatalogs);
      await rerateCatalogs.get(brandId);
      const [rerateS, rr] = await time(() => rateAllPending(db, rerateCatalogs, { limit: 20_000, onStep: rerateSteps.sink }));
      if (rr.rated + rr.unrateable !== CALLS) throw new Error(`rater priced ${rr.rated + rr.unrateable} of ${CALLS}`);
      rssRerate = Math.max(rssRerate, process.resourceUsage().maxRSS / 1024);
      // --- rate on write into the emptied table -------------------------------------------------------------
      await sql`truncate billable_calls, balance_movements`.execute(db);
      await sql`checkpoint`.execute(db);
      const writeCatalogs = new CatalogCache(db);
      catalogs.push(writeCatalogs);
      await writeCatalogs.get(brandId); // a running node has its catalogs loaded; loading is measured apart below
      const writer = new RatedCallWriter({ db, catalogs: writeCatalogs, backend: 'postgres', batchSize: WRITER_BATCH, onStep: writeSteps.sink });
      const cpu0 = process.cpuUsage();
      const [writeS] = await time(async () => {
        const invalid = await writer.write(calls(brandId, clientId));
        await writer.close();
        if (invalid.length > 0) throw new Error(`${invalid.length} invalid records`);
      });
      const cpu = process.cpuUsage(cpu0);
      r.writeCpu.push((cpu.user + cpu.system) / 1e6);
      const t = writer.totals;
      // Floor of the rated rows themselves: the server COPYing exactly what the writer stored, from a file.
      const ratedFile = join(dir, 'rated.txt');
      await sql`copy (select ${sql.raw(RATED_COLUMNS)} from billable_calls order by id) to ${sql.lit(ratedFile)}`.execute(db);
      chmodSync(ratedFile, 0o644);
      await sql`truncate billable_calls`.execute(db);
      await sql`checkpoint`.execute(db);
      const [ratedCopyS] = await time(() => sql`copy billable_calls (${sql.raw(RATED_COLUMNS)}) from ${sql.lit(ratedFile)}`.execute(db));
      rmSync(ratedFile);
      r.ratedCopy.push(ratedCopyS);
      if (t.written !== CALLS) throw new Error(`writer stored ${t.written} of ${CALLS}`);
      writerTotals = JSON.stringify(t);
      rssRating = Math.max(rssRating, process.resourceUsage().maxRSS / 1024);
      r.copyCalls.push(copyS);
      r.write.push(writeS);
      r.rerate.push(rerateS);
      ratio.write.push(writeS / copyS);
      ratio.rerate.push(rerateS / copyS);

      // --- 2. import: ours, then the reference COPY of the same file ------------------------------------------
      await sql`delete from rates where destination_rate_id = ${drImport}`.execute(db);
      await sql`delete from destinations where brand_id = ${brandId} and length(prefix) = 10 and prefix like '+7%'`.execute(db);
      await sql`delete from rate_imports`.execute(db);
      await sql`vacuum analyze destinations, rates, rate_imports`.execute(db);
      await sql`checkpoint`.execute(db);
      const worker = new RateImportWorker({ db, name: 'bench', onStep: importSteps.sink, backend: 'postgres' });
      const [importS] = await time(async () => {
        await enqueueRateImport(db, { brandId, destinationRateId: drImport, fileName: 'import.csv', file: csv });
        await worker.runOnce();
      });
      await worker.stop();
      const job = await db.selectFrom('rateImports').select(['status', 'result', 'errors']).orderBy('id', 'desc').executeTakeFirstOrThrow();
      if (job.status !== 'done') throw new Error(`import failed: ${JSON.stringify(job.errors).slice(0, 500)}`);
      importResult = JSON.stringify(job.result);
      // Reference 2 (same tables): the rows the import produced — its new destinations and the rates — dumped,
      // deleted, then COPYed back into destinations and rates with their real indexes, unique keys and foreign keys.
      // This is the bulk-load floor of the same data in the same schema, like the rating reference (COPY into
      // billable_calls itself); reference 1 above has no index and no constraint at all.
      const destFile = join(dir, 'import-destinations.txt');
      const ratesFile = join(dir, 'import-rates.txt');
      await sql`copy (select id, brand_id, prefix, name from destinations where brand_id = ${sql.lit(brandId)} and length(prefix) = 10 and prefix like '+7%' order by id) to ${sql.lit(destFile)}`.execute(db);
      await sql`copy (select id, destination_rate_id, destination_id, connection_charge, interval_start, per_minute_rate, charge_period from rates where destination_rate_id = ${sql.lit(drImport)} order by id) to ${sql.lit(ratesFile)}`.execute(db);
      chmodSync(destFile, 0o644);
      chmodSync(ratesFile, 0o644);
      const imported = await db.selectFrom('rates').select((eb) => eb.fn.countAll<string>().as('n')).where('destinationRateId', '=', drImport).executeTakeFirstOrThrow();
      if (Number(imported.n) !== IMPORT_ROWS) throw new Error(`import stored ${imported.n} of ${IMPORT_ROWS} rates`);
      await sql`delete from rates where destination_rate_id = ${drImport}`.execute(db);
      await sql`delete from destinations where brand_id = ${brandId} and length(prefix) = 10 and prefix like '+7%'`.execute(db);
      await sql`vacuum analyze destinations, rates`.execute(db);
      await sql`checkpoint`.execute(db);
      const [copySameS] = await time(async () => {
        await sql`copy destinations (id, brand_id, prefix, name) from ${sql.lit(destFile)}`.execute(db);
        await sql`copy rates (id, destination_rate_id, destination_id, connection_charge, interval_start, per_minute_rate, charge_period) from ${sql.lit(ratesFile)}`.execute(db);
      });
      rmSync(destFile);
      rmSync(ratesFile);
      r.copySame.push(copySameS);
      ratio.importSame.push(importS / copySameS);
      await sql`truncate bench_import`.execute(db);
      await sql`checkpoint`.execute(db);
      const [copyCsvS] = await time(() => sql`copy bench_import from ${sql.lit(importFile)} with (format csv)`.execute(db));
      // Floors: parsing alone; the rates upsert's insert with and without the foreign key (same rows, same indexes).
      const [parseS] = await time(async () => {
        const p = new RateCsvParser();
        for (let at = 0; at < csv.length; at += 64 * 1024) p.write(csv.slice(at, at + 64 * 1024));
        if (!p.end().ok) throw new Error('parse failed');
      });
      const [fkS] = await time(() => sql`insert into bench_rates_fk select * from rates where destination_rate_id = ${drImport}`.execute(db));
      const [noFkS] = await time(() => sql`insert into bench_rates_nofk select * from rates where destination_rate_id = ${drImport}`.execute(db));
      // Deferred: the same checks, queued to the commit (timed with the commit).
      const [deferredS] = await time(() => db.transaction().execute((trx) =>
        sql`insert into bench_rates_deferred select * from rates where destination_rate_id = ${drImport}`.execute(trx)));
      r.upsertDeferred.push(deferredS);
      await sql`truncate bench_rates_fk, bench_rates_nofk, bench_rates_deferred`.execute(db); // the next repetition deletes the destinations they point to
      r.importS.push(importS);
      r.copyCsv.push(copyCsvS);
      r.parse.push(parseS);
      r.upsertFk.push(fkS);
      r.upsertNoFk.push(noFkS);
      ratio.importS.push(importS / copyCsvS);
      ratio.parse.push(parseS / copyCsvS);
      console.log(`rep ${rep + 1}: write ${writeS.toFixed(2)} s / COPY ${copyS.toFixed(2)} s = ${(writeS / copyS).toFixed(2)}×; ` +
        `rerate ${rerateS.toFixed(2)} s = ${(rerateS / copyS).toFixed(2)}×; import ${importS.toFixed(3)} s / COPY ${copyCsvS.toFixed(3)} s = ` +
        `${(importS / copyCsvS).toFixed(2)}× (same tables: COPY ${copySameS.toFixed(3)} s = ${(importS / copySameS).toFixed(2)}×)`);
    }
    // What producing the synthetic records costs (inside "ours": the reference reads a ready file).
    const [genS] = await time(async () => {
      let n = 0;
      for (const c of calls(brandId, clientId)) n += c.durationMs > 0 ? 1 : 0;
      return n;
    });
    const loadCatalogs = new CatalogCache(db);
    catalogs.push(loadCatalogs);
    const [loadS] = await time(() => loadCatalogs.get(brandId));
    const rss = process.resourceUsage().maxRSS / 1024;

    const row = (what: string, n: number, ours: number[], ref: number[], ratios: number[], goal: string) =>
      `| ${what.padEnd(44)} | ${String(n).padStart(9)} | ${median(ours).toFixed(3).padStart(7)} s | ${median(ref).toFixed(3).padStart(7)} s | ` +
      `${median(ratios).toFixed(2).padStart(6)}× | ${goal.padEnd(6)} | ${fmt(ratios)} |`;
    console.log(`\ndeck: ${PREFIXES} prefixes (catalog load + compile ${loadS.toFixed(2)} s, not in the rating time); calls: ${CALLS}; ` +
      `import rows: ${IMPORT_ROWS}; ${REPS} repetitions, medians; writer batch ${WRITER_BATCH}`);
    console.log('| step                                         |      rows |   ours (median) | COPY (median) | ratio  | goal   | ratio per rep |');
    console.log('|----------------------------------------------|-----------|-----------------|---------------|--------|--------|---------------|');
    console.log(row('rate on write (price + COPY rated rows)', CALLS, r.write, r.copyCalls, ratio.write, '≤ 1.5×'));
    console.log(row('rerate stored rows (batch rater, 20k batches)', CALLS, r.rerate, r.copyCalls, ratio.rerate, '—'));
    console.log(row('import CSV vs COPY into destinations + rates', IMPORT_ROWS, r.importS, r.copySame, ratio.importSame, '≤ 2×'));
    console.log(row('import CSV vs COPY into a bare 5-column table', IMPORT_ROWS, r.importS, r.copyCsv, ratio.importS, '—'));
    const steps = (what: string, t: StepTotals) =>
      `${what} (sum over ${REPS} reps): ${[...t.ms].map(([k, ms]) => `${k} ${(ms / 1000).toFixed(2)} s`).join(', ')}`;
    console.log(steps('rate-on-write steps', writeSteps));
    console.log(steps('rerate steps', rerateSteps));
    console.log(steps('import steps', importSteps));
    console.log(`floors (medians): CSV parse alone ${median(r.parse).toFixed(3)} s (${median(ratio.parse).toFixed(2)}× COPY); ` +
      `inserting the ${IMPORT_ROWS} imported rates into a copy of \`rates\` with the destinations FK ${median(r.upsertFk).toFixed(3)} s, ` +
      `with it deferred (checks at commit, commit included) ${median(r.upsertDeferred).toFixed(3)} s, without ${median(r.upsertNoFk).toFixed(3)} s`);
    console.log(`rate on write includes generating the ${CALLS} synthetic records: ${genS.toFixed(2)} s alone; ` +
      `without it the median ratio would be ${median(r.write.map((x, i) => (x - genS) / (r.copyCalls[i] as number))).toFixed(2)}×`);
    console.log(`rate on write: this process's CPU time ${median(r.writeCpu).toFixed(2)} s of ${median(r.write).toFixed(2)} s (pricing + encoding, ` +
      `overlapped with the server's COPY); server-side COPY of the rated rows the writer stored, from a file: ${median(r.ratedCopy).toFixed(2)} s ` +
      `(${median(r.ratedCopy.map((x, i) => x / (r.copyCalls[i] as number))).toFixed(2)}× the unrated COPY)`);
    console.log(`writer totals (last rep): ${writerTotals}; import result: ${importResult}`);
    console.log(`peak RSS (high-water marks, MB): ${rssSetup.toFixed(0)} after the setup (deck, CSV text, call file), ${rssRerate.toFixed(0)} after ` +
      `the first rerate, ${rssRating.toFixed(0)} after the rating part, ${rss.toFixed(0)} for the whole run`);
  } finally {
    for (const c of catalogs) c.stop();
    await store?.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
