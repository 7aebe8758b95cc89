import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, realClock } from './clock.ts';

test('FakeClock: timers fire in due order, ties in creation order, nested timers within the same tick', () => {
  const c = new FakeClock(0);
  const log: string[] = [];
  c.setTimeout(() => log.push(`b@${c.now()}`), 20);
  c.setTimeout(() => {
    log.push(`a@${c.now()}`);
    c.setTimeout(() => log.push(`nested@${c.now()}`), 5);
  }, 10);
  c.setTimeout(() => log.push(`b2@${c.now()}`), 20);
  const h = c.setTimeout(() => log.push('cancelled'), 15);
  c.clearTimeout(h);
  c.tick(19);
  assert.deepEqual(log, ['a@10', 'nested@15']);
  assert.equal(c.now(), 19);
  c.tick(1);
  assert.deepEqual(log, ['a@10', 'nested@15', 'b@20', 'b2@20']);
  assert.equal(c.pending, 0);
  c.setTimeout(() => log.push('zero'), 0);
  c.tick(0);
  assert.equal(log.at(-1), 'zero');
});

test('realClock: fires and can be cleared', async () => {
  let fired = false;
  const h = realClock.setTimeout(() => (fired = true), 1);
  realClock.clearTimeout(h);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(fired, false);
  // realClock timers are unref'd (a pending Timer K must not keep a process alive): hold the loop open here.
  realClock.setTimeout(() => (fired = true), 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired, true);
  assert.ok(Math.abs(realClock.now() - Date.now()) < 1000);
});
