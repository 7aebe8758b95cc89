import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUsage, dailyLimitAllows, dailyLimitState, dayKey, usageToday } from './daily-usage.ts';
import { m, utc } from './test-fixtures.ts';

const TZ = 'America/Mexico_City'; // UTC−6, no DST since 2022

test('day key is the local date in the client timezone', () => {
  assert.equal(dayKey(utc('2024-05-10T05:59:59Z'), TZ), '2024-05-09');
  assert.equal(dayKey(utc('2024-05-10T06:00:00Z'), TZ), '2024-05-10');
  assert.equal(dayKey(utc('2024-05-09T22:30:00Z'), 'Europe/Madrid'), '2024-05-10');
  assert.throws(() => dayKey(0, 'Nowhere/City'), RangeError);
});

test('limit reached blocks new external outbound calls only', () => {
  const now = utc('2024-05-10T12:00:00Z');
  let u = addUsage(undefined, m('4'), now, TZ);
  u = addUsage(u, m('1'), now + 1000, TZ);
  assert.deepEqual(u, { day: '2024-05-10', amount: m('5') });
  assert.deepEqual(dailyLimitState(u, m('6'), now, TZ), { blocked: false, usage: m('5'), remaining: m('1') });
  assert.deepEqual(dailyLimitState(u, m('5'), now, TZ), { blocked: true, usage: m('5'), remaining: 0 });
  assert.equal(dailyLimitAllows({ external: true, outbound: true }, u, m('5'), now, TZ), false);
  assert.equal(dailyLimitAllows({ external: true, outbound: false }, u, m('5'), now, TZ), true);
  assert.equal(dailyLimitAllows({ external: false, outbound: true }, u, m('5'), now, TZ), true);
});

test('raising the limit above usage re-enables at once; no limit never blocks', () => {
  const now = utc('2024-05-10T12:00:00Z');
  const u = addUsage(undefined, m('5'), now, TZ);
  assert.equal(dailyLimitState(u, m('5'), now, TZ).blocked, true);
  assert.equal(dailyLimitState(u, m('5.0001'), now, TZ).blocked, false);
  assert.equal(dailyLimitState(u, null, now, TZ).blocked, false);
  assert.equal(dailyLimitState(u, 0, now, TZ).remaining, null);
});

test('local midnight resets the counter (and re-enables)', () => {
  const lateEvening = utc('2024-05-11T05:59:00Z'); // 23:59 local
  const u = addUsage(undefined, m('9'), lateEvening, TZ);
  assert.equal(dailyLimitState(u, m('5'), lateEvening, TZ).blocked, true);
  const afterMidnight = utc('2024-05-11T06:00:00Z');
  assert.deepEqual(usageToday(u, afterMidnight, TZ), { day: '2024-05-11', amount: 0 });
  assert.equal(dailyLimitState(u, m('5'), afterMidnight, TZ).blocked, false);
  assert.deepEqual(addUsage(u, m('1'), afterMidnight, TZ), { day: '2024-05-11', amount: m('1') });
});
