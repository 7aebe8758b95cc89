import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { price, type RatingOutcome } from './price.ts';
import { simulateCall, simulatePlans } from './simulate.ts';
import { compileDestinationRate, compileRatingPlan } from './catalog.ts';
import type { DestinationRate, RatingPlan, RatingProfile } from './model.ts';
import { buildCatalog, m, rate, utc } from './test-fixtures.ts';

const spainDR: DestinationRate = {
  id: 1, name: 'Spain std', currency: 'EUR', deductibleConnectionFee: false,
  rates: [rate('+34', '0.02', { period: 60 }), rate('+346', '0.10', { period: 60 }), rate('+3491', '0.015', { period: 60 })],
};
const spainPeakDR: DestinationRate = { id: 2, name: 'Spain peak', currency: 'EUR', deductibleConnectionFee: false, rates: [rate('+34', '0.05', { period: 60 })] };
const premiumDR: DestinationRate = { id: 3, name: 'Premium', currency: 'EUR', deductibleConnectionFee: true, rates: [rate('+34', '0.30', { period: 60, connection: '0.01' })] };
const usdDR: DestinationRate = { id: 4, name: 'USD deck', currency: 'USD', deductibleConnectionFee: false, rates: [rate('+1', '0.01')] };

const standard: RatingPlan = { id: 10, name: 'Standard', currency: 'EUR', rows: [{ destinationRateId: 1, weight: 1, timing: 'always' }] };
const peakPlan: RatingPlan = {
  id: 11, name: 'Peak', currency: 'EUR',
  rows: [
    { destinationRateId: 1, weight: 1, timing: 'always' },
    { destinationRateId: 2, weight: 5, timing: { kind: 'weekly', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00' }] } },
  ],
};
const premiumPlan: RatingPlan = { id: 12, name: 'Premium', currency: 'EUR', rows: [{ destinationRateId: 3, weight: 1, timing: 'always' }] };
const usdPlan: RatingPlan = { id: 13, name: 'US', currency: 'USD', rows: [{ destinationRateId: 4, weight: 1, timing: 'always' }] };

const catalog = buildCatalog([spainDR, spainPeakDR, premiumDR, usdDR], [standard, peakPlan, premiumPlan, usdPlan], 'Europe/Madrid', new Map([['+34', 'Spain'], ['+3491', 'Madrid']]));
const T0 = utc('2024-01-13T12:00:00Z'); // a Saturday

function ok(r: RatingOutcome) {
  assert.ok(r.ok, !r.ok ? `${r.code}: ${r.message}` : '');
  return r;
}

test('S3: a call to Spain is priced with the client plan; destination name from Destinations', () => {
  const r = ok(price(catalog, { currency: 'EUR', profiles: [{ ratingPlanId: 10, activationTime: T0 - 1 }] }, { number: '+34812345678', startedAt: T0, durationSeconds: 300 }));
  assert.equal(r.charge.total, m('0.10'));
  assert.deepEqual(r.destination, { prefix: '+34', name: 'Spain' });
  assert.equal(r.plan.name, 'Standard');
  assert.equal(r.destinationRate.id, 1);
});

test('longest prefix inside a destination rate', () => {
  const subj = { profiles: [{ ratingPlanId: 10, activationTime: 0 }] };
  assert.equal(ok(price(catalog, subj, { number: '+34911234567', startedAt: T0, durationSeconds: 60 })).rate.prefix, '+3491');
  assert.equal(ok(price(catalog, subj, { number: '+34612345678', startedAt: T0, durationSeconds: 60 })).rate.prefix, '+346');
  assert.equal(ok(price(catalog, subj, { number: '+34911234567', startedAt: T0, durationSeconds: 60 })).destination.name, 'Madrid');
  assert.equal(ok(price(catalog, subj, { number: '+34612345678', startedAt: T0, durationSeconds: 60 })).destination.name, '+346');
});

test('weights: the highest-weight destination rate covering the time wins, even over a longer prefix', () => {
  const subj = { profiles: [{ ratingPlanId: 11, activationTime: 0 }] };
  const weekdayPeak = utc('2024-01-15T10:00:00Z'); // Mon 11:00 Madrid
  const r = ok(price(catalog, subj, { number: '+34911234567', startedAt: weekdayPeak, durationSeconds: 60 }));
  assert.equal(r.destinationRate.id, 2);
  assert.equal(r.rate.prefix, '+34');
  assert.equal(r.charge.total, m('0.05'));
  // Saturday: the weekly row does not cover, the weight-1 row with the longer prefix rates it
  const s = ok(price(catalog, subj, { number: '+34911234567', startedAt: T0, durationSeconds: 60 }));
  assert.equal(s.destinationRate.id, 1);
  assert.equal(s.rate.prefix, '+3491');
});

test('equal weights: longest prefix, then the lowest destination rate id', () => {
  const a: DestinationRate = { id: 21, name: 'A', currency: 'EUR', deductibleConnectionFee: false, rates: [rate('+34', '0.01'), rate('+3491', '0.09')] };
  const b: DestinationRate = { id: 20, name: 'B', currency: 'EUR', deductibleConnectionFee: false, rates: [rate('+349', '0.02'), rate('+34', '0.03')] };
  const plan: RatingPlan = { id: 30, name: 'Tie', currency: 'EUR', rows: [{ destinationRateId: 21, weight: 2, timing: 'always' }, { destinationRateId: 20, weight: 2, timing: 'always' }] };
  const cat = buildCatalog([a, b], [plan]);
  const subj = { profiles: [{ ratingPlanId: 30, activationTime: 0 }] };
  assert.equal(ok(price(cat, subj, { number: '+34911', startedAt: T0, durationSeconds: 1 })).destinationRate.id, 21);
  assert.equal(ok(price(cat, subj, { number: '+34981', startedAt: T0, durationSeconds: 1 })).destinationRate.id, 20);
  // same prefix length in both: the lower id (20) wins
  assert.equal(ok(price(cat, subj, { number: '+34111', startedAt: T0, durationSeconds: 1 })).destinationRate.id, 20);
});

test('activation time: the profile nearest in the past; at its exact activation time the new one is active', () => {
  const switchAt = utc('2024-02-01T00:00:00Z');
  const profiles: RatingProfile[] = [{ ratingPlanId: 10, activationTime: utc('2023-01-01T00:00:00Z') }, { ratingPlanId: 11, activationTime: switchAt }];
  const at = (t: number) => ok(price(catalog, { profiles }, { number: '+34812345678', startedAt: t, durationSeconds: 60 })).plan.id;
  assert.equal(at(switchAt - 1), 10);
  assert.equal(at(switchAt), 11);
  assert.equal(at(switchAt + 1), 11);
  const before = price(catalog, { profiles }, { number: '+34812345678', startedAt: utc('2022-12-31T23:59:59Z'), durationSeconds: 60 });
  assert.equal(!before.ok && before.code, 'no_active_profile');
});

test('a call is priced with the profile active at its start, however long it lasts (property)', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.integer({ min: 0, max: 100_000 }),
      (activations, start, duration) => {
        const profiles = activations.map((t, i) => ({ ratingPlanId: i % 2 === 0 ? 10 : 11, activationTime: t }));
        const r = price(catalog, { profiles }, { number: '+34812345678', startedAt: start, durationSeconds: duration });
        const past = activations.filter((t) => t <= start);
        if (past.length === 0) return assert.equal(!r.ok && r.code, 'no_active_profile');
        const expected = profiles[activations.indexOf(Math.max(...past))];
        assert.ok(r.ok);
        assert.equal(r.profile, expected);
        assert.equal(r.plan.id, expected?.ratingPlanId);
      },
    ),
  );
});

