// Rate on write (src/billing/rated-call-writer.ts) on both backends (COPY on PostgreSQL, unnest on PGlite): calls
// are stored priced, with reasons for unrateable ones; one movement per balance per flush; calls whose catalog
// cannot be loaded are stored unrated and priced later by the batch rater; COPY text escaping round-trips;
// invalid records are refused at `add`; a failed flush keeps its records, records of a deleted brand are dropped;
// concurrent writers on one balance lose no debit.
import { it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { injectAs, ok } from '../support/api.ts';
import { CatalogCache } from '../../src/billing/catalog-cache.ts';
import { rateAllPending } from '../../src/billing/rater.ts';
import { RatedCallWriter, type FinishedCall } from '../../src/billing/rated-call-writer.ts';
import { StepTotals } from '../../src/billing/step-clock.ts';
import { buildBillingApi, seedWorld, setBillingMethod, setupRating, type RatingSetup, type World } from './support.ts';

forEachBackend('rated call writer', (b) => {
  let app: FastifyInstance;
  let w: World;
  let catalogs: CatalogCache;
  let s: RatingSetup;
  const writers: RatedCallWriter[] = [];
  const writer = (opts: Partial<ConstructorParameters<typeof RatedCallWriter>[0]> = {}) => {
    const wr = new RatedCallWriter({ db: b.store.db, catalogs, backend: b.kind, ...opts });
    writers.push(wr);
    return wr;
  };
  beforeEach(async () => {
    app = await buildBillingApi(b.store);
    w = await seedWorld(app, b.store);
    catalogs = new CatalogCache(b.store.db);
    s = await setupRating(app, w.brandTokenA, w.clientA, { perMinute: '0.03' });
  });
  afterEach(async () => {
    for (const wr of writers.splice(0)) await wr.close().catch(() => undefined);
    catalogs.stop();
    await app.close();
  });

  const call = (over: Partial<FinishedCall> = {}): FinishedCall => ({
    brandId: w.brandA, clientId: w.clientA, carrierId: s.carrierId, callId: 'c', caller: '+34600000001', callee: '+34911234567',
    startedAt: new Date('2024-03-01T10:00:00.250Z'), durationMs: 300_000, direction: 'outbound', ...over,
  });
  const stored = async () => (await b.store.db.selectFrom('billableCalls').selectAll().orderBy('id').execute()).map((r) => ({
    callId: r.callId, caller: r.caller, price: r.price === null ? null : Number(r.price), cost: r.cost === null ? null : Number(r.cost),
    planId: r.ratingPlanId, destination: r.destinationName, error: r.ratingError, rated: r.ratedAt !== null,
    start: r.startTime.toISOString(), clientDebited: Number(r.clientDebited), carrierDebited: Number(r.carrierDebited),
  }));

  it('stores calls priced, keeps reasons, debits each balance once per flush', async () => {
    await setBillingMethod(b.store.db, w.clientA, 'pseudoprepaid');
    ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/balance-operations', { clientId: w.clientA, operation: 'increase', amount: '1' }), 201);
    const steps = new StepTotals();
    const wr = writer({ batchSize: 100, flushMs: 60_000, onStep: steps.sink });
    for (const c of [
      call({ callId: 'a' }),
      call({ callId: 'b', durationMs: 60_000 }),
      call({ callId: 'x', callee: '+33123456789' }),
      call({ callId: 'old', startedAt: Date.parse('2019-01-01T00:00:00Z') }),
      call({ callId: 'in', direction: 'inbound' }),
      call({ callId: 'who', clientId: 999_999 }),
    ]) assert.deepEqual(wr.add(c), { ok: true });
    assert.equal(wr.pending, 6);
    assert.deepEqual(await stored(), [], 'nothing is written before a flush');
    await wr.flush();
    const rows = await stored();
    assert.deepEqual(rows.map((r) => [r.callId, r.price, r.cost, r.destination, r.error, r.rated, r.clientDebited, r.carrierDebited]), [
      ['a', 1500, 1500, 'Spain', null, true, 1500, 1500],
      ['b', 300, 300, 'Spain', null, true, 300, 300],
      ['x', null, null, null, 'no_matching_rate', true, 0, 0],
      ['old', null, null, null, 'no_active_profile', true, 0, 0],
      ['in', null, null, null, null, true, 0, 0],
      ['who', null, 1500, null, 'unknown_client', true, 0, 1500],
    ]);
    assert.equal(rows[0]?.planId, s.planId);
    assert.equal(rows[0]?.start, '2024-03-01T10:00:00.250Z');
    const movements = await b.store.db.selectFrom('balanceMovements').select(['clientId', 'carrierId', 'kind', 'amount', 'balanceAfter', 'reason', 'actor'])
      .where('kind', '=', 'calls').orderBy('id').execute();
    assert.deepEqual(movements.map((m) => [m.clientId, m.carrierId, Number(m.amount), Number(m.balanceAfter), m.reason, m.actor]), [
      [w.clientA, null, -1800, 8200, '2 calls rated', 'billing'],
      [null, s.carrierId, -3300, -3300, '3 calls rated', 'billing'],
    ]);
    assert.deepEqual(wr.totals, { written: 6, rated: 2, unrateable: 3, inbound: 1, unrated: 0, movements: 2, dropped: 0 });
    for (const step of ['catalog', 'copy', 'balances', 'commit']) assert.ok(steps.ms.has(step), step);
    // Nothing is left for the batch rater.
    assert.deepEqual(await rateAllPending(b.store.db, catalogs), { rated: 0, unrateable: 0, inbound: 0 });
  });

  it('stores calls unrated when the catalog cannot be loaded; the batch rater prices them later', async () => {
    const broken = { peek: () => undefined, get: () => Promise.reject(new Error('store down')) } as unknown as CatalogCache;
    const wr = writer({ catalogs: broken });
    wr.add(call({ callId: 'late' }));
    wr.add(call({ callId: 'in', direction: 'inbound' }));
    await wr.flush();
    assert.deepEqual((await stored()).map((r) => [r.callId, r.price, r.rated]), [['late', null, false], ['in', null, true]]);
    assert.equal(wr.totals.unrated, 1);
    assert.deepEqual(await rateAllPending(b.store.db, catalogs), { rated: 1, unrateable: 0, inbound: 0 });
    assert.deepEqual((await stored()).map((r) => [r.callId, r.price, r.rated]), [['late', 1500, true], ['in', null, true]]);
  });

  it('round-trips text that COPY must escape, and refuses invalid records at add', async () => {
    const wr = writer();
    const odd = 'id\twith\\tab\nnewline\r\\N';
    assert.deepEqual(wr.add(call({ callId: odd, caller: null, routingTag: '\\' })), { ok: true });
    for (const bad of [{ durationMs: -1 }, { durationMs: 1.5 }, { callee: '' }, { brandId: 0 }, { startedAt: new Date('nope') },
      { direction: 'sideways' as 'inbound' }]) {
      const r = wr.add(call(bad));
      assert.equal(r.ok, false, JSON.stringify(bad));
      assert.equal(!r.ok && r.code, 'invalid_record');
    }
    assert.equal(wr.pending, 1);
    await wr.flush();
    const [row] = await b.store.db.selectFrom('billableCalls').select(['callId', 'caller', 'routingTag', 'price']).execute();
    assert.deepEqual(row && [row.callId, row.caller, row.routingTag, Number(row.price)], [odd, null, '\\', 1500]);
  });

  it('flushes on its own after flushMs and at a full batch; write() applies backpressure', async () => {
    const wr = writer({ flushMs: 20, batchSize: 3 });
    wr.add(call({ callId: 't1' }));
    while ((await stored()).length < 1) await new Promise((r) => setTimeout(r, 10));
    const invalid = await wr.write(Array.from({ length: 7 }, (_, i) => call({ callId: `w${i}`, durationMs: i === 4 ? -5 : 1000 })));
    assert.deepEqual(invalid.map((x) => x.index), [4]);
    assert.ok(wr.pending < 3, 'write() flushed every full batch');
    await wr.close();
    assert.equal((await stored()).length, 7);
    assert.deepEqual(wr.add(call()), { ok: false, code: 'closed', message: 'the writer is closed' });
  });

  it('a failed flush keeps nothing half-written; records of a deleted brand are dropped, the others kept', async () => {
    const errors: unknown[] = [];
    const wr = writer({ onError: (e) => errors.push(e), retryMs: 60_000 });
    const db = b.store.db;
    const like = await db.selectFrom('brands').select(['defaultTimezoneId', 'languageId', 'currencyId']).where('id', '=', w.brandA).executeTakeFirstOrThrow();
    const brandC = (await db.insertInto('brands').values({ name: 'Gone brand', ...like }).returning('id').executeTakeFirstOrThrow()).id;
    wr.add(call({ callId: 'keep' }));
    wr.add(call({ callId: 'gone', brandId: brandC, clientId: null, carrierId: null }));
    await db.deleteFrom('brands').where('id', '=', brandC).execute();
    await assert.rejects(wr.flush());
    assert.deepEqual(await stored(), [], 'all-or-nothing');
    assert.equal(wr.totals.dropped, 1);
    assert.equal(wr.pending, 1);
    await wr.flush();
    assert.deepEqual((await stored()).map((r) => r.callId), ['keep']);
    assert.ok(errors.some((e) => String(e).includes('dropped 1')));
  });

  it('write() with batches in flight: a failing batch rejects the write, the others land, its good records are kept', async () => {
    const wr = writer({ batchSize: 5, bulkConcurrency: 3, retryMs: 60_000, onError: () => undefined });
    const db = b.store.db;
    const like = await db.selectFrom('brands').select(['defaultTimezoneId', 'languageId', 'currencyId']).where('id', '=', w.brandA).executeTakeFirstOrThrow();
    const brandC = (await db.insertInto('brands').values({ name: 'Gone brand 2', ...like }).returning('id').executeTakeFirstOrThrow()).id;
    await db.deleteFrom('brands').where('id', '=', brandC).execute();
    // 20 records = 4 batches; the last one holds a record of the deleted brand, so every batch is taken
    const records = Array.from({ length: 20 }, (_, i) => i === 17
      ? call({ callId: `bad${i}`, brandId: brandC, clientId: null, carrierId: null })
      : call({ callId: `p${i}` }));
    await assert.rejects(wr.write(records));
    const after = (await stored()).map((r) => r.callId);
    assert.ok(!after.includes('bad17') && !after.includes('p15'), 'the failing batch wrote nothing');
    assert.ok(after.includes('p0') && after.includes('p14'), 'the other batches landed');
    await wr.flush();
    const all = (await stored()).map((r) => r.callId).sort();
    assert.deepEqual(all, records.filter((_, i) => i !== 17).map((c) => c.callId).sort(), 'every good record stored exactly once');
    assert.equal(wr.totals.dropped, 1);
  });

  it('concurrent writers debiting one balance lose nothing', async () => {
    await setBillingMethod(b.store.db, w.clientA, 'pseudoprepaid');
    const a = writer({ batchSize: 10 });
    const c = writer({ batchSize: 10 });
    const calls = (p: string) => Array.from({ length: 40 }, (_, i) => call({ callId: `${p}${i}`, durationMs: 60_000 }));
    await Promise.all([a.write(calls('a')), c.write(calls('c'))]);
    await Promise.all([a.flush(), c.flush()]);
    const bal = await b.store.db.selectFrom('balances').select('amount').where('clientId', '=', w.clientA).executeTakeFirstOrThrow();
    assert.equal(Number(bal.amount), -80 * 300);
    const sum = await b.store.db.selectFrom('balanceMovements').select((eb) => eb.fn.sum<string>('amount').as('s')).where('clientId', '=', w.clientA).executeTakeFirstOrThrow();
    assert.equal(Number(sum.s), -80 * 300);
  });
});
