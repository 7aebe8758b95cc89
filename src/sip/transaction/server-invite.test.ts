import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message.ts';
import { TransactionLayer } from './layer.ts';
import { RecordingSink } from './memory-sink.ts';
import { again, request, response } from './test-fixtures.ts';
import type { ServerTransaction } from './types.ts';

function setup(transport: 'UDP' | 'TCP' = 'UDP', handler?: (req: SipRequest, tx: ServerTransaction) => void) {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const txs: ServerTransaction[] = [];
  const acks: SipRequest[] = [];
  layer.onRequest((req, tx) => {
    txs.push(tx);
    handler?.(req, tx);
  });
  layer.onAck((a) => acks.push(a));
  const src = { transport, host: '192.0.2.10', port: 5060, ...(transport === 'TCP' ? { connectionId: 'c1' } : {}) };
  const invite = request({ transport });
  return { clock, sink, layer, txs, acks, invite, src };
}

test('INVITE server: 100 Trying after 200 ms when the TU is silent (§17.2.1)', () => {
  const { clock, sink, layer, invite, src, txs } = setup();
  layer.receive(invite, src);
  assert.equal(txs.length, 1);
  clock.tick(199);
  assert.equal(sink.count('100 INVITE'), 0);
  clock.tick(1);
  assert.equal(sink.count('100 INVITE'), 1);
  const trying = sink.last('100 INVITE') as SipResponse;
  assert.equal(trying.to.params.has('tag'), false);
  assert.equal(sink.sent[0]!.target.host, '192.0.2.10');
  assert.equal(sink.sent[0]!.target.port, 5060);
});

test('INVITE server: no 100 when the TU answers within 200 ms; retransmitted INVITE → last provisional', () => {
  const { clock, sink, layer, invite, src, txs } = setup();
  layer.receive(invite, src);
  clock.tick(50);
  txs[0]!.respond(response(invite, 180, 'b1'));
  clock.tick(1000);
  assert.equal(sink.count('100 INVITE'), 0);
  layer.receive(again(invite), src);
  assert.equal(sink.count('180 INVITE'), 2);
  assert.equal(txs.length, 1);
  assert.equal(layer.stats.absorbed, 1);
});

