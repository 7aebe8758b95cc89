import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lcrOrder } from './lcr.ts';
import type { DestinationRate, RatingPlan } from './model.ts';
import { buildCatalog, m, rate, utc } from './test-fixtures.ts';

const dr = (id: number, perMinute: string, connection = '0', currency = 'EUR', prefix = '+34'): DestinationRate => ({
  id, name: `dr${id}`, currency, deductibleConnectionFee: false, rates: [rate(prefix, perMinute, { connection, period: 60 })],
});
const plan = (id: number, drId: number, currency = 'EUR'): RatingPlan => ({ id, name: `p${id}`, currency, rows: [{ destinationRateId: drId, weight: 1, timing: 'always' }] });

const catalog = buildCatalog(
  [dr(1, '0.02'), dr(2, '0.01', '0.10'), dr(3, '0.03'), dr(4, '0.02'), dr(5, '0.001', '0', 'USD'), dr(6, '0.01', '0', 'EUR', '+33')],
  [plan(1, 1), plan(2, 2), plan(3, 3), plan(4, 4), plan(5, 5, 'USD'), plan(6, 6)],
);
const at = utc('2024-01-15T10:00:00Z');
const carrier = (carrierId: number, planId: number) => ({ carrierId, profiles: [{ ratingPlanId: planId, activationTime: 0 }] });

test('carriers ordered by the cost of a 5-minute call, connection fee included; unrateable ones left out', () => {
  const r = lcrOrder(catalog, [carrier(30, 3), carrier(20, 2), carrier(10, 1), carrier(60, 6), { carrierId: 70, profiles: [] }], { number: '+34911234567', startedAt: at });
  // c10: 5 × 0.02 = 0.10; c20: 0.10 + 5 × 0.01 = 0.15 (0.05 without the fee); c30: 0.15
  assert.deepEqual(r.ordered.map((e) => [e.carrierId, e.cost]), [[10, m('0.10')], [20, m('0.15')], [30, m('0.15')]]);
  assert.deepEqual(r.excluded, [{ carrierId: 60, code: 'no_matching_rate' }, { carrierId: 70, code: 'no_active_profile' }]);
});

test('equal costs keep carrier-id order whatever the input order', () => {
  const r1 = lcrOrder(catalog, [carrier(40, 4), carrier(10, 1)], { number: '+34911', startedAt: at });
  const r2 = lcrOrder(catalog, [carrier(10, 1), carrier(40, 4)], { number: '+34911', startedAt: at });
  assert.deepEqual(r1.ordered.map((e) => e.carrierId), [10, 40]);
  assert.deepEqual(r2.ordered.map((e) => e.carrierId), [10, 40]);
});

test('mixed currencies are not supported: other-currency carriers are excluded', () => {
  const r = lcrOrder(catalog, [carrier(50, 5), carrier(10, 1)], { number: '+34911', startedAt: at, currency: 'EUR' });
  assert.deepEqual(r.ordered.map((e) => e.carrierId), [10]);
  assert.deepEqual(r.excluded, [{ carrierId: 50, code: 'currency_mismatch' }]);
  const implicit = lcrOrder(catalog, [carrier(50, 5), carrier(10, 1)], { number: '+34911', startedAt: at });
  assert.deepEqual(implicit.ordered.map((e) => [e.carrierId, e.currency]), [[10, 'EUR']]);
  assert.deepEqual(implicit.excluded, [{ carrierId: 50, code: 'currency_mismatch' }]);
});
