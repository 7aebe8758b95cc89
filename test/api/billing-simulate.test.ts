// Billing resources and simulation through the API on both stores: the S3 walkthrough's rating setup, client /
// carrier / plan simulations and LCR, 24×7 and currency rules, the client-level "display billing details" gate.
import { it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { expectProblem, injectAs, ok } from '../support/api.ts';
import { buildBillingApi, post, seedWorld, setupRating, type World } from '../billing/support.ts';

forEachBackend('billing API: simulate', (b) => {
  let app: FastifyInstance;
  let w: World;
  beforeEach(async () => {
    app = await buildBillingApi(b.store);
    w = await seedWorld(app, b.store);
  });
  afterEach(async () => {
    await app.close();
  });

  it('simulates a 5-minute call to Spain for the client (price) and the carrier (cost)', async () => {
    const s = await setupRating(app, w.brandTokenA, w.clientA, { perMinute: '0.03' });
    const sim = ok(await injectAs(app, w.brandTokenA, 'POST', `/api/brand/clients/${w.clientA}/simulate`, { number: '+34911234567', durationSeconds: 300 }));
    assert.equal(sim.ok, true);
    assert.equal(sim.price, '0.1500');
    assert.deepEqual(sim.destination, { prefix: '+34', name: 'Spain' });
    assert.equal(sim.ratingPlan.id, s.planId);
    assert.equal(sim.rate.perMinuteRate, '0.0300');
    const cost = ok(await injectAs(app, w.brandTokenA, 'POST', `/api/brand/carriers/${s.carrierId}/simulate`, { number: '+34911234567', durationSeconds: 300 }));
    assert.equal(cost.cost, '0.1500');
    const plan = ok(await injectAs(app, w.brandTokenA, 'POST', `/api/brand/rating-plans/${s.planId}/simulate`, { number: '+34911234567', durationSeconds: 300 }));
    assert.equal(plan.price, '0.1500');
    const all = ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/rating-plans/simulate', { number: '+34911234567', durationSeconds: 300 }));
    assert.deepEqual(all.items.map((x: { ratingPlanId: number; price: string }) => [x.ratingPlanId, x.price]), [[s.planId, '0.1500']]);
  });

  it('gives the coded reason when a call cannot be rated', async () => {
    await setupRating(app, w.brandTokenA, w.clientA);
    const noRate = ok(await injectAs(app, w.brandTokenA, 'POST', `/api/brand/clients/${w.clientA}/simulate`, { number: '+33123456789' }));
    assert.deepEqual([noRate.ok, noRate.code], [false, 'no_matching_rate']);
    const before = ok(await injectAs(app, w.brandTokenA, 'POST', `/api/brand/clients/${w.clientA}/simulate`, { number: '+34911234567', at: '2019-06-01T10:00:00Z' }));
    assert.deepEqual([before.ok, before.code], [false, 'no_active_profile']);
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', `/api/brand/clients/${w.clientA}/simulate`, { number: '911234567' }), 400, 'VALIDATION_FAILED', '/number');
  });

  it('orders carriers by the cost of a 5-minute call and leaves out those that cannot rate', async () => {
    const s = await setupRating(app, w.brandTokenA, w.clientA, { perMinute: '0.03' });
    const dr2 = (await post(app, w.brandTokenA, '/api/brand/destination-rates', { name: 'Cheap' })).id;
    await post(app, w.brandTokenA, '/api/brand/rates', { destinationRateId: dr2, destinationId: s.destinationId, perMinuteRate: '0.02', connectionCharge: '0.01' });
    const plan2 = (await post(app, w.brandTokenA, '/api/brand/rating-plans', { name: 'Cheap plan', rows: [{ destinationRateId: dr2 }] })).id;
    const cheap = (await post(app, w.brandTokenA, '/api/brand/carriers', { name: 'Cheap carrier', calculateCost: true })).id;
    await post(app, w.brandTokenA, '/api/brand/carrier-rating-profiles', { carrierId: cheap, ratingPlanId: plan2, activationTime: '2021-01-01T00:00:00Z' });
    const none = (await post(app, w.brandTokenA, '/api/brand/carriers', { name: 'No plan carrier' })).id;
    const lcr = ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/lcr', { number: '+34911234567' }));
    assert.deepEqual(lcr.ordered.map((e: { carrierId: number; cost: string }) => [e.carrierId, e.cost]), [[cheap, '0.1100'], [s.carrierId, '0.1500']]);
    assert.deepEqual(lcr.excluded, [{ carrierId: none, code: 'no_active_profile' }]);
  });

  it('refuses plans that do not rate 24×7 and mixed currencies', async () => {
    const s = await setupRating(app, w.brandTokenA, w.clientA);
    const weekdays = { kind: 'weekly', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00' }] };
    const r = await injectAs(app, w.brandTokenA, 'POST', '/api/brand/rating-plans', { name: 'Office', rows: [{ destinationRateId: s.destinationRateId, timing: weekdays }] });
    expectProblem(r, 400, 'VALIDATION_FAILED', '/rows');
    assert.match(r.body.detail, /24×7.*mon 00:00–mon 08:00/);
    // Built up row by row while unused: allowed, the gaps are shown, but it cannot be linked.
    const office = (await post(app, w.brandTokenA, '/api/brand/rating-plans', { name: 'Office' })).id;
    await post(app, w.brandTokenA, '/api/brand/rating-plan-rows', { ratingPlanId: office, destinationRateId: s.destinationRateId, timing: weekdays });
    const got = ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/rating-plans/${office}`));
    assert.equal(got.gaps.length, 6);
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/client-rating-profiles', { clientId: w.clientA, ratingPlanId: office, activationTime: '2024-01-01T00:00:00Z' }), 400, 'VALIDATION_FAILED', '/ratingPlanId');
    // The used plan cannot lose its 24×7 coverage.
    const rows = ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/rating-plan-rows?ratingPlanId=${s.planId}`));
    expectProblem(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/rating-plan-rows/${rows.items[0].id}`, { timing: weekdays }), 400, 'VALIDATION_FAILED', '/timing');
    expectProblem(await injectAs(app, w.brandTokenA, 'DELETE', `/api/brand/rating-plan-rows/${rows.items[0].id}`), 409, 'CONFLICT');
    // Currency: a USD destination rate in an EUR plan, an EUR plan for a USD carrier.
    const usd = (await b.store.db.selectFrom('currencies').select('id').where('code', '=', 'USD').executeTakeFirstOrThrow()).id;
    const drUsd = (await post(app, w.brandTokenA, '/api/brand/destination-rates', { name: 'Dollar', currencyId: usd })).id;
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/rating-plans', { name: 'Mixed', rows: [{ destinationRateId: drUsd }] }), 400, 'VALIDATION_FAILED', '/rows/0');
    const carrierUsd = (await post(app, w.brandTokenA, '/api/brand/carriers', { name: 'US carrier', currencyId: usd, calculateCost: true })).id;
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/carrier-rating-profiles', { carrierId: carrierUsd, ratingPlanId: s.planId, activationTime: '2024-01-01T00:00:00Z' }), 400, 'VALIDATION_FAILED', '/ratingPlanId');
    expectProblem(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/destination-rates/${s.destinationRateId}`, { currencyId: usd }), 400, 'VALIDATION_FAILED', '/currencyId');
  });

  it('shows rating profiles and simulation to client admins only with display billing details', async () => {
    await setupRating(app, w.brandTokenA, w.clientA);
    ok(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/clients/${w.clientA}`, { displayBillingDetails: false }));
    expectProblem(await injectAs(app, w.clientTokenA, 'GET', '/api/client/client-rating-profiles'), 403, 'FORBIDDEN');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', `/api/client/clients/${w.clientA}/simulate`, { number: '+34911234567' }), 403, 'FORBIDDEN');
    ok(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/clients/${w.clientA}`, { displayBillingDetails: true }));
    const list = ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/client-rating-profiles'));
    assert.equal(list.total, 1);
    const sim = ok(await injectAs(app, w.clientTokenA, 'POST', `/api/client/clients/${w.clientA}/simulate`, { number: '+34911234567', durationSeconds: 60 }));
    assert.equal(sim.price, '0.0300');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', `/api/client/clients/${w.clientB}/simulate`, { number: '+34911234567' }), 404, 'NOT_FOUND');
  });
});
