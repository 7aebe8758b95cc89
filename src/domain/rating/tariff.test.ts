import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chargeCall, periodReservation, periodsAmount } from './tariff.ts';
import { formatMoney } from './money.ts';
import { m, rate } from './test-fixtures.ts';

const sec = (s: number) => s * 1000;

test('Sipwise example: wholesale 0.03/min ⇒ 5-minute call 0.15, retail 0.04 ⇒ 0.20 (seed 000 L20–23)', () => {
  for (const period of [1, 60]) {
    assert.equal(formatMoney(chargeCall(rate('+54', '0.03', { period }), sec(300), false).total), '0.1500');
    assert.equal(formatMoney(chargeCall(rate('+54', '0.04', { period }), sec(300), false).total), '0.2000');
  }
});

test('charge period 1 is per-second billing, 60 is per-minute billing (partial periods round up)', () => {
  const perSecond = rate('+34', '0.06', { period: 1 });
  const perMinute = rate('+34', '0.06', { period: 60 });
  // 61 s: per second 61 × 0.001 = 0.061; per minute 2 × 0.06 = 0.12
  assert.equal(chargeCall(perSecond, sec(61), false).total, m('0.061'));
  assert.equal(chargeCall(perMinute, sec(61), false).total, m('0.12'));
  assert.equal(chargeCall(perMinute, sec(60), false).total, m('0.06'));
  assert.equal(chargeCall(perMinute, sec(1), false).total, m('0.06'));
  assert.equal(chargeCall(perMinute, 0, false).total, 0);
  // fractional second rounds up to the next period
  assert.equal(chargeCall(perSecond, 10_001, false).periods, 11);
  assert.equal(chargeCall(perSecond, 10_001, false).chargedSeconds, 11);
});

test('connection charge is added at establishment', () => {
  const r = rate('+34', '0.06', { connection: '0.05', period: 60 });
  const c = chargeCall(r, sec(90), false);
  assert.equal(c.connectionCharge, m('0.05'));
  assert.equal(c.usageAmount, m('0.12'));
  assert.equal(c.total, m('0.17'));
  assert.equal(c.refund, 0);
  assert.equal(c.finalConnectionFee, m('0.05'));
});

test('interval start: first N seconds free, a shorter call costs exactly the connection charge', () => {
  const r = rate('+34', '0.06', { connection: '0.02', period: 1, intervalStart: 10 });
  assert.equal(chargeCall(r, sec(5), false).total, m('0.02'));
  assert.equal(chargeCall(r, sec(9.999), false).total, m('0.02'));
  assert.equal(chargeCall(r, sec(10), false).total, m('0.02'));
  // 70 s: 60 billable seconds
  const c = chargeCall(r, sec(70), false);
  assert.equal(c.billableMs, 60_000);
  assert.equal(c.total, m('0.02') + m('0.06'));
  // with 60 s periods, 11 s = 1 s billable = one whole period
  assert.equal(chargeCall(rate('+34', '0.06', { period: 60, intervalStart: 10 }), sec(11), false).total, m('0.06'));
});

test('deductible connection fee, example A: fee 0.01, total 0.21 ⇒ cost 0.20, refund 0.01', () => {
  const r = rate('+34', '0.20', { connection: '0.01', period: 60 });
  const c = chargeCall(r, sec(60), true);
  assert.equal(c.grossAmount, m('0.21'));
  assert.equal(c.usageAmount, m('0.20'));
  assert.equal(c.total, m('0.20'));
  assert.equal(c.finalConnectionFee, 0);
  assert.equal(c.refund, m('0.01'));
});

test('deductible connection fee, example B: fee 0.01, total 0.013 ⇒ cost 0.01, refund 0.003', () => {
  const r = rate('+34', '0.18', { connection: '0.01', period: 1 });
  const c = chargeCall(r, sec(1), true);
  assert.equal(c.grossAmount, m('0.013'));
  assert.equal(c.usageAmount, m('0.003'));
  assert.equal(c.total, m('0.01'));
  assert.equal(c.finalConnectionFee, m('0.007'));
  assert.equal(c.refund, m('0.003'));
});

test('deductible connection fee, equal case: final fee 0, whole fee refunded, cost = fee', () => {
  const r = rate('+34', '0.60', { connection: '0.01', period: 1 });
  const c = chargeCall(r, sec(1), true);
  assert.equal(c.usageAmount, m('0.01'));
  assert.equal(c.total, m('0.01'));
  assert.equal(c.finalConnectionFee, 0);
  assert.equal(c.refund, m('0.01'));
});

test('rounding: the 1/10000 unit is rounded half up once, on the usage total', () => {
  // 0.0001/min per second = 1/60 unit per second: 30 s = 0.5 ⇒ 1 unit, 29 s = 0.483 ⇒ 0
  const r = rate('+1', '0.0001', { period: 1 });
  assert.equal(chargeCall(r, sec(29), false).usageAmount, 0);
  assert.equal(chargeCall(r, sec(30), false).usageAmount, 1);
  assert.equal(chargeCall(r, sec(89), false).usageAmount, 1);
  assert.equal(chargeCall(r, sec(90), false).usageAmount, 2);
  // a reservation of one period rounds up so that reservations always cover the total
  assert.equal(periodReservation(r), 1);
  assert.equal(periodsAmount(r, 60), 1);
});

test('property: the price never decreases with duration', () => {
  const arbRate = fc.record({
    prefix: fc.constant('+1'),
    connectionCharge: fc.nat(100_000),
    intervalStart: fc.nat(120),
    perMinuteRate: fc.nat(1_000_000),
    chargePeriod: fc.integer({ min: 1, max: 120 }),
  });
  fc.assert(
    fc.property(arbRate, fc.boolean(), fc.nat(86_400_000), fc.nat(86_400_000), (r, deductible, a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const cl = chargeCall(r, lo, deductible);
      const ch = chargeCall(r, hi, deductible);
      assert.ok(cl.total <= ch.total);
      assert.ok(ch.total >= (deductible ? Math.max(r.connectionCharge, ch.usageAmount) : r.connectionCharge));
      assert.equal(ch.grossAmount - ch.refund, ch.total);
    }),
  );
});
