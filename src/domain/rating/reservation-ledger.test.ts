import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { available, commit, exhausted, extend, openLedger, reserveStart, type LedgerState } from './reservation-ledger.ts';
import { periodReservation, type Tariff } from './tariff.ts';
import { m, rate } from './test-fixtures.ts';

function step<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  assert.ok(r.ok, JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
}

test('reserve, extend, commit the actual cost, release the rest', () => {
  const t = rate('+34', '0.06', { period: 60, connection: '0.01' });
  let s = openLedger(m('1'));
  const a = step(reserveStart(s, 'a', t, false));
  assert.equal(a.coveredSeconds, 60);
  s = a.state;
  assert.equal(available(s), m('1') - m('0.07'));
  s = step(extend(s, 'a')).state;
  assert.equal(s.reservedTotal, m('0.13'));
  const c = step(commit(s, 'a', 61_000));
  assert.equal(c.charge.total, m('0.13'));
  assert.equal(c.released, 0);
  assert.equal(c.state.committed, m('0.13'));
  assert.equal(c.state.reservedTotal, 0);
  assert.equal(c.state.calls.size, 0);
  const short = step(commit(step(reserveStart(c.state, 'b', t, false)).state, 'b', 5_000));
  assert.equal(short.released, 0);
  assert.equal(short.state.committed, m('0.20'));
});

test('refusals: no new call at zero balance, extension refused when exhausted, unknown or duplicate calls', () => {
  const t = rate('+34', '0.60', { period: 60 });
  let s = openLedger(m('0.50'));
  assert.equal(reserveStart(openLedger(0), 'x', t, false).ok, false);
  s = step(reserveStart(s, 'a', t, false)).state; // 0.60 reserved on 0.50: the one allowed crossing
  assert.equal(exhausted(s), true);
  assert.deepEqual(reserveStart(s, 'b', t, false), { ok: false, code: 'no_balance' });
  assert.deepEqual(extend(s, 'a'), { ok: false, code: 'no_balance' });
  assert.deepEqual(reserveStart(s, 'a', t, false), { ok: false, code: 'duplicate_call' });
  assert.deepEqual(extend(s, 'zz'), { ok: false, code: 'unknown_call' });
  assert.deepEqual(commit(s, 'zz', 0), { ok: false, code: 'unknown_call' });
  // a late hang-up beyond the covered time is charged in full and reported as overrun
  const late = step(commit(s, 'a', 61_000));
  assert.equal(late.overrun, m('0.60'));
});

interface Sim {
  tariff: Tariff;
  deductible: boolean;
  wantPeriods: number;
  endFraction: number;
  phase: 'idle' | 'active' | 'ending' | 'done';
  covered: number;
}

test('property: 50 concurrent calls, random interleavings: commits + reservations ≤ balance + one charge period', () => {
  const arbCall = fc.record({
    tariff: fc.record({
      prefix: fc.constant('+1'), connectionCharge: fc.nat(500), intervalStart: fc.constantFrom(0, 0, 5, 30),
      perMinuteRate: fc.integer({ min: 1, max: 20_000 }), chargePeriod: fc.constantFrom(1, 6, 30, 60),
    }),
    deductible: fc.boolean(),
    wantPeriods: fc.integer({ min: 0, max: 40 }),
    endFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  fc.assert(
    fc.property(
      fc.array(arbCall, { minLength: 50, maxLength: 50 }),
      fc.array(fc.nat(49), { minLength: 200, maxLength: 3000 }),
      fc.integer({ min: 1, max: 200_000 }),
      (calls, schedule, balance) => {
        const sims: Sim[] = calls.map((c) => ({ ...c, phase: 'idle', covered: 0 }));
        const maxPeriod = Math.max(...calls.map((c) => periodReservation(c.tariff)));
        let s: LedgerState = openLedger(balance);
        let charged = 0;
        const check = () => {
          assert.ok(s.committed + s.reservedTotal <= balance + maxPeriod, `over by ${s.committed + s.reservedTotal - balance}`);
          assert.equal(s.reservedTotal, [...s.calls.values()].reduce((a, c) => a + c.reserved, 0));
        };
        const hangUp = (i: number, sim: Sim) => {
          // the call ends somewhere inside its covered time
          const ms = Math.floor(sim.covered * 1000 * sim.endFraction);
          const c = step(commit(s, String(i), ms));
          assert.equal(c.overrun, 0);
          charged += c.charge.total;
          s = c.state;
          sim.phase = 'done';
        };
        for (const i of schedule) {
          const sim = sims[i] as Sim;
          const before = available(s);
          if (sim.phase === 'idle') {
            const r = reserveStart(s, String(i), sim.tariff, sim.deductible);
            if (r.ok) {
              assert.ok(before - sim.tariff.connectionCharge > 0);
              s = r.state;
              sim.covered = r.coveredSeconds;
              sim.phase = sim.wantPeriods === 0 ? 'ending' : 'active';
            } else {
              assert.equal(r.code, 'no_balance');
              assert.ok(before - sim.tariff.connectionCharge <= 0);
              sim.phase = 'done';
            }
          } else if (sim.phase === 'active') {
            const r = extend(s, String(i));
            if (r.ok) {
              s = r.state;
              sim.covered = r.coveredSeconds;
              if (--sim.wantPeriods === 0) sim.phase = 'ending';
            } else {
              assert.ok(before <= 0);
              sim.phase = 'ending'; // refused: it must end within what is covered
            }
          } else if (sim.phase === 'ending') {
            hangUp(i, sim);
          }
          check();
        }
        sims.forEach((sim, i) => {
          if (sim.phase === 'active' || sim.phase === 'ending') hangUp(i, sim);
        });
        check();
        assert.equal(s.calls.size, 0);
        assert.equal(s.reservedTotal, 0);
        assert.equal(s.committed, charged);
        assert.ok(s.committed <= balance + maxPeriod);
      },
    ),
    { numRuns: 200 },
  );
});
