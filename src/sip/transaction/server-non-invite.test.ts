import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import type { SipRequest } from '../message.ts';
import { TransactionLayer } from './layer.ts';
import { RecordingSink } from './memory-sink.ts';
import { again, request, response } from './test-fixtures.ts';
import type { ServerTransaction } from './types.ts';

function setup(transport: 'UDP' | 'TCP' = 'UDP') {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const txs: ServerTransaction[] = [];
  layer.onRequest((_req, tx) => txs.push(tx));
  const src = { transport, host: '192.0.2.10', port: 5060 };
  const req = request({ method: 'BYE', transport, toTag: 'b1' });
  return { clock, sink, layer, txs, req, src };
}

test('non-INVITE server: Trying discards retransmissions, Proceeding/Completed resend the last response', () => {
  const { sink, layer, txs, req, src } = setup();
  layer.receive(req, src);
  layer.receive(again(req), src);
  assert.equal(txs.length, 1);
  assert.equal(sink.sent.length, 0); // Trying: nothing to resend
  const tx = txs[0]!;
  tx.respond(response(req, 100));
  assert.equal(tx.state, 'proceeding');
  layer.receive(again(req), src);
  assert.equal(sink.count('100 BYE'), 2);
  tx.respond(response(req, 200, 'b1'));
  assert.equal(tx.state, 'completed');
  layer.receive(again(req), src);
  assert.equal(sink.count('200 BYE'), 2);
  assert.throws(() => tx.respond(response(req as SipRequest, 500, 'b1')));
});

test('non-INVITE server, UDP: Timer J = 64*T1', () => {
  const { clock, layer, txs, req, src } = setup();
  layer.receive(req, src);
  txs[0]!.respond(response(req, 200, 'b1'));
  clock.tick(31_999);
  assert.equal(txs[0]!.state, 'completed');
  clock.tick(1);
  assert.equal(txs[0]!.state, 'terminated');
  // After J, the same request is a new transaction for the TU.
  layer.receive(again(req), src);
  assert.equal(txs.length, 2);
});

test('non-INVITE server, TCP: Timer J = 0', () => {
  const { clock, layer, txs, req, src } = setup('TCP');
  layer.receive(req, src);
  txs[0]!.respond(response(req, 200, 'b1'));
  clock.tick(0);
  assert.equal(txs[0]!.state, 'terminated');
  assert.equal(clock.pending, 0);
});

test('no request handler: 500 so the peer is not left retransmitting', () => {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  layer.receive(request({ method: 'OPTIONS' }), { transport: 'UDP', host: 'h', port: 1 });
  assert.equal(sink.count('500 OPTIONS'), 1);
});
