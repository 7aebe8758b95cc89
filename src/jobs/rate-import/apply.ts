// Applies parsed CSV rows to a destination rate in ONE transaction (seed-part1 §2.23) with the re-import
// semantics of src/domain/rating/rate-merge.ts: prefixes in both are updated (or unchanged when equal),
// current-only kept, file-only added in file order, unknown prefixes become destinations named as in the file
// (existing destinations keep their names). A failure anywhere rolls everything back: the rates are unchanged.
//
// Set-based (bench/rating/vs-copy.ts): the rows are loaded once into a temporary staging table (no WAL, dropped
// at commit) with COPY FROM STDIN on PostgreSQL (unnest inserts on PGlite: src/billing/bulk-copy.ts), then merged
// on the server by two statements — one INSERT for the missing destinations, one upsert (`INSERT … ON CONFLICT
// DO UPDATE … WHERE changed`) for the rates — so neither the current rates nor the brand's destinations are read
// into memory, and nothing is a per-row round trip.
//
// The rates → destinations foreign key: the upsert takes each destination id from a join with `destinations`
// in the same transaction (the rows it joins are either pre-existing or inserted by the statement before), so
// the constraint holds by construction; PostgreSQL still runs its per-row RI check (a key-share lookup on
// destinations' primary key). It cannot be skipped safely without superuser rights (`session_replication_role`)
// or dropping the constraint, and DEFERRABLE only moves the same checks to the commit. The bench reports its cost.
import { sql, type Kysely } from 'kysely';
import type { ImportedRate } from '../../domain/rating/index.ts';
import type { Database } from '../../store/schema/index.ts';
import { bumpBillingVersion } from '../../billing/versions.ts';
import { stepClock, type StepSink } from '../../billing/step-clock.ts';
import { bulkLoad, copyText, detectBackend, type BulkChunk, type BulkColumn, type StoreBackend } from '../../billing/bulk-copy.ts';

export interface ImportResult {
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly kept: number;
  readonly destinationsCreated: number;
}

/** Rows per COPY chunk / unnest statement. */
const CHUNK = 10_000;

const STAGE = 'rate_import_stage';
const STAGE_COLUMNS: readonly BulkColumn[] = [
  { name: 'ord', type: 'integer' }, { name: 'prefix', type: 'text' }, { name: 'name', type: 'text' },
  { name: 'cc', type: 'bigint' }, { name: 'istart', type: 'integer' }, { name: 'pmr', type: 'bigint' }, { name: 'cp', type: 'integer' },
];

function* stageChunks(rows: readonly ImportedRate[], copy: boolean): Generator<BulkChunk> {
  for (let at = 0; at < rows.length; at += CHUNK) {
    const end = Math.min(at + CHUNK, rows.length);
    if (copy) {
      let text = '';
      for (let i = at; i < end; i++) {
        const r = rows[i] as ImportedRate;
        // The parser checked the prefix ('+' and digits) and the numbers: only the name needs escaping.
        text += `${i}\t${r.prefix}\t${copyText(r.name)}\t${r.connectionCharge}\t${r.intervalStart}\t${r.perMinuteRate}\t${r.chargePeriod}\n`;
      }
      yield { text, rows: end - at };
    } else {
      const part = rows.slice(at, end);
      yield {
        rows: end - at,
        arrays: [part.map((_, k) => at + k), part.map((r) => r.prefix), part.map((r) => r.name), part.map((r) => r.connectionCharge),
          part.map((r) => r.intervalStart), part.map((r) => r.perMinuteRate), part.map((r) => r.chargePeriod)],
      };
    }
  }
}

