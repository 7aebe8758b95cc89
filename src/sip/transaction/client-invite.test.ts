import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message.ts';
import { TransactionLayer } from './layer.ts';
import { RecordingSink } from './memory-sink.ts';
import { request, response } from './test-fixtures.ts';
import type { ClientTransaction } from './types.ts';

const SRC = { transport: 'UDP' as const, host: '198.51.100.7', port: 5060 };

function setup(transport: 'UDP' | 'TCP' = 'UDP') {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const got: SipResponse[] = [];
  let timeouts = 0;
  const stray: SipResponse[] = [];
  layer.onStrayResponse((r) => stray.push(r));
  const req = request({ transport, route: ['<sip:proxy.example.com;lr>'] });
  const tx = layer.sendRequest(req, { transport, host: '198.51.100.7', port: 5060 }, {
    onResponse: (r) => got.push(r),
    onTimeout: () => timeouts++,
  });
  return { clock, sink, layer, got, stray, req, tx, timeouts: () => timeouts };
}

test('INVITE client, UDP: Timer A doubles without cap, Timer B times out at 64*T1', () => {
  const { clock, sink, tx, timeouts, layer } = setup();
  const t0 = clock.now();
  clock.tick(31_999);
  assert.equal(tx.state, 'calling');
  // RFC 3261 §17.1.1.2: intervals T1, 2T1, 4T1, … (8 s and 16 s exceed T2: A is not capped).
  assert.deepEqual(sink.times('INVITE', t0), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.equal(timeouts(), 0);
  clock.tick(1);
  assert.equal(tx.state, 'terminated');
  assert.equal(timeouts(), 1);
  assert.equal(layer.stats.clientTransactions, 0);
  assert.equal(clock.pending, 0);
});

test('INVITE client: Timer B without onTimeout hands a local 408 to the TU', () => {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const got: number[] = [];
  layer.sendRequest(request(), { transport: 'UDP', host: 'h', port: 5060 }, { onResponse: (r) => got.push(r.status) });
  clock.tick(32_000);
  assert.deepEqual(got, [408]);
});

test('INVITE client, TCP: no retransmissions, B still applies', () => {
  const { clock, sink, tx, timeouts } = setup('TCP');
  clock.tick(31_999);
  assert.equal(sink.count('INVITE'), 1);
  clock.tick(1);
  assert.equal(tx.state, 'terminated');
  assert.equal(timeouts(), 1);
});

test('INVITE client: 1xx stops A; 486 → ACK per §17.1.1.3, absorbs retransmissions, Timer D = 32 s on UDP', () => {
  const { clock, sink, layer, got, req, tx } = setup();
  clock.tick(600); // one retransmission at 500
  layer.receive(response(req, 180, 'uas1'), SRC);
  assert.equal(tx.state, 'proceeding');
  clock.tick(10_000);
  assert.equal(sink.count('INVITE'), 2);
  const busy = response(req, 486, 'uas1');
  layer.receive(busy, SRC);
  assert.equal(tx.state, 'completed');
  const ack = sink.last('ACK') as SipRequest;
  assert.ok(ack);
  assert.equal(ack.topVia.branch, req.topVia.branch);
  assert.equal(ack.headers.getAll('via').length, 1);
  assert.deepEqual(ack.headers.getAll('route'), ['<sip:proxy.example.com;lr>']);
  assert.equal(ack.to.params.get('tag'), 'uas1');
  assert.equal(ack.headers.get('from'), req.headers.get('from'));
  assert.deepEqual(ack.cseq, { seq: 1, method: 'ACK' });
  assert.equal(ack.callId, req.callId);
  assert.equal(ack.uriText, req.uriText);
  assert.equal(ack.body.length, 0);
  // Retransmitted 486: ACK again, TU not told twice.
  layer.receive(response(req, 486, 'uas1'), SRC);
  assert.equal(sink.count('ACK'), 2);
  assert.deepEqual(got.map((r) => r.status), [180, 486]);
  clock.tick(31_999);
  assert.equal(tx.state, 'completed');
  clock.tick(1);
  assert.equal(tx.state, 'terminated');
});

test('INVITE client, TCP: Timer D is 0', () => {
  const { clock, layer, req, tx } = setup('TCP');
  layer.receive(response(req, 603, 'x'), SRC);
  assert.equal(tx.state, 'completed');
  clock.tick(0);
  assert.equal(tx.state, 'terminated');
});

test('INVITE client: 2xx → Accepted (RFC 6026), every 2xx to the TU, Timer M, then stray', () => {
  const { clock, layer, got, req, tx, stray, sink } = setup();
  clock.tick(100);
  layer.receive(response(req, 200, 'forkA'), SRC);
  assert.equal(tx.state, 'accepted');
  assert.equal(sink.count('ACK'), 0); // the TU ACKs a 2xx
  layer.receive(response(req, 200, 'forkA'), SRC); // retransmission
  layer.receive(response(req, 200, 'forkB'), SRC); // second fork
  layer.receive(response(req, 486, 'forkC'), SRC); // late non-2xx: absorbed
  assert.deepEqual(got.map((r) => `${r.status}/${r.to.params.get('tag')}`), ['200/forkA', '200/forkA', '200/forkB']);
  clock.tick(64 * 500 - 1);
  assert.equal(tx.state, 'accepted');
  clock.tick(1);
  assert.equal(tx.state, 'terminated');
  layer.receive(response(req, 200, 'forkA'), SRC);
  assert.equal(stray.length, 1);
  assert.equal(sink.count('INVITE'), 1);
});

test('INVITE client: cancel() waits for a provisional response (§9.1), CANCEL copies the INVITE identity', () => {
  const { clock, layer, req, tx, sink, got } = setup();
  tx.cancel();
  clock.tick(100);
  assert.equal(sink.count('CANCEL'), 0);
  layer.receive(response(req, 183, 't'), SRC);
  const cancel = sink.last('CANCEL') as SipRequest;
  assert.ok(cancel);
  assert.equal(cancel.topVia.branch, req.topVia.branch);
  assert.deepEqual(cancel.cseq, { seq: 1, method: 'CANCEL' });
  assert.equal(cancel.headers.get('to'), req.headers.get('to'));
  assert.deepEqual(cancel.headers.getAll('route'), req.headers.getAll('route'));
  assert.equal(cancel.uriText, req.uriText);
  // CANCEL's 200 belongs to the CANCEL transaction, not to the INVITE's TU.
  layer.receive(response(cancel, 200, 't'), SRC);
  layer.receive(response(req, 487, 't'), SRC);
  assert.deepEqual(got.map((r) => r.status), [183, 487]);
  assert.equal(tx.state, 'completed');
  assert.equal(sink.count('ACK'), 1);
});

test('INVITE client: CANCEL never answered by a final response → INVITE given up 64*T1 later', () => {
  const { clock, layer, req, tx, timeouts } = setup('TCP');
  layer.receive(response(req, 180, 't'), SRC);
  tx.cancel();
  clock.tick(64 * 500);
  assert.equal(tx.state, 'terminated');
  assert.equal(timeouts(), 1);
});

test('client transaction: a throwing sink is a transport error; reportTransportError too', () => {
  const clock = new FakeClock();
  let fail = true;
  const sink = { send: () => { if (fail) throw new Error('ECONNREFUSED'); }, reliable: () => true };
  const layer = new TransactionLayer({ sink, clock });
  const errs: string[] = [];
  const tx: ClientTransaction = layer.sendRequest(request(), { transport: 'TCP', host: 'h', port: 1 }, {
    onTransportError: (e) => errs.push(e.message),
  });
  assert.equal(tx.state, 'terminated');
  assert.deepEqual(errs, ['ECONNREFUSED']);
  fail = false;
  const req2 = request({ method: 'OPTIONS', branch: 'z9hG4bKo1' });
  const tx2 = layer.sendRequest(req2, { transport: 'TCP', host: 'h', port: 1 }, { onTransportError: (e) => errs.push(e.message) });
  layer.reportTransportError(req2, 'connection reset');
  assert.equal(tx2.state, 'terminated');
  assert.deepEqual(errs, ['ECONNREFUSED', 'connection reset']);
  assert.equal(clock.pending, 0);
});
