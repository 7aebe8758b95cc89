// Applies parsed CSV rows to a destination rate in ONE transaction (seed-part1 §2.23) with the re-import
// semantics of src/domain/rating/rate-merge.ts: prefixes in both are updated (or unchanged when equal),
// current-only kept, file-only added in file order, unknown prefixes become destinations named as in the file
// (existing destinations keep their names). A failure anywhere rolls everything back: the rates are unchanged.
//
// Set-based (bench/rating/vs-copy.ts): the rows go to the server once per statement as column arrays
// (`unnest`, chunks of CHUNK rows) and the merge is done there — one INSERT for the missing destinations and one
// upsert (`INSERT … ON CONFLICT DO UPDATE … WHERE changed`) for the rates per chunk — so neither the current
// rates nor the brand's destinations are read into memory, and nothing is a per-row round trip.
import { sql, type Kysely } from 'kysely';
import type { ImportedRate } from '../../domain/rating/index.ts';
import type { Database } from '../../store/schema/index.ts';
import { bumpBillingVersion } from '../../billing/versions.ts';
import { stepClock, type StepSink } from '../../billing/step-clock.ts';

export interface ImportResult {
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly kept: number;
  readonly destinationsCreated: number;
}

/** Rows per statement: each array parameter stays a few MB at most. */
const CHUNK = 50_000;

export async function applyImport(
  trx: Kysely<Database>,
  destinationRateId: number,
  rows: readonly ImportedRate[],
  onStep?: StepSink,
): Promise<{ ok: true; brandId: number; result: ImportResult } | { ok: false; code: 'destination_rate_gone' }> {
  const lap = stepClock(onStep);
  // Serialises imports of one destination rate across nodes.
  const dr = await trx.selectFrom('destinationRates').select(['id', 'brandId']).where('id', '=', destinationRateId).forUpdate().executeTakeFirst();
  if (!dr) return { ok: false, code: 'destination_rate_gone' };
  const before = await trx.selectFrom('rates').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('destinationRateId', '=', destinationRateId).executeTakeFirstOrThrow();
  lap('apply:lock');
  let destinationsCreated = 0;
  let added = 0;
  let updated = 0;
  for (let at = 0; at < rows.length; at += CHUNK) {
    const part = rows.slice(at, at + CHUNK);
    const prefixes = part.map((r) => r.prefix);
    // The parser refuses duplicate prefixes, so each prefix appears once here.
    const created = await sql<{ n: number }>`
      with ins as (
        insert into destinations (brand_id, prefix, name)
        select ${dr.brandId}, u.prefix, u.name
        from unnest(${prefixes}::text[], ${part.map((r) => r.name)}::text[]) with ordinality as u(prefix, name, ord)
        where not exists (select 1 from destinations d where d.brand_id = ${dr.brandId} and d.prefix = u.prefix)
        order by u.ord
        returning 1)
      select count(*)::int4 as n from ins`.execute(trx);
    destinationsCreated += created.rows[0]?.n ?? 0;
    lap('apply:destinations');
    // xmax = 0 tells an inserted row from an updated one; unchanged rows are filtered by the WHERE and not returned.
    const upserted = await sql<{ inserted: number; updated: number }>`
      with up as (
        insert into rates as r (destination_rate_id, destination_id, connection_charge, interval_start, per_minute_rate, charge_period)
        select ${destinationRateId}, d.id, u.cc, u.istart, u.pmr, u.cp
        from unnest(${prefixes}::text[], ${part.map((r) => r.connectionCharge)}::bigint[], ${part.map((r) => r.intervalStart)}::integer[],
                    ${part.map((r) => r.perMinuteRate)}::bigint[], ${part.map((r) => r.chargePeriod)}::integer[])
             with ordinality as u(prefix, cc, istart, pmr, cp, ord)
        join destinations d on d.brand_id = ${dr.brandId} and d.prefix = u.prefix
        order by u.ord
        on conflict (destination_rate_id, destination_id) do update
          set connection_charge = excluded.connection_charge, interval_start = excluded.interval_start,
              per_minute_rate = excluded.per_minute_rate, charge_period = excluded.charge_period
          where (r.connection_charge, r.interval_start, r.per_minute_rate, r.charge_period)
            is distinct from (excluded.connection_charge, excluded.interval_start, excluded.per_minute_rate, excluded.charge_period)
        returning (xmax = 0) as inserted)
      select (count(*) filter (where inserted))::int4 as inserted, (count(*) filter (where not inserted))::int4 as updated from up`.execute(trx);
    added += upserted.rows[0]?.inserted ?? 0;
    updated += upserted.rows[0]?.updated ?? 0;
    lap('apply:rates');
  }
  await bumpBillingVersion(trx, dr.brandId);
  lap('apply:version');
  const existing = rows.length - added;
  return {
    ok: true,
    brandId: dr.brandId,
    result: { added, updated, unchanged: existing - updated, kept: Number(before.n) - existing, destinationsCreated },
  };
}
