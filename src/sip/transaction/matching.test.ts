import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message.ts';
import { TransactionLayer } from './layer.ts';
import { RecordingSink } from './memory-sink.ts';
import { again, request, response } from './test-fixtures.ts';
import type { ServerTransaction } from './types.ts';

const SRC = { transport: 'UDP' as const, host: '192.0.2.10', port: 5060 };

function setup() {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const txs: ServerTransaction[] = [];
  const reqs: SipRequest[] = [];
  const acks: SipRequest[] = [];
  layer.onRequest((r, tx) => {
    reqs.push(r);
    txs.push(tx);
  });
  layer.onAck((a) => acks.push(a));
  return { clock, sink, layer, txs, reqs, acks };
}

test('CANCEL with no matching INVITE → 481 (§9.2)', () => {
  const { sink, layer, reqs } = setup();
  layer.receive(request({ method: 'CANCEL' }), SRC);
  assert.equal(sink.count('481 CANCEL'), 1);
  assert.equal(reqs.length, 0);
});

test('CANCEL matching a pending INVITE: 200 to CANCEL, then 487 to the INVITE (no TU cancel handler)', () => {
  const { sink, layer, txs } = setup();
  const invite = request();
  layer.receive(invite, SRC);
  txs[0]!.respond(response(invite, 180, 'b1'));
  layer.receive(request({ method: 'CANCEL' }), SRC);
  assert.equal(sink.count('200 CANCEL'), 1);
  assert.equal((sink.last('200 CANCEL') as SipResponse).to.params.get('tag'), 'b1');
  assert.equal(sink.count('487 INVITE'), 1);
  assert.equal(txs[0]!.cancelled, true);
  assert.equal(txs[0]!.state, 'completed');
  // A retransmitted CANCEL is absorbed by its own transaction (200 again), no second 487.
  layer.receive(request({ method: 'CANCEL' }), SRC);
  assert.equal(sink.count('200 CANCEL'), 2);
  assert.equal(sink.count('487 INVITE'), 1);
});

test('CANCEL with a TU cancel handler: the TU answers 487 itself; order is 200 CANCEL then 487', () => {
  const { sink, layer, txs } = setup();
  const invite = request();
  layer.receive(invite, SRC);
  const tx = txs[0]!;
  let seen: SipRequest | undefined;
  tx.onCancel((c) => {
    seen = c;
    tx.respond(response(invite, 487, 'b1'));
  });
  layer.receive(request({ method: 'CANCEL' }), SRC);
  assert.equal(seen?.method, 'CANCEL');
  const lines = sink.sent.map((s) => (s.msg.isRequest ? s.msg.method : `${s.msg.status} ${s.msg.cseq.method}`));
  assert.deepEqual(lines, ['200 CANCEL', '487 INVITE']);
});

test('CANCEL after the final response: 200, INVITE untouched', () => {
  const { sink, layer, txs } = setup();
  const invite = request();
  layer.receive(invite, SRC);
  txs[0]!.respond(response(invite, 200, 'b1'));
  layer.receive(request({ method: 'CANCEL' }), SRC);
  assert.equal(sink.count('200 CANCEL'), 1);
  assert.equal(sink.count('487 INVITE'), 0);
  assert.equal(txs[0]!.cancelled, false);
});

test('CANCEL with another branch or sent-by does not match', () => {
  const { sink, layer } = setup();
  layer.receive(request(), SRC);
  layer.receive(request({ method: 'CANCEL', branch: 'z9hG4bKother' }), SRC);
  layer.receive(request({ method: 'CANCEL', sentBy: '192.0.2.99:5060' }), SRC);
  assert.equal(sink.count('481 CANCEL'), 2);
});

test('unmatchedCancel=deliver hands the CANCEL to the TU (stateless proxy)', () => {
  const clock = new FakeClock();
  const layer = new TransactionLayer({ sink: new RecordingSink(clock), clock, unmatchedCancel: 'deliver' });
  const got: string[] = [];
  layer.onRequest((r) => got.push(r.method));
  layer.receive(request({ method: 'CANCEL' }), SRC);
  assert.deepEqual(got, ['CANCEL']);
});

test('same branch, different sent-by → two transactions (§17.2.3)', () => {
  const { layer, txs } = setup();
  layer.receive(request({ method: 'OPTIONS' }), SRC);
  layer.receive(request({ method: 'OPTIONS', sentBy: '192.0.2.11:5060' }), SRC);
  assert.equal(txs.length, 2);
});

test('RFC 2543 fallback (no magic cookie): retransmissions, ACK by To tag, CANCEL', () => {
  const { sink, layer, txs, acks } = setup();
  const invite = request({ branch: null });
  layer.receive(invite, SRC);
  layer.receive(again(invite), SRC);
  assert.equal(txs.length, 1); // retransmission matched by R-URI, From tag, Call-ID, CSeq, top Via
  layer.receive(request({ branch: null, cseq: 2 }), SRC);
  assert.equal(txs.length, 2); // another CSeq: another transaction
  layer.receive(request({ branch: null, fromTag: 'other' }), SRC);
  assert.equal(txs.length, 3);
  layer.receive(request({ branch: 'z9hG4bKdifferent' }), SRC);
  assert.equal(txs.length, 4);
  // CANCEL for the first INVITE (same R-URI, From, Call-ID, CSeq number, top Via).
  layer.receive(request({ method: 'CANCEL', branch: null }), SRC);
  assert.equal(sink.count('200 CANCEL'), 1);
  assert.equal(sink.count('487 INVITE'), 1);
  const final = txs[0]!.lastResponse!;
  const tag = final.to.params.get('tag') ?? undefined;
  assert.ok(tag); // the layer's own 487 carries a To tag
  // An ACK whose To tag differs from the response's does not match: it goes to the core.
  layer.receive(request({ method: 'ACK', branch: null, toTag: 'wrong' }), SRC);
  assert.equal(acks.length, 1);
  assert.equal(txs[0]!.state, 'completed');
  layer.receive(request({ method: 'ACK', branch: null, toTag: tag }), SRC);
  assert.equal(txs[0]!.state, 'confirmed');
});

test('malformed message (no Via) is dropped and counted, never thrown', () => {
  const { layer } = setup();
  const bad = request({ method: 'OPTIONS' });
  bad.headers.delete('via');
  layer.receive(bad, SRC);
  assert.equal(layer.stats.dropped, 1);
});
