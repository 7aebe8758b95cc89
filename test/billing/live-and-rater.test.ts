// Live authorisation, prepaid cut-off, max daily usage, low-balance notifications, rating of finished calls and
// rerating, on both stores.
import { it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { expectProblem, injectAs, ok } from '../support/api.ts';
import { CatalogCache } from '../../src/billing/catalog-cache.ts';
import { LiveBilling, type CutReason } from '../../src/billing/live-billing.ts';
import { rateAllPending } from '../../src/billing/rater.ts';
import { buildBillingApi, post, seedWorld, setBillingMethod, setupRating, type World } from './support.ts';

forEachBackend('live billing and rating', (b) => {
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

  it('refuses what cannot be billed, limits prepaid duration and cuts a call when the balance is spent', async () => {
    const live = new LiveBilling({ db: b.store.db, catalogs, extendLeadMs: 200 });
    const call = { clientId: w.clientA, number: '+34911234567' };
    const noPlan = await live.authorise({ ...call, callId: 'x0' });
    assert.deepEqual(noPlan.ok ? 'ok' : noPlan.code, 'no_active_profile', 'no rating plan, no call');
    // 0.60/min per second: 0.01 per second.
    await setupRating(app, w.brandTokenA, w.clientA, { perMinute: '0.6', period: 1 });
    await setBillingMethod(b.store.db, w.clientA, 'prepaid');
    catalogs.invalidate(w.brandA);
    const noBalance = await live.authorise({ ...call, callId: 'x1' });
    assert.deepEqual(noBalance.ok ? 'ok' : noBalance.code, 'no_balance');
    ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/balance-operations', { clientId: w.clientA, operation: 'increase', amount: '0.02' }), 201);
    const auth = await live.authorise({ ...call, callId: 'c1' });
    assert.ok(auth.ok);
    assert.equal(auth.maxDurationSeconds, 2);
    const cut = new Promise<CutReason>((resolve) => live.onCut((id, reason) => id === 'c1' && resolve(reason)));
    const ans = await live.answer('c1');
    assert.deepEqual(ans, { ok: true, coveredSeconds: 1 });
    assert.equal(await cut, 'balance_exhausted');
    const h = await live.hangup('c1', 2000);
    assert.equal(h.charge, 200);
    assert.equal(h.balanceAfter, 0);
    const bal = await b.store.db.selectFrom('balances').select(['amount', 'reserved']).where('clientId', '=', w.clientA).executeTakeFirstOrThrow();
    assert.deepEqual([Number(bal.amount), Number(bal.reserved)], [0, 0]);
  });

  it('blocks new calls at the max daily usage, notifies once, and re-enables when the limit is raised', async () => {
    const live = new LiveBilling({ db: b.store.db, catalogs });
    await setupRating(app, w.brandTokenA, w.clientA, { perMinute: '0.6', period: 1 });
    ok(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/clients/${w.clientA}`, { maxDailyUsage: 1000, email: 'boss@a.example.com' }));
    const cuts: string[] = [];
    live.onCut((id) => cuts.push(id));
    assert.ok((await live.authorise({ callId: 'long', clientId: w.clientA, number: '+34911234567' })).ok);
    assert.ok((await live.authorise({ callId: 'd1', clientId: w.clientA, number: '+34911234567' })).ok);
    await live.answer('long');
    await live.answer('d1');
    await live.hangup('d1', 10_000); // 0.10 = the limit
    assert.deepEqual(cuts, ['long'], 'postpaid: the client\'s calls are hung up when the limit is reached');
    const refused = await live.authorise({ callId: 'd2', clientId: w.clientA, number: '+34911234567' });
    assert.deepEqual(refused.ok ? 'ok' : refused.code, 'daily_limit_reached');
    const view = ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/current-day-usages/${w.clientA}`));
    assert.deepEqual([view.todayUsage, view.maxDailyUsage, view.blocked], ['0.1000', '0.1000', true]);
    const outbox = await b.store.db.selectFrom('billingOutbox').selectAll().where('kind', '=', 'max_daily_usage').execute();
    assert.equal(outbox.length, 1);
    assert.equal(outbox[0]?.email, 'boss@a.example.com');
    ok(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/clients/${w.clientA}`, { maxDailyUsage: 5000 }));
    catalogs.invalidate(w.brandA);
    assert.ok((await live.authorise({ callId: 'd3', clientId: w.clientA, number: '+34911234567' })).ok);
  });

  it('rates finished calls, debits pseudo-prepaid and carrier balances, keeps reasons, rerates by difference', async () => {
    const s = await setupRating(app, w.brandTokenA, w.clientA, { perMinute: '0.03' });
    await setBillingMethod(b.store.db, w.clientA, 'pseudoprepaid');
    ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/balance-operations', { clientId: w.clientA, operation: 'increase', amount: '1' }), 201);
    await post(app, w.brandTokenA, '/api/brand/balance-notifications', { clientId: w.clientA, threshold: '0.9', email: 'low@a.example.com' });
    const base = { brandId: w.brandA, clientId: w.clientA, carrierId: s.carrierId, startTime: new Date('2024-03-01T10:00:00Z'), direction: 'outbound' as const };
    const ids = (await b.store.db.insertInto('billableCalls').values([
      { ...base, callId: 'a', callee: '+34911234567', durationMs: 300_000 },
      { ...base, callId: 'b', callee: '+33123456789', durationMs: 60_000 },
      { ...base, callId: 'c', callee: '+34911234567', durationMs: 60_000, startTime: new Date('2019-01-01T00:00:00Z') },
      { ...base, callId: 'd', callee: '+34911234567', durationMs: 60_000, direction: 'inbound' },
    ]).returning('id').execute()).map((r) => Number(r.id));
    const r = await rateAllPending(b.store.db, catalogs);
    assert.deepEqual(r, { rated: 1, unrateable: 2, inbound: 1 });
    const calls = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/billable-calls?order=id'));
    assert.deepEqual(calls.items.map((c: Record<string, unknown>) => [c.price, c.cost, c.ratingError, c.destinationName]), [
      ['0.1500', '0.1500', null, 'Spain'], [null, null, 'no_matching_rate', null], [null, null, 'no_active_profile', null], [null, null, null, null],
    ]);
    const balances = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/balances?order=id'));
    assert.deepEqual(balances.items.map((x: { amount: string }) => x.amount), ['0.8500', '-0.1500']);
    assert.equal((await b.store.db.selectFrom('billingOutbox').select('id').where('kind', '=', 'low_balance').execute()).length, 1);
    // Rerate at the call's start: a new profile from 2024-02-01 with a dearer plan applies; the balance moves by the difference.
    const dr2 = (await post(app, w.brandTokenA, '/api/brand/destination-rates', { name: 'Dear' })).id;
    await post(app, w.brandTokenA, '/api/brand/rates', { destinationRateId: dr2, destinationId: s.destinationId, perMinuteRate: '0.05' });
    const plan2 = (await post(app, w.brandTokenA, '/api/brand/rating-plans', { name: 'Dear plan', rows: [{ destinationRateId: dr2 }] })).id;
    await post(app, w.brandTokenA, '/api/brand/client-rating-profiles', { clientId: w.clientA, ratingPlanId: plan2, activationTime: '2024-02-01T00:00:00Z' });
    const rr = ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/billable-calls/rerate', { ids: [ids[0]] }), 202);
    assert.deepEqual(rr.queued, [ids[0]]);
    assert.equal(ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/billable-calls/${ids[0]}`)).price, null, 'emptied until the next pass');
    catalogs.invalidate(w.brandA);
    await rateAllPending(b.store.db, catalogs);
    const again = ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/billable-calls/${ids[0]}`));
    assert.deepEqual([again.price, again.ratingPlanId], ['0.2500', plan2]);
    assert.equal(ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/balances/${balances.items[0].id}`)).amount, '0.7500');
    // Calls in an invoice cannot be rerated.
    await b.store.db.updateTable('billableCalls').set({ invoiceId: 7 }).where('id', '=', ids[0] as number).execute();
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/billable-calls/rerate', { ids: [ids[0]] }), 409, 'CONFLICT');
  });
});
