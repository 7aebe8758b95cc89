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

test('non-INVITE server, UDP: respondStateless sends the final response and ends the transaction at once; a retransmission is a new request (RFC 3261 §8.2.7)', () => {
  const { sink, layer, txs, req, src } = setup();
  layer.receive(req, src);
  const tx = txs[0]!;
  tx.respondStateless(response(req, 401, 'b1'));
  assert.equal(sink.count('401 BYE'), 1);
  assert.equal(tx.state, 'terminated');
  assert.equal(layer.stats.serverTransactions, 0, 'nothing waits for Timer J');
  layer.receive(again(req), src);
  assert.equal(txs.length, 2, 'the retransmission reaches the TU as a new request');
  assert.equal(sink.count('401 BYE'), 1, 'and is not answered from a stored response');
});

test('respondStateless is plain respond for provisional responses, INVITE and reliable transports', () => {
  const tcp = setup('TCP');
  tcp.layer.receive(tcp.req, tcp.src);
  tcp.txs[0]!.respondStateless(response(tcp.req, 401, 'b1'));
  assert.equal(tcp.txs[0]!.state, 'completed'); // as respond: Timer J is 0 on reliable transports anyway
  tcp.clock.tick(1);
  assert.equal(tcp.txs[0]!.state, 'terminated');
  const u = setup();
  u.layer.receive(u.req, u.src);
  u.txs[0]!.respondStateless(response(u.req, 100));
  assert.equal(u.txs[0]!.state, 'proceeding');
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const txs: ServerTransaction[] = [];
  layer.onRequest((_req, tx) => txs.push(tx));
  const inv = request({ method: 'INVITE' });
  layer.receive(inv, { transport: 'UDP', host: '192.0.2.10', port: 5060 });
  txs[0]!.respondStateless(response(inv, 407, 'x1'));
  assert.equal(txs[0]!.state, 'completed', 'an INVITE keeps Completed to absorb the ACK of its non-2xx');
});
