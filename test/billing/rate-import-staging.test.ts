// The rate import's staging path (src/jobs/rate-import/apply.ts) on both backends: names that COPY's text format
// must escape (tab, backslash, "\N", quotes, non-ASCII) arrive unchanged, new destinations are created in file
// order, a failure inside the merge rolls the whole import back (no staging table left behind, rates unchanged),
// and two imports in one session do not collide on the temporary table.
import { it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { forEachBackend } from '../support/stores.ts';
import { enqueueRateImport } from '../../src/jobs/rate-import/queue.ts';
import { RateImportWorker } from '../../src/jobs/rate-import/worker.ts';
import { buildBillingApi, post, seedWorld, type World } from './support.ts';

forEachBackend('rate import staging', (b) => {
  let app: FastifyInstance;
  let w: World;
  let worker: RateImportWorker;
  let dr: number;
  beforeEach(async () => {
    app = await buildBillingApi(b.store);
    w = await seedWorld(app, b.store);
    worker = new RateImportWorker({ db: b.store.db, name: 'staging-test' });
    dr = (await post(app, w.brandTokenA, '/api/brand/destination-rates', { name: 'Staged' })).id;
  });
  afterEach(async () => {
    await worker.stop();
    await app.close();
  });

  const run = async (file: string) => {
    const id = await enqueueRateImport(b.store.db, { brandId: w.brandA, destinationRateId: dr, fileName: 'x.csv', file });
    await worker.runOnce();
    return b.store.db.selectFrom('rateImports').select(['status', 'result', 'errors']).where('id', '=', id).executeTakeFirstOrThrow();
  };
  const destinations = async () => (await b.store.db.selectFrom('destinations').select(['prefix', 'name']).where('brandId', '=', w.brandA)
    .orderBy('id').execute()).map((d) => [d.prefix, d.name]);

  it('stores names COPY must escape unchanged, destinations in file order', async () => {
    const names = ['Tab\there', 'Back\\slash', '\\N', 'Quote "q"', 'Ñandú, España', 'Trailing\\'];
    const file = names.map((n, i) => `"${n.replace(/"/g, '""')}",+${90 + i},0.01,0,1`).join('\n');
    const job = await run(file);
    assert.equal(job.status, 'done', JSON.stringify(job.errors));
    assert.deepEqual(await destinations(), names.map((n, i) => [`+${90 + i}`, n]));
    assert.deepEqual(job.result, { added: 6, updated: 0, unchanged: 0, kept: 0, destinationsCreated: 6 });
    // Same file again: nothing changes; a second import in the same session reuses the staging table name.
    assert.deepEqual((await run(file)).result, { added: 0, updated: 0, unchanged: 6, kept: 0, destinationsCreated: 0 });
  });

  it('a failure inside the merge changes nothing and leaves no staging table', async () => {
    assert.equal((await run('Spain,+34,0.03,0,1\n')).status, 'done');
    // A rate value the table refuses (the parser cannot produce it): a check constraint that fails on the upsert.
    await sql`alter table rates add constraint bench_test_cap check (per_minute_rate < 1000000)`.execute(b.store.db);
    const job = await run('Spain,+34,0.04,0,1\nFrance,+33,100,0,1\n');
    assert.equal(job.status, 'failed');
    assert.match(JSON.stringify(job.errors), /import_failed/);
    assert.deepEqual(await destinations(), [['+34', 'Spain']], 'the destination insert was rolled back too');
    const rate = await b.store.db.selectFrom('rates').select('perMinuteRate').where('destinationRateId', '=', dr).execute();
    assert.deepEqual(rate.map((r) => Number(r.perMinuteRate)), [300]);
    const stage = await sql<{ n: number }>`select count(*)::int4 as n from pg_class where relname = 'rate_import_stage'`.execute(b.store.db);
    assert.equal(stage.rows[0]?.n, 0);
  });
});