test('property: the price never decreases with duration through the whole engine', () => {
  fc.assert(
    fc.property(fc.constantFrom(10, 11, 12), fc.nat(7200_000), fc.nat(7200_000), fc.integer({ min: T0, max: T0 + 7 * 86_400_000 }), (plan, a, b, start) => {
      const subj = { profiles: [{ ratingPlanId: plan, activationTime: 0 }] };
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const pl = ok(price(catalog, subj, { number: '+34911234567', startedAt: start, durationSeconds: lo / 1000 }));
      const ph = ok(price(catalog, subj, { number: '+34911234567', startedAt: start, durationSeconds: hi / 1000 }));
      assert.ok(pl.charge.total <= ph.charge.total);
    }),
  );
});

test('deductible destination rate applies the minimal-cost rule', () => {
  const subj = { profiles: [{ ratingPlanId: 12, activationTime: 0 }] };
  const long = ok(price(catalog, subj, { number: '+34812345678', startedAt: T0, durationSeconds: 60 }));
  assert.equal(long.charge.total, m('0.30'));
  assert.equal(long.charge.refund, m('0.01'));
});

test('routing tags: tagged profiles for tagged calls, fallback to untagged; untagged calls ignore tagged profiles', () => {
  const profiles: RatingProfile[] = [{ ratingPlanId: 10, activationTime: 0 }, { ratingPlanId: 12, activationTime: 0, routingTag: '12#' }];
  const plan = (tag?: string) => ok(price(catalog, { profiles }, { number: '+34812345678', startedAt: T0, durationSeconds: 60, routingTag: tag })).plan.id;
  assert.equal(plan('12#'), 12);
  assert.equal(plan(), 10);
  assert.equal(plan('7#'), 10);
});

