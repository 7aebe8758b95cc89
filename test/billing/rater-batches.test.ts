// The rater's bulk path: keyset batches with the next batch read ahead (several batches per pass), a call queued
// for rerating behind the cursor picked up by a second pass, a batch-level `rateBatch` cursor, per-step timings;
// and the destinations prefix check (written without a regex for import speed) refusing what the regex did.
import { it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { forEachBackend } from '../support/stores.ts';
import { CatalogCache } from '../../src/billing/catalog-cache.ts';
import { rateAllPending, rateBatch } from '../../src/billing/rater.ts';
import { StepTotals } from '../../src/billing/step-clock.ts';
import { buildBillingApi, seedWorld, setupRating, type World } from './support.ts';

forEachBackend('rater batches', (b) => {
  let app: FastifyInstance;
  let w: World;
  let catalogs: CatalogCache;
  beforeEach(async () => {
    app = await buildBillingApi(b.store);
    w = await seedWorld(app, b.store);
    catalogs = new CatalogCache(b.store.db);
  });
  afterEach(async () => {
    catalogs.stop();
    await app.close();
  });

  const insertCalls = async (n: number): Promise<number[]> => {
    const base = { brandId: w.brandA, clientId: w.clientA, startTime: new Date('2024-03-01T10:00:00Z'), direction: 'outbound' as const };
    const rows = Array.from({ length: n }, (_, i) => ({
      ...base, callId: `k${i}`, callee: i % 3 === 2 ? '+33123456789' : '+34911234567', durationMs: 60_000 * (1 + i),
      ...(i % 4 === 3 ? { direction: 'inbound' as const } : {}),
    }));
    return (await b.store.db.insertInto('billableCalls').values(rows).returning('id').execute()).map((r) => Number(r.id));
  };
  const prices = async () => (await b.store.db.selectFrom('billableCalls').select(['price', 'ratingError', 'ratedAt']).orderBy('id').execute())
    .map((r) => [r.price === null ? null : Number(r.price), r.ratingError, r.ratedAt !== null]);

  it('rates every pending call across several read-ahead batches and a second pass', async () => {
    await setupRating(app, w.brandTokenA, w.clientA, { perMinute: '0.03' });
    const ids = await insertCalls(7);
    const steps = new StepTotals();
    const r = await rateAllPending(b.store.db, catalogs, { limit: 2, onStep: steps.sink });
    // i = 0..6: inbound at 3; no rate for +33 at 2 and 5.
    assert.deepEqual(r, { rated: 4, unrateable: 2, inbound: 1 });
    assert.deepEqual(await prices(), [
      [300, null, true], [600, null, true], [null, 'no_matching_rate', true], [null, null, true],
      [1500, null, true], [null, 'no_matching_rate', true], [2100, null, true],
    ]);
    for (const step of ['fetch', 'catalog', 'price', 'write', 'commit']) assert.ok(steps.ms.has(step), step);
    // A call behind a cursor (queued for rerating) is found by the next pass; nothing else is touched.
    await b.store.db.updateTable('billableCalls').set({ price: null, ratedAt: null }).where('id', '=', ids[1] as number).execute();
    assert.deepEqual(await rateAllPending(b.store.db, catalogs, { limit: 2, afterId: ids[4] as number }), { rated: 1, unrateable: 0, inbound: 0 });
    assert.deepEqual((await prices())[1], [600, null, true]);
    assert.deepEqual(await rateAllPending(b.store.db, catalogs), { rated: 0, unrateable: 0, inbound: 0 });
  });

  it('rateBatch follows its cursor and reports the last id', async () => {
    await setupRating(app, w.brandTokenA, w.clientA, { perMinute: '0.03' });
    const ids = await insertCalls(3);
    const one = await rateBatch(b.store.db, catalogs, { limit: 2 });
    assert.deepEqual(one, { rated: 2, unrateable: 0, inbound: 0, lastId: ids[1] });
    const two = await rateBatch(b.store.db, catalogs, { limit: 2, afterId: one.lastId });
    assert.deepEqual(two, { rated: 0, unrateable: 1, inbound: 0, lastId: ids[2] });
    assert.deepEqual(await rateBatch(b.store.db, catalogs, { afterId: two.lastId }), { rated: 0, unrateable: 0, inbound: 0, lastId: 0 });
  });

  it('the destinations prefix check accepts + and 1–15 digits only', async () => {
    const insert = (prefix: string) =>
      sql`insert into destinations (brand_id, prefix, name) values (${w.brandA}, ${prefix}, 'x')`.execute(b.store.db).then(() => 'ok', () => 'refused');
    for (const good of ['+1', '+123456789012345']) assert.equal(await insert(good), 'ok', good);
    for (const bad of ['+', '1', '++1', '+1234567890123456', '+12a', '+1 2', ' +12', '+１２', '']) assert.equal(await insert(bad), 'refused', bad);
  });
});
