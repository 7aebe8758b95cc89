import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileTiming, timingCovers, uncoveredWeek, type CompiledTiming } from './timing.ts';
import { ZoneClock } from './zone-clock.ts';
import type { Timing } from './model.ts';
import { utc } from './test-fixtures.ts';

function compiled(t: Timing): CompiledTiming {
  const c = compileTiming(t);
  assert.ok(c.ok, !c.ok ? c.message : '');
  return c.timing;
}

const madrid = new ZoneClock('Europe/Madrid');
const covers = (t: CompiledTiming, iso: string, clock = madrid) => timingCovers(t, clock.weekSecond(utc(iso)));

const peak = compiled({ kind: 'weekly', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00' }] });

test('weekly window in local wall-clock time, winter (UTC+1) and summer (UTC+2) in Europe/Madrid', () => {
  assert.equal(covers(peak, '2024-01-15T07:30:00Z'), true); // Mon 08:30 CET
  assert.equal(covers(peak, '2024-01-15T06:59:59Z'), false); // Mon 07:59:59 CET
  assert.equal(covers(peak, '2024-01-15T07:00:00Z'), true); // Mon 08:00 CET: from is inclusive
  assert.equal(covers(peak, '2024-07-15T06:30:00Z'), true); // Mon 08:30 CEST
  assert.equal(covers(peak, '2024-07-15T05:30:00Z'), false); // Mon 07:30 CEST (08:30 in UTC+1 terms)
  assert.equal(covers(peak, '2024-07-15T17:59:59Z'), true); // 19:59:59 CEST
  assert.equal(covers(peak, '2024-07-15T18:00:00Z'), false); // 20:00 CEST: to is exclusive
  assert.equal(covers(peak, '2024-07-13T10:00:00Z'), false); // Saturday
});

test('a window crossing midnight ends on the next day, Sunday wraps to Monday', () => {
  const night = compiled({ kind: 'weekly', windows: [{ days: ['fri', 'sun'], from: '22:00', to: '06:00' }] });
  assert.equal(covers(night, '2024-01-19T20:59:59Z'), false); // Fri 21:59:59
  assert.equal(covers(night, '2024-01-19T21:30:00Z'), true); // Fri 22:30
  assert.equal(covers(night, '2024-01-20T04:59:59Z'), true); // Sat 05:59:59
  assert.equal(covers(night, '2024-01-20T05:00:00Z'), false); // Sat 06:00
  assert.equal(covers(night, '2024-01-20T22:00:00Z'), false); // Sat 23:00: no window starts on Saturday
  assert.equal(covers(night, '2024-01-21T21:00:00Z'), true); // Sun 22:00
  assert.equal(covers(night, '2024-01-22T04:00:00Z'), true); // Mon 05:00 (from Sunday's window)
});

test('DST in Europe/Madrid: the skipped hour never matches, the repeated hour matches twice', () => {
  const sunday2to3 = compiled({ kind: 'weekly', windows: [{ days: ['sun'], from: '02:00', to: '03:00' }] });
  // 2024-03-31 01:00Z: 02:00 CET becomes 03:00 CEST
  assert.equal(covers(sunday2to3, '2024-03-31T00:59:59Z'), false); // 01:59:59 CET
  assert.equal(covers(sunday2to3, '2024-03-31T01:00:00Z'), false); // 03:00 CEST
  // 2024-10-27 01:00Z: 03:00 CEST becomes 02:00 CET
  assert.equal(covers(sunday2to3, '2024-10-27T00:30:00Z'), true); // 02:30 CEST
  assert.equal(covers(sunday2to3, '2024-10-27T01:30:00Z'), true); // 02:30 CET
  assert.equal(covers(sunday2to3, '2024-10-27T02:00:00Z'), false); // 03:00 CET
  assert.equal(madrid.offsetAt(utc('2024-03-31T00:59:59Z')), 3_600_000);
  assert.equal(madrid.offsetAt(utc('2024-03-31T01:00:00Z')), 7_200_000);
});

test('offset transitions inside a UTC hour are exact (America/St_Johns, UTC−3:30 → −2:30 at 05:30Z)', () => {
  const sj = new ZoneClock('America/St_Johns');
  assert.equal(sj.offsetAt(utc('2024-03-10T05:29:59Z')), -3.5 * 3_600_000);
  assert.equal(sj.offsetAt(utc('2024-03-10T05:30:00Z')), -2.5 * 3_600_000);
  assert.equal(sj.local(utc('2024-03-10T05:30:00Z')).secondOfDay, 3 * 3600);
});

test('property: ZoneClock agrees with Intl for random instants in several zones', () => {
  const zones = ['Europe/Madrid', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Los_Angeles', 'UTC'];
  const clocks = zones.map((z) => new ZoneClock(z));
  const fmts = zones.map(
    (timeZone) => new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  );
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: zones.length - 1 }), fc.integer({ min: utc('2000-01-01T00:00:00Z'), max: utc('2037-12-31T00:00:00Z') }), (z, t) => {
      const parts = Object.fromEntries((fmts[z] as Intl.DateTimeFormat).formatToParts(t).map((p) => [p.type, p.value]));
      const expected = days.indexOf(parts['weekday'] as string) * 86_400 + Number(parts['hour']) * 3600 + Number(parts['minute']) * 60 + Number(parts['second']);
      const clock = clocks[z] as ZoneClock;
      assert.equal(clock.weekSecond(t), expected);
      assert.equal(clock.local(t).date, `${parts['year']}-${parts['month']}-${parts['day']}`);
    }),
    { numRuns: 2000 },
  );
});

test('invalid timings are coded values', () => {
  const bad: Timing[] = [
    { kind: 'weekly', windows: [] },
    { kind: 'weekly', windows: [{ days: ['mon'], from: '8:00', to: '20:00' }] },
    { kind: 'weekly', windows: [{ days: ['mon'], from: '08:00', to: '24:01' }] },
    { kind: 'weekly', windows: [{ days: ['mon'], from: '08:00', to: '08:00' }] },
    { kind: 'weekly', windows: [{ days: [], from: '08:00', to: '09:00' }] },
    { kind: 'weekly', windows: [{ days: ['xyz' as 'mon'], from: '08:00', to: '09:00' }] },
  ];
  for (const t of bad) {
    const c = compileTiming(t);
    assert.equal(c.ok, false, JSON.stringify(t));
    assert.equal(!c.ok && c.code, 'invalid_timing');
  }
  assert.ok(compileTiming({ kind: 'weekly', windows: [{ days: ['mon'], from: '00:00', to: '24:00' }] }).ok);
});

test('24×7 coverage check lists the gaps of the week', () => {
  assert.deepEqual(uncoveredWeek(['always']), []);
  const gaps = uncoveredWeek([peak]);
  assert.equal(gaps.length, 6);
  assert.deepEqual(gaps[0], { from: 'mon 00:00', to: 'mon 08:00' });
  assert.deepEqual(gaps[5], { from: 'fri 20:00', to: 'sun 24:00' });
  const offPeak = compiled({
    kind: 'weekly',
    windows: [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '20:00', to: '08:00' },
      { days: ['sat', 'sun'], from: '00:00', to: '24:00' },
    ],
  });
  // Monday 00:00–08:00 follows Sunday, which has no crossing window.
  assert.deepEqual(uncoveredWeek([peak, offPeak]), [{ from: 'mon 00:00', to: 'mon 08:00' }]);
  const mondayMorning = compiled({ kind: 'weekly', windows: [{ days: ['mon'], from: '00:00', to: '08:00' }] });
  assert.deepEqual(uncoveredWeek([peak, offPeak, mondayMorning]), []);
});