test('unrateable calls are coded values', () => {
  const eur = { currency: 'EUR', profiles: [{ ratingPlanId: 10, activationTime: 0 }] };
  const code = (r: RatingOutcome) => (r.ok ? 'ok' : r.code);
  assert.equal(code(price(catalog, eur, { number: '+33123456789', startedAt: T0, durationSeconds: 60 })), 'no_matching_rate');
  assert.equal(code(price(catalog, eur, { number: '0034911', startedAt: T0, durationSeconds: 60 })), 'invalid_number');
  assert.equal(code(price(catalog, eur, { number: '+34911', startedAt: T0, durationSeconds: -1 })), 'invalid_duration');
  assert.equal(code(price(catalog, eur, { number: '+34911', startedAt: Number.NaN, durationSeconds: 1 })), 'invalid_time');
  assert.equal(code(price(catalog, { currency: 'EUR', profiles: [{ ratingPlanId: 13, activationTime: 0 }] }, { number: '+1555', startedAt: T0, durationSeconds: 60 })), 'currency_mismatch');
  assert.equal(code(price(catalog, { profiles: [{ ratingPlanId: 99, activationTime: 0 }] }, { number: '+34911', startedAt: T0, durationSeconds: 60 })), 'unknown_rating_plan');
  assert.equal(code(price(catalog, { profiles: [] }, { number: '+34911', startedAt: T0, durationSeconds: 60 })), 'no_active_profile');
});

test('compilation refuses inconsistent configuration', () => {
  const dup = compileDestinationRate({ ...spainDR, rates: [rate('+34', '0.01'), rate('+34', '0.02')] });
  assert.equal(!dup.ok && dup.code, 'duplicate_prefix');
  const noPlus = compileDestinationRate({ ...spainDR, rates: [rate('34', '0.01')] });
  assert.equal(!noPlus.ok && noPlus.code, 'invalid_prefix');
  const badPeriod = compileDestinationRate({ ...spainDR, rates: [{ ...rate('+34', '0.01'), chargePeriod: 0 }] });
  assert.equal(!badPeriod.ok && badPeriod.code, 'invalid_rate');
  const usd = compileDestinationRate(usdDR);
  assert.ok(usd.ok);
  const drs = new Map([[4, usd.value]]);
  const mismatch = compileRatingPlan({ id: 1, name: 'x', currency: 'EUR', rows: [{ destinationRateId: 4, weight: 1, timing: 'always' }] }, drs, 'UTC');
  assert.equal(!mismatch.ok && mismatch.code, 'currency_mismatch');
  const missing = compileRatingPlan({ id: 1, name: 'x', currency: 'USD', rows: [{ destinationRateId: 5, weight: 1, timing: 'always' }] }, drs, 'UTC');
  assert.equal(!missing.ok && missing.code, 'unknown_destination_rate');
  const tz = compileRatingPlan(usdPlan, drs, 'Mars/Olympus');
  assert.equal(!tz.ok && tz.code, 'invalid_timezone');
});

test('a plan reports the week gaps it does not rate (seed: MUST rate 24×7)', () => {
  const peakOnly = buildCatalog([spainPeakDR], [{ id: 1, name: 'p', currency: 'EUR', rows: [{ destinationRateId: 2, weight: 1, timing: { kind: 'weekly', windows: [{ days: ['mon'], from: '08:00', to: '20:00' }] } }] }]);
  assert.equal(peakOnly.plans.get(1)?.gaps.length, 2);
  assert.equal(catalog.plans.get(11)?.gaps.length, 0);
});

test('simulate a call: per subject (default time = now) and per plan', () => {
  const subj = { currency: 'EUR', profiles: [{ ratingPlanId: 11, activationTime: 0 }] };
  const weekday = utc('2024-01-15T10:00:00Z');
  const r = ok(simulateCall(catalog, subj, { number: '+34911234567', durationSeconds: 120 }, weekday));
  assert.equal(r.charge.total, m('0.10'));
  const sat = ok(simulateCall(catalog, subj, { number: '+34911234567', at: T0, durationSeconds: 120 }, weekday));
  assert.equal(sat.charge.total, m('0.03'));
  const list = simulatePlans(catalog, [10, 12, 13, 77], { number: '+34911234567', durationSeconds: 60 }, T0);
  assert.deepEqual(list.map((s) => (s.outcome.ok ? s.outcome.charge.total : s.outcome.code)), [m('0.015'), m('0.30'), 'no_matching_rate', 'unknown_rating_plan']);
});