export async function applyImport(
  trx: Kysely<Database>,
  destinationRateId: number,
  rows: readonly ImportedRate[],
  onStep?: StepSink,
  backend?: StoreBackend,
): Promise<{ ok: true; brandId: number; result: ImportResult } | { ok: false; code: 'destination_rate_gone' }> {
  const lap = stepClock(onStep);
  // Serialises imports of one destination rate across nodes.
  const dr = await trx.selectFrom('destinationRates').select(['id', 'brandId']).where('id', '=', destinationRateId).forUpdate().executeTakeFirst();
  if (!dr) return { ok: false, code: 'destination_rate_gone' };
  const before = await trx.selectFrom('rates').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('destinationRateId', '=', destinationRateId).executeTakeFirstOrThrow();
  lap('apply:lock');
  const kind = backend ?? (await detectBackend(trx));
  await sql`create temporary table ${sql.raw(STAGE)} (ord integer, prefix text, name text, cc bigint, istart integer, pmr bigint, cp integer)
    on commit drop`.execute(trx);
  await bulkLoad(trx, kind, STAGE, STAGE_COLUMNS, stageChunks(rows, kind === 'postgres'));
  // Row estimates for the two joins below (a fresh temporary table has no statistics).
  await sql`analyze ${sql.raw(STAGE)}`.execute(trx);
  lap('apply:stage');
  // The parser refuses duplicate prefixes, so each prefix appears once in the stage.
  const created = await sql<{ n: number }>`
    with ins as (
      insert into destinations (brand_id, prefix, name)
      select ${dr.brandId}, s.prefix, s.name from ${sql.raw(STAGE)} s
      where not exists (select 1 from destinations d where d.brand_id = ${dr.brandId} and d.prefix = s.prefix)
      order by s.ord
      returning 1)
    select count(*)::int4 as n from ins`.execute(trx);
  const destinationsCreated = created.rows[0]?.n ?? 0;
  lap('apply:destinations');
  // First import into an empty destination rate (the common case): a plain INSERT. It skips the speculative
  // insertion of ON CONFLICT and the RETURNING of every row; the row lock taken above keeps the rate empty.
  if (Number(before.n) === 0) {
    const ins = await sql`
      insert into rates (destination_rate_id, destination_id, connection_charge, interval_start, per_minute_rate, charge_period)
      select ${destinationRateId}, d.id, s.cc, s.istart, s.pmr, s.cp
      from ${sql.raw(STAGE)} s join destinations d on d.brand_id = ${dr.brandId} and d.prefix = s.prefix
      order by s.ord`.execute(trx);
    lap('apply:rates');
    const added = Number(ins.numAffectedRows ?? 0);
    if (added !== rows.length) throw new Error(`rate import inserted ${added} of ${rows.length} rates`);
    await sql`drop table ${sql.raw(STAGE)}`.execute(trx);
    await bumpBillingVersion(trx, dr.brandId);
    lap('apply:version');
    return { ok: true, brandId: dr.brandId, result: { added, updated: 0, unchanged: 0, kept: 0, destinationsCreated } };
  }
  // xmax = 0 tells an inserted row from an updated one; unchanged rows are filtered by the WHERE and not returned.
  const upserted = await sql<{ inserted: number; updated: number }>`
    with up as (
      insert into rates as r (destination_rate_id, destination_id, connection_charge, interval_start, per_minute_rate, charge_period)
      select ${destinationRateId}, d.id, s.cc, s.istart, s.pmr, s.cp
      from ${sql.raw(STAGE)} s join destinations d on d.brand_id = ${dr.brandId} and d.prefix = s.prefix
      order by s.ord
      on conflict (destination_rate_id, destination_id) do update
        set connection_charge = excluded.connection_charge, interval_start = excluded.interval_start,
            per_minute_rate = excluded.per_minute_rate, charge_period = excluded.charge_period
        where (r.connection_charge, r.interval_start, r.per_minute_rate, r.charge_period)
          is distinct from (excluded.connection_charge, excluded.interval_start, excluded.per_minute_rate, excluded.charge_period)
      returning (xmax = 0) as inserted)
    select (count(*) filter (where inserted))::int4 as inserted, (count(*) filter (where not inserted))::int4 as updated from up`.execute(trx);
  const added = upserted.rows[0]?.inserted ?? 0;
  const updated = upserted.rows[0]?.updated ?? 0;
  lap('apply:rates');
  await sql`drop table ${sql.raw(STAGE)}`.execute(trx);
  await bumpBillingVersion(trx, dr.brandId);
  lap('apply:version');
  const existing = rows.length - added;
  return {
    ok: true,
    brandId: dr.brandId,
    result: { added, updated, unchanged: existing - updated, kept: Number(before.n) - existing, destinationsCreated },
  };
}
