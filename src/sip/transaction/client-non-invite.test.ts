import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import type { SipResponse } from '../message.ts';
import { TransactionLayer } from './layer.ts';
import { RecordingSink } from './memory-sink.ts';
import { request, response } from './test-fixtures.ts';

const SRC = { transport: 'UDP' as const, host: '198.51.100.7', port: 5060 };

function setup(transport: 'UDP' | 'TCP' = 'UDP') {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const got: SipResponse[] = [];
  let timeouts = 0;
  const req = request({ method: 'REGISTER', transport, uri: 'sip:example.com' });
  const tx = layer.sendRequest(req, { transport, host: '198.51.100.7', port: 5060 }, {
    onResponse: (r) => got.push(r),
    onTimeout: () => timeouts++,
  });
  return { clock, sink, layer, got, req, tx, timeouts: () => timeouts };
}

test('non-INVITE client, UDP: Timer E doubles up to T2, Timer F at 64*T1', () => {
  const { clock, sink, tx, timeouts } = setup();
  clock.tick(31_999);
  // RFC 3261 §17.1.2.2: T1, 2T1, 4T1 then capped at T2 = 4 s.
  assert.deepEqual(sink.times('REGISTER'), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500].map((x) => x));
  assert.equal(tx.state, 'trying');
  clock.tick(1);
  assert.equal(tx.state, 'terminated');
  assert.equal(timeouts(), 1);
  assert.equal(clock.pending, 0);
});

test('non-INVITE client: in Proceeding, E fires every T2', () => {
  const { clock, sink, layer, req, tx, got } = setup();
  clock.tick(600);
  layer.receive(response(req, 100), SRC);
  assert.equal(tx.state, 'proceeding');
  clock.tick(9000); // now 9600
  // pending E at 1500 fires, then every T2: 5500, 9500
  assert.deepEqual(sink.times('REGISTER'), [0, 500, 1500, 5500, 9500]);
  assert.deepEqual(got.map((r) => r.status), [100]);
});

test('non-INVITE client: final → Completed, retransmissions absorbed, Timer K = T4 on UDP', () => {
  const { clock, layer, req, tx, got, sink } = setup();
  layer.receive(response(req, 200, 'r'), SRC);
  assert.equal(tx.state, 'completed');
  layer.receive(response(req, 200, 'r'), SRC);
  assert.equal(got.length, 1);
  clock.tick(4999);
  assert.equal(tx.state, 'completed');
  assert.equal(sink.count('REGISTER'), 1); // E stopped
  clock.tick(1);
  assert.equal(tx.state, 'terminated');
});

test('non-INVITE client, TCP: no E, Timer K = 0, F still guards', () => {
  const { clock, layer, req, tx, sink } = setup('TCP');
  clock.tick(10_000);
  assert.equal(sink.count('REGISTER'), 1);
  layer.receive(response(req, 401, 'r'), SRC);
  clock.tick(0);
  assert.equal(tx.state, 'terminated');
  const t2 = setup('TCP');
  t2.clock.tick(32_000);
  assert.equal(t2.timeouts(), 1);
});

test('responses match by branch and CSeq method (§17.1.3)', () => {
  const { layer, req, got } = setup();
  const stray: SipResponse[] = [];
  layer.onStrayResponse((r) => stray.push(r));
  const other = request({ method: 'REGISTER', branch: 'z9hG4bKother' });
  layer.receive(response(other, 200), SRC); // other branch
  const wrongMethod = request({ method: 'OPTIONS', branch: req.topVia.branch! });
  layer.receive(response(wrongMethod, 200), SRC); // same branch, other method
  assert.equal(got.length, 0);
  assert.equal(stray.length, 2);
  layer.receive(response(req, 200), SRC);
  assert.equal(got.length, 1);
});
