import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipHeaders } from '../sip/message.ts';
import { FakeClock } from '../sip/clock.ts';
import { fromUacResponse, LegSessionTimer, negotiateUas, parseSessionExpires, uasResponseHeaders } from './session-timer.ts';

const policy = { minSeS: 90, defaultSeS: 1800 };
const headers = (pairs: Array<[string, string]>): SipHeaders => {
  const h = new SipHeaders();
  for (const [n, v] of pairs) h.append(n, v);
  return h;
};

test('parseSessionExpires: delta-seconds and refresher (RFC 4028 §4)', () => {
  assert.deepEqual(parseSessionExpires('1800;refresher=uac'), { seconds: 1800, refresher: 'uac' });
  assert.deepEqual(parseSessionExpires(' 90 '), { seconds: 90 });
  assert.equal(parseSessionExpires('soon'), undefined);
});

test('negotiateUas: 422 below Min-SE, refresher kept or chosen by support (§9)', () => {
  assert.deepEqual(negotiateUas(headers([['Session-Expires', '60']]), policy), { ok: false, status: 422, reason: 'Session Interval Too Small', minSeS: 90 });
  assert.deepEqual(negotiateUas(headers([]), policy), { ok: true, spec: undefined, peerSupports: false });
  const sup = negotiateUas(headers([['Supported', 'replaces, timer'], ['Session-Expires', '600']]), policy);
  assert.deepEqual(sup, { ok: true, spec: { intervalS: 600, refresher: 'peer' }, peerSupports: true });
  const uas = negotiateUas(headers([['Supported', 'timer'], ['Session-Expires', '600;refresher=uas']]), policy);
  assert.deepEqual(uas.ok && uas.spec, { intervalS: 600, refresher: 'us' });
  // A UAC without timer support cannot be made the refresher, whatever it wrote.
  const noSup = negotiateUas(headers([['Session-Expires', '600;refresher=uac']]), policy);
  assert.deepEqual(noSup.ok && noSup.spec, { intervalS: 600, refresher: 'us' });
  assert.deepEqual(uasResponseHeaders({ intervalS: 600, refresher: 'peer' }, true), [['Session-Expires', '600;refresher=uac'], ['Require', 'timer']]);
  assert.deepEqual(fromUacResponse(headers([['Session-Expires', '900;refresher=uas']])), { intervalS: 900, refresher: 'peer' });
  assert.equal(fromUacResponse(headers([])), undefined);
});

test('LegSessionTimer: refresh at half the interval, expiry without refresh (§7.4, §10)', () => {
  const clock = new FakeClock(0);
  const events: string[] = [];
  const us = new LegSessionTimer(clock, { intervalS: 90, refresher: 'us' }, { refresh: () => events.push('refresh'), expired: () => events.push('expired') });
  clock.tick(45_000);
  assert.deepEqual(events, ['refresh']);
  us.refreshed();
  clock.tick(89_000);
  assert.deepEqual(events, ['refresh', 'refresh']);
  us.stop();
  events.length = 0;
  const peer = new LegSessionTimer(clock, { intervalS: 90, refresher: 'peer' }, { refresh: () => events.push('refresh'), expired: () => events.push('expired') });
  clock.tick(59_000);
  peer.refreshed();
  clock.tick(59_000);
  assert.deepEqual(events, [], 'refreshed in time');
  clock.tick(1_001); // 90 - min(32, 30) = 60 s after the last refresh
  assert.deepEqual(events, ['expired']);
});