test('INVITE server, UDP: 486 retransmitted by Timer G (T1 doubling, capped at T2), Timer H at 64*T1', () => {
  const { clock, sink, layer, invite, src, txs } = setup();
  layer.receive(invite, src);
  const tx = txs[0]!;
  const failures: string[] = [];
  tx.onFailure((r) => failures.push(r));
  const t0 = clock.now();
  tx.respond(response(invite, 486, 'b1'));
  assert.equal(tx.state, 'completed');
  clock.tick(31_999);
  assert.deepEqual(sink.times('486 INVITE', t0), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  // Retransmitted INVITE in Completed → the final response again.
  layer.receive(again(invite), src);
  assert.equal(sink.count('486 INVITE'), 12);
  clock.tick(1);
  assert.equal(tx.state, 'terminated');
  assert.deepEqual(failures, ['timeout']);
  assert.equal(clock.pending, 0);
});

test('INVITE server: ACK → Confirmed, G stops, ACK retransmissions absorbed, Timer I = T4', () => {
  const { clock, sink, layer, invite, src, txs, acks } = setup();
  layer.receive(invite, src);
  const tx = txs[0]!;
  const res = response(invite, 404, 'b1');
  tx.respond(res);
  clock.tick(700); // one G retransmission at 500
  const ack = request({ method: 'ACK', toTag: 'b1' });
  layer.receive(ack, src);
  assert.equal(tx.state, 'confirmed');
  layer.receive(again(ack), src);
  assert.equal(acks.length, 0); // absorbed, not passed to the TU
  clock.tick(4000);
  assert.equal(sink.count('404 INVITE'), 2);
  clock.tick(5000 - 4000 - 1);
  assert.equal(tx.state, 'confirmed');
  clock.tick(1);
  assert.equal(tx.state, 'terminated');
});

test('INVITE server, TCP: no Timer G, Timer I = 0', () => {
  const { clock, sink, layer, invite, src, txs } = setup('TCP');
  layer.receive(invite, src);
  txs[0]!.respond(response(invite, 486, 'b1'));
  clock.tick(10_000);
  assert.equal(sink.count('486 INVITE'), 1);
  assert.equal(sink.sent.at(-1)!.target.connectionId, 'c1');
  layer.receive(request({ method: 'ACK', toTag: 'b1', transport: 'TCP' }), src);
  assert.equal(txs[0]!.state, 'confirmed');
  clock.tick(0);
  assert.equal(txs[0]!.state, 'terminated');
});

test('INVITE server: 2xx → Accepted (RFC 6026), INVITE retransmissions absorbed, TU 2xx passed, ACK to TU, Timer L', () => {
  const { clock, sink, layer, invite, src, txs, acks } = setup();
  layer.receive(invite, src);
  const tx = txs[0]!;
  const ok = response(invite, 200, 'b1');
  tx.respond(ok);
  assert.equal(tx.state, 'accepted');
  layer.receive(again(invite), src);
  assert.equal(sink.count('200 INVITE'), 1); // the transaction does not retransmit 2xx itself
  clock.tick(500);
  assert.equal(sink.count('200 INVITE'), 1);
  tx.respond(ok); // the TU's retransmission (RFC 3261 §13.3.1.4)
  assert.equal(sink.count('200 INVITE'), 2);
  assert.throws(() => tx.respond(response(invite, 486, 'b1')));
  // ACK for 2xx with the INVITE's branch (RFC 2543-style UAC) reaches the TU through onAck.
  layer.receive(request({ method: 'ACK', toTag: 'b1' }), src);
  // ACK for 2xx with its own branch (RFC 3261) matches no transaction: onAck too.
  layer.receive(request({ method: 'ACK', toTag: 'b1', branch: 'z9hG4bKack2' }), src);
  assert.equal(acks.length, 2);
  clock.tick(64 * 500 - 500 - 1);
  assert.equal(tx.state, 'accepted');
  clock.tick(1);
  assert.equal(tx.state, 'terminated');
});

test('INVITE server: a failing sink terminates and reports transport failure', () => {
  const clock = new FakeClock();
  const sink = { send: () => { throw new Error('gone'); }, reliable: () => false };
  const layer = new TransactionLayer({ sink, clock });
  const fails: string[] = [];
  layer.onRequest((req, tx) => {
    tx.onFailure((r) => fails.push(r));
    tx.respond(response(req, 486, 'x'));
  });
  layer.receive(request(), { transport: 'UDP', host: 'h', port: 1 });
  assert.deepEqual(fails, ['transport']);
  assert.equal(layer.stats.serverTransactions, 0);
  assert.equal(clock.pending, 0);
});

test('response target follows §18.2.2 / RFC 3581: rport → source port, else sent-by port; maddr', () => {
  const { sink, layer } = setup('UDP', (req, tx) => tx.respond(response(req, 200, 't')));
  const src = { transport: 'UDP' as const, host: '203.0.113.5', port: 40000 };
  layer.receive(request({ method: 'OPTIONS', sentBy: '10.0.0.1:5070;rport', branch: 'z9hG4bKa' }), src);
  layer.receive(request({ method: 'OPTIONS', sentBy: '10.0.0.1:5070', branch: 'z9hG4bKb' }), src);
  layer.receive(request({ method: 'OPTIONS', sentBy: '10.0.0.1;maddr=239.1.1.1', branch: 'z9hG4bKc' }), src);
  assert.deepEqual(sink.sent.map((s) => `${s.target.host}:${s.target.port}`), ['203.0.113.5:40000', '203.0.113.5:5070', '239.1.1.1:5060']);
});
