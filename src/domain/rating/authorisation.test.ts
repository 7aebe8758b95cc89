import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { authoriseCall, maxAffordableSeconds } from './authorisation.ts';
import { price, type RatingOutcome } from './price.ts';
import { chargeCall } from './tariff.ts';
import { buildCatalog, m, rate } from './test-fixtures.ts';

const catalog = buildCatalog(
  [{ id: 1, name: 'ES', currency: 'EUR', deductibleConnectionFee: false, rates: [rate('+34', '0.03', { period: 60, connection: '0.01' })] }],
  [{ id: 1, name: 'P', currency: 'EUR', rows: [{ destinationRateId: 1, weight: 1, timing: 'always' }] }],
);
const rated = price(catalog, { profiles: [{ ratingPlanId: 1, activationTime: 0 }] }, { number: '+34911', startedAt: 1, durationSeconds: 0 });
const unrated: RatingOutcome = price(catalog, { profiles: [] }, { number: '+34911', startedAt: 1, durationSeconds: 0 });

test('no rating plan, no call — except with billing disabled', () => {
  for (const billingMethod of ['postpaid', 'prepaid', 'pseudoprepaid'] as const) {
    const a = authoriseCall({ billingMethod, balance: m('10'), rating: unrated });
    assert.equal(!a.ok && a.code, 'no_active_profile');
  }
  assert.deepEqual(authoriseCall({ billingMethod: 'none', rating: unrated }), { ok: true, rated: undefined, maxDurationSeconds: null });
});

test('postpaid: no balance, no limit', () => {
  const a = authoriseCall({ billingMethod: 'postpaid', balance: -m('100'), rating: rated });
  assert.ok(a.ok);
  assert.equal(a.maxDurationSeconds, null);
});

test('prepaid and pseudo-prepaid: zero or negative balance refused, otherwise the duration the balance pays', () => {
  for (const billingMethod of ['prepaid', 'pseudoprepaid'] as const) {
    for (const balance of [0, -1]) {
      const a = authoriseCall({ billingMethod, balance, rating: rated });
      assert.equal(!a.ok && a.code, 'no_balance');
    }
    // 0.01 connection + 0.03/min in 60 s periods: 0.16 pays the fee and 5 minutes
    const a = authoriseCall({ billingMethod, balance: m('0.16'), rating: rated });
    assert.ok(a.ok);
    assert.equal(a.maxDurationSeconds, 300);
    const tight = authoriseCall({ billingMethod, balance: m('0.03'), rating: rated });
    assert.equal(!tight.ok && tight.code, 'insufficient_balance');
  }
});

test('max affordable duration: connection charge first, whole periods, interval start, free and deductible rates', () => {
  assert.equal(maxAffordableSeconds(rate('+1', '0.06', { period: 1 }), false, m('0.06')), 60);
  assert.equal(maxAffordableSeconds(rate('+1', '0.06', { period: 1, intervalStart: 10 }), false, m('0.06')), 70);
  assert.equal(maxAffordableSeconds(rate('+1', '0.06', { period: 1, connection: '0.10' }), false, m('0.05')), 0);
  assert.equal(maxAffordableSeconds(rate('+1', '0', { connection: '0.10' }), false, m('0.10')), null);
  // deductible: final = max(fee, usage), so usage may take the whole balance
  assert.equal(maxAffordableSeconds(rate('+1', '0.06', { period: 1, connection: '0.01' }), true, m('0.06')), 60);
  assert.equal(maxAffordableSeconds(rate('+1', '0.06', { period: 1, connection: '0.01' }), false, m('0.06')), 50);
});

test('property: the max duration is affordable and one more period is not', () => {
  const arbRate = fc.record({
    prefix: fc.constant('+1'), connectionCharge: fc.nat(5000), intervalStart: fc.nat(30),
    perMinuteRate: fc.integer({ min: 1, max: 100_000 }), chargePeriod: fc.integer({ min: 1, max: 120 }),
  });
  fc.assert(
    fc.property(arbRate, fc.boolean(), fc.integer({ min: 1, max: 10_000_000 }), (r, deductible, balance) => {
      const max = maxAffordableSeconds(r, deductible, balance);
      assert.notEqual(max, null);
      if (max === 0 || max === null) {
        const one = chargeCall(r, (r.intervalStart + r.chargePeriod) * 1000, deductible).total;
        assert.ok(r.connectionCharge > balance || one > balance);
        return;
      }
      assert.ok(chargeCall(r, max * 1000, deductible).total <= balance);
      assert.ok(chargeCall(r, max * 1000 + 1, deductible).total > balance);
    }),
  );
});
