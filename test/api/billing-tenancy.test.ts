// Cross-tenant denial for every billing resource and action: brand B cannot see, change, delete, reference or act
// on brand A's rows (404), and A's client admin cannot reach B's client.
import { it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { expectProblem, injectAs, ok } from '../support/api.ts';
import { buildBillingApi, post, seedWorld, setBillingMethod, setupRating, type World } from '../billing/support.ts';

forEachBackend('billing API: tenancy', (b) => {
  let app: FastifyInstance;
  let w: World;
  beforeEach(async () => {
    app = await buildBillingApi(b.store);
    w = await seedWorld(app, b.store);
  });
  afterEach(async () => {
    await app.close();
  });

  it('brand B cannot read, change, delete, reference or act on any billing row of brand A', async () => {
    const s = await setupRating(app, w.brandTokenA, w.clientA);
    const A = w.brandTokenA;
    const B = w.brandTokenB;
    const tag = (await post(app, A, '/api/brand/routing-tags', { name: 'Premium', tag: '12#' })).id;
    const rows = ok(await injectAs(app, A, 'GET', `/api/brand/rating-plan-rows?ratingPlanId=${s.planId}`));
    await setBillingMethod(b.store.db, w.clientA, 'prepaid');
    ok(await injectAs(app, A, 'POST', '/api/brand/balance-operations', { clientId: w.clientA, operation: 'increase', amount: '5' }), 201);
    const bal = ok(await injectAs(app, A, 'GET', '/api/brand/balances')).items[0].id;
    const mv = ok(await injectAs(app, A, 'GET', '/api/brand/balance-movements')).items[0].id;
    const note = (await post(app, A, '/api/brand/balance-notifications', { clientId: w.clientA, threshold: '1', email: 'ops@a.example.com' })).id;
    const call = await b.store.db.insertInto('billableCalls').values({
      brandId: w.brandA, clientId: w.clientA, callId: 'c1', callee: '+34911234567', startTime: new Date(), durationMs: 1000, direction: 'outbound',
    }).returning('id').executeTakeFirstOrThrow();

    const rowsOfA: Array<[string, number, boolean]> = [
      ['destinations', s.destinationId, true], ['destination-rates', s.destinationRateId, true], ['rates', s.rateId, true],
      ['rating-plans', s.planId, true], ['rating-plan-rows', rows.items[0].id, true], ['client-rating-profiles', s.clientProfileId, true],
      ['carrier-rating-profiles', s.carrierProfileId, true], ['carriers', s.carrierId, true], ['routing-tags', tag, true],
      ['balance-notifications', note, true], ['balances', bal, false], ['balance-movements', mv, false],
      ['current-day-usages', w.clientA, false], ['billable-calls', Number(call.id), false],
    ];
    for (const [path, id, writable] of rowsOfA) {
      expectProblem(await injectAs(app, B, 'GET', `/api/brand/${path}/${id}`), 404, 'NOT_FOUND');
      const list = ok(await injectAs(app, B, 'GET', `/api/brand/${path}`));
      assert.ok(!list.items.some((x: { id: number }) => x.id === id), `${path} listed to brand B`);
      if (writable) {
        expectProblem(await injectAs(app, B, 'PATCH', `/api/brand/${path}/${id}`, {}), 404, 'NOT_FOUND');
        expectProblem(await injectAs(app, B, 'DELETE', `/api/brand/${path}/${id}`), 404, 'NOT_FOUND');
      }
    }
    // References into brand A are refused.
    const drB = (await post(app, B, '/api/brand/destination-rates', { name: 'B rates' })).id;
    expectProblem(await injectAs(app, B, 'POST', '/api/brand/rates', { destinationRateId: drB, destinationId: s.destinationId, perMinuteRate: '0.01' }), 404, 'REFERENCE_NOT_FOUND', '/destinationId');
    expectProblem(await injectAs(app, B, 'POST', '/api/brand/rating-plans', { name: 'Steal', rows: [{ destinationRateId: s.destinationRateId }] }), 400, 'VALIDATION_FAILED', '/rows/0');
    expectProblem(await injectAs(app, B, 'POST', '/api/brand/rating-plan-rows', { ratingPlanId: s.planId, destinationRateId: drB }), 404, 'REFERENCE_NOT_FOUND', '/ratingPlanId');
    expectProblem(await injectAs(app, B, 'POST', '/api/brand/client-rating-profiles', { clientId: w.clientB, ratingPlanId: s.planId, activationTime: '2024-01-01T00:00:00Z' }), 404, 'REFERENCE_NOT_FOUND', '/ratingPlanId');
    expectProblem(await injectAs(app, B, 'POST', '/api/brand/carrier-rating-profiles', { carrierId: s.carrierId, ratingPlanId: s.planId, activationTime: '2024-01-01T00:00:00Z' }), 404, 'REFERENCE_NOT_FOUND', '/carrierId');
    expectProblem(await injectAs(app, B, 'POST', '/api/brand/balance-operations', { clientId: w.clientA, operation: 'decrease', amount: '5' }), 404, 'REFERENCE_NOT_FOUND', '/clientId');
    expectProblem(await injectAs(app, B, 'POST', '/api/brand/balance-notifications', { carrierId: s.carrierId, threshold: '1', email: 'x@b.example.com' }), 404, 'REFERENCE_NOT_FOUND', '/carrierId');
    const wholesaleB = (await post(app, B, '/api/brand/clients', { type: 'wholesale', name: 'Wholesale B' })).id;
    expectProblem(await injectAs(app, B, 'PATCH', `/api/brand/clients/${wholesaleB}`, { routingTagIds: [tag] }), 404, 'REFERENCE_NOT_FOUND', '/routingTagIds/0');
    // Actions on brand A's rows.
    for (const url of [`/api/brand/rating-plans/${s.planId}/simulate`, `/api/brand/clients/${w.clientA}/simulate`, `/api/brand/carriers/${s.carrierId}/simulate`]) {
      expectProblem(await injectAs(app, B, 'POST', url, { number: '+34911234567' }), 404, 'NOT_FOUND');
    }
    expectProblem(await injectAs(app, B, 'POST', '/api/brand/lcr', { number: '+34911234567', carrierIds: [s.carrierId] }), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, B, 'POST', '/api/brand/billable-calls/rerate', { ids: [Number(call.id)] }), 404, 'NOT_FOUND');
    // B's plan list simulation does not include A's plans.
    assert.deepEqual(ok(await injectAs(app, B, 'POST', '/api/brand/rating-plans/simulate', { number: '+34911234567' })).items, []);
    // Nothing of A changed.
    assert.equal(ok(await injectAs(app, A, 'GET', `/api/brand/balances/${bal}`)).amount, '5.0000');
    // A's client admin sees only its own client's billing rows.
    ok(await injectAs(app, A, 'PATCH', `/api/brand/clients/${w.clientA}`, { displayBillingDetails: true }));
    assert.deepEqual(ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/balances')).items.map((x: { id: number }) => x.id), [bal]);
    expectProblem(await injectAs(app, w.clientTokenB, 'GET', `/api/client/balances/${bal}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenB, 'GET', `/api/client/billable-calls/${Number(call.id)}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenB, 'GET', `/api/client/client-rating-profiles/${s.clientProfileId}`), 404, 'NOT_FOUND');
  });
});
